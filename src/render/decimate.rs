//! Decimation to about two points per pixel column, keeping each column's minimum and maximum so
//! peaks never vanish.

/// Points of a line inside [x0, x1] reduced to at most ~4 per pixel column (first, min, max,
/// last, in time order); points just outside the window are kept so lines reach the edges.
pub fn min_max(points: &[(f64, f64)], x0: f64, x1: f64, columns: usize) -> Vec<(f64, f64)> {
    if points.is_empty() || columns == 0 || x1 <= x0 {
        return Vec::new();
    }
    // The window, plus one neighbour on each side.
    let start = points.partition_point(|p| p.0 < x0).saturating_sub(1);
    let end = (points.partition_point(|p| p.0 <= x1) + 1).min(points.len());
    let window = &points[start..end];
    if window.len() <= 2 * columns {
        return window.to_vec();
    }
    let width = (x1 - x0) / columns as f64;
    let mut out = Vec::with_capacity(4 * columns + 2);
    let mut i = 0;
    while i < window.len() {
        let col = ((window[i].0 - x0) / width).floor();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < window.len() && ((window[j].0 - x0) / width).floor() == col {
            if window[j].1 < window[lo].1 {
                lo = j;
            }
            if window[j].1 > window[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let last = j - 1;
        let mut keep = [i, lo, hi, last];
        keep.sort_unstable();
        let mut prev = usize::MAX;
        for k in keep {
            if k != prev {
                out.push(window[k]);
                prev = k;
            }
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_peaks_and_bounds_the_count() {
        let mut pts: Vec<(f64, f64)> = (0..100_000)
            .map(|i| (i as f64 / 100.0, (i % 7) as f64))
            .collect();
        pts[54_321].1 = 1e6;
        let out = min_max(&pts, 0.0, 1000.0, 500);
        assert!(out.len() <= 4 * 500 + 2, "{}", out.len());
        assert!(out.iter().any(|p| p.1 == 1e6), "the spike survives");
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
    }

    #[test]
    fn small_inputs_are_untouched() {
        let pts = vec![(0.0, 1.0), (1.0, 2.0), (2.0, 0.0)];
        assert_eq!(min_max(&pts, 0.0, 2.0, 100), pts);
        assert!(min_max(&[], 0.0, 1.0, 10).is_empty());
    }
}
