//! Which files of one input to read, in which order — from names alone, so the CLI (a directory)
//! and the page (files dropped or picked together) decide the same way.

use super::event_log::layout;
use crate::error::{Error, ErrorKind, Result};

/// The files of one run in reading order (indices into the given names) and notes for the user.
#[derive(Clone, Debug, PartialEq)]
pub struct FilePlan {
    /// Indices of the names to read, in order.
    pub order: Vec<usize>,
    /// What the names say (in-progress logs), as warnings.
    pub notes: Vec<String>,
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Plans the reading of the files of one input named `input` (a directory path, or a label for
/// files picked together). One file is read as it is; several must be the parts of one rolling
/// or v1 event log, or the JSON files of one CloudWatch export (pages plus `get-job-run`).
pub fn plan_files(input: &str, names: &[String]) -> Result<FilePlan> {
    if names.is_empty() {
        return Err(Error::new(input, ErrorKind::Empty, "no files"));
    }
    if names.len() == 1 {
        let mut notes = Vec::new();
        if layout::is_in_progress_name(&names[0]) {
            notes.push(format!(
                "{}: the name ends in .inprogress: Spark was still writing this log",
                names[0]
            ));
        }
        return Ok(FilePlan {
            order: vec![0],
            notes,
        });
    }
    let bases: Vec<String> = names.iter().map(|n| base_name(n).to_string()).collect();
    match layout::plan_directory(&bases) {
        Ok(p) => {
            let mut notes = Vec::new();
            if p.in_progress {
                notes.push(format!(
                    "{input}: the {} log is marked in progress: Spark was still writing it",
                    p.layout
                ));
            }
            let order = p
                .files
                .iter()
                .filter_map(|f| bases.iter().position(|b| b == f))
                .collect();
            Ok(FilePlan { order, notes })
        }
        Err(why) => {
            let mut json: Vec<usize> = (0..names.len())
                .filter(|&i| bases[i].ends_with(".json") || bases[i].ends_with(".json.gz"))
                .collect();
            json.sort_by(|&a, &b| bases[a].cmp(&bases[b]));
            if json.is_empty() {
                Err(Error::new(input, ErrorKind::UnsupportedFormat, why))
            } else {
                let skipped = names.len() - json.len();
                let notes = if skipped > 0 {
                    vec![format!(
                        "{input}: {skipped} file(s) that are not .json were ignored"
                    )]
                } else {
                    Vec::new()
                };
                Ok(FilePlan { order: json, notes })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rolling_parts_in_index_order() {
        let n = names(&[
            "events_10_app",
            "appstatus_app.inprogress",
            "events_2_app",
            "events_1_app",
        ]);
        let p = plan_files("dir", &n).unwrap();
        assert_eq!(p.order, vec![3, 2, 0]);
        assert_eq!(p.notes.len(), 1);
    }

    #[test]
    fn cloudwatch_pages_and_job_run() {
        let n = names(&["metrics.json", "job-run.json", "notes.txt"]);
        let p = plan_files("dir", &n).unwrap();
        assert_eq!(p.order, vec![1, 0]);
        assert!(p.notes[0].contains("1 file(s)"));
    }

    #[test]
    fn spark_1_directory_layout() {
        let n = names(&[
            "SPARK_VERSION_1.6.3",
            "EVENT_LOG_2",
            "COMPRESSION_CODEC_lzf",
            "EVENT_LOG_1",
        ]);
        let p = plan_files("dir", &n).unwrap();
        assert_eq!(p.order, vec![3, 1]);
        assert!(
            p.notes[0].contains("in progress"),
            "no APPLICATION_COMPLETE: {:?}",
            p.notes
        );
        let mut done = n.clone();
        done.push("APPLICATION_COMPLETE".into());
        assert!(plan_files("dir", &done).unwrap().notes.is_empty());
    }

    #[test]
    fn unrelated_files_are_refused() {
        let e = plan_files("picked files", &names(&["a.log", "b.log"])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("picked files: no Spark event-log files"),
            "{e}"
        );
    }
}
