//! How data becomes tasks: Spark's file packing, Glue's file grouping, `coalesce(n)`, shuffle
//! partition sizes with skew, and AQE's partition coalescing and skew-join splitting.

use super::rng::SplitMix64;
use super::scenario::{Adaptive, Skew};

/// One read partition: bytes as stored and the file pieces it opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Part {
    /// Bytes as stored.
    pub bytes: u64,
    /// File pieces opened (one S3 request each).
    pub files: u64,
}

/// File sizes: `files` files summing to `total`, equal or spread with a coefficient of variation
/// (log-normal, seeded), largest first is not assumed.
pub fn file_sizes(files: u64, total: u64, cv: f64, rng: &mut SplitMix64) -> Vec<u64> {
    let n = files.max(1) as usize;
    if cv <= 0.0 {
        let base = total / n as u64;
        let extra = (total % n as u64) as usize;
        return (0..n).map(|i| base + u64::from(i < extra)).collect();
    }
    // Log-normal with the given CV: sigma² = ln(1 + cv²).
    let sigma = (1.0 + cv * cv).ln().sqrt();
    let w: Vec<f64> = (0..n)
        .map(|_| {
            // Box–Muller.
            let u1 = rng.next_f64().max(1e-12);
            let u2 = rng.next_f64();
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            (sigma * z).exp()
        })
        .collect();
    let sum: f64 = w.iter().sum();
    let mut sizes: Vec<u64> = w
        .iter()
        .map(|x| (x / sum * total as f64).floor() as u64)
        .collect();
    let assigned: u64 = sizes.iter().sum();
    if let Some(first) = sizes.first_mut() {
        *first += total.saturating_sub(assigned);
    }
    sizes
}

/// Spark's `FilePartition.maxSplitBytes`: min(maxPartitionBytes, max(openCost, bytesPerCore)),
/// bytesPerCore = Σ(file + openCost) / minPartitionNum.
pub fn max_split_bytes(
    sizes: &[u64],
    max_partition_bytes: u64,
    open_cost_bytes: u64,
    min_partitions: u64,
) -> u64 {
    let total: u128 = sizes.iter().map(|s| (*s + open_cost_bytes) as u128).sum();
    let per_core = (total / min_partitions.max(1) as u128) as u64;
    max_partition_bytes
        .min(open_cost_bytes.max(per_core))
        .max(1)
}

/// Spark's read partitions (`FileSourceScanExec` → `FilePartition.getFilePartitions`): splittable
/// files are cut at `maxSplitBytes`, pieces sorted by size (largest first) and packed "next fit
/// decreasing": a partition closes when the next piece would exceed `maxSplitBytes`; each piece
/// adds its size plus the open cost.
pub fn spark_file_partitions(
    sizes: &[u64],
    splittable: bool,
    max_partition_bytes: u64,
    open_cost_bytes: u64,
    min_partitions: u64,
) -> Vec<Part> {
    let split = max_split_bytes(sizes, max_partition_bytes, open_cost_bytes, min_partitions);
    let mut pieces: Vec<u64> = Vec::with_capacity(sizes.len());
    for &s in sizes {
        if splittable && s > split {
            let mut left = s;
            while left > 0 {
                let p = left.min(split);
                pieces.push(p);
                left -= p;
            }
        } else {
            pieces.push(s);
        }
    }
    crate::sorting::sort_by(&mut pieces, |p| crate::sorting::Key::u(u64::MAX - *p));
    let mut parts = Vec::new();
    let mut cur = Part::default();
    let mut cur_size: u64 = 0;
    for p in pieces {
        if cur.files > 0 && cur_size + p > split {
            parts.push(cur);
            cur = Part::default();
            cur_size = 0;
        }
        cur_size += p + open_cost_bytes;
        cur.bytes += p;
        cur.files += 1;
    }
    if cur.files > 0 {
        parts.push(cur);
    }
    parts
}

/// AWS Glue's file grouping (`groupFiles: inPartition`): files, in listing order, are read in
/// groups of about `group_size` bytes, one task per group.
pub fn glue_groups(sizes: &[u64], group_size: u64) -> Vec<Part> {
    let group_size = group_size.max(1);
    let mut parts = Vec::new();
    let mut cur = Part::default();
    for &s in sizes {
        cur.bytes += s;
        cur.files += 1;
        if cur.bytes >= group_size {
            parts.push(cur);
            cur = Part::default();
        }
    }
    if cur.files > 0 {
        parts.push(cur);
    }
    parts
}

/// Glue's default group size when `groupSize` is not given: enough groups to use every core once
/// (the guide: "a size to use all the CPU cores in the cluster while still reducing the overall
/// number of ETL tasks").
pub fn glue_default_group_size(total_bytes: u64, slots: u64) -> u64 {
    total_bytes.div_ceil(slots.max(1)).max(1)
}

/// `coalesce(n)` without locality: Spark's `DefaultPartitionCoalescer` falls back to grouping
/// consecutive parent partitions evenly, `i·len/n .. (i+1)·len/n`.
pub fn coalesce<T: Copy>(parts: &[T], n: u64, merge: impl Fn(T, T) -> T, empty: T) -> Vec<T> {
    let len = parts.len() as u64;
    if n == 0 || n >= len {
        return parts.to_vec();
    }
    (0..n)
        .map(|i| {
            let (a, b) = ((i * len / n) as usize, ((i + 1) * len / n) as usize);
            parts[a..b].iter().fold(empty, |acc, p| merge(acc, *p))
        })
        .collect()
}

/// Relative sizes (summing to 1) of `n` reduce partitions under `skew`.
pub fn shuffle_weights(n: u64, skew: &Skew, rng: &mut SplitMix64) -> Vec<f64> {
    let n = n.max(1) as usize;
    if !skew.weights.is_empty() {
        return map_weights(&skew.weights, n);
    }
    let mut w = vec![1.0; n];
    if skew.zipf_exponent > 0.0 {
        let mut ranks: Vec<usize> = (1..=n).collect();
        rng.shuffle(&mut ranks);
        for (x, r) in w.iter_mut().zip(ranks) {
            *x = 1.0 / (r as f64).powf(skew.zipf_exponent);
        }
    }
    normalise(&mut w);
    let h = skew.hot_key_share.clamp(0.0, 1.0);
    if h > 0.0 {
        let hot = rng.below(n as u64) as usize;
        for x in w.iter_mut() {
            *x *= 1.0 - h;
        }
        w[hot] += h;
    }
    w
}

fn normalise(w: &mut [f64]) {
    let sum: f64 = w.iter().sum();
    if sum > 0.0 {
        for x in w.iter_mut() {
            *x /= sum;
        }
    } else if !w.is_empty() {
        let v = 1.0 / w.len() as f64;
        w.fill(v);
    }
}

/// Maps measured partition weights (`m` partitions) onto `n` partitions as hash partitioning
/// does: a key in old partition `h mod m` lands in new partition `h mod n`. With `n ≥ m`, old
/// partition i spreads evenly over the new partitions j ≡ i (mod m); with `n < m`, new partition j
/// gathers the old partitions i ≡ j (mod n). Exact when one count divides the other.
pub fn map_weights(measured: &[f64], n: usize) -> Vec<f64> {
    let m = measured.len().max(1);
    let mut src: Vec<f64> = measured.iter().map(|x| x.max(0.0)).collect();
    if src.is_empty() {
        src = vec![1.0];
    }
    normalise(&mut src);
    let n = n.max(1);
    let mut w = vec![0.0; n];
    if n >= m {
        for (i, &x) in src.iter().enumerate() {
            let count = (n - i).div_ceil(m).max(1);
            let share = x / count as f64;
            let mut j = i;
            while j < n {
                w[j] += share;
                j += m;
            }
        }
    } else {
        for (i, &x) in src.iter().enumerate() {
            w[i % n] += x;
        }
    }
    normalise(&mut w);
    w
}

/// One reduce task after AQE: a contiguous range of reduce partitions, or a slice of one skewed
/// partition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReduceTask {
    /// Shuffle bytes it reads.
    pub bytes: f64,
    /// Reduce partitions it covers (1 for a skew slice).
    pub partitions: u64,
    /// Share of the map outputs it reads (1, or 1/k for one of k skew slices).
    pub map_share: f64,
}

/// Reduce tasks of one shuffle read with `sizes` bytes per partition, after AQE's skew-join split
/// (`OptimizeSkewedJoin`) and partition coalescing (`ShufflePartitionsUtil.coalescePartitions`)
/// when enabled.
pub fn reduce_tasks(
    sizes: &[f64],
    aqe: &Adaptive,
    join: bool,
    default_parallelism: u64,
    groups: usize,
) -> Vec<ReduceTask> {
    let plain = |s: &[f64]| -> Vec<ReduceTask> {
        s.iter()
            .map(|&b| ReduceTask {
                bytes: b,
                partitions: 1,
                map_share: 1.0,
            })
            .collect()
    };
    if !aqe.enabled {
        return plain(sizes);
    }
    let total: f64 = sizes.iter().sum();
    // Skew split first (only for sort-merge joins).
    let mut skewed = vec![0u64; sizes.len()];
    if join && aqe.skew_join && sizes.len() > 1 {
        let mut sorted = sizes.to_vec();
        crate::sorting::sort_f64s(&mut sorted);
        let median = sorted[sorted.len() / 2];
        let threshold =
            (aqe.skewed_partition_factor * median).max(aqe.skewed_partition_threshold_bytes as f64);
        let non_skewed: Vec<f64> = sizes.iter().copied().filter(|s| *s <= threshold).collect();
        let avg = if non_skewed.is_empty() {
            0.0
        } else {
            non_skewed.iter().sum::<f64>() / non_skewed.len() as f64
        };
        let target = (aqe.advisory_partition_bytes as f64).max(avg).max(1.0);
        for (i, &s) in sizes.iter().enumerate() {
            if s > threshold {
                skewed[i] = (s / target).ceil().max(2.0) as u64;
            }
        }
    }
    let coalesce = aqe.coalesce_partitions;
    let min_parts = if aqe.parallelism_first {
        default_parallelism.max(1)
    } else {
        1
    };
    let max_target = (total / min_parts as f64).ceil().max(16.0);
    let target = max_target
        .min(aqe.advisory_partition_bytes as f64)
        .max(aqe.min_partition_bytes as f64);
    // Coalescing works within each of `groups` unioned shuffles (contiguous ranges).
    let groups = groups.max(1);
    let per = sizes.len().div_ceil(groups).max(1);
    let mut out = Vec::new();
    for chunk_start in (0..sizes.len()).step_by(per) {
        let chunk_end = (chunk_start + per).min(sizes.len());
        let mut cur: Option<ReduceTask> = None;
        for i in chunk_start..chunk_end {
            let s = sizes[i];
            if skewed[i] > 1 {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
                let k = skewed[i];
                for _ in 0..k {
                    out.push(ReduceTask {
                        bytes: s / k as f64,
                        partitions: 1,
                        map_share: 1.0 / k as f64,
                    });
                }
                continue;
            }
            if !coalesce {
                out.push(ReduceTask {
                    bytes: s,
                    partitions: 1,
                    map_share: 1.0,
                });
                continue;
            }
            match cur.as_mut() {
                Some(c) if c.bytes + s > target => {
                    if c.bytes > 0.0 {
                        out.push(*c);
                    }
                    *c = ReduceTask {
                        bytes: s,
                        partitions: 1,
                        map_share: 1.0,
                    };
                }
                Some(c) => {
                    c.bytes += s;
                    c.partitions += 1;
                }
                None => {
                    cur = Some(ReduceTask {
                        bytes: s,
                        partitions: 1,
                        map_share: 1.0,
                    })
                }
            }
        }
        if let Some(c) = cur {
            if c.bytes > 0.0 || out.is_empty() {
                out.push(c);
            }
        }
    }
    if out.is_empty() {
        out.push(ReduceTask {
            bytes: 0.0,
            partitions: sizes.len() as u64,
            map_share: 1.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1 << 20;

    #[test]
    fn s1_packing_matches_spark() {
        // S1: 1,500 gzip files, 67,447,061 bytes, 2 cores.
        let mut rng = SplitMix64::new(1);
        let sizes = file_sizes(1500, 67_447_061, 0.0, &mut rng);
        let before = spark_file_partitions(&sizes, false, 128 * MB, 4 * MB, 2);
        assert_eq!(before.len(), 47);
        let after = spark_file_partitions(&sizes, false, 16 * MB, 64 << 10, 2);
        assert_eq!(after.len(), 10);
        assert_eq!(after.iter().map(|p| p.bytes).sum::<u64>(), 67_447_061);
        assert_eq!(after.iter().map(|p| p.files).sum::<u64>(), 1500);
    }

    #[test]
    fn splitting_only_when_splittable() {
        let sizes = vec![1000 * MB];
        assert_eq!(
            spark_file_partitions(&sizes, false, 128 * MB, 4 * MB, 8).len(),
            1
        );
        let p = spark_file_partitions(&sizes, true, 128 * MB, 4 * MB, 8);
        assert_eq!(p.len(), 8);
        assert_eq!(p.iter().map(|x| x.bytes).sum::<u64>(), 1000 * MB);
    }

    #[test]
    fn grouping_and_coalesce() {
        let sizes = vec![10; 100];
        let g = glue_groups(&sizes, 250);
        assert_eq!(g.len(), 4);
        assert_eq!(g[0].files, 25);
        let parts: Vec<Part> = (0..47).map(|_| Part { bytes: 3, files: 2 }).collect();
        let one = coalesce(
            &parts,
            1,
            |a, b| Part {
                bytes: a.bytes + b.bytes,
                files: a.files + b.files,
            },
            Part::default(),
        );
        assert_eq!(
            one,
            vec![Part {
                bytes: 141,
                files: 94
            }]
        );
    }

    #[test]
    fn weights_map_and_skew() {
        let w = map_weights(&[0.4, 0.2, 0.2, 0.2], 64);
        assert_eq!(w.len(), 64);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!((w[0] - 0.4 / 16.0).abs() < 1e-12);
        let w = map_weights(&[0.25; 4], 2);
        assert_eq!(w, vec![0.5, 0.5]);
        let mut rng = SplitMix64::new(3);
        let w = shuffle_weights(
            10,
            &Skew {
                hot_key_share: 0.5,
                ..Skew::default()
            },
            &mut rng,
        );
        assert!(w.iter().any(|x| *x > 0.5));
    }

    #[test]
    fn aqe_coalesces_and_splits() {
        let aqe = Adaptive::default();
        // 200 partitions of 1 MiB with 8 cores: target = min(200/8 MiB, 64 MiB) = 25 MiB.
        let sizes = vec![MB as f64; 200];
        let t = reduce_tasks(&sizes, &aqe, false, 8, 1);
        assert_eq!(t.len(), 8);
        let mut sizes = vec![10.0 * MB as f64; 100];
        sizes[7] = 2000.0 * MB as f64;
        let t = reduce_tasks(&sizes, &aqe, true, 1000, 1);
        assert!(t.iter().filter(|r| r.map_share < 1.0).count() >= 2);
        let total: f64 = t.iter().map(|r| r.bytes).sum();
        assert!((total - sizes.iter().sum::<f64>()).abs() < 1.0);
        let off = Adaptive {
            enabled: false,
            ..Adaptive::default()
        };
        assert_eq!(reduce_tasks(&sizes, &off, true, 8, 1).len(), 100);
    }
}
