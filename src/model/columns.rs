//! Columns of the task store: each holds its values at the narrowest exact width seen so far.
//!
//! Most task metrics are zero for most tasks (no shuffle in a scan stage, no spill), integers
//! fit 32 bits, and times from event logs are whole milliseconds. A column starts empty, stores
//! `u32` (or milliseconds as `u32`) while every value fits exactly, and widens when one does not,
//! so storage is always lossless.

/// Unsigned integers: nothing while all are zero, then `u32`, then `u64`.
#[derive(Clone, Debug, Default)]
pub(crate) enum UintColumn {
    /// Every value so far is zero.
    #[default]
    Zero,
    /// Every value fits 32 bits.
    U32(Vec<u32>),
    /// Full width.
    U64(Vec<u64>),
}

impl UintColumn {
    /// Appends `v` as row `len` (the number of rows before it).
    pub(crate) fn push(&mut self, len: usize, v: u64) {
        match self {
            Self::Zero if v == 0 => {}
            Self::Zero => {
                self.materialize(len);
                self.push(len, v);
            }
            Self::U32(c) => match u32::try_from(v) {
                Ok(x) => c.push(x),
                Err(_) => {
                    self.widen();
                    self.push(len, v);
                }
            },
            Self::U64(c) => c.push(v),
        }
    }

    /// Value of row `i` (zero past the end).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> u64 {
        match self {
            Self::Zero => 0,
            Self::U32(c) => c.get(i).map_or(0, |&x| u64::from(x)),
            Self::U64(c) => c.get(i).copied().unwrap_or(0),
        }
    }

    /// Sets row `i` of a column of `len` rows.
    pub(crate) fn set(&mut self, len: usize, i: usize, v: u64) {
        match self {
            Self::Zero if v == 0 => {}
            Self::Zero => {
                self.materialize(len);
                self.set(len, i, v);
            }
            Self::U32(c) => match u32::try_from(v) {
                Ok(x) => {
                    if let Some(slot) = c.get_mut(i) {
                        *slot = x;
                    }
                }
                Err(_) => {
                    self.widen();
                    self.set(len, i, v);
                }
            },
            Self::U64(c) => {
                if let Some(slot) = c.get_mut(i) {
                    *slot = v;
                }
            }
        }
    }

    fn materialize(&mut self, len: usize) {
        let mut c = Vec::with_capacity(len.saturating_add(1));
        c.resize(len, 0u32);
        *self = Self::U32(c);
    }

    fn widen(&mut self) {
        if let Self::U32(c) = self {
            let mut w = Vec::with_capacity(c.capacity().max(c.len().saturating_add(1)));
            w.extend(c.iter().map(|&x| u64::from(x)));
            *self = Self::U64(w);
        }
    }

    /// Keeps the rows whose flag is set.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        match self {
            Self::Zero => {}
            Self::U32(c) => retain_by(c, keep),
            Self::U64(c) => retain_by(c, keep),
        }
    }

    /// Reorders the rows: row `k` becomes old row `order[k]`.
    pub(crate) fn permute(&mut self, order: &[u32]) {
        match self {
            Self::Zero => {}
            Self::U32(c) => permute_by(c, order),
            Self::U64(c) => permute_by(c, order),
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Self::Zero => 0,
            Self::U32(c) => c.capacity() * 4,
            Self::U64(c) => c.capacity() * 8,
        }
    }

    pub(crate) fn shrink(&mut self) {
        match self {
            Self::Zero => {}
            Self::U32(c) => c.shrink_to_fit(),
            Self::U64(c) => c.shrink_to_fit(),
        }
    }
}

/// Marks "no value" in a millisecond column (the `NaN` of an `f64` column).
const MS_NONE: u32 = u32::MAX;

/// Seconds (`f64`, `NaN` for none): nothing while all are zero, then whole milliseconds as
/// `u32` (exact: the value read back is the value stored), then `f64`.
#[derive(Clone, Debug, Default)]
pub(crate) enum SecondsColumn {
    /// Every value so far is zero.
    #[default]
    Zero,
    /// Every value is a whole number of milliseconds from 0 to 49.7 days (or none).
    Milli(Vec<u32>),
    /// Full precision.
    F64(Vec<f64>),
}

/// `v` as whole milliseconds when that is exact.
#[inline]
fn as_ms(v: f64) -> Option<u32> {
    if v.is_nan() {
        return Some(MS_NONE);
    }
    let ms = (v * 1e3).round();
    // Exact round trip only: a value that is not whole milliseconds keeps every bit in f64.
    (ms >= 0.0 && ms < f64::from(MS_NONE) && ms / 1e3 == v).then_some(ms as u32)
}

#[inline]
fn from_ms(x: u32) -> f64 {
    if x == MS_NONE {
        f64::NAN
    } else {
        f64::from(x) / 1e3
    }
}

impl SecondsColumn {
    /// Appends `v` as row `len`.
    pub(crate) fn push(&mut self, len: usize, v: f64) {
        match self {
            Self::Zero if v == 0.0 && v.is_sign_positive() => {}
            Self::Zero => {
                self.materialize(len);
                self.push(len, v);
            }
            Self::Milli(c) => match as_ms(v) {
                Some(x) => c.push(x),
                None => {
                    self.widen();
                    self.push(len, v);
                }
            },
            Self::F64(c) => c.push(v),
        }
    }

    /// Value of row `i` (zero past the end).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> f64 {
        match self {
            Self::Zero => 0.0,
            Self::Milli(c) => c.get(i).map_or(0.0, |&x| from_ms(x)),
            Self::F64(c) => c.get(i).copied().unwrap_or(0.0),
        }
    }

    /// Sets row `i` of a column of `len` rows.
    pub(crate) fn set(&mut self, len: usize, i: usize, v: f64) {
        match self {
            Self::Zero if v == 0.0 && v.is_sign_positive() => {}
            Self::Zero => {
                self.materialize(len);
                self.set(len, i, v);
            }
            Self::Milli(c) => match as_ms(v) {
                Some(x) => {
                    if let Some(slot) = c.get_mut(i) {
                        *slot = x;
                    }
                }
                None => {
                    self.widen();
                    self.set(len, i, v);
                }
            },
            Self::F64(c) => {
                if let Some(slot) = c.get_mut(i) {
                    *slot = v;
                }
            }
        }
    }

    fn materialize(&mut self, len: usize) {
        let mut c = Vec::with_capacity(len.saturating_add(1));
        c.resize(len, 0u32);
        *self = Self::Milli(c);
    }

    fn widen(&mut self) {
        if let Self::Milli(c) = self {
            let mut w = Vec::with_capacity(c.capacity().max(c.len().saturating_add(1)));
            w.extend(c.iter().map(|&x| from_ms(x)));
            *self = Self::F64(w);
        }
    }

    /// Keeps the rows whose flag is set.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        match self {
            Self::Zero => {}
            Self::Milli(c) => retain_by(c, keep),
            Self::F64(c) => retain_by(c, keep),
        }
    }

    /// Reorders the rows: row `k` becomes old row `order[k]`.
    pub(crate) fn permute(&mut self, order: &[u32]) {
        match self {
            Self::Zero => {}
            Self::Milli(c) => permute_by(c, order),
            Self::F64(c) => permute_by(c, order),
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Self::Zero => 0,
            Self::Milli(c) => c.capacity() * 4,
            Self::F64(c) => c.capacity() * 8,
        }
    }

    pub(crate) fn shrink(&mut self) {
        match self {
            Self::Zero => {}
            Self::Milli(c) => c.shrink_to_fit(),
            Self::F64(c) => c.shrink_to_fit(),
        }
    }
}

/// Writes and reads columns as raw little-endian bytes (the worker → page transfer: a copy, no
/// parsing).
pub(crate) mod bin {
    /// Appends a length.
    pub fn put_len(out: &mut Vec<u8>, n: usize) {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }

    /// Reads bytes in order; every read is checked.
    pub struct Reader<'a> {
        pub bytes: &'a [u8],
    }

    impl<'a> Reader<'a> {
        /// The next `n` bytes.
        pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
            if n > self.bytes.len() {
                return Err(format!(
                    "task columns cut off: {n} bytes wanted, {} left",
                    self.bytes.len()
                ));
            }
            let (a, b) = self.bytes.split_at(n);
            self.bytes = b;
            Ok(a)
        }

        /// One byte.
        pub fn u8(&mut self) -> Result<u8, String> {
            Ok(self.take(1)?[0])
        }

        /// A length.
        pub fn len(&mut self) -> Result<usize, String> {
            let b = self.take(8)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            usize::try_from(u64::from_le_bytes(a)).map_err(|_| "task columns: bad length".into())
        }
    }

    /// Appends `v` as tag-less raw values.
    pub fn put_u32s(out: &mut Vec<u8>, v: &[u32]) {
        put_len(out, v.len());
        out.reserve(v.len() * 4);
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// Appends `v` as raw 8-byte values.
    pub fn put_u64s(out: &mut Vec<u8>, v: impl ExactSizeIterator<Item = u64>) {
        put_len(out, v.len());
        out.reserve(v.len() * 8);
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// Reads what `put_u32s` wrote.
    pub fn u32s(r: &mut Reader) -> Result<Vec<u32>, String> {
        let n = r.len()?;
        let b = r.take(n.checked_mul(4).ok_or("task columns: bad length")?)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// Reads what `put_u64s` wrote.
    pub fn u64s(r: &mut Reader) -> Result<Vec<u64>, String> {
        let n = r.len()?;
        let b = r.take(n.checked_mul(8).ok_or("task columns: bad length")?)?;
        Ok(b.chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                u64::from_le_bytes(a)
            })
            .collect())
    }
}

impl UintColumn {
    /// Appends the column's bytes.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Zero => out.push(0),
            Self::U32(c) => {
                out.push(1);
                bin::put_u32s(out, c);
            }
            Self::U64(c) => {
                out.push(2);
                bin::put_u64s(out, c.iter().copied());
            }
        }
    }

    /// Reads what `encode` wrote.
    pub(crate) fn decode(r: &mut bin::Reader) -> Result<Self, String> {
        Ok(match r.u8()? {
            0 => Self::Zero,
            1 => Self::U32(bin::u32s(r)?),
            2 => Self::U64(bin::u64s(r)?),
            t => return Err(format!("task columns: unknown column kind {t}")),
        })
    }

    /// Rows stored (0 for a zero column).
    pub(crate) fn stored(&self) -> Option<usize> {
        match self {
            Self::Zero => None,
            Self::U32(c) => Some(c.len()),
            Self::U64(c) => Some(c.len()),
        }
    }
}

impl SecondsColumn {
    /// Appends the column's bytes.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Zero => out.push(0),
            Self::Milli(c) => {
                out.push(1);
                bin::put_u32s(out, c);
            }
            Self::F64(c) => {
                out.push(2);
                bin::put_u64s(out, c.iter().map(|x| x.to_bits()));
            }
        }
    }

    /// Reads what `encode` wrote.
    pub(crate) fn decode(r: &mut bin::Reader) -> Result<Self, String> {
        Ok(match r.u8()? {
            0 => Self::Zero,
            1 => Self::Milli(bin::u32s(r)?),
            2 => Self::F64(bin::u64s(r)?.into_iter().map(f64::from_bits).collect()),
            t => return Err(format!("task columns: unknown column kind {t}")),
        })
    }

    /// Rows stored (none for a zero column).
    pub(crate) fn stored(&self) -> Option<usize> {
        match self {
            Self::Zero => None,
            Self::Milli(c) => Some(c.len()),
            Self::F64(c) => Some(c.len()),
        }
    }
}

/// Keeps the elements of `c` whose flag in `keep` is set (those past its end are kept).
pub fn retain_by<T: Copy>(c: &mut Vec<T>, keep: &[bool]) {
    let mut k = 0;
    c.retain(|_| {
        let r = keep.get(k).copied().unwrap_or(true);
        k += 1;
        r
    });
}

/// Reorders `c`: element `k` becomes old element `order[k]`.
pub fn permute_by<T: Copy + Default>(c: &mut Vec<T>, order: &[u32]) {
    let out: Vec<T> = order
        .iter()
        .map(|&i| c.get(i as usize).copied().unwrap_or_default())
        .collect();
    *c = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_widen_losslessly() {
        let mut c = UintColumn::default();
        c.push(0, 0);
        c.push(1, 0);
        assert!(matches!(c, UintColumn::Zero));
        c.push(2, 7);
        assert!(matches!(c, UintColumn::U32(_)));
        c.push(3, u64::MAX);
        assert!(matches!(c, UintColumn::U64(_)));
        assert_eq!(
            (0..4).map(|i| c.get(i)).collect::<Vec<_>>(),
            [0, 0, 7, u64::MAX]
        );
        c.set(4, 0, 5);
        assert_eq!(c.get(0), 5);
    }

    #[test]
    fn seconds_are_exact() {
        let mut c = SecondsColumn::default();
        let vals = [0.0, 1.234, f64::NAN, 86_400.001, 0.1 + 0.2, -1.0, 1e-9];
        for (i, v) in vals.iter().enumerate() {
            c.push(i, *v);
        }
        for (i, v) in vals.iter().enumerate() {
            let g = c.get(i);
            assert!(g == *v || (g.is_nan() && v.is_nan()), "{i}: {g} vs {v}");
        }
        let mut m = SecondsColumn::default();
        m.push(0, 12.5);
        m.push(1, f64::NAN);
        assert!(matches!(m, SecondsColumn::Milli(_)));
        assert!(m.get(1).is_nan());
    }
}
