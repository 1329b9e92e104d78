//! Glue metric names from CloudWatch result labels and query Ids.
//!
//! A `get-metric-data` result carries only its query's `Id` and `Label`. Without a `Label` in the
//! query, CloudWatch labels the result with the metric name; a query may set any label, though.
//! Ids cannot hold dots (`^[a-z][a-zA-Z0-9_]*$`), so Runlens reads them under a convention:
//!
//! `glue_<source>_<suffix>`, where `<source>` is `driver`, `ALL` (or `all`) or an executor number,
//! and `<suffix>` is a known Glue metric suffix with its dots written as underscores:
//! `glue_driver_aggregate_bytesRead` ↔ `glue.driver.aggregate.bytesRead`,
//! `glue_1_jvm_heap_used` ↔ `glue.1.jvm.heap.used`,
//! `glue_ALL_s3_filesystem_read_bytes` ↔ `glue.ALL.s3.filesystem.read_bytes`,
//! `glue_driver_BlockManager_disk_diskSpaceUsed_MB` ↔ `glue.driver.BlockManager.disk.diskSpaceUsed_MB`.
//! Suffixes are matched whole against the known list (some contain underscores of their own:
//! `read_bytes`, `diskSpaceUsed_MB`), never by replacing every underscore. The hyphen of
//! `memory.non-heap.*` is written as an underscore too (`glue_ALL_memory_non_heap_used`).
//! Observability metrics: `glue_driver_skewness_stage`, `glue_driver_workerUtilization`,
//! `glue_ALL_disk_used_percentage`, `glue_error_OUT_OF_MEMORY_ERROR`, `glue_succeed_ALL`.
//!
//! Throughput metrics (`glue.driver.bytesRead`, …) carry a `Source` or `Sink` dimension; a label
//! that names it (`glue.driver.bytesRead Source=orders`) gives the series the name
//! `glue.driver.bytesRead{Source=orders}`, so that two sources stay two series.

/// Suffixes reported per executor, for the driver and for `ALL`.
const PER_EXECUTOR_SUFFIXES: &[&str] = &[
    "jvm.heap.used",
    "jvm.heap.usage",
    "system.cpuSystemLoad",
    "s3.filesystem.read_bytes",
    "s3.filesystem.write_bytes",
];

/// Suffixes reported by the driver only (besides `aggregate.<name>`, matched by form).
const DRIVER_SUFFIXES: &[&str] = &[
    "ExecutorAllocationManager.executors.numberAllExecutors",
    "ExecutorAllocationManager.executors.numberMaxNeededExecutors",
    "BlockManager.disk.diskSpaceUsed_MB",
    "skewness.stage",
    "skewness.job",
    "workerUtilization",
];

/// Observability suffixes reported for the driver and for `ALL` executors.
const DRIVER_AND_ALL_SUFFIXES: &[&str] = &[
    "memory.heap.available",
    "memory.heap.used",
    "memory.heap.used.percentage",
    "memory.non-heap.available",
    "memory.non-heap.used",
    "memory.non-heap.used.percentage",
    "memory.total.available",
    "memory.total.used",
    "memory.total.used.percentage",
    "disk.available_GB",
    "disk.used_GB",
    "disk.used.percentage",
];

/// The `{Source=…}` / `{Sink=…}` a label gives a throughput metric, when it names one.
fn dimension_in(label: &str, metric: &str) -> Option<String> {
    let base = metric.rsplit('.').next()?;
    if !crate::model::metrics::THROUGHPUT.contains(&base) {
        return None;
    }
    for key in ["Source", "Sink"] {
        for sep in ["=", ": ", ":"] {
            let pat = format!("{key}{sep}");
            if let Some(pos) = label.find(&pat) {
                let rest = &label[pos + pat.len()..];
                let value: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ')' | ']' | '}'))
                    .collect();
                if !value.is_empty() {
                    return Some(format!("{{{key}={value}}}"));
                }
            }
        }
    }
    None
}

/// The Glue metric name in a CloudWatch label: the first `glue.`-prefixed dotted name in it, so a
/// label with text added around the name (`glue.1.jvm.heap.used (JobName: x)`) still names it.
pub(crate) fn metric_from_label(label: &str) -> Option<String> {
    let bytes = label.as_bytes();
    let is_name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-';
    let mut from = 0;
    while let Some(pos) = label[from..].find("glue.") {
        let start = from + pos;
        from = start + 1;
        if start > 0 && is_name_char(bytes[start - 1]) {
            continue; // inside another word, e.g. `myglue.x`
        }
        let end = bytes[start..]
            .iter()
            .position(|&c| !is_name_char(c))
            .map_or(bytes.len(), |n| start + n);
        let name = label[start..end].trim_end_matches('.');
        let segments: Vec<&str> = name.split('.').collect();
        if segments.len() >= 3 && segments.iter().all(|s| !s.is_empty()) {
            return Some(match dimension_in(label, name) {
                Some(d) => format!("{name}{d}"),
                None => name.to_string(),
            });
        }
    }
    None
}

/// The Glue metric name an Id stands for under the Runlens Id convention (see the module docs).
pub(crate) fn metric_from_id(id: &str) -> Option<String> {
    let rest = id.strip_prefix("glue_")?;
    let (source, suffix) = rest.split_once('_')?;
    // glue.succeed.ALL and glue.error.<CATEGORY>: categories are upper-case words.
    if source == "succeed" && matches!(suffix, "ALL" | "all") {
        return Some(crate::model::metrics::SUCCEED_ALL.to_string());
    }
    if source == "error" {
        let upper = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        };
        return match suffix {
            "ALL" | "all" => Some(crate::model::metrics::ERROR_ALL.to_string()),
            s if upper(s) => Some(format!("glue.error.{s}")),
            _ => None,
        };
    }
    let source = match source {
        "driver" => "driver",
        "ALL" | "all" => "ALL",
        s if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) => s,
        _ => return None,
    };
    let matches = |known: &str| {
        known
            .bytes()
            .map(|c| if c == b'.' || c == b'-' { b'_' } else { c })
            .eq(suffix.bytes())
    };
    if let Some(known) = PER_EXECUTOR_SUFFIXES.iter().find(|k| matches(k)) {
        return Some(format!("glue.{source}.{known}"));
    }
    if source == "driver" || source == "ALL" {
        if let Some(known) = DRIVER_AND_ALL_SUFFIXES.iter().find(|k| matches(k)) {
            return Some(format!("glue.{source}.{known}"));
        }
    }
    if source != "driver" {
        return None;
    }
    if let Some(known) = crate::model::metrics::THROUGHPUT
        .iter()
        .find(|k| matches(k))
    {
        return Some(format!("glue.driver.{known}"));
    }
    if let Some(known) = DRIVER_SUFFIXES.iter().find(|k| matches(k)) {
        return Some(format!("glue.driver.{known}"));
    }
    // Every `glue.driver.aggregate.*` name is one camelCase word, so any such word maps.
    let name = suffix.strip_prefix("aggregate_")?;
    if !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Some(format!("glue.driver.aggregate.{name}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::metrics;

    /// The Id the convention gives a metric: its dots as underscores.
    fn id_for(metric: &str) -> String {
        metric.replace(['.', '-'], "_")
    }

    #[test]
    fn every_documented_metric_round_trips() {
        let mut names: Vec<String> = [
            metrics::S3_READ_BYTES,
            metrics::S3_WRITE_BYTES,
            metrics::SHUFFLE_BYTES_WRITTEN,
            metrics::SHUFFLE_LOCAL_BYTES_READ,
            metrics::SHUFFLE_REMOTE_BYTES_READ,
            metrics::BYTES_READ,
            metrics::RECORDS_READ,
            metrics::NUM_ALL_EXECUTORS,
            metrics::NUM_MAX_NEEDED_EXECUTORS,
            metrics::DISK_SPACE_USED_MB,
            metrics::NUM_COMPLETED_STAGES,
            metrics::NUM_COMPLETED_TASKS,
            metrics::NUM_FAILED_TASKS,
            metrics::NUM_KILLED_TASKS,
            metrics::ELAPSED_TIME,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for ex in ["driver", "ALL", "1", "17"] {
            names.extend([
                metrics::heap_used(ex),
                metrics::heap_usage(ex),
                metrics::cpu_load(ex),
            ]);
            names.push(format!("glue.{ex}.s3.filesystem.read_bytes"));
            names.push(format!("glue.{ex}.s3.filesystem.write_bytes"));
        }
        names.extend(
            [
                metrics::SKEWNESS_STAGE,
                metrics::SKEWNESS_JOB,
                metrics::WORKER_UTILIZATION,
                metrics::SUCCEED_ALL,
                metrics::ERROR_ALL,
                "glue.error.OUT_OF_MEMORY_ERROR",
                "glue.error.DISK_NO_SPACE_ERROR",
                "glue.driver.bytesRead",
                "glue.driver.bytesWrittten",
                "glue.driver.filesWritten",
            ]
            .map(String::from),
        );
        for src in ["driver", "ALL"] {
            for area in ["heap", "non-heap", "total"] {
                names.push(metrics::memory_used_percentage(src, area));
                names.push(format!("glue.{src}.memory.{area}.used"));
                names.push(format!("glue.{src}.memory.{area}.available"));
            }
            names.push(metrics::disk_used_percentage(src));
            names.push(format!("glue.{src}.disk.used_GB"));
            names.push(format!("glue.{src}.disk.available_GB"));
        }
        for name in names {
            assert_eq!(
                metric_from_id(&id_for(&name)).as_deref(),
                Some(name.as_str()),
                "{name}"
            );
        }
    }

    #[test]
    fn ids_outside_the_convention() {
        assert_eq!(
            metric_from_id("glue_all_jvm_heap_used").as_deref(),
            Some("glue.ALL.jvm.heap.used")
        );
        for id in [
            "m1",
            "glue",
            "glue_driver",
            "glue_x_jvm_heap_used",
            "glue_3_aggregate_bytesRead",
            "glue_driver_aggregate_",
            "glue_driver_aggregate_bytes_read",
            "glue_ALL_BlockManager_disk_diskSpaceUsed_MB",
            "glue_1_jvm_heap",
            "glue_driver_disk_space_used",
            "glue_3_memory_heap_used_percentage",
            "glue_error_oom",
            "glue_succeed_3",
            "glue_ALL_skewness_stage",
        ] {
            assert_eq!(metric_from_id(id), None, "{id}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(
            metric_from_label("glue.driver.aggregate.bytesRead").as_deref(),
            Some("glue.driver.aggregate.bytesRead")
        );
        assert_eq!(
            metric_from_label("glue.3.jvm.heap.used JobName=x").as_deref(),
            Some("glue.3.jvm.heap.used")
        );
        assert_eq!(
            metric_from_label("Heap: glue.3.jvm.heap.used.").as_deref(),
            Some("glue.3.jvm.heap.used")
        );
        assert_eq!(
            metric_from_label("glue.ALL.s3.filesystem.read_bytes (Sum)").as_deref(),
            Some("glue.ALL.s3.filesystem.read_bytes")
        );
        assert_eq!(
            metric_from_label("glue.driver.bytesRead Source=orders").as_deref(),
            Some("glue.driver.bytesRead{Source=orders}")
        );
        assert_eq!(
            metric_from_label("glue.driver.filesWritten (Sink: s3://b/out)").as_deref(),
            Some("glue.driver.filesWritten{Sink=s3://b/out}")
        );
        assert_eq!(
            metric_from_label("glue.ALL.memory.non-heap.used.percentage").as_deref(),
            Some("glue.ALL.memory.non-heap.used.percentage")
        );
        // A dimension only for throughput metrics.
        assert_eq!(
            metric_from_label("glue.1.jvm.heap.used Source=x").as_deref(),
            Some("glue.1.jvm.heap.used")
        );
        assert_eq!(metric_from_label("S3 bytes read"), None);
        assert_eq!(metric_from_label("myglue.driver.x"), None);
        assert_eq!(metric_from_label("glue.driver"), None);
        assert_eq!(metric_from_label("glue..x"), None);
    }
}
