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
//! `read_bytes`, `diskSpaceUsed_MB`), never by replacing every underscore.

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
];

/// The Glue metric name in a CloudWatch label: the first `glue.`-prefixed dotted name in it, so a
/// label with text added around the name (`glue.1.jvm.heap.used (JobName: x)`) still names it.
pub(crate) fn metric_from_label(label: &str) -> Option<String> {
    let bytes = label.as_bytes();
    let is_name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
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
            return Some(name.to_string());
        }
    }
    None
}

/// The Glue metric name an Id stands for under the Runlens Id convention (see the module docs).
pub(crate) fn metric_from_id(id: &str) -> Option<String> {
    let rest = id.strip_prefix("glue_")?;
    let (source, suffix) = rest.split_once('_')?;
    let source = match source {
        "driver" => "driver",
        "ALL" | "all" => "ALL",
        s if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) => s,
        _ => return None,
    };
    let matches = |known: &str| {
        known
            .bytes()
            .map(|c| if c == b'.' { b'_' } else { c })
            .eq(suffix.bytes())
    };
    if let Some(known) = PER_EXECUTOR_SUFFIXES.iter().find(|k| matches(k)) {
        return Some(format!("glue.{source}.{known}"));
    }
    if source != "driver" {
        return None;
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
        metric.replace('.', "_")
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
        assert_eq!(metric_from_label("S3 bytes read"), None);
        assert_eq!(metric_from_label("myglue.driver.x"), None);
        assert_eq!(metric_from_label("glue.driver"), None);
        assert_eq!(metric_from_label("glue..x"), None);
    }
}
