//! Which files of an event-log directory to read, in which order (pure: works on names only).
//!
//! Layouts (Spark's `EventLogFileWriters`): a single file `app-…[.codec][.inprogress]`; a rolling
//! directory `eventlog_v2_<app>/` with `events_<n>_<app>[.codec][.compact]` and
//! `appstatus_<app>[.inprogress]`; the Spark 1.x directory with `EVENT_LOG_<n>`,
//! `SPARK_VERSION_<v>`, `COMPRESSION_CODEC_<c>` and `APPLICATION_COMPLETE`; and Databricks'
//! cluster-log delivery folder: the live part `eventlog` and rotated parts
//! `eventlog-YYYY-MM-DD--HH-MM.gz`, oldest first, the live part last.

/// The files to read and what the names say about the log.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectoryPlan {
    /// `rolling`, `v1` or `databricks`.
    pub layout: &'static str,
    /// Event files in reading order.
    pub files: Vec<String>,
    /// The names say the application has not finished writing.
    pub in_progress: bool,
    /// Spark version from a v1 `SPARK_VERSION_…` marker.
    pub spark_version: Option<String>,
}

fn rolling_index(name: &str) -> Option<(u64, bool)> {
    let rest = name.strip_prefix("events_")?;
    let (n, _) = rest.split_once('_')?;
    Some((n.parse().ok()?, name.ends_with(".compact")))
}

/// Plans the reading of a directory from its file names; `Err` says why it is not an event-log directory.
pub fn plan_directory(names: &[String]) -> Result<DirectoryPlan, String> {
    let mut rolling: Vec<(u64, bool, &String)> = names
        .iter()
        .filter_map(|n| rolling_index(n).map(|(i, c)| (i, c, n)))
        .collect();
    if !rolling.is_empty() {
        crate::sorting::sort_by(&mut rolling, |r| crate::sorting::Key::u(r.0));
        // A compacted file holds everything before it: start at the last one.
        let start = rolling.iter().rposition(|r| r.1).unwrap_or(0);
        let status = names.iter().find(|n| n.starts_with("appstatus_"));
        let in_progress = match status {
            Some(s) => s.ends_with(".inprogress"),
            None => true,
        };
        return Ok(DirectoryPlan {
            layout: "rolling",
            files: rolling[start..].iter().map(|r| r.2.clone()).collect(),
            in_progress,
            spark_version: None,
        });
    }
    let mut v1: Vec<(u64, &String)> = names
        .iter()
        .filter_map(|n| Some((n.strip_prefix("EVENT_LOG_")?.parse().ok()?, n)))
        .collect();
    if !v1.is_empty() {
        crate::sorting::sort_by(&mut v1, |r| crate::sorting::Key::u(r.0));
        return Ok(DirectoryPlan {
            layout: "v1",
            files: v1.iter().map(|r| r.1.clone()).collect(),
            in_progress: !names.iter().any(|n| n == "APPLICATION_COMPLETE"),
            spark_version: names
                .iter()
                .find_map(|n| n.strip_prefix("SPARK_VERSION_").map(str::to_string)),
        });
    }
    let mut rotated: Vec<(u64, &String)> = names
        .iter()
        .filter_map(|n| databricks_rotation(n).map(|stamp| (stamp, n)))
        .collect();
    let live = names.iter().find(|n| n.as_str() == "eventlog");
    if !rotated.is_empty() || (live.is_some() && names.len() > 1) {
        crate::sorting::sort_by(&mut rotated, |r| crate::sorting::Key::u(r.0));
        let mut files: Vec<String> = rotated.iter().map(|r| r.1.clone()).collect();
        files.extend(live.cloned());
        return Ok(DirectoryPlan {
            layout: "databricks",
            files,
            in_progress: false,
            spark_version: None,
        });
    }
    Err("no Spark event-log files in it (expected events_<n>_<app> files of a rolling log, EVENT_LOG_<n>, or Databricks' eventlog and eventlog-<date> parts)".into())
}

/// The time stamp of a rotated Databricks part, `eventlog-YYYY-MM-DD--HH-MM[.gz]`, as the
/// number YYYYMMDDHHMM (so numeric order is time order).
pub fn databricks_rotation(name: &str) -> Option<u64> {
    let stamp = name.strip_prefix("eventlog-")?;
    let stamp = stamp.strip_suffix(".gz").unwrap_or(stamp);
    let b = stamp.as_bytes();
    let shape = b"0000-00-00--00-00";
    let fits = b.len() == shape.len()
        && b.iter().zip(shape).all(|(c, s)| {
            if *s == b'0' {
                c.is_ascii_digit()
            } else {
                c == s
            }
        });
    if !fits {
        return None;
    }
    b.iter()
        .filter(|c| c.is_ascii_digit())
        .try_fold(0u64, |n, c| {
            n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
        })
}

/// True when a single log file's name marks it as still being written.
pub fn is_in_progress_name(name: &str) -> bool {
    name.ends_with(".inprogress")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databricks_parts_oldest_first_then_the_live_part() {
        let names: Vec<String> = [
            "eventlog",
            "eventlog-2024-03-01--10-00.gz",
            "eventlog-2023-12-31--23-50.gz",
            "eventlog-2024-03-01--09-59.gz",
            "notes.txt",
        ]
        .map(String::from)
        .to_vec();
        let p = plan_directory(&names).unwrap();
        assert_eq!(p.layout, "databricks");
        assert_eq!(
            p.files,
            [
                "eventlog-2023-12-31--23-50.gz",
                "eventlog-2024-03-01--09-59.gz",
                "eventlog-2024-03-01--10-00.gz",
                "eventlog"
            ]
        );
        assert_eq!(databricks_rotation("eventlog-2024-3-01--10-00.gz"), None);
    }
}
