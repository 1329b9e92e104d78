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

/// The lanes as bytes, for a worker's answer: per lane its executor id, slots, alive interval and
/// columns (stage and busy share; the share as f32, far finer than a pixel's colour).
pub fn lanes_to_bytes(lanes: &[Lane]) -> Vec<u8> {
    let cells: usize = lanes.iter().map(|l| l.columns.len()).sum();
    let mut out = Vec::with_capacity(16 + lanes.len() * 40 + cells * 12);
    out.extend_from_slice(&(lanes.len() as u32).to_le_bytes());
    for l in lanes {
        out.extend_from_slice(&(l.executor.len() as u32).to_le_bytes());
        out.extend_from_slice(l.executor.as_bytes());
        out.extend_from_slice(&l.slots.to_le_bytes());
        out.extend_from_slice(&l.alive.0.to_le_bytes());
        out.extend_from_slice(&l.alive.1.to_le_bytes());
        out.extend_from_slice(&(l.columns.len() as u32).to_le_bytes());
        for c in &l.columns {
            let (stage, share) = c.map_or((u64::MAX, 0.0), |(s, f)| (s, f as f32));
            out.extend_from_slice(&stage.to_le_bytes());
            out.extend_from_slice(&share.to_le_bytes());
        }
    }
    out
}

/// Reads [`lanes_to_bytes`]; `None` if the bytes are not such lanes.
pub fn lanes_from_bytes(bytes: &[u8]) -> Option<Vec<Lane>> {
    struct Reader<'a>(&'a [u8]);
    impl<'a> Reader<'a> {
        fn take(&mut self, n: usize) -> Option<&'a [u8]> {
            let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
            self.0 = rest;
            Some(head)
        }
        fn u32(&mut self) -> Option<u32> {
            Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
        }
        fn u64(&mut self) -> Option<u64> {
            Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
        }
        fn f64(&mut self) -> Option<f64> {
            Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
        }
        fn f32(&mut self) -> Option<f32> {
            Some(f32::from_le_bytes(self.take(4)?.try_into().ok()?))
        }
    }
    let mut r = Reader(bytes);
    let n = r.u32()? as usize;
    // Every lane takes at least 28 bytes: a count beyond that is damage, not a reason to allocate.
    let mut lanes = Vec::with_capacity(n.min(bytes.len() / 28));
    for _ in 0..n {
        let len = r.u32()? as usize;
        let executor = String::from_utf8(r.take(len)?.to_vec()).ok()?;
        let slots = r.u32()?;
        let alive = (r.f64()?, r.f64()?);
        let cols = r.u32()? as usize;
        let mut columns = Vec::with_capacity(cols.min(r.0.len() / 12));
        for _ in 0..cols {
            let stage = r.u64()?;
            let share = r.f32()?;
            columns.push((stage != u64::MAX).then_some((stage, f64::from(share))));
        }
        lanes.push(Lane {
            executor,
            slots,
            columns,
            alive,
        });
    }
    r.0.is_empty().then_some(lanes)
}

/// The stages a timeline legend names: those with a time span, the longest first (attempts
/// added up), at most `max`; and how many more there are.
pub fn stage_legend(run: &Run, max: usize) -> (Vec<(u64, String)>, usize) {
    let mut spans: Vec<(u64, String, f64)> = Vec::new();
    for st in &run.stages {
        let (Some(a), b) = (
            st.submitted_s,
            st.completed_s.unwrap_or(run.meta.duration_s),
        ) else {
            continue;
        };
        match spans.iter_mut().find(|e| e.0 == st.id) {
            Some(e) => e.2 += (b - a).max(0.0),
            None => spans.push((st.id, st.name.clone(), (b - a).max(0.0))),
        }
    }
    crate::sorting::sort_by(&mut spans, |e| crate::sorting::Key::f(-e.2));
    let more = spans.len().saturating_sub(max);
    spans.truncate(max);
    (
        spans.into_iter().map(|(id, name, _)| (id, name)).collect(),
        more,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_legend_longest_first() {
        let mut run = Run::new(crate::model::SourceFormat::RunFile);
        run.meta.duration_s = 100.0;
        for (id, a, b) in [
            (0u64, 0.0, 10.0),
            (1, 10.0, 90.0),
            (2, 90.0, 95.0),
            (1, 95.0, 99.0),
        ] {
            run.stages.push(crate::model::Stage {
                id,
                name: format!("s{id}"),
                submitted_s: Some(a),
                completed_s: Some(b),
                ..Default::default()
            });
        }
        let (names, more) = stage_legend(&run, 2);
        assert_eq!(names, vec![(1, "s1".to_string()), (0, "s0".to_string())]);
        assert_eq!(more, 1);
    }
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
        // Shares travel as f32.
        let as_sent: Vec<Lane> = lanes
            .iter()
            .map(|l| Lane {
                columns: l
                    .columns
                    .iter()
                    .map(|c| c.map(|(s, f)| (s, f64::from(f as f32))))
                    .collect(),
                ..l.clone()
            })
            .collect();
        assert_eq!(lanes_from_bytes(&lanes_to_bytes(&lanes)), Some(as_sent));
        let bytes = lanes_to_bytes(&lanes);
        assert_eq!(lanes_from_bytes(&bytes[..bytes.len() - 1]), None);
        assert_eq!(lanes_from_bytes(&[255, 255, 255, 255]), None);
    }
}
