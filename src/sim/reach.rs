//! What a change reaches: the stages it re-plans (replayed as measured in the baseline, planned
//! anew in the prediction, or gone) and their share of the baseline's wall time, so that a
//! prediction says how much it can move ("stages 3, 5 are 12 % of the baseline: at most 12 % to
//! gain there"), and the fitted cost a re-planned stage's new tasks lean on.

use std::collections::HashMap;

use super::cluster;
use super::Scenario;
use crate::model::Run;

/// Notes on what the change from `calibrated` to `changed` reaches, against `baseline` (the
/// calibrated scenario simulated); `base_plan` and `plan` say, per stage, whether the baseline
/// and the prediction replayed its measured tasks (`simulate_planned`).
pub fn notes(
    calibrated: &Scenario,
    changed: &Scenario,
    baseline: &Run,
    base_plan: &[(u64, bool)],
    plan: &[(u64, bool)],
) -> Vec<String> {
    let (Ok(a), Ok(b)) = (cluster::resolve(calibrated), cluster::resolve(changed)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let cluster_changed = (a.executors, a.cores, a.heap_bytes)
        != (b.executors, b.cores, b.heap_bytes)
        || calibrated.cluster.executor_timeline != changed.cluster.executor_timeline
        || calibrated.spark.dynamic_allocation != changed.spark.dynamic_allocation
        || calibrated.glue.shuffle_storage != changed.glue.shuffle_storage
        || calibrated.glue.spill_to_s3 != changed.glue.spill_to_s3;
    if cluster_changed {
        out.push(
            "the change reaches the cluster (executors, cores, memory, allocation or storage): every stage's tasks are placed, timed or stored anew".into(),
        );
    }
    let replayed_before: HashMap<u64, bool> = base_plan.iter().copied().collect();
    // Re-planned: replayed in the baseline, planned anew in the prediction; gone: simulated in
    // the baseline, not in the prediction (a join turned into a broadcast).
    let mut touched: Vec<u64> = plan
        .iter()
        .filter(|(id, replayed)| !replayed && replayed_before.get(id).copied().unwrap_or(true))
        .map(|(id, _)| *id)
        .collect();
    let gone: Vec<u64> = base_plan
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !plan.iter().any(|(x, _)| x == id))
        .collect();
    let fitted: HashMap<u64, (f64, f64)> = changed
        .stages()
        .filter_map(|st| {
            let f = st.fitted.as_ref()?;
            Some((st.id, (f.s_per_byte, f.task_extra_s)))
        })
        .collect();
    let leans: Vec<String> = touched
        .iter()
        .filter_map(|id| {
            let (spb, extra_s) = *fitted.get(id)?;
            // A stage of tiny tasks leans on its per-task time as much as on its rate.
            let per_task = if extra_s > 0.0 {
                format!(" and {:.0} ms per task", extra_s * 1000.0)
            } else {
                String::new()
            };
            (spb > 0.0).then(|| {
                format!(
                    "stage {id}: {}/s per core{per_task}",
                    crate::model::units::format_bytes(1.0 / spb)
                )
            })
        })
        .take(4)
        .collect();
    touched.extend(gone.iter().copied());
    if touched.is_empty() {
        if !cluster_changed {
            out.push(
                "the change re-plans no stage: the prediction replays the run as measured".into(),
            );
        }
        return out;
    }
    // Share of the baseline's wall time during which a touched stage ran (union of spans).
    let mut spans: Vec<(f64, f64)> = baseline
        .stages
        .iter()
        .filter(|s| touched.contains(&s.id))
        .filter_map(|s| Some((s.submitted_s?, s.completed_s?)))
        .collect();
    crate::sorting::sort_by(&mut spans, |x| crate::sorting::Key::f(x.0));
    let mut covered = 0.0;
    let mut end = f64::NEG_INFINITY;
    for (s, e) in spans {
        let s = s.max(end);
        if e > s {
            covered += e - s;
        }
        end = end.max(e);
    }
    let total = baseline.meta.duration_s.max(1e-9);
    let share = (covered / total * 100.0).clamp(0.0, 100.0);
    let list: Vec<String> = touched.iter().take(8).map(|i| i.to_string()).collect();
    let more = if touched.len() > 8 {
        format!(" and {} more", touched.len() - 8)
    } else {
        String::new()
    };
    out.push(format!(
        "the change re-plans stage{} {}{more} ({:.0} % of the baseline's wall time){}",
        if touched.len() == 1 { "" } else { "s" },
        list.join(", "),
        share,
        if cluster_changed {
            String::new()
        } else {
            format!(": the rest is replayed as measured, so at most {share:.0} % to gain")
        }
    ));
    if !leans.is_empty() {
        out.push(format!(
            "its new tasks lean on the work per byte fitted on the measured tasks: {}",
            leans.join("; ")
        ));
    }
    if !gone.is_empty() {
        out.push(format!(
            "stage{} {} removed by the change",
            if gone.len() == 1 { "" } else { "s" },
            gone.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}
