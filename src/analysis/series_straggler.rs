//! Straggler detection from metrics alone (CloudWatch exports have no tasks): the executor that
//! keeps working after every other executor went idle or was released.

use super::straggler::{Cause, Straggler, LONE_MIN_S, LONE_SHARE_MIN};
use crate::model::units::format_duration;
use crate::model::{metrics, Run};

/// CPU load above which an executor counts as working.
const BUSY_CPU_LOAD: f64 = 0.15;

/// The last time an executor looked busy: its last CPU load above [`BUSY_CPU_LOAD`], else its last
/// report of any metric (Glue stops reporting a released executor).
fn last_active(run: &Run, id: &str) -> Option<f64> {
    if let Some(cpu) = run.series(&metrics::cpu_load(id)) {
        let busy = cpu
            .points()
            .filter(|(_, v)| *v >= BUSY_CPU_LOAD)
            .map(|(t, _)| t)
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))));
        if busy.is_some() {
            return busy;
        }
    }
    let prefix = format!("glue.{id}.");
    run.series
        .iter()
        .filter(|s| s.metric.starts_with(&prefix))
        .filter_map(|s| s.t_s.last().copied())
        .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))))
}

/// The lone executor of a metrics-only run, if one worked alone long enough.
pub fn detect(run: &Run) -> Option<Straggler> {
    let mut active: Vec<(f64, &str)> = run
        .worker_executors()
        .filter(|e| e.id != "ALL")
        .filter_map(|e| last_active(run, &e.id).map(|t| (t, e.id.as_str())))
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
