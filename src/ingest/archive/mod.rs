//! Archives of event logs: the Spark History Server's ZIP download of an application (a single
//! log, a rolling `eventlog_v2_…` folder, or one entry per attempt), or a ZIP a user made of
//! such files. The entries are grouped into runs and streamed, in reading order, into one
//! [`FileSink`] run each.
//!
//! Grouping (by entry path): the parts of a rolling log (`events_<n>_<app>`), of a Spark 1.x
//! folder (`EVENT_LOG_<n>`) and of a Databricks folder (`eventlog`, `eventlog-<date>.gz`) in one
//! directory are one run; every other file is a run of its own. Markers (`appstatus_…`,
//! `APPLICATION_COMPLETE`, …) say whether the log was complete. Hidden files and macOS resource
//! forks are skipped.
//!
//! Order: parts are read in the order their log needs. A part that arrives before its turn (the
//! History Server lists `events_10_…` before `events_2_…`) is held, compressed as it is in the
//! archive, until its turn, within [`MAX_HELD_BYTES`]; Databricks parts are held until the
//! archive ends, since only then is the oldest one known.

pub mod zip;

use flate2::{Decompress, FlushDecompress, Status};

use self::zip::{EntryInfo, ZipError, ZipEvent, ZipStream};
use super::decompress::{Codec, DecodeError};
use super::pipeline::FileDecoder;

/// Compressed bytes of out-of-order parts held at most (a clear error beyond).
pub const MAX_HELD_BYTES: usize = 512 << 20;

/// Where the files of an archive's runs go.
pub trait FileSink {
    /// Run `run` of the archive is the entry (file or folder) `entry`; called before its files.
    fn run(&mut self, run: usize, entry: &str);
    /// A file of `run` starts.
    fn begin(&mut self, run: usize, file: &str);
    /// Decompressed bytes of the current file of `run`.
    fn data(&mut self, run: usize, bytes: &[u8]);
    /// The current file of `run` ended: its codec, compressed bytes and how its stream ended.
    fn end(
        &mut self,
        run: usize,
        file: &str,
        codec: Codec,
        bytes_in: u64,
        result: Result<(), DecodeError>,
    );
    /// A note about `run` (shown as a warning).
    fn note(&mut self, run: usize, message: String);
    /// True once `run` needs no more bytes (its content was rejected, or the reader is gone):
    /// decoding stops.
    fn stopped(&self, _run: usize) -> bool {
        false
    }
}

/// What an entry's name says it is.
#[derive(Clone, Debug, PartialEq)]
enum Role {
    /// Not read (directories, hidden files, resource forks, empty markers of nothing).
    Skip,
    /// A log file on its own.
    Single,
    /// A part of a multi-file log in `dir`.
    Part { dir: String, kind: Kind, key: u64 },
    /// A marker file of the multi-file log in `dir`.
    Marker {
        dir: String,
        kind: Kind,
        marker: Marker,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Rolling,
    V1,
    Databricks,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    /// `appstatus_<app>` (complete) or `appstatus_<app>.inprogress`.
    AppStatus { in_progress: bool },
    /// `APPLICATION_COMPLETE` of a v1 folder.
    Complete,
    /// `SPARK_VERSION_…`, `COMPRESSION_CODEC_…`.
    Other,
}

/// Sort key of a Databricks part: rotated parts by their time stamp, the live part last.
fn databricks_key(base: &str) -> Option<u64> {
    if base == "eventlog" {
        return Some(u64::MAX);
    }
    crate::ingest::event_log::layout::databricks_rotation(base)
}

fn classify(path: &str) -> Role {
    if path.ends_with('/')
        || path.starts_with("__MACOSX/")
        || path.split('/').any(|c| c.starts_with('.'))
    {
        return Role::Skip;
    }
    let (dir, base) = match path.rsplit_once('/') {
        Some((d, b)) => (d.to_string(), b),
        None => (String::new(), path),
    };
    if let Some(rest) = base.strip_prefix("events_") {
        if let Some(n) = rest
            .split_once('_')
            .and_then(|(n, _)| n.parse::<u64>().ok())
        {
            return Role::Part {
                dir,
                kind: Kind::Rolling,
                // A compacted part holds all before it: it is read as its index.
                key: n,
            };
        }
    }
    if let Some(rest) = base.strip_prefix("appstatus_") {
        return Role::Marker {
            dir,
            kind: Kind::Rolling,
            marker: Marker::AppStatus {
                in_progress: rest.ends_with(".inprogress"),
            },
        };
    }
    if let Some(n) = base
        .strip_prefix("EVENT_LOG_")
        .and_then(|n| n.parse::<u64>().ok())
    {
        return Role::Part {
            dir,
            kind: Kind::V1,
            key: n,
        };
    }
    if base == "APPLICATION_COMPLETE" {
        return Role::Marker {
            dir,
            kind: Kind::V1,
            marker: Marker::Complete,
        };
    }
    if base.starts_with("SPARK_VERSION_") || base.starts_with("COMPRESSION_CODEC_") {
        return Role::Marker {
            dir,
            kind: Kind::V1,
            marker: Marker::Other,
        };
    }
    if let Some(key) = databricks_key(base) {
        return Role::Part {
            dir,
            kind: Kind::Databricks,
            key,
        };
    }
    Role::Single
}

/// A part held until its turn: its bytes as stored in the archive.
struct Held {
    key: u64,
    name: String,
    stored: bool,
    raw: Vec<u8>,
}

/// One run of the archive.
struct Group {
    /// `(dir, kind)` of a multi-file log; none for a single file.
    multi: Option<(String, Kind)>,
    /// The entry named in sources (`ARCHIVE!/ENTRY`).
    entry: String,
    /// Index given to the sink, once the run has a part.
    run: Option<usize>,
    /// Key of the last part read.
    last: Option<u64>,
    held: Vec<Held>,
    app_status: Option<bool>,
    complete: bool,
    skipped: bool,
}

/// The entry being read.
struct Reading {
    group: usize,
    name: String,
    /// Read now (else held).
    now: bool,
    /// Held parts: key and raw bytes so far.
    key: u64,
    stored: bool,
    raw: Vec<u8>,
    decoder: Option<FileDecoder>,
}

/// Streams a ZIP archive's entries into runs.
pub struct ArchiveReader {
    zip: ZipStream,
    router: Router,
}

/// Everything but the ZIP stream: which entry goes where.
struct Router {
    archive: String,
    groups: Vec<Group>,
    reading: Option<Reading>,
    runs: usize,
    held_bytes: usize,
    /// Only this entry's run is read (`ARCHIVE!/ENTRY`), when set.
    only: Option<String>,
    failed: Option<ZipError>,
}

impl ArchiveReader {
    /// A reader of the archive named `archive`; with `only`, just the run of that entry.
    pub fn new(archive: &str, only: Option<&str>) -> ArchiveReader {
        ArchiveReader {
            zip: ZipStream::new(),
            router: Router {
                archive: archive.to_string(),
                groups: Vec::new(),
                reading: None,
                runs: 0,
                held_bytes: 0,
                only: only.map(|s| s.trim_end_matches('/').to_string()),
                failed: None,
            },
        }
    }

    /// Runs begun so far.
    pub fn runs(&self) -> usize {
        self.router.runs
    }

    /// Entry names of the runs found so far (`ARCHIVE!/ENTRY` without the archive).
    pub fn entries(&self) -> Vec<String> {
        self.router
            .groups
            .iter()
            .filter(|g| g.run.is_some())
            .map(|g| g.entry.clone())
            .collect()
    }

    /// Feeds archive bytes. A broken archive stops reading: the error says where, and what was
    /// read before stays.
    pub fn push(&mut self, input: &[u8], sink: &mut dyn FileSink) -> Result<(), ZipError> {
        if let Some(e) = &self.router.failed {
            return Err(e.clone());
        }
        let router = &mut self.router;
        let r = self.zip.push(input, &mut |ev| router.apply(ev, sink));
        if let Some(e) = &self.router.failed {
            return Err(e.clone());
        }
        if let Err(e) = r {
            self.router.failed = Some(e.clone());
            return Err(e);
        }
        Ok(())
    }

    /// End of the archive: reads what is still held, in order, and says what the markers say.
    pub fn finish(mut self, sink: &mut dyn FileSink) -> Result<(), ZipError> {
        let zip_end = match &self.router.failed {
            Some(e) => Err(e.clone()),
            None => self.zip.finish(),
        };
        self.router.finish(zip_end, sink)
    }
}

impl Router {
    fn apply(&mut self, ev: ZipEvent, sink: &mut dyn FileSink) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.event(ev, sink) {
            self.failed = Some(e);
        }
    }

    fn event(&mut self, ev: ZipEvent, sink: &mut dyn FileSink) -> Result<(), ZipError> {
        match ev {
            ZipEvent::Begin(info) => self.begin(info, sink),
            ZipEvent::Raw(raw) => {
                if let Some(r) = self.reading.as_mut().filter(|r| !r.now) {
                    self.held_bytes += raw.len();
                    if self.held_bytes > MAX_HELD_BYTES {
                        let e = ZipError::Unsupported(format!(
                            "the parts of {} arrive out of order and more than {} of them would have to be held until their turn; extract the archive and open the folder instead",
                            r.name,
                            crate::model::units::format_bytes(MAX_HELD_BYTES as f64)
                        ));
                        return Err(e);
                    }
                    r.raw.extend_from_slice(raw);
                }
                Ok(())
            }
            ZipEvent::Data(d) => {
                if let Some(r) = self.reading.as_mut().filter(|r| r.now) {
                    let run = self.groups[r.group].run.unwrap_or(0);
                    if let Some(dec) = r.decoder.as_mut() {
                        push_file(dec, run, d, sink);
                    }
                }
                Ok(())
            }
            ZipEvent::End => {
                let Some(r) = self.reading.take() else {
                    return Ok(());
                };
                if r.now {
                    let run = self.groups[r.group].run.unwrap_or(0);
                    if let Some(dec) = r.decoder {
                        end_file(dec, run, sink);
                    }
                    self.groups[r.group].last = Some(r.key);
                    self.drain(r.group, sink);
                } else {
                    self.groups[r.group].held.push(Held {
                        key: r.key,
                        name: r.name,
                        stored: r.stored,
                        raw: r.raw,
                    });
                }
                Ok(())
            }
        }
    }

    fn group_of(&mut self, multi: Option<(String, Kind)>, entry: &str) -> usize {
        if multi.is_some() {
            if let Some(i) = self.groups.iter().position(|g| g.multi == multi) {
                return i;
            }
        }
        let entry = match &multi {
            Some((dir, _)) if !dir.is_empty() => dir.clone(),
            _ => entry.to_string(),
        };
        let skipped = self
            .only
            .as_deref()
            .is_some_and(|only| only != entry.as_str());
        self.groups.push(Group {
            multi,
            entry,
            run: None,
            last: None,
            held: Vec::new(),
            app_status: None,
            complete: false,
            skipped,
        });
        self.groups.len() - 1
    }

    fn surface(&mut self, g: usize, sink: &mut dyn FileSink) -> usize {
        if let Some(r) = self.groups[g].run {
            return r;
        }
        let r = self.runs;
        self.runs += 1;
        self.groups[g].run = Some(r);
        sink.run(r, &format!("{}!/{}", self.archive, self.groups[g].entry));
        r
    }

    fn begin(&mut self, info: &EntryInfo, sink: &mut dyn FileSink) -> Result<(), ZipError> {
        let name = info.name.clone();
        let (g, key, now) = match classify(&name) {
            Role::Skip => return Ok(()),
            Role::Marker { dir, kind, marker } => {
                let g = self.group_of(Some((dir, kind)), &name);
                match marker {
                    Marker::AppStatus { in_progress } => {
                        self.groups[g].app_status = Some(in_progress)
                    }
                    Marker::Complete => self.groups[g].complete = true,
                    Marker::Other => {}
                }
                return Ok(());
            }
            Role::Single => (self.group_of(None, &name), 0, true),
            Role::Part { dir, kind, key } => {
                let g = self.group_of(Some((dir, kind)), &name);
                let grp = &self.groups[g];
                let now = match kind {
                    Kind::Databricks => false,
                    Kind::Rolling | Kind::V1 => match grp.last {
                        Some(last) => key == last + 1,
                        None => key <= 1 || name.ends_with(".compact"),
                    },
                };
                (g, key, now)
            }
        };
        if self.groups[g].skipped {
            return Ok(());
        }
        let decoder = if now {
            let run = self.surface(g, sink);
            let full = format!("{}!/{name}", self.archive);
            sink.begin(run, &full);
            Some(FileDecoder::new(&full))
        } else {
            None
        };
        self.reading = Some(Reading {
            group: g,
            name,
            now,
            key,
            stored: info.stored,
            raw: Vec::new(),
            decoder,
        });
        Ok(())
    }

    /// Reads held parts of group `g` whose turn has come.
    fn drain(&mut self, g: usize, sink: &mut dyn FileSink) {
        loop {
            let Some(last) = self.groups[g].last else {
                return;
            };
            let Some(i) = self.groups[g].held.iter().position(|h| h.key == last + 1) else {
                return;
            };
            let h = self.groups[g].held.swap_remove(i);
            self.replay(g, h, sink);
        }
    }

    fn replay(&mut self, g: usize, h: Held, sink: &mut dyn FileSink) {
        self.held_bytes = self.held_bytes.saturating_sub(h.raw.len());
        let run = self.surface(g, sink);
        let full = format!("{}!/{}", self.archive, h.name);
        sink.begin(run, &full);
        let mut dec = FileDecoder::new(&full);
        if h.stored {
            for piece in h.raw.chunks(64 * 1024) {
                push_file(&mut dec, run, piece, sink);
            }
        } else {
            // The bytes were checked (CRC-32, sizes) when they went by; inflate them again.
            let mut inflate = Decompress::new(false);
            let mut out = vec![0u8; 64 * 1024];
            let mut at = 0usize;
            loop {
                let (i0, o0) = (inflate.total_in(), inflate.total_out());
                let status = inflate.decompress(&h.raw[at..], &mut out, FlushDecompress::None);
                let produced = (inflate.total_out() - o0) as usize;
                at += (inflate.total_in() - i0) as usize;
                if produced > 0 {
                    push_file(&mut dec, run, &out[..produced], sink);
                }
                match status {
                    Ok(Status::StreamEnd) | Err(_) => break,
                    Ok(_) if produced == 0 && at >= h.raw.len() => break,
                    Ok(_) => {}
                }
            }
        }
        end_file(dec, run, sink);
        self.groups[g].last = Some(h.key);
    }

    fn finish(
        &mut self,
        zip_end: Result<(), ZipError>,
        sink: &mut dyn FileSink,
    ) -> Result<(), ZipError> {
        // An entry cut off in the middle: what it decoded is kept (its stream says truncated).
        if let Some(r) = self.reading.take() {
            if r.now {
                let run = self.groups[r.group].run.unwrap_or(0);
                if let Some(dec) = r.decoder {
                    end_file(dec, run, sink);
                }
            }
        }
        for g in 0..self.groups.len() {
            if self.groups[g].skipped {
                continue;
            }
            let mut held = std::mem::take(&mut self.groups[g].held);
            crate::sorting::sort_by(&mut held, |h| crate::sorting::Key::u(h.key));
            for h in held {
                if let (Some(last), Some((_, Kind::Rolling | Kind::V1))) =
                    (self.groups[g].last, &self.groups[g].multi)
                {
                    if h.key > last + 1 {
                        let run = self.surface(g, sink);
                        sink.note(
                            run,
                            format!(
                                "{}!/{}: parts {} to {} of the log are missing; read on from {}",
                                self.archive,
                                self.groups[g].entry,
                                last + 1,
                                h.key - 1,
                                h.name
                            ),
                        );
                    }
                }
                self.replay(g, h, sink);
            }
            let Some(run) = self.groups[g].run else {
                continue;
            };
            let what = format!("{}!/{}", self.archive, self.groups[g].entry);
            match self.groups[g].multi.as_ref().map(|m| m.1) {
                Some(Kind::Rolling) => match self.groups[g].app_status {
                    Some(false) => {}
                    Some(true) => sink.note(
                        run,
                        format!("{what}: the rolling log is marked in progress: Spark was still writing it"),
                    ),
                    None => sink.note(
                        run,
                        format!("{what}: the rolling log has no appstatus file: Spark may still have been writing it"),
                    ),
                },
                Some(Kind::V1) if !self.groups[g].complete => sink.note(
                    run,
                    format!("{what}: no APPLICATION_COMPLETE marker: Spark was still writing the log"),
                ),
                _ => {}
            }
        }
        match zip_end {
            Err(ZipError::Truncated(m)) if self.runs > 0 => {
                for r in 0..self.runs {
                    sink.note(
                        r,
                        format!("{}: {m}; loaded the entries before the cut", self.archive),
                    );
                }
                Ok(())
            }
            other => other,
        }
    }
}

fn push_file(dec: &mut FileDecoder, run: usize, bytes: &[u8], sink: &mut dyn FileSink) {
    // A stream error is kept by the decoder and reported when the file ends.
    let stop = std::cell::Cell::new(sink.stopped(run));
    let _ = dec.push_until(
        bytes,
        &mut |out| {
            sink.data(run, out);
            stop.set(sink.stopped(run));
        },
        &stop,
    );
}

fn end_file(mut dec: FileDecoder, run: usize, sink: &mut dyn FileSink) {
    let r = dec.finish(&mut |out| sink.data(run, out));
    let (name, codec, n) = (dec.name().to_string(), dec.codec(), dec.bytes_in());
    sink.end(run, &name, codec, n, r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_what_an_entry_is() {
        assert_eq!(classify("app-1.zstd"), Role::Single);
        assert_eq!(classify("dir/"), Role::Skip);
        assert_eq!(classify("__MACOSX/._x"), Role::Skip);
        assert_eq!(classify("eventlog_v2_a/.events_1_a.crc"), Role::Skip);
        assert_eq!(
            classify("eventlog_v2_a/events_12_a.zstd"),
            Role::Part {
                dir: "eventlog_v2_a".into(),
                kind: Kind::Rolling,
                key: 12
            }
        );
        assert!(matches!(
            classify("eventlog_v2_a/appstatus_a.inprogress"),
            Role::Marker {
                marker: Marker::AppStatus { in_progress: true },
                ..
            }
        ));
        assert_eq!(
            classify("c/eventlog-2024-01-02--03-04.gz"),
            Role::Part {
                dir: "c".into(),
                kind: Kind::Databricks,
                key: 202401020304
            }
        );
        assert_eq!(
            classify("c/eventlog"),
            Role::Part {
                dir: "c".into(),
                kind: Kind::Databricks,
                key: u64::MAX
            }
        );
        assert_eq!(classify("c/eventlog-notadate.gz"), Role::Single);
    }
}
