//! Sorting through one shared sort routine.
//!
//! Every `sort_by` call with its own closure compiles its own copy of the standard library's sort
//! (several KB of wasm each); sorting a compact key array with one routine and then reordering
//! keeps the page's download small. Ties keep the input order (stable).

/// A sort key: a primary `f64` (total order: `-0.0 < 0.0`, NaN last) and a secondary `u64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Key(pub f64, pub u64);

impl Key {
    /// A key on an `f64` alone.
    pub fn f(v: f64) -> Key {
        Key(v, 0)
    }

    /// A key on a `u64` alone.
    pub fn u(v: u64) -> Key {
        Key(0.0, v)
    }
}

/// The one sort: by key, then by original position.
fn sort_keys(keys: &mut [(f64, u64, u32)]) {
    keys.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
}

/// Sorts `v` ascending by `key`, stably.
pub fn sort_by<T>(v: &mut Vec<T>, key: impl Fn(&T) -> Key) {
    if v.len() < 2 {
        return;
    }
    let mut keys: Vec<(f64, u64, u32)> = v
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let k = key(x);
            (k.0, k.1, i as u32)
        })
        .collect();
    sort_keys(&mut keys);
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(keys.iter().filter_map(|k| slots[k.2 as usize].take()));
}

/// The stable ascending order of `keys`: position `k` of the result is the index of the `k`-th.
pub fn order_of(keys: impl Iterator<Item = Key>) -> Vec<u32> {
    let mut k: Vec<(f64, u64, u32)> = keys
        .enumerate()
        .map(|(i, k)| (k.0, k.1, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    sort_keys(&mut k);
    k.into_iter().map(|x| x.2).collect()
}

/// Sorts `f64`s ascending (total order).
pub fn sort_f64s(v: &mut [f64]) {
    v.sort_unstable_by(f64::total_cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_two_level_sort() {
        let mut v = vec![
            (2.0, 1, 'a'),
            (1.0, 9, 'b'),
            (2.0, 0, 'c'),
            (1.0, 9, 'd'),
            (-0.0, 5, 'e'),
        ];
        sort_by(&mut v, |x| Key(x.0, x.1));
        let order: String = v.iter().map(|x| x.2).collect();
        assert_eq!(order, "ebdca");
        let mut f = vec![3.0, f64::NAN, -1.0, 0.0];
        sort_f64s(&mut f);
        assert_eq!(&f[..3], &[-1.0, 0.0, 3.0]);
        assert!(f[3].is_nan());
    }
}
