//! The task store: task attempts as columns (a struct of arrays), not one struct per task.
//!
//! A million tasks as [`Task`] structs take ≈ 290 bytes each (more with the vector's growth);
//! here each column holds only what it needs (see `columns`): zero columns take nothing,
//! integers and millisecond times take 4 bytes, executor ids and failure reasons are interned.
//! Reading a row builds a [`Task`] value; the strings in it are shared (`Arc<str>`), not copied.
//! Storage is lossless: every value reads back exactly as it was stored.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::columns::{bin, permute_by, retain_by, SecondsColumn, UintColumn};
pub use super::columns::{permute_by as permute_rows, retain_by as retain_rows};
use super::task::{Task, TaskStatus};

/// Strings that repeat across rows, stored once; rows hold an index (0 = none).
#[derive(Clone, Debug, Default)]
struct StrColumn {
    names: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
    rows: UintColumn,
}

impl StrColumn {
    fn code(&mut self, s: Option<&Arc<str>>) -> u64 {
        let Some(s) = s else { return 0 };
        if let Some(&k) = self.index.get(&**s) {
            return u64::from(k);
        }
        self.names.push(s.clone());
        let k = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.index.insert(s.clone(), k);
        u64::from(k)
    }

    #[inline]
    fn name(&self, code: u64) -> Option<&Arc<str>> {
        usize::try_from(code)
            .ok()
            .and_then(|k| k.checked_sub(1))
            .and_then(|k| self.names.get(k))
    }

    fn heap_bytes(&self) -> usize {
        let strings: usize = self.names.iter().map(|s| s.len() + 16).sum();
        self.rows.heap_bytes() + self.names.capacity() * 16 + self.index.capacity() * 24 + strings
    }
}

/// First bytes of [`Tasks::to_bytes`].
const BIN_MAGIC: &[u8] = b"RLTASKS1";

const SPECULATIVE: u8 = 1 << 3;
const OUTPUT_LOST: u8 = 1 << 4;

fn status_code(s: TaskStatus) -> u8 {
    match s {
        TaskStatus::Success => 0,
        TaskStatus::Failed => 1,
        TaskStatus::Killed => 2,
        TaskStatus::Running => 3,
    }
}

fn status_of(code: u8) -> TaskStatus {
    match code & 7 {
        0 => TaskStatus::Success,
        1 => TaskStatus::Failed,
        2 => TaskStatus::Killed,
        _ => TaskStatus::Running,
    }
}

/// Every task attempt of a run, in columns.
#[derive(Clone, Default)]
pub struct Tasks {
    len: usize,
    id: UintColumn,
    stage_id: UintColumn,
    stage_attempt: UintColumn,
    index: UintColumn,
    attempt: UintColumn,
    executor: StrColumn,
    reason: StrColumn,
    /// Status in the low 3 bits, then the speculative and output-lost flags.
    flags: Vec<u8>,
    launch_s: SecondsColumn,
    /// `NaN` while running.
    finish_s: SecondsColumn,
    input_bytes: UintColumn,
    input_records: UintColumn,
    output_bytes: UintColumn,
    output_records: UintColumn,
    shuffle_read_local_bytes: UintColumn,
    shuffle_read_remote_bytes: UintColumn,
    shuffle_read_records: UintColumn,
    shuffle_fetch_wait_s: SecondsColumn,
    shuffle_write_bytes: UintColumn,
    shuffle_write_records: UintColumn,
    shuffle_write_time_s: SecondsColumn,
    memory_spill_bytes: UintColumn,
    disk_spill_bytes: UintColumn,
    peak_execution_memory_bytes: UintColumn,
    run_time_s: SecondsColumn,
    cpu_time_s: SecondsColumn,
    gc_time_s: SecondsColumn,
    deserialize_time_s: SecondsColumn,
    result_size_bytes: UintColumn,
}

/// Applies `$m!(column)` to every numeric column.
macro_rules! numeric_columns {
    ($self:ident, $f:ident $(, $arg:expr)*) => {
        $self.id.$f($($arg),*);
        $self.stage_id.$f($($arg),*);
        $self.stage_attempt.$f($($arg),*);
        $self.index.$f($($arg),*);
        $self.attempt.$f($($arg),*);
        $self.executor.rows.$f($($arg),*);
        $self.reason.rows.$f($($arg),*);
        $self.launch_s.$f($($arg),*);
        $self.finish_s.$f($($arg),*);
        $self.input_bytes.$f($($arg),*);
        $self.input_records.$f($($arg),*);
        $self.output_bytes.$f($($arg),*);
        $self.output_records.$f($($arg),*);
        $self.shuffle_read_local_bytes.$f($($arg),*);
        $self.shuffle_read_remote_bytes.$f($($arg),*);
        $self.shuffle_read_records.$f($($arg),*);
        $self.shuffle_fetch_wait_s.$f($($arg),*);
        $self.shuffle_write_bytes.$f($($arg),*);
        $self.shuffle_write_records.$f($($arg),*);
        $self.shuffle_write_time_s.$f($($arg),*);
        $self.memory_spill_bytes.$f($($arg),*);
        $self.disk_spill_bytes.$f($($arg),*);
        $self.peak_execution_memory_bytes.$f($($arg),*);
        $self.run_time_s.$f($($arg),*);
        $self.cpu_time_s.$f($($arg),*);
        $self.gc_time_s.$f($($arg),*);
        $self.deserialize_time_s.$f($($arg),*);
        $self.result_size_bytes.$f($($arg),*);
    };
}

impl Tasks {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of task attempts.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a task attempt.
    pub fn push(&mut self, t: Task) {
        let n = self.len;
        let ex = self.executor.code(Some(&t.executor_id));
        let re = self.reason.code(t.failure_reason.as_ref());
        self.id.push(n, t.id);
        self.stage_id.push(n, t.stage_id);
        self.stage_attempt.push(n, u64::from(t.stage_attempt));
        self.index.push(n, t.index);
        self.attempt.push(n, u64::from(t.attempt));
        self.executor.rows.push(n, ex);
        self.reason.rows.push(n, re);
        self.flags.push(Self::flags_of(&t));
        self.launch_s.push(n, t.launch_s);
        self.finish_s.push(n, t.finish_s.unwrap_or(f64::NAN));
        self.input_bytes.push(n, t.input_bytes);
        self.input_records.push(n, t.input_records);
        self.output_bytes.push(n, t.output_bytes);
        self.output_records.push(n, t.output_records);
        self.shuffle_read_local_bytes
            .push(n, t.shuffle_read_local_bytes);
        self.shuffle_read_remote_bytes
            .push(n, t.shuffle_read_remote_bytes);
        self.shuffle_read_records.push(n, t.shuffle_read_records);
        self.shuffle_fetch_wait_s.push(n, t.shuffle_fetch_wait_s);
        self.shuffle_write_bytes.push(n, t.shuffle_write_bytes);
        self.shuffle_write_records.push(n, t.shuffle_write_records);
        self.shuffle_write_time_s.push(n, t.shuffle_write_time_s);
        self.memory_spill_bytes.push(n, t.memory_spill_bytes);
        self.disk_spill_bytes.push(n, t.disk_spill_bytes);
        self.peak_execution_memory_bytes
            .push(n, t.peak_execution_memory_bytes);
        self.run_time_s.push(n, t.run_time_s);
        self.cpu_time_s.push(n, t.cpu_time_s);
        self.gc_time_s.push(n, t.gc_time_s);
        self.deserialize_time_s.push(n, t.deserialize_time_s);
        self.result_size_bytes.push(n, t.result_size_bytes);
        self.len += 1;
    }

    fn flags_of(t: &Task) -> u8 {
        status_code(t.status)
            | if t.speculative { SPECULATIVE } else { 0 }
            | if t.output_lost { OUTPUT_LOST } else { 0 }
    }

    /// Replaces row `i` (nothing when out of range).
    pub fn set(&mut self, i: usize, t: Task) {
        let n = self.len;
        if i >= n {
            return;
        }
        let ex = self.executor.code(Some(&t.executor_id));
        let re = self.reason.code(t.failure_reason.as_ref());
        self.id.set(n, i, t.id);
        self.stage_id.set(n, i, t.stage_id);
        self.stage_attempt.set(n, i, u64::from(t.stage_attempt));
        self.index.set(n, i, t.index);
        self.attempt.set(n, i, u64::from(t.attempt));
        self.executor.rows.set(n, i, ex);
        self.reason.rows.set(n, i, re);
        if let Some(f) = self.flags.get_mut(i) {
            *f = Self::flags_of(&t);
        }
        self.launch_s.set(n, i, t.launch_s);
        self.finish_s.set(n, i, t.finish_s.unwrap_or(f64::NAN));
        self.input_bytes.set(n, i, t.input_bytes);
        self.input_records.set(n, i, t.input_records);
        self.output_bytes.set(n, i, t.output_bytes);
        self.output_records.set(n, i, t.output_records);
        self.shuffle_read_local_bytes
            .set(n, i, t.shuffle_read_local_bytes);
        self.shuffle_read_remote_bytes
            .set(n, i, t.shuffle_read_remote_bytes);
        self.shuffle_read_records.set(n, i, t.shuffle_read_records);
        self.shuffle_fetch_wait_s.set(n, i, t.shuffle_fetch_wait_s);
        self.shuffle_write_bytes.set(n, i, t.shuffle_write_bytes);
        self.shuffle_write_records
            .set(n, i, t.shuffle_write_records);
        self.shuffle_write_time_s.set(n, i, t.shuffle_write_time_s);
        self.memory_spill_bytes.set(n, i, t.memory_spill_bytes);
        self.disk_spill_bytes.set(n, i, t.disk_spill_bytes);
        self.peak_execution_memory_bytes
            .set(n, i, t.peak_execution_memory_bytes);
        self.run_time_s.set(n, i, t.run_time_s);
        self.cpu_time_s.set(n, i, t.cpu_time_s);
        self.gc_time_s.set(n, i, t.gc_time_s);
        self.deserialize_time_s.set(n, i, t.deserialize_time_s);
        self.result_size_bytes.set(n, i, t.result_size_bytes);
    }

    /// Row `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<Task> {
        (i < self.len).then(|| self.row(i))
    }

    /// Row `i` (a default task past the end).
    pub fn row(&self, i: usize) -> Task {
        let flags = self.flags.get(i).copied().unwrap_or(3);
        let finish = self.finish_s.get(i);
        Task {
            id: self.id.get(i),
            stage_id: self.stage_id.get(i),
            stage_attempt: u32::try_from(self.stage_attempt.get(i)).unwrap_or(u32::MAX),
            index: self.index.get(i),
            attempt: u32::try_from(self.attempt.get(i)).unwrap_or(u32::MAX),
            executor_id: self
                .executor
                .name(self.executor.rows.get(i))
                .cloned()
                .unwrap_or_else(|| Arc::from("")),
            launch_s: self.launch_s.get(i),
            finish_s: (!finish.is_nan()).then_some(finish),
            status: status_of(flags),
            failure_reason: self.reason.name(self.reason.rows.get(i)).cloned(),
            speculative: flags & SPECULATIVE != 0,
            output_lost: flags & OUTPUT_LOST != 0,
            input_bytes: self.input_bytes.get(i),
            input_records: self.input_records.get(i),
            output_bytes: self.output_bytes.get(i),
            output_records: self.output_records.get(i),
            shuffle_read_local_bytes: self.shuffle_read_local_bytes.get(i),
            shuffle_read_remote_bytes: self.shuffle_read_remote_bytes.get(i),
            shuffle_read_records: self.shuffle_read_records.get(i),
            shuffle_fetch_wait_s: self.shuffle_fetch_wait_s.get(i),
            shuffle_write_bytes: self.shuffle_write_bytes.get(i),
            shuffle_write_records: self.shuffle_write_records.get(i),
            shuffle_write_time_s: self.shuffle_write_time_s.get(i),
            memory_spill_bytes: self.memory_spill_bytes.get(i),
            disk_spill_bytes: self.disk_spill_bytes.get(i),
            peak_execution_memory_bytes: self.peak_execution_memory_bytes.get(i),
            run_time_s: self.run_time_s.get(i),
            cpu_time_s: self.cpu_time_s.get(i),
            gc_time_s: self.gc_time_s.get(i),
            deserialize_time_s: self.deserialize_time_s.get(i),
            result_size_bytes: self.result_size_bytes.get(i),
        }
    }

    /// The executor id of row `i`, borrowed from the store ("" past the end).
    pub fn executor_id(&self, i: usize) -> &str {
        self.executor
            .name(self.executor.rows.get(i))
            .map_or("", |s| s)
    }

    /// The distinct executor ids that rows name, in first-seen order (a scan of small integer
    /// codes, no string hashing).
    pub fn distinct_executors(&self) -> Vec<&str> {
        let mut used = vec![false; self.executor.names.len() + 1];
        for i in 0..self.len {
            if let Some(u) = usize::try_from(self.executor.rows.get(i))
                .ok()
                .and_then(|k| used.get_mut(k))
            {
                *u = true;
            }
        }
        self.executor
            .names
            .iter()
            .enumerate()
            .filter(|(k, _)| used.get(k + 1).copied().unwrap_or(false))
            .map(|(_, n)| &**n)
            .collect()
    }

    /// The executor of row `i` as a small integer: 0 for none, else 1 + its position in
    /// [`Tasks::distinct_executors`]' underlying table (see [`Tasks::executor_table`]).
    pub fn executor_code(&self, i: usize) -> usize {
        usize::try_from(self.executor.rows.get(i)).unwrap_or(0)
    }

    /// Every executor id rows may name, by code − 1.
    pub fn executor_table(&self) -> impl Iterator<Item = &str> + '_ {
        self.executor.names.iter().map(|n| &**n)
    }

    /// The executor id of every row, in order.
    pub fn executor_ids(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len).map(|i| self.executor_id(i))
    }

    /// Every row with its executor id borrowed from the store (for maps keyed by executor).
    pub fn with_executors(&self) -> impl Iterator<Item = (Task, &str)> + '_ {
        self.iter().zip(self.executor_ids())
    }

    /// Launch time of row `i`, seconds from the run's start (read without building the row).
    pub fn launch_s(&self, i: usize) -> f64 {
        self.launch_s.get(i)
    }

    /// Every row, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            tasks: self,
            next: 0,
            end: self.len,
        }
    }

    /// The first row.
    pub fn first(&self) -> Option<Task> {
        self.get(0)
    }

    /// The last row.
    pub fn last(&self) -> Option<Task> {
        self.len.checked_sub(1).map(|i| self.row(i))
    }

    /// Reserves room for `n` more rows in the columns that are always stored.
    pub fn reserve(&mut self, n: usize) {
        self.flags.reserve(n);
    }

    /// Task id of row `i` (read without building the row).
    pub fn id(&self, i: usize) -> u64 {
        self.id.get(i)
    }

    /// Sets the times of row `i`.
    pub fn set_times(&mut self, i: usize, launch_s: f64, finish_s: Option<f64>) {
        let n = self.len;
        if i < n {
            self.launch_s.set(n, i, launch_s);
            self.finish_s.set(n, i, finish_s.unwrap_or(f64::NAN));
        }
    }

    /// Keeps the rows whose flag in `keep` is set (rows past its end are kept).
    pub fn retain_rows(&mut self, keep: &[bool]) {
        let dropped = keep.iter().take(self.len).filter(|&&k| !k).count();
        if dropped == 0 {
            return;
        }
        numeric_columns!(self, retain, keep);
        retain_by(&mut self.flags, keep);
        self.len -= dropped;
    }

    /// Reorders the rows: row `k` becomes old row `order[k]` (`order` a permutation of the rows).
    pub fn permute(&mut self, order: &[u32]) {
        if order.len() != self.len || order.windows(2).all(|w| w[0] < w[1]) {
            return;
        }
        numeric_columns!(self, permute, order);
        permute_by(&mut self.flags, order);
    }

    /// Keeps the rows `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Task) -> bool) {
        let mask: Vec<bool> = self.iter().map(|t| keep(&t)).collect();
        self.retain_rows(&mask);
    }

    /// Sorts the rows by `key` (stable).
    pub fn sort_by(&mut self, key: impl Fn(&Task) -> crate::sorting::Key) {
        let order = crate::sorting::order_of(self.iter().map(|t| key(&t)));
        self.permute(&order);
    }

    /// The columns as bytes: what a worker sends the page (read back with [`Tasks::from_bytes`]
    /// by the same build; a copy, not a parse).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.heap_bytes() + 1024);
        out.extend_from_slice(BIN_MAGIC);
        bin::put_len(&mut out, self.len);
        for names in [&self.executor.names, &self.reason.names] {
            bin::put_len(&mut out, names.len());
            for n in names {
                bin::put_len(&mut out, n.len());
                out.extend_from_slice(n.as_bytes());
            }
        }
        bin::put_len(&mut out, self.flags.len());
        out.extend_from_slice(&self.flags);
        numeric_columns!(self, encode, &mut out);
        out
    }

    /// Reads what [`Tasks::to_bytes`] wrote; an error if the bytes are not that.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tasks, String> {
        let mut r = TasksReader::new(bytes)?;
        while !r.step()? {}
        r.finish()
    }

    fn lengths_agree(&self) -> bool {
        let mut ok = true;
        let len = self.len;
        macro_rules! check {
            ($($c:ident).+) => {
                ok &= self.$($c).+.stored().is_none_or(|n| n == len);
            };
        }
        check!(id);
        check!(stage_id);
        check!(stage_attempt);
        check!(index);
        check!(attempt);
        check!(executor.rows);
        check!(reason.rows);
        check!(launch_s);
        check!(finish_s);
        check!(input_bytes);
        check!(input_records);
        check!(output_bytes);
        check!(output_records);
        check!(shuffle_read_local_bytes);
        check!(shuffle_read_remote_bytes);
        check!(shuffle_read_records);
        check!(shuffle_fetch_wait_s);
        check!(shuffle_write_bytes);
        check!(shuffle_write_records);
        check!(shuffle_write_time_s);
        check!(memory_spill_bytes);
        check!(disk_spill_bytes);
        check!(peak_execution_memory_bytes);
        check!(run_time_s);
        check!(cpu_time_s);
        check!(gc_time_s);
        check!(deserialize_time_s);
        check!(result_size_bytes);
        ok
    }

    /// Gives back memory the columns reserved for growth.
    pub fn shrink_to_fit(&mut self) {
        numeric_columns!(self, shrink);
        self.flags.shrink_to_fit();
    }

    /// Heap bytes the store holds (for benchmarks and limits).
    pub fn heap_bytes(&self) -> usize {
        let mut n = self.flags.capacity() + self.executor.heap_bytes() + self.reason.heap_bytes();
        for c in [
            &self.id,
            &self.stage_id,
            &self.stage_attempt,
            &self.index,
            &self.attempt,
            &self.input_bytes,
            &self.input_records,
            &self.output_bytes,
            &self.output_records,
            &self.shuffle_read_local_bytes,
            &self.shuffle_read_remote_bytes,
            &self.shuffle_read_records,
            &self.shuffle_write_bytes,
            &self.shuffle_write_records,
            &self.memory_spill_bytes,
            &self.disk_spill_bytes,
            &self.peak_execution_memory_bytes,
            &self.result_size_bytes,
        ] {
            n += c.heap_bytes();
        }
        for c in [
            &self.launch_s,
            &self.finish_s,
            &self.shuffle_fetch_wait_s,
            &self.shuffle_write_time_s,
            &self.run_time_s,
            &self.cpu_time_s,
            &self.gc_time_s,
            &self.deserialize_time_s,
        ] {
            n += c.heap_bytes();
        }
        n
    }
}

/// Row `i` of a [`Tasks`], read field by field when asked (no row built): for passes over
/// every task that need a few fields.
#[derive(Clone, Copy)]
pub struct TaskRef<'a> {
    tasks: &'a Tasks,
    i: usize,
}

impl<'a> TaskRef<'a> {
    /// Launch time, seconds from the run's start.
    #[inline]
    pub fn launch_s(&self) -> f64 {
        self.tasks.launch_s.get(self.i)
    }

    /// Finish time (none while running).
    #[inline]
    pub fn finish_s(&self) -> Option<f64> {
        let f = self.tasks.finish_s.get(self.i);
        (!f.is_nan()).then_some(f)
    }

    /// (launch, end) with the run's end for a task still running, as `analysis::timeline::task_span`.
    #[inline]
    pub fn span(&self, run_end_s: f64) -> (f64, f64) {
        let a = self.launch_s();
        (a, self.finish_s().unwrap_or(run_end_s).max(a))
    }

    /// The executor id.
    #[inline]
    pub fn executor_id(&self) -> &'a str {
        self.tasks.executor_id(self.i)
    }

    /// Stage id.
    #[inline]
    pub fn stage_id(&self) -> u64 {
        self.tasks.stage_id.get(self.i)
    }

    /// Spark task id.
    #[inline]
    pub fn id(&self) -> u64 {
        self.tasks.id.get(self.i)
    }

    /// Executor run time, seconds.
    #[inline]
    pub fn run_time_s(&self) -> f64 {
        self.tasks.run_time_s.get(self.i)
    }

    /// JVM GC time, seconds.
    #[inline]
    pub fn gc_time_s(&self) -> f64 {
        self.tasks.gc_time_s.get(self.i)
    }

    /// Size of the result sent to the driver, bytes.
    #[inline]
    pub fn result_size_bytes(&self) -> u64 {
        self.tasks.result_size_bytes.get(self.i)
    }

    /// The executor as a code (see [`Tasks::executor_code`]).
    #[inline]
    pub fn executor_code(&self) -> usize {
        self.tasks.executor_code(self.i)
    }

    /// Stage attempt.
    #[inline]
    pub fn stage_attempt(&self) -> u32 {
        u32::try_from(self.tasks.stage_attempt.get(self.i)).unwrap_or(u32::MAX)
    }

    /// How the attempt ended.
    #[inline]
    pub fn status(&self) -> TaskStatus {
        status_of(self.tasks.flags.get(self.i).copied().unwrap_or(3))
    }

    /// Bytes read from the input source.
    #[inline]
    pub fn input_bytes(&self) -> u64 {
        self.tasks.input_bytes.get(self.i)
    }

    /// Bytes written to the output.
    #[inline]
    pub fn output_bytes(&self) -> u64 {
        self.tasks.output_bytes.get(self.i)
    }

    /// Shuffle bytes read, local plus remote.
    #[inline]
    pub fn shuffle_read_bytes(&self) -> u64 {
        self.tasks
            .shuffle_read_local_bytes
            .get(self.i)
            .saturating_add(self.tasks.shuffle_read_remote_bytes.get(self.i))
    }

    /// Shuffle bytes written.
    #[inline]
    pub fn shuffle_write_bytes(&self) -> u64 {
        self.tasks.shuffle_write_bytes.get(self.i)
    }

    /// Serialized size of spilled data on disk.
    #[inline]
    pub fn disk_spill_bytes(&self) -> u64 {
        self.tasks.disk_spill_bytes.get(self.i)
    }

    /// Deserialized size of data spilled from memory.
    #[inline]
    pub fn memory_spill_bytes(&self) -> u64 {
        self.tasks.memory_spill_bytes.get(self.i)
    }

    /// A finished map task whose output was lost with its executor.
    #[inline]
    pub fn output_lost(&self) -> bool {
        self.tasks
            .flags
            .get(self.i)
            .is_some_and(|f| f & OUTPUT_LOST != 0)
    }

    /// Wall time of the attempt, seconds (0 while running), as [`Task::duration_s`].
    #[inline]
    pub fn duration_s(&self) -> f64 {
        self.finish_s()
            .map_or(0.0, |f| (f - self.launch_s()).max(0.0))
    }

    /// Peak execution memory.
    #[inline]
    pub fn peak_execution_memory_bytes(&self) -> u64 {
        self.tasks.peak_execution_memory_bytes.get(self.i)
    }

    /// The whole row.
    pub fn task(&self) -> Task {
        self.tasks.row(self.i)
    }
}

impl Tasks {
    /// Every row as a [`TaskRef`].
    pub fn refs(&self) -> impl DoubleEndedIterator<Item = TaskRef<'_>> + ExactSizeIterator + '_ {
        (0..self.len).map(move |i| TaskRef { tasks: self, i })
    }
}

/// Rows of a [`Tasks`], built one by one.
pub struct Iter<'a> {
    tasks: &'a Tasks,
    next: usize,
    end: usize,
}

impl Iterator for Iter<'_> {
    type Item = Task;

    fn next(&mut self) -> Option<Task> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.tasks.row(self.next - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }

    fn nth(&mut self, n: usize) -> Option<Task> {
        self.next = self.next.saturating_add(n).min(self.end);
        self.next()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Task> {
        (self.next < self.end).then(|| {
            self.end -= 1;
            self.tasks.row(self.end)
        })
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Tasks {
    type Item = Task;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl FromIterator<Task> for Tasks {
    fn from_iter<I: IntoIterator<Item = Task>>(iter: I) -> Self {
        let mut t = Tasks::new();
        t.extend(iter);
        t
    }
}

impl Extend<Task> for Tasks {
    fn extend<I: IntoIterator<Item = Task>>(&mut self, iter: I) {
        for t in iter {
            self.push(t);
        }
    }
}

impl From<Vec<Task>> for Tasks {
    fn from(v: Vec<Task>) -> Self {
        v.into_iter().collect()
    }
}

impl PartialEq for Tasks {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Tasks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tasks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Tasks;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of tasks")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Tasks, A::Error> {
                let mut t = Tasks::new();
                while let Some(x) = a.next_element::<Task>()? {
                    t.push(x);
                }
                Ok(t)
            }
        }
        d.deserialize_seq(V)
    }
}

impl schemars::JsonSchema for Tasks {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        Vec::<Task>::schema_name()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Vec::<Task>::json_schema(g)
    }

    fn inline_schema() -> bool {
        true
    }
}

/// Reads what [`Tasks::to_bytes`] wrote one column at a time, so that the page can let the
/// browser paint between columns (a million tasks' columns take > 100 ms to read at once).
pub struct TasksReader<'a> {
    r: bin::Reader<'a>,
    t: Tasks,
    executor: StrColumn,
    reason: StrColumn,
    /// The next numeric column, in the order of `numeric_columns!`.
    next: u8,
}

/// Numeric columns [`Tasks::to_bytes`] writes.
const NUMERIC_COLUMNS: u8 = 28;

impl<'a> TasksReader<'a> {
    /// Reads the head (length, names, flags); the columns follow with [`TasksReader::step`].
    pub fn new(bytes: &'a [u8]) -> Result<TasksReader<'a>, String> {
        let mut r = bin::Reader { bytes };
        if r.take(BIN_MAGIC.len())? != BIN_MAGIC {
            return Err("not task columns".into());
        }
        let len = r.len()?;
        let mut strs = [StrColumn::default(), StrColumn::default()];
        for col in &mut strs {
            let n = r.len()?;
            for _ in 0..n {
                let k = r.len()?;
                let s = std::str::from_utf8(r.take(k)?).map_err(|_| "task columns: bad name")?;
                col.code(Some(&Arc::from(s)));
            }
        }
        let [executor, reason] = strs;
        let n = r.len()?;
        let flags = r.take(n)?.to_vec();
        Ok(TasksReader {
            r,
            t: Tasks {
                len,
                flags,
                ..Tasks::default()
            },
            executor,
            reason,
            next: 0,
        })
    }

    /// Reads the next column; true once every column is read.
    pub fn step(&mut self) -> Result<bool, String> {
        let (r, t) = (&mut self.r, &mut self.t);
        let u = |r: &mut bin::Reader| UintColumn::decode(r);
        let f = |r: &mut bin::Reader| SecondsColumn::decode(r);
        // The order of `numeric_columns!`.
        match self.next {
            0 => t.id = u(r)?,
            1 => t.stage_id = u(r)?,
            2 => t.stage_attempt = u(r)?,
            3 => t.index = u(r)?,
            4 => t.attempt = u(r)?,
            5 => self.executor.rows = u(r)?,
            6 => self.reason.rows = u(r)?,
            7 => t.launch_s = f(r)?,
            8 => t.finish_s = f(r)?,
            9 => t.input_bytes = u(r)?,
            10 => t.input_records = u(r)?,
            11 => t.output_bytes = u(r)?,
            12 => t.output_records = u(r)?,
            13 => t.shuffle_read_local_bytes = u(r)?,
            14 => t.shuffle_read_remote_bytes = u(r)?,
            15 => t.shuffle_read_records = u(r)?,
            16 => t.shuffle_fetch_wait_s = f(r)?,
            17 => t.shuffle_write_bytes = u(r)?,
            18 => t.shuffle_write_records = u(r)?,
            19 => t.shuffle_write_time_s = f(r)?,
            20 => t.memory_spill_bytes = u(r)?,
            21 => t.disk_spill_bytes = u(r)?,
            22 => t.peak_execution_memory_bytes = u(r)?,
            23 => t.run_time_s = f(r)?,
            24 => t.cpu_time_s = f(r)?,
            25 => t.gc_time_s = f(r)?,
            26 => t.deserialize_time_s = f(r)?,
            27 => t.result_size_bytes = u(r)?,
            _ => return Ok(true),
        }
        self.next += 1;
        Ok(self.next >= NUMERIC_COLUMNS)
    }

    /// The columns read; an error if some are missing or their lengths differ.
    pub fn finish(self) -> Result<Tasks, String> {
        let TasksReader {
            r,
            mut t,
            executor,
            reason,
            next,
        } = self;
        t.executor = executor;
        t.reason = reason;
        let len = t.len;
        if next < NUMERIC_COLUMNS
            || !r.bytes.is_empty()
            || t.flags.len() != len
            || !t.lengths_agree()
        {
            return Err("task columns of different lengths".into());
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(i: u64) -> Task {
        Task {
            id: i,
            stage_id: i % 3,
            executor_id: Arc::from(if i.is_multiple_of(2) { "1" } else { "2" }),
            launch_s: i as f64 * 0.001,
            finish_s: (!i.is_multiple_of(5)).then_some(i as f64 * 0.5 + 0.25),
            status: if i.is_multiple_of(5) {
                TaskStatus::Running
            } else {
                TaskStatus::Success
            },
            failure_reason: (i.is_multiple_of(7)).then(|| Arc::from("ExceptionFailure: boom")),
            input_bytes: if i == 9 { u64::MAX } else { i * 1000 },
            cpu_time_s: i as f64 * 1.234_567e-3,
            speculative: i.is_multiple_of(4),
            ..Task::default()
        }
    }

    #[test]
    fn rows_read_back_exactly() {
        let v: Vec<Task> = (0..50).map(task).collect();
        let t: Tasks = v.iter().cloned().collect();
        assert_eq!(t.len(), 50);
        assert_eq!(t.iter().collect::<Vec<_>>(), v);
        assert_eq!(t.iter().next_back(), v.last().cloned());
        assert_eq!(t.executor_id(3), "2");
    }

    #[test]
    fn set_retain_sort() {
        let mut t: Tasks = (0..20).map(task).collect();
        let mut x = t.row(4);
        x.output_bytes = 1 << 40;
        x.status = TaskStatus::Failed;
        t.set(4, x.clone());
        assert_eq!(t.row(4), x);
        t.retain(|r| r.id % 2 == 0);
        assert_eq!(t.len(), 10);
        assert_eq!(t.row(2), x);
        t.sort_by(|r| crate::sorting::Key::u(u64::MAX - r.id));
        assert_eq!(t.row(0).id, 18);
        assert_eq!(t.row(7), x);
    }

    #[test]
    fn bytes_round_trip() {
        let t: Tasks = (0..300).map(task).collect();
        let b = t.to_bytes();
        assert_eq!(Tasks::from_bytes(&b), Ok(t));
        assert!(Tasks::from_bytes(&b[..b.len() - 3]).is_err());
        assert!(Tasks::from_bytes(b"nonsense").is_err());
    }

    #[test]
    fn serde_round_trip() {
        let t: Tasks = (0..10).map(task).collect();
        let json = serde_json::to_string(&t).unwrap_or_default();
        let back: Tasks = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, t);
    }
}
