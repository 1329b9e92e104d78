//! What-if changes: `KEY=VALUE` with the names users already know (`spark.sql.shuffle.partitions`,
//! `glue.workerType`, `coalesce` …) and Spark's own size and time suffixes (`64m`, `60s`).

use super::scenario::{Format, Scenario, ShuffleStorage, Source};
use crate::model::glue;
use crate::model::units::{parse_memory_bytes, parse_size_bytes, parse_time_s};

/// The value type of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Count,
    Size,
    Memory,
    Seconds,
    Bool,
    Factor,
    Coalesce,
    GroupFiles,
    WorkerType,
    Storage,
    SignedSize,
}

/// Every key `--set` accepts, with its value type and a one-line description.
const KEYS: [(&str, Kind, &str); 23] = [
    (
        "spark.sql.shuffle.partitions",
        Kind::Count,
        "reduce partitions of SQL shuffles",
    ),
    (
        "spark.sql.files.maxPartitionBytes",
        Kind::Size,
        "largest read partition (file packing)",
    ),
    (
        "spark.sql.files.openCostInBytes",
        Kind::Size,
        "cost of opening a file, in bytes (file packing)",
    ),
    (
        "spark.sql.adaptive.enabled",
        Kind::Bool,
        "adaptive query execution",
    ),
    (
        "spark.sql.adaptive.coalescePartitions.enabled",
        Kind::Bool,
        "AQE merges small shuffle partitions",
    ),
    (
        "spark.sql.adaptive.advisoryPartitionSizeInBytes",
        Kind::Size,
        "AQE target partition size",
    ),
    (
        "spark.sql.adaptive.skewJoin.enabled",
        Kind::Bool,
        "AQE splits skewed join partitions",
    ),
    (
        "spark.sql.adaptive.skewJoin.skewedPartitionFactor",
        Kind::Factor,
        "skewed if this many times the median …",
    ),
    (
        "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes",
        Kind::Size,
        "… and larger than this",
    ),
    (
        "spark.sql.autoBroadcastJoinThreshold",
        Kind::SignedSize,
        "largest table broadcast in joins (-1: never)",
    ),
    (
        "spark.dynamicAllocation.enabled",
        Kind::Bool,
        "release idle executors, add executors on backlog",
    ),
    (
        "spark.dynamicAllocation.maxExecutors",
        Kind::Count,
        "most executors dynamic allocation may hold",
    ),
    (
        "spark.dynamicAllocation.executorIdleTimeout",
        Kind::Seconds,
        "idle time before an executor is released",
    ),
    ("spark.executor.instances", Kind::Count, "executors"),
    (
        "spark.executor.cores",
        Kind::Count,
        "task slots per executor",
    ),
    (
        "spark.executor.memory",
        Kind::Memory,
        "executor heap (bare number: MiB)",
    ),
    (
        "coalesce",
        Kind::Coalesce,
        "none: remove the plan's coalesce(n); N: coalesce to N partitions",
    ),
    (
        "glue.groupFiles",
        Kind::GroupFiles,
        "inPartition: read through a DynamicFrame grouping files; none: Spark's file packing",
    ),
    (
        "glue.groupSize",
        Kind::Size,
        "target bytes of a Glue file group",
    ),
    (
        "glue.workers",
        Kind::Count,
        "Glue workers (one runs the driver)",
    ),
    (
        "glue.workerType",
        Kind::WorkerType,
        "Glue worker type (G.025X … G.16X)",
    ),
    (
        "glue.shuffleStorage",
        Kind::Storage,
        "s3 (--write-shuffle-files-to-s3) or local",
    ),
    (
        "glue.spillToS3",
        Kind::Bool,
        "also write spill to S3 (--write-shuffle-spills-to-s3)",
    ),
];

/// One what-if control: a key with its description and the value it starts from.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Control {
    /// The `--set` key.
    pub key: String,
    /// What it changes.
    pub description: String,
    /// What values look like (`bytes (64m, 1g, …)`).
    pub hint: String,
    /// The starting value as `--set` spells it.
    pub current: String,
    /// The starting value for reading (sizes in MB/GB).
    pub shown: String,
}

/// Every key with its value in `s` (for the what-if controls).
pub fn controls(s: &Scenario) -> Vec<Control> {
    known_keys()
        .into_iter()
        .map(|(k, d)| {
            let current = current(s, k).unwrap_or_default();
            let hint = value_hint(k).unwrap_or_default().to_string();
            let shown = match current.parse::<u64>() {
                Ok(b) if hint.starts_with("bytes") && b >= 1024 => {
                    format!("{} ({b})", crate::model::units::format_bytes(b as f64))
                }
                _ => current.clone(),
            };
            Control {
                key: k.to_string(),
                description: d.to_string(),
                hint,
                current,
                shown,
            }
        })
        .collect()
}

/// The keys `--set` accepts, each with a description.
pub fn known_keys() -> Vec<(&'static str, &'static str)> {
    KEYS.iter().map(|(k, _, d)| (*k, *d)).collect()
}

/// What a key's values are, for a control's label: `bytes`, `seconds`, `count`, `true/false`, …
pub fn value_hint(key: &str) -> Option<&'static str> {
    let (_, kind, _) = KEYS.iter().find(|(k, ..)| k.eq_ignore_ascii_case(key))?;
    Some(match kind {
        Kind::Count => "count",
        Kind::Size | Kind::SignedSize => "bytes (64m, 1g, …)",
        Kind::Memory => "bytes (8g, 2048m)",
        Kind::Seconds => "seconds (60s, 2min)",
        Kind::Bool => "true / false",
        Kind::Factor => "factor",
        Kind::Coalesce => "none / N",
        Kind::GroupFiles => "inPartition / none",
        Kind::WorkerType => "G.025X … G.16X",
        Kind::Storage => "s3 / local",
    })
}

/// The current value of `key` in `s`, as `--set` would spell it (for controls showing the value
/// a change starts from); none for an unknown key.
pub fn current(s: &Scenario, key: &str) -> Option<String> {
    let (key, ..) = KEYS.iter().find(|(k, ..)| k.eq_ignore_ascii_case(key))?;
    let shape = super::cluster::resolve(s).ok();
    let sp = &s.spark;
    let da = &sp.dynamic_allocation;
    Some(match *key {
        "spark.sql.shuffle.partitions" => sp.shuffle_partitions.to_string(),
        "spark.sql.files.maxPartitionBytes" => sp.files_max_partition_bytes.to_string(),
        "spark.sql.files.openCostInBytes" => sp.files_open_cost_bytes.to_string(),
        "spark.sql.adaptive.enabled" => sp.adaptive.enabled.to_string(),
        "spark.sql.adaptive.coalescePartitions.enabled" => {
            sp.adaptive.coalesce_partitions.to_string()
        }
        "spark.sql.adaptive.advisoryPartitionSizeInBytes" => {
            sp.adaptive.advisory_partition_bytes.to_string()
        }
        "spark.sql.adaptive.skewJoin.enabled" => sp.adaptive.skew_join.to_string(),
        "spark.sql.adaptive.skewJoin.skewedPartitionFactor" => {
            sp.adaptive.skewed_partition_factor.to_string()
        }
        "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes" => {
            sp.adaptive.skewed_partition_threshold_bytes.to_string()
        }
        "spark.sql.autoBroadcastJoinThreshold" => {
            sp.auto_broadcast_join_threshold_bytes.to_string()
        }
        "spark.dynamicAllocation.enabled" => da.enabled.to_string(),
        "spark.dynamicAllocation.maxExecutors" => da
            .max_executors
            .or(shape.as_ref().map(|c| c.executors))?
            .to_string(),
        "spark.dynamicAllocation.executorIdleTimeout" => format!("{}s", da.executor_idle_timeout_s),
        "spark.executor.instances" => shape.as_ref()?.executors.to_string(),
        "spark.executor.cores" => shape.as_ref()?.cores.to_string(),
        "spark.executor.memory" => format!("{}m", shape.as_ref()?.heap_bytes >> 20),
        "coalesce" => s
            .stages()
            .find_map(|st| st.coalesce)
            .map_or_else(|| "none".to_string(), |n| n.to_string()),
        "glue.groupFiles" => if s.glue.group_files {
            "inPartition"
        } else {
            "none"
        }
        .to_string(),
        "glue.groupSize" => s
            .glue
            .group_size_bytes
            .map_or_else(|| "auto".into(), |g| g.to_string()),
        "glue.workers" => shape.as_ref()?.workers.to_string(),
        "glue.workerType" => s.cluster.worker_type.clone()?,
        "glue.shuffleStorage" => match s.glue.shuffle_storage {
            ShuffleStorage::Local => "local".into(),
            ShuffleStorage::S3 => "s3".into(),
        },
        "glue.spillToS3" => s.glue.spill_to_s3.to_string(),
        _ => return None,
    })
}

/// A parsed value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
    OptU64(Option<u64>),
    Text(String),
}

/// One parsed change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The key as the table spells it.
    pub key: &'static str,
    value: Value,
    /// The value as given.
    pub raw: String,
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// Parses `KEY=VALUE`. Unknown keys are an error listing the known ones.
pub fn parse(spec: &str) -> Result<Change, String> {
    let Some((k, v)) = spec.split_once('=') else {
        return Err(format!("--set {spec:?}: expected KEY=VALUE"));
    };
    let (k, v) = (k.trim(), v.trim());
    let Some(&(key, kind, _)) = KEYS.iter().find(|(name, ..)| name.eq_ignore_ascii_case(k)) else {
        let known: Vec<&str> = KEYS.iter().map(|(n, ..)| *n).collect();
        return Err(format!(
            "--set {spec}: unknown key {k:?}; known keys: {}",
            known.join(", ")
        ));
    };
    let bad = |what: &str| format!("--set {spec}: {v:?} is not {what}");
    let value = match kind {
        Kind::Count => {
            let n: u64 = v.parse().map_err(|_| bad("a whole number"))?;
            if n == 0 {
                return Err(bad("a whole number ≥ 1"));
            }
            Value::U64(n)
        }
        Kind::Size => Value::U64(
            parse_size_bytes(v)
                // A zero open cost is valid Spark; zero sizes elsewhere are not.
                .filter(|b| *b > 0 || key == "spark.sql.files.openCostInBytes")
                .ok_or_else(|| bad("a size (e.g. 64m, 8388608)"))?,
        ),
        Kind::SignedSize => {
            if v.trim() == "-1" {
                Value::I64(-1)
            } else {
                Value::I64(
                    parse_size_bytes(v).ok_or_else(|| bad("a size (e.g. 10m) or -1"))? as i64,
                )
            }
        }
        Kind::Memory => Value::U64(
            parse_memory_bytes(v)
                .filter(|b| *b >= super::cluster::MIN_HEAP_BYTES)
                .ok_or_else(|| bad("a memory size ≥ 450m, Spark's minimum (e.g. 8g, 4096m)"))?,
        ),
        Kind::Seconds => Value::F64(
            parse_time_s(v, 1.0).ok_or_else(|| bad("a duration (e.g. 60s, 500ms, 2min)"))?,
        ),
        Kind::Bool => Value::Bool(parse_bool(v).ok_or_else(|| bad("true or false"))?),
        Kind::Factor => {
            let f: f64 = v.parse().map_err(|_| bad("a number"))?;
            if !(f.is_finite() && f > 0.0) {
                return Err(bad("a number > 0"));
            }
            Value::F64(f)
        }
        Kind::Coalesce => {
            if v.eq_ignore_ascii_case("none") {
                Value::OptU64(None)
            } else {
                let n: u64 = v.parse().map_err(|_| bad("none or a partition count"))?;
                if n == 0 {
                    return Err(bad("none or a partition count ≥ 1"));
                }
                Value::OptU64(Some(n))
            }
        }
        Kind::GroupFiles => match v.to_ascii_lowercase().as_str() {
            "inpartition" | "true" => Value::Bool(true),
            "none" | "false" | "off" => Value::Bool(false),
            _ => return Err(bad("inPartition or none")),
        },
        Kind::WorkerType => {
            let w = glue::worker_type(v).ok_or_else(|| {
                let known: Vec<&str> = glue::WORKER_TYPES.iter().map(|w| w.name).collect();
                bad(&format!("a Glue worker type ({})", known.join(", ")))
            })?;
            Value::Text(w.name.to_string())
        }
        Kind::Storage => match v.to_ascii_lowercase().as_str() {
            "s3" => Value::Text("s3".into()),
            "local" => Value::Text("local".into()),
            _ => return Err(bad("s3 or local")),
        },
    };
    Ok(Change {
        key,
        value,
        raw: v.to_string(),
    })
}

/// Parses every `KEY=VALUE`.
pub fn parse_all<S: AsRef<str>>(specs: &[S]) -> Result<Vec<Change>, String> {
    specs.iter().map(|s| parse(s.as_ref())).collect()
}

fn u(v: &Value) -> u64 {
    match v {
        Value::U64(n) => *n,
        _ => 0,
    }
}

fn u32c(v: &Value) -> u32 {
    u(v).min(u32::MAX as u64) as u32
}

/// Applies `changes` to `s`; returns notes on what each did. Cluster keys (`glue.workerType`,
/// `glue.workers`) apply first so that `spark.executor.*` keys refine them.
pub fn apply(s: &mut Scenario, changes: &[Change]) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    let mut ordered: Vec<&Change> = changes.iter().collect();
    crate::sorting::sort_by(&mut ordered, |c| {
        crate::sorting::Key::u(u64::from(!c.key.starts_with("glue.worker")))
    });
    for c in ordered {
        let v = &c.value;
        // Every number within its documented range before it touches the scenario.
        let number = match v {
            Value::U64(n) => Some(*n as f64),
            Value::I64(n) => Some(*n as f64),
            Value::F64(f) => Some(*f),
            Value::OptU64(Some(n)) => Some(*n as f64),
            _ => None,
        };
        if let Some(x) = number {
            if c.key == "glue.workers" {
                let wt = s.cluster.worker_type.clone();
                super::limits::check_workers(wt.as_deref(), x as u64)?;
            } else {
                super::limits::check(c.key, x)?;
            }
        }
        // A change to how many executors there are, or how they come and go, ends the replay of
        // the measured executors: the model requests and releases them.
        if c.key == "spark.executor.instances"
            || c.key.starts_with("glue.worker")
            || c.key.starts_with("spark.dynamicAllocation.")
        {
            s.cluster.executor_timeline.clear();
        }
        let sp = &mut s.spark;
        match c.key {
            "spark.sql.shuffle.partitions" => sp.shuffle_partitions = u32c(v),
            "spark.sql.files.maxPartitionBytes" => sp.files_max_partition_bytes = u(v),
            "spark.sql.files.openCostInBytes" => sp.files_open_cost_bytes = u(v),
            "spark.sql.adaptive.enabled" => sp.adaptive.enabled = v == &Value::Bool(true),
            "spark.sql.adaptive.coalescePartitions.enabled" => {
                sp.adaptive.coalesce_partitions = v == &Value::Bool(true)
            }
            "spark.sql.adaptive.advisoryPartitionSizeInBytes" => {
                sp.adaptive.advisory_partition_bytes = u(v)
            }
            "spark.sql.adaptive.skewJoin.enabled" => {
                sp.adaptive.skew_join = v == &Value::Bool(true)
            }
            "spark.sql.adaptive.skewJoin.skewedPartitionFactor" => {
                if let Value::F64(f) = v {
                    sp.adaptive.skewed_partition_factor = *f;
                }
            }
            "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes" => {
                sp.adaptive.skewed_partition_threshold_bytes = u(v)
            }
            "spark.sql.autoBroadcastJoinThreshold" => {
                if let Value::I64(b) = v {
                    sp.auto_broadcast_join_threshold_bytes = *b;
                }
            }
            "spark.dynamicAllocation.enabled" => {
                sp.dynamic_allocation.enabled = v == &Value::Bool(true)
            }
            "spark.dynamicAllocation.maxExecutors" => {
                sp.dynamic_allocation.max_executors = Some(u32c(v))
            }
            "spark.dynamicAllocation.executorIdleTimeout" => {
                if let Value::F64(t) = v {
                    sp.dynamic_allocation.executor_idle_timeout_s = *t;
                }
            }
            "spark.executor.instances" => {
                let n = u32c(v);
                s.cluster.executors = Some(n);
                let da = &mut s.spark.dynamic_allocation;
                if da.enabled {
                    // Spark starts with max(initialExecutors, spark.executor.instances).
                    da.initial_executors = Some(n);
                    da.max_executors = Some(da.max_executors.unwrap_or(n).max(n));
                }
            }
            "spark.executor.cores" => s.cluster.executor_cores = Some(u32c(v)),
            "spark.executor.memory" => s.cluster.executor_memory_bytes = Some(u(v)),
            "coalesce" => {
                let Value::OptU64(n) = v else { continue };
                let mut hit = 0;
                for st in s.stages_mut().filter(|st| st.coalesce.is_some()) {
                    st.coalesce = n.map(|n| n.min(u32::MAX as u64) as u32);
                    hit += 1;
                }
                if hit == 0 {
                    return Err("--set coalesce: the plan has no coalesce(n) to change".into());
                }
            }
            "glue.groupFiles" => {
                let on = v == &Value::Bool(true);
                s.glue.group_files = on;
                if on {
                    let mut grouped = 0;
                    for st in s.stages_mut() {
                        if let Source::Read { input } = &mut st.source {
                            // Glue groups csv, json, xml, ion, grokLog; not Parquet, ORC, Avro.
                            if input.format != Format::Parquet {
                                input.dynamic_frame = true;
                                grouped += 1;
                            }
                        }
                    }
                    if grouped == 0 {
                        notes.push("glue.groupFiles: no JSON or text read stage to group (Glue does not group Parquet)".into());
                    }
                    // A DynamicFrame infers its schema while reading: Spark's separate
                    // schema-inference job goes away.
                    let before = s.stages().count();
                    for j in &mut s.jobs {
                        j.stages.retain(|st| !st.work.infer_schema);
                    }
                    let removed = before - s.stages().count();
                    if removed > 0 {
                        notes.push(format!(
                            "glue.groupFiles: {removed} schema-inference stage(s) removed (a DynamicFrame infers while reading)"
                        ));
                    }
                }
            }
            "glue.groupSize" => s.glue.group_size_bytes = Some(u(v)),
            "glue.workers" => {
                s.cluster.workers = u32c(v).max(2);
                // Glue sizes dynamic allocation to the workers.
                s.spark.dynamic_allocation.max_executors = None;
                s.spark.dynamic_allocation.initial_executors = None;
                if s.cluster.worker_type.is_none() {
                    s.cluster.worker_type = Some("G.1X".into());
                    notes.push("glue.workers: no worker type given, G.1X assumed".into());
                }
                s.cluster.executors = None;
                s.cluster.local_mode = false;
            }
            "glue.workerType" => {
                if let Value::Text(w) = v {
                    s.cluster.worker_type = Some(w.clone());
                }
                // The worker type sets cores, memory and disk.
                s.cluster.executor_cores = None;
                s.cluster.executor_memory_bytes = None;
                s.cluster.disk_bytes_per_worker = None;
                s.cluster.local_mode = false;
                if s.cluster.executors.is_some() {
                    s.cluster.workers = s.cluster.executors.unwrap_or(1) + 1;
                    s.cluster.executors = None;
                }
            }
            "glue.shuffleStorage" => {
                s.glue.shuffle_storage = if v == &Value::Text("s3".into()) {
                    ShuffleStorage::S3
                } else {
                    ShuffleStorage::Local
                }
            }
            "glue.spillToS3" => s.glue.spill_to_s3 = v == &Value::Bool(true),
            _ => {}
        }
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spark_units_and_rejects_unknown_keys() {
        let c = parse("spark.sql.files.maxPartitionBytes=16m").unwrap();
        assert_eq!(c.value, Value::U64(16 << 20));
        let c = parse("spark.dynamicAllocation.executorIdleTimeout=2min").unwrap();
        assert_eq!(c.value, Value::F64(120.0));
        assert_eq!(
            parse("spark.executor.memory=2048").unwrap().value,
            Value::U64(2048 << 20)
        );
        assert_eq!(parse("coalesce=none").unwrap().value, Value::OptU64(None));
        let e = parse("spark.sql.nope=1").unwrap_err();
        assert!(e.contains("known keys") && e.contains("spark.sql.shuffle.partitions"));
        assert!(parse("spark.sql.shuffle.partitions=x").is_err());
        assert!(parse("glue.workerType=G.3X").unwrap_err().contains("G.1X"));
        assert!(parse("noequals").is_err());
        assert_eq!(
            parse("spark.sql.files.openCostInBytes=0").unwrap().value,
            Value::U64(0)
        );
        assert!(parse("spark.sql.files.maxPartitionBytes=0").is_err());
        assert!(parse("spark.executor.memory=300m").is_err());
    }

    #[test]
    fn every_key_has_a_current_value_on_a_preset() {
        let s = super::super::presets::preset("q80-local-shuffle").unwrap();
        for (k, _) in known_keys() {
            let v = current(&s, k);
            if k == "glue.groupSize" || k == "coalesce" {
                assert!(v.is_some());
                continue;
            }
            let v = v.unwrap_or_else(|| panic!("{k}"));
            // The current value parses back as a change.
            if k != "glue.groupFiles" {
                parse(&format!("{k}={v}")).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        assert_eq!(current(&s, "glue.shuffleStorage").as_deref(), Some("local"));
        assert_eq!(current(&s, "spark.executor.cores").as_deref(), Some("4"));
        assert!(current(&s, "nope").is_none());
    }
}
