//! Time-line helpers over tasks: busy slots, lone intervals, spreading amounts over periods.

use crate::model::{Run, Task};

/// (start, end) of every ended task, seconds; running tasks end at the run's end.
pub fn task_span(task: &Task, run_end_s: f64) -> (f64, f64) {
    let end = task.finish_s.unwrap_or(run_end_s).max(task.launch_s);
    (task.launch_s, end)
}

/// For each task, the seconds during which it was the only task running in the whole run.
pub fn lone_seconds(run: &Run) -> Vec<f64> {
    let end = run.meta.duration_s;
    // Starts and ends apart: starts come in launch order already (tasks are kept so), ends are
    // sorted on their own, and the two merged, ends first at equal times (back-to-back tasks
    // never overlap). Cheaper than one sort of both for a million tasks.
    let mut starts: Vec<(f64, usize)> = Vec::with_capacity(run.tasks.len());
    let mut ends: Vec<(f64, usize)> = Vec::with_capacity(run.tasks.len());
    for (i, t) in run.tasks.refs().enumerate() {
        let (a, b) = t.span(end);
        if b > a {
            starts.push((a, i));
            ends.push((b, i));
        }
    }
    let by_time = |x: &(f64, usize), y: &(f64, usize)| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1));
    if !starts.windows(2).all(|w| by_time(&w[0], &w[1]).is_le()) {
        starts.sort_unstable_by(by_time);
    }
    ends.sort_unstable_by(by_time);
    let mut events: Vec<(f64, i32, usize)> = Vec::with_capacity(starts.len() * 2);
    let (mut i, mut j) = (0, 0);
    while i < starts.len() || j < ends.len() {
        let end_first = match (starts.get(i), ends.get(j)) {
            (Some(s), Some(e)) => e.0 <= s.0,
            (None, Some(_)) => true,
            _ => false,
        };
        if end_first {
            events.push((ends[j].0, -1, ends[j].1));
            j += 1;
        } else {
            events.push((starts[i].0, 1, starts[i].1));
            i += 1;
        }
    }
    let mut lone = vec![0.0; run.tasks.len()];
    let mut running: i64 = 0;
    // Sum of indices of running tasks: with exactly one running, it is that task's index.
    let mut index_sum: i64 = 0;
    let mut last = 0.0;
    for (t, d, i) in events {
        if running == 1 {
            if let Some(l) = usize::try_from(index_sum)
                .ok()
                .and_then(|k| lone.get_mut(k))
            {
                *l += t - last;
            }
        }
        running += d as i64;
        index_sum += d as i64 * i as i64;
        last = t;
    }
    lone
}

/// Task slots of a run's executors over time (the driver counts only in local mode, when it runs
/// tasks), as a step function: built in O(E log E), asked in O(log E).
pub struct Slots {
    /// (time, slots alive from then on), ascending in time; slots before the first time are 0.
    steps: Vec<(f64, u64)>,
    max: u64,
}

impl Slots {
    /// The executors of `run` that can run tasks.
    pub fn new(run: &Run) -> Slots {
        let ran: std::collections::HashSet<&str> =
            run.tasks.distinct_executors().into_iter().collect();
        // (time, +cores) when added, (time, -cores) when removed; removals first at equal times,
        // as `at` counts an executor alive on [added, removed).
        let mut events: Vec<(f64, i64)> = Vec::new();
        for e in run
            .executors
            .iter()
            .filter(|e| !e.is_driver || ran.contains(e.id.as_str()))
        {
            let cores = i64::from(e.cores.unwrap_or(1).max(1));
            let added = e.added_s.unwrap_or(0.0);
            if !added.is_finite() {
                continue;
            }
            events.push((added, cores));
            if let Some(r) = e.removed_s.filter(|r| r.is_finite()) {
                if r > added {
                    events.push((r, -cores));
                } else {
                    events.pop();
                }
            }
        }
        crate::sorting::sort_by(&mut events, |e| {
            crate::sorting::Key(e.0, u64::from(e.1 > 0))
        });
        let mut steps: Vec<(f64, u64)> = Vec::with_capacity(events.len());
        let mut alive: i64 = 0;
        let mut max = 0u64;
        for (t, d) in events {
            alive = alive.saturating_add(d);
            let now = u64::try_from(alive).unwrap_or(0);
            match steps.last_mut() {
                Some(last) if last.0 == t => last.1 = now,
                _ => steps.push((t, now)),
            }
            max = max.max(now);
        }
        Slots { steps, max }
    }

    /// Task slots (cores) alive at time `t`; executors of unknown size count one.
    pub fn at(&self, t: f64) -> u32 {
        let i = self.steps.partition_point(|s| s.0 <= t);
        let n = if i == 0 { 0 } else { self.steps[i - 1].1 };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The largest number of slots alive at once.
    pub fn max(&self) -> u32 {
        u32::try_from(self.max).unwrap_or(u32::MAX)
    }
}

/// Number of periods of `period_s` covering `duration_s`.
pub fn period_count(duration_s: f64, period_s: f64) -> usize {
    if period_s <= 0.0 || !duration_s.is_finite() {
        return 0;
    }
    ((duration_s / period_s).ceil() as usize).max(1)
}

/// Adds `amount`, spread evenly over [a, b), into `bins` of width `period_s` starting at 0.
pub fn spread(bins: &mut [f64], period_s: f64, a: f64, b: f64, amount: f64) {
    if bins.is_empty() || amount == 0.0 || period_s <= 0.0 {
        return;
    }
    let last = bins.len() - 1;
    let a = a.max(0.0);
    let b = b.max(a);
    if b - a < 1e-9 {
        let i = ((a / period_s) as usize).min(last);
        bins[i] += amount;
        return;
    }
    let rate = amount / (b - a);
    let first = ((a / period_s) as usize).min(last);
    let end = ((b / period_s).ceil() as usize).clamp(first + 1, last + 1);
    for (i, bin) in bins.iter_mut().enumerate().take(end).skip(first) {
        let lo = (i as f64 * period_s).max(a);
        let hi = if i == last {
            b
        } else {
            ((i + 1) as f64 * period_s).min(b)
        };
        if hi > lo {
            *bin += rate * (hi - lo);
        }
    }
}

/// Median of a slice (upper median for even lengths, as Spark's quantiles do); none when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    crate::sorting::sort_f64s(values);
    Some(values[values.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_step_with_adds_and_removes() {
        use crate::model::{Executor, SourceFormat};
        let mut run = Run::new(SourceFormat::SparkEventLog);
        for (id, a, r, c) in [
            ("1", 0.0, Some(10.0), 2),
            ("2", 5.0, None, 4),
            ("3", 10.0, Some(12.0), 1),
        ] {
            run.executors.push(Executor {
                id: id.into(),
                added_s: Some(a),
                removed_s: r,
                cores: Some(c),
                ..Executor::default()
            });
        }
        let s = Slots::new(&run);
        assert_eq!(s.at(-1.0), 0);
        assert_eq!(s.at(0.0), 2);
        assert_eq!(s.at(5.0), 6);
        assert_eq!(s.at(10.0), 5, "1 removed as 3 is added");
        assert_eq!(s.at(12.0), 4);
        assert_eq!(s.max(), 6);
    }

    #[test]
    fn spread_conserves_amount() {
        let mut bins = vec![0.0; 4];
        spread(&mut bins, 10.0, 5.0, 25.0, 100.0);
        assert!((bins.iter().sum::<f64>() - 100.0).abs() < 1e-9);
        assert!((bins[0] - 25.0).abs() < 1e-9);
        assert!((bins[1] - 50.0).abs() < 1e-9);
        // Beyond the last bin: clipped into it.
        let mut bins = vec![0.0; 2];
        spread(&mut bins, 10.0, 15.0, 40.0, 10.0);
        assert!((bins.iter().sum::<f64>() - 10.0).abs() < 1e-9);
    }
}
