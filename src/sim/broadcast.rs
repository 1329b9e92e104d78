//! `spark.sql.autoBroadcastJoinThreshold`: a sort-merge join whose smaller side is estimated at
//! most the threshold is planned as a broadcast hash join instead. The plan changes as Spark's
//! would: the small side's stage collects its rows for a broadcast (no shuffle write), the join
//! stage disappears, and its work (join probe, aggregation, writes) runs inside the big side's
//! stage, whose children now read from it.

use std::borrow::Cow;

use super::scenario::{Scenario, Source, StageSpec};

/// The scenario as it runs: with every qualifying join planned as a broadcast hash join.
pub fn effective(s: &Scenario) -> Cow<'_, Scenario> {
    let threshold = s.spark.auto_broadcast_join_threshold_bytes;
    if threshold < 0 {
        return Cow::Borrowed(s);
    }
    let qualifies = |st: &StageSpec| match &st.source {
        Source::Shuffle {
            join: true,
            small_side: Some(small),
            ..
        } => {
            (small.bytes as i64) <= threshold
                && st.parents.len() == 2
                && st.parents.contains(&small.stage)
        }
        _ => false,
    };
    if !s.stages().any(qualifies) {
        return Cow::Borrowed(s);
    }
    let mut out = s.clone();
    let joins: Vec<StageSpec> = s.stages().filter(|st| qualifies(st)).cloned().collect();
    for join in joins {
        let Source::Shuffle {
            small_side: Some(small),
            partitions,
            ..
        } = &join.source
        else {
            continue;
        };
        let big_id = join.parents.iter().copied().find(|p| *p != small.stage);
        let Some(big_id) = big_id else { continue };
        let Some(big) = out.stages().find(|st| st.id == big_id).cloned() else {
            continue;
        };
        let Some(small_stage) = out.stages().find(|st| st.id == small.stage).cloned() else {
            continue;
        };
        let Some(new_big) = merge_join_into(&big, &small_stage, &join, *partitions, s) else {
            continue;
        };
        for st in out.stages_mut() {
            if st.id == big_id {
                *st = new_big.clone();
            } else if st.id == small.stage {
                collect_for_broadcast(st);
            }
            for p in st.parents.iter_mut() {
                if *p == join.id {
                    *p = big_id;
                }
            }
            st.parents.dedup();
        }
        for j in out.jobs.iter_mut() {
            j.stages.retain(|st| st.id != join.id);
        }
    }
    Cow::Owned(out)
}

/// The small side: its rows go to the driver and are broadcast; nothing is shuffled.
fn collect_for_broadcast(st: &mut StageSpec) {
    st.work.shuffle_write_ratio = 0.0;
    st.work.shuffle_write_bytes_per_task = 0;
    st.work.broadcast = true;
    if let Some(f) = st.fitted.as_mut() {
        for m in f.measured.iter_mut() {
            m.shuffle_write_bytes = 0;
        }
    }
    st.name = format!("{} (broadcast)", st.name);
}

/// The big side's stage doing the join's work too. None when it cannot be done (the big side does
/// not read files, or the costs cannot be carried over).
fn merge_join_into(
    big: &StageSpec,
    small: &StageSpec,
    join: &StageSpec,
    partitions: super::scenario::Partitions,
    s: &Scenario,
) -> Option<StageSpec> {
    let mut b = big.clone();
    b.name = format!("{} → BroadcastHashJoin", big.name);
    b.work.broadcast_joins += join.work.broadcast_joins + 1;
    b.work.aggregate |= join.work.aggregate;
    b.work.buffers |= join.work.aggregate;
    match (&mut b.fitted, &join.fitted) {
        (Some(bf), Some(jf)) => {
            // Measured: the join's measured work and writes move onto the big side's tasks, in
            // proportion to what each wrote for the join.
            let big_sw: u64 = bf.measured.iter().map(|m| m.shuffle_write_bytes).sum();
            let join_work: f64 = jf.measured.iter().map(|m| m.work_s).sum::<f64>().max(0.0);
            let join_sw: u64 = jf.measured.iter().map(|m| m.shuffle_write_bytes).sum();
            let join_out: u64 = jf.measured.iter().map(|m| m.output_bytes).sum();
            if big_sw == 0 || bf.measured.is_empty() {
                return None;
            }
            let data: u64 = bf
                .measured
                .iter()
                .map(|m| m.input_bytes + m.shuffle_read_bytes)
                .sum();
            for m in bf.measured.iter_mut() {
                let share = m.shuffle_write_bytes as f64 / big_sw as f64;
                m.work_s += share * join_work;
                m.shuffle_write_bytes = (share * join_sw as f64) as u64;
                m.output_bytes = (share * join_out as f64) as u64;
            }
            if data > 0 {
                bf.s_per_byte += join_work / data as f64;
                b.work.shuffle_write_ratio = join_sw as f64 / data as f64;
                b.work.output_ratio = join_out as f64 / data as f64;
            }
            b.work.shuffle_write_bytes_per_task = 0;
            b.work.memory_expansion = join.work.memory_expansion.or(b.work.memory_expansion);
            Some(b)
        }
        (None, None) => {
            // Rate model: the join's writes per byte of the big side's input.
            let Source::Read { input } = &big.source else {
                return None;
            };
            let stored = input.total_bytes.max(1) as f64;
            let big_out = stored * big.work.shuffle_write_ratio;
            let small_out = match &small.source {
                Source::Read { input } => input.total_bytes as f64 * small.work.shuffle_write_ratio,
                _ => 0.0,
            };
            let tasks = match partitions {
                super::scenario::Partitions::Conf(k) => {
                    s.spark.shuffle_partitions as f64 * k.max(1) as f64
                }
                super::scenario::Partitions::Fixed(n) => n as f64,
            };
            let join_sw = (big_out + small_out) * join.work.shuffle_write_ratio
                + join.work.shuffle_write_bytes_per_task as f64 * tasks;
            let join_out = (big_out + small_out) * join.work.output_ratio;
            b.work.shuffle_write_ratio = join_sw / stored;
            b.work.output_ratio = join_out / stored;
            b.work.shuffle_write_bytes_per_task = 0;
            Some(b)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;

    #[test]
    fn a_high_threshold_turns_q80_joins_into_broadcasts() {
        let mut s = presets::preset("q80-local-shuffle").unwrap();
        assert!(matches!(effective(&s), Cow::Borrowed(_)));
        s.spark.auto_broadcast_join_threshold_bytes = 20 << 30;
        let e = effective(&s);
        assert_eq!(e.stages().count(), 15);
        // The union stage now reads from the three sales scans.
        let union = e.stages().find(|st| st.id == 16).unwrap();
        assert_eq!(union.parents, vec![7, 10, 13]);
        let returns = e.stages().find(|st| st.id == 8).unwrap();
        assert!(returns.work.broadcast && returns.work.shuffle_write_ratio == 0.0);
        let run = crate::sim::simulate(&s).unwrap();
        assert_eq!(run.meta.status, crate::model::RunStatus::Succeeded);
        assert!(
            run.meta.duration_s
                < crate::sim::simulate(&presets::preset("q80-s3-shuffle").unwrap())
                    .unwrap()
                    .meta
                    .duration_s
        );
    }
}
