//! The task timeline (a lane per executor, a bar per task coloured by stage), aggregated per pixel
//! column so 100,000 tasks draw as fast as 100.

use std::collections::HashMap;

use crate::model::Run;

/// One lane of the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// Executor id.
    pub executor: String,
    /// Task slots of the executor (rows inside the lane).
    pub slots: u32,
    /// Per pixel column: (stage with the most busy time there, busy share of the lane 0..1); `None` when idle.
    pub columns: Vec<Option<(u64, f64)>>,
    /// Alive interval of the executor, seconds.
    pub alive: (f64, f64),
}

/// Lanes of a run's executors that ran tasks (in executor order), rasterised to `columns` pixel
/// columns over [x0, x1] seconds.
pub fn raster(run: &Run, x0: f64, x1: f64, columns: usize) -> Vec<Lane> {
    let end = run.meta.duration_s;
    let mut order: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let ran: std::collections::HashSet<&str> = run.tasks.distinct_executors().into_iter().collect();
    for e in &run.executors {
        if ran.contains(e.id.as_str()) && !index.contains_key(e.id.as_str()) {
            index.insert(&e.id, order.len());
            order.push(&e.id);
        }
    }
    for ex in run.tasks.distinct_executors() {
        if !index.contains_key(ex) {
            index.insert(ex, order.len());
            order.push(ex);
        }
    }
    // Lane by executor code: no string hashing per task.
    let lane_of: Vec<Option<usize>> = std::iter::once(None)
        .chain(run.tasks.executor_table().map(|id| index.get(id).copied()))
        .collect();
    let width = if columns > 0 && x1 > x0 {
        (x1 - x0) / columns as f64
    } else {
        1.0
    };
    // busy[lane][column] = per stage busy seconds (few stages per column in practice).
    let mut busy: Vec<Vec<Vec<(u64, f64)>>> = vec![vec![Vec::new(); columns]; order.len()];
    for t in run.tasks.refs() {
        let (a, b) = t.span(end);
        if b < x0 || a > x1 || columns == 0 {
            continue;
        }
        let Some(lane) = lane_of.get(t.executor_code()).copied().flatten() else {
            continue;
        };
        let stage = t.stage_id();
        let c0 = (((a - x0) / width).floor().max(0.0) as usize).min(columns - 1);
        let c1 = (((b - x0) / width).floor().max(0.0) as usize).min(columns - 1);
        for (c, cell) in busy[lane].iter_mut().enumerate().take(c1 + 1).skip(c0) {
            let lo = (x0 + c as f64 * width).max(a);
            let hi = (x0 + (c + 1) as f64 * width).min(b);
            // A task shorter than a pixel still shows.
            let d = (hi - lo).max(width * 0.05);
            match cell.iter_mut().find(|s| s.0 == stage) {
                Some(s) => s.1 += d,
                None => cell.push((stage, d)),
            }
        }
    }
    let by_id: HashMap<&str, &crate::model::Executor> =
        run.executors.iter().map(|e| (e.id.as_str(), e)).collect();
    order
        .iter()
        .zip(busy)
        .map(|(id, cols)| {
            let exec = by_id.get(id).copied();
            let slots = exec.and_then(|e| e.cores).unwrap_or(1).max(1);
            let alive = (
                exec.and_then(|e| e.added_s).unwrap_or(0.0),
                exec.and_then(|e| e.removed_s).unwrap_or(end),
            );
            let capacity = width * slots as f64;
            Lane {
                executor: id.to_string(),
                slots,
                columns: cols
                    .into_iter()
                    .map(|cell| {
                        let total: f64 = cell.iter().map(|s| s.1).sum();
                        cell.iter()
                            .max_by(|a, b| a.1.total_cmp(&b.1))
                            .map(|s| (s.0, (total / capacity).min(1.0)))
                    })
                    .collect(),
                alive,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Executor, SourceFormat, Task, TaskStatus};

    #[test]
    fn tasks_land_in_their_lane_and_columns() {
        let mut run = Run::new(SourceFormat::SparkEventLog);
        run.meta.duration_s = 10.0;
        for id in ["1", "2"] {
            run.executors.push(Executor {
                id: id.into(),
                cores: Some(1),
                ..Executor::default()
            });
        }
        run.tasks.push(Task {
            id: 0,
            stage_id: 3,
            executor_id: "2".into(),
            launch_s: 0.0,
            finish_s: Some(5.0),
            status: TaskStatus::Success,
            ..Task::default()
        });
        let lanes = raster(&run, 0.0, 10.0, 10);
        assert_eq!(lanes.len(), 1, "only executors that ran tasks");
        assert_eq!(lanes[0].executor, "2");
        assert_eq!(lanes[0].columns[0], Some((3, 1.0)));
        assert_eq!(lanes[0].columns[7], None);
    }
}
