//! Straggler detection from metrics alone (CloudWatch exports have no tasks): the executor that
//! keeps working after every other executor went idle or was released.

use super::straggler::{Cause, Straggler, LONE_MIN_S, LONE_SHARE_MIN};
use crate::model::units::format_duration;
use std::collections::HashMap;

use crate::model::Run;

/// CPU load above which an executor counts as working.
const BUSY_CPU_LOAD: f64 = 0.15;

/// The last time each executor looked busy: its last CPU load above [`BUSY_CPU_LOAD`], else its
/// last report of any metric (Glue stops reporting a released executor). One pass over the series.
fn last_active(run: &Run) -> HashMap<&str, f64> {
    fn later<'a>(m: &mut HashMap<&'a str, f64>, id: &'a str, t: f64) {
        let e = m.entry(id).or_insert(t);
        *e = e.max(t);
    }
    let mut busy: HashMap<&str, f64> = HashMap::new();
    let mut any: HashMap<&str, f64> = HashMap::new();
    for s in &run.series {
        let Some(rest) = s.metric.strip_prefix("glue.") else {
            continue;
        };
        let Some((id, suffix)) = rest.split_once('.') else {
            continue;
        };
        if let Some(t) = s.t_s.last().copied() {
            later(&mut any, id, t);
        }
        if suffix == "system.cpuSystemLoad" {
            for (t, v) in s.points() {
                if v >= BUSY_CPU_LOAD {
                    later(&mut busy, id, t);
                }
            }
        }
    }
    for (id, t) in any {
        busy.entry(id).or_insert(t);
    }
    busy
}

/// The lone executor of a metrics-only run, if one worked alone long enough.
pub fn detect(run: &Run) -> Option<Straggler> {
    let last = last_active(run);
    let mut active: Vec<(f64, &str)> = run
        .worker_executors()
        .filter(|e| e.id != "ALL")
        .filter_map(|e| last.get(e.id.as_str()).map(|t| (*t, e.id.as_str())))
        .collect();
    if active.len() < 2 {
        return None;
    }
    crate::sorting::sort_by(&mut active, |a| crate::sorting::Key::f(-a.0));
    let (last, exec) = active[0];
    let second = active[1].0;
    let alone = last - second;
    let duration = run.meta.duration_s.max(last);
    if alone < LONE_MIN_S || alone < LONE_SHARE_MIN * duration {
        return None;
    }
    let n = active.len();
    Some(Straggler {
        executor: exec.to_string(),
        stage: None,
        task: None,
        cause: Cause::LoneExecutor,
        excess_s: alone * (1.0 - 1.0 / n as f64),
        start_s: second,
        end_s: last,
        duration_s: alone,
        peer_median_s: None,
        lone_s: alone,
        data_ratio: None,
        idle_slots: (n - 1) as u32,
        explanation: format!(
            "Executor {exec} kept working alone for {} after the other {} executor{} went idle or were released.",
            format_duration(alone),
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
        advice: "Typical of a single-partition stage (coalesce(1)) or one skewed partition; the metrics alone cannot tell which: load the Spark event log to see the task. For many small input files, use Glue grouping ('groupFiles': 'inPartition') instead of coalesce(1).".into(),
    })
}
