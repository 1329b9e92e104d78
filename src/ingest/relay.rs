//! Reading and parsing on two threads (the CLI): the reading side decompresses an input's files
//! into a stream of [`Event`]s; the parsing side applies them to its [`RunSinks`].
//! Decompression is about a quarter of the work on a zstd log, so the two overlap
//! (docs/benchmarks.md). The page once ran the same relay across two workers; measured slower
//! on two cores, it was taken out to keep the page within its size budget.

use super::archive::{zip, ArchiveReader, FileSink};
use super::decompress::{Codec, DecodeError};
use super::pipeline::{FileDecoder, RunSinks};
use crate::error::Error;

/// Decompressed bytes sent at a time.
pub const BATCH_BYTES: usize = 1 << 20;
/// Leading bytes that tell a ZIP archive.
const ZIP_MAGIC_BYTES: usize = 8;

/// What the reading side tells the parsing side.
#[derive(Debug)]
pub enum Event {
    /// The input is a ZIP archive of runs.
    Archive,
    /// Run `.0` of the archive is the entry `.1`.
    Run(usize, String),
    /// A file of run `.0` begins.
    Begin(usize, String),
    /// Decompressed bytes of the current file of run `.0`.
    Data(usize, Vec<u8>),
    /// The current file of a run ended.
    End {
        /// The run.
        run: usize,
        /// The file.
        file: String,
        /// Its codec.
        codec: Codec,
        /// Its compressed bytes.
        bytes_in: u64,
        /// How its stream ended.
        result: std::result::Result<(), DecodeError>,
    },
    /// A note about a run.
    Note(usize, String),
    /// The archive could not be read past some point.
    ArchiveFailed(zip::ZipError),
    /// The input could not be read at all (I/O): the load fails with this.
    Failed(Error),
}

/// Applies one event to the parsing side's sinks; the error that ends the load, if any.
pub fn apply(sinks: &mut RunSinks, event: Event) -> Option<Error> {
    match event {
        Event::Archive => sinks.set_archive(),
        Event::Run(r, entry) => sinks.run(r, &entry),
        Event::Begin(r, name) => sinks.begin(r, &name),
        Event::Data(r, d) => sinks.data(r, &d),
        Event::End {
            run,
            file,
            codec,
            bytes_in,
            result,
        } => sinks.end(run, &file, codec, bytes_in, result),
        Event::Note(r, m) => sinks.note(r, m),
        Event::ArchiveFailed(e) => sinks.archive_failed(e),
        Event::Failed(e) => return Some(e),
    }
    sinks.error().cloned()
}

/// Batches decoded bytes into [`Event::Data`] of about [`BATCH_BYTES`] and hands every event to
/// `out`, which answers false once the parsing side is gone.
pub struct BatchSink<F: FnMut(Event) -> bool> {
    out: F,
    batch: Vec<u8>,
    batch_run: usize,
    closed: bool,
}

impl<F: FnMut(Event) -> bool> BatchSink<F> {
    /// A sink that sends to `out`.
    pub fn new(out: F) -> BatchSink<F> {
        BatchSink {
            out,
            batch: Vec::new(),
            batch_run: 0,
            closed: false,
        }
    }

    /// Sends an event (after the bytes batched so far).
    pub fn send(&mut self, e: Event) {
        self.flush();
        self.send_now(e);
    }

    fn send_now(&mut self, e: Event) {
        if !self.closed && !(self.out)(e) {
            self.closed = true;
        }
    }

    /// Sends the bytes batched so far.
    pub fn flush(&mut self) {
        if !self.batch.is_empty() {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_BYTES * 2));
            let run = self.batch_run;
            self.send_now(Event::Data(run, full));
        }
    }

    /// True once the parsing side is gone (or rejected the content).
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Stops sending: the parsing side said it needs nothing more.
    pub fn close(&mut self) {
        self.closed = true;
    }
}

impl<F: FnMut(Event) -> bool> FileSink for BatchSink<F> {
    fn run(&mut self, run: usize, entry: &str) {
        self.send(Event::Run(run, entry.to_string()));
    }

    fn begin(&mut self, run: usize, file: &str) {
        self.send(Event::Begin(run, file.to_string()));
    }

    fn data(&mut self, run: usize, bytes: &[u8]) {
        if run != self.batch_run {
            self.flush();
            self.batch_run = run;
        }
        if self.batch.capacity() == 0 {
            self.batch.reserve(BATCH_BYTES * 2);
        }
        self.batch.extend_from_slice(bytes);
        if self.batch.len() >= BATCH_BYTES {
            self.flush();
        }
    }

    fn end(
        &mut self,
        run: usize,
        file: &str,
        codec: Codec,
        bytes_in: u64,
        result: std::result::Result<(), DecodeError>,
    ) {
        self.send(Event::End {
            run,
            file: file.to_string(),
            codec,
            bytes_in,
            result,
        });
    }

    fn note(&mut self, run: usize, message: String) {
        self.send(Event::Note(run, message));
    }

    fn stopped(&self, _run: usize) -> bool {
        self.closed
    }
}

/// How a file is being read.
enum State {
    /// Its first bytes, until a ZIP archive can be told from a log.
    Sniff(Vec<u8>),
    /// A (possibly compressed) file of run 0.
    Plain(FileDecoder),
    /// A ZIP archive of runs.
    Archive(Box<ArchiveReader>),
    /// Its stream failed: the rest is ignored.
    Done,
}

/// The reading side for one file of an input: decompresses pushed bytes into a sink.
pub struct FileReader {
    name: String,
    only: Option<String>,
    /// Only the single file of an input may be an archive.
    may_be_archive: bool,
    state: State,
}

impl FileReader {
    /// A reader of the file `name`; `may_be_archive` when it is the input's only file, `only`
    /// picks one run of an archive.
    pub fn new(name: &str, may_be_archive: bool, only: Option<&str>) -> FileReader {
        FileReader {
            name: name.to_string(),
            only: only.map(str::to_string),
            may_be_archive,
            state: State::Sniff(Vec::new()),
        }
    }

    fn decide<F: FnMut(Event) -> bool>(&mut self, head: &[u8], sink: &mut BatchSink<F>) {
        if self.may_be_archive && zip::is_zip(head) {
            sink.send(Event::Archive);
            self.state = State::Archive(Box::new(ArchiveReader::new(
                &self.name,
                self.only.as_deref(),
            )));
        } else {
            sink.begin(0, &self.name);
            self.state = State::Plain(FileDecoder::new(&self.name));
        }
    }

    /// Feeds bytes of the file.
    pub fn push<F: FnMut(Event) -> bool>(&mut self, bytes: &[u8], sink: &mut BatchSink<F>) {
        if let State::Sniff(head) = &mut self.state {
            let take = ZIP_MAGIC_BYTES.saturating_sub(head.len()).min(bytes.len());
            head.extend_from_slice(&bytes[..take]);
            if head.len() < ZIP_MAGIC_BYTES {
                return;
            }
            let head = std::mem::take(head);
            self.decide(&head, sink);
            self.feed(&head, sink);
            self.feed(&bytes[take..], sink);
            return;
        }
        self.feed(bytes, sink);
    }

    fn feed<F: FnMut(Event) -> bool>(&mut self, bytes: &[u8], sink: &mut BatchSink<F>) {
        match &mut self.state {
            State::Plain(d) => {
                let stop = std::cell::Cell::new(false);
                let r = d.push_until(
                    bytes,
                    &mut |out| {
                        sink.data(0, out);
                        stop.set(sink.closed());
                    },
                    &stop,
                );
                if let Err(e) = r {
                    let (codec, n) = (d.codec(), d.bytes_in());
                    self.state = State::Done;
                    sink.end(0, &self.name, codec, n, Err(e));
                }
            }
            State::Archive(a) => {
                if let Err(e) = a.push(bytes, sink) {
                    sink.send(Event::ArchiveFailed(e));
                    self.state = State::Done;
                }
            }
            State::Sniff(_) | State::Done => {}
        }
    }

    /// Ends the file: the rest of its stream, and how it ended.
    pub fn finish<F: FnMut(Event) -> bool>(mut self, sink: &mut BatchSink<F>) {
        // A file shorter than the magic bytes is decided at its end.
        if let State::Sniff(head) = &mut self.state {
            let head = std::mem::take(head);
            self.decide(&head, sink);
            self.feed(&head, sink);
        }
        match std::mem::replace(&mut self.state, State::Done) {
            // A stream that failed earlier was ended then (`Done`).
            State::Plain(mut d) => {
                let r = d.finish(&mut |out| sink.data(0, out));
                sink.end(0, &self.name, d.codec(), d.bytes_in(), r);
            }
            State::Archive(a) => {
                if let Err(e) = a.finish(sink) {
                    sink.send(Event::ArchiveFailed(e));
                }
            }
            State::Sniff(_) | State::Done => {}
        }
        sink.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(name: &str, bytes: &[u8], piece: usize) -> Vec<Event> {
        let mut events = Vec::new();
        {
            let mut sink = BatchSink::new(|e| {
                events.push(e);
                true
            });
            let mut r = FileReader::new(name, true, None);
            for p in bytes.chunks(piece.max(1)) {
                r.push(p, &mut sink);
            }
            r.finish(&mut sink);
        }
        events
    }

    #[test]
    fn a_plain_log_in_tiny_pieces_is_one_file_of_run_0() {
        let log = b"{\"Event\":\"SparkListenerLogStart\",\"Spark Version\":\"3.5.0\"}\n";
        let events = read_all("app-1", log, 1);
        assert!(matches!(&events[0], Event::Begin(0, n) if n == "app-1"));
        let data: Vec<u8> = events
            .iter()
            .filter_map(|e| match e {
                Event::Data(0, d) => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(data, log.to_vec());
        assert!(matches!(
            events.last(),
            Some(Event::End { result: Ok(()), .. })
        ));
    }

    #[test]
    fn a_short_file_is_decided_at_its_end() {
        let events = read_all("tiny", b"{}", 64);
        assert!(matches!(&events[0], Event::Begin(0, _)));
        assert!(matches!(events.last(), Some(Event::End { .. })));
    }
}
