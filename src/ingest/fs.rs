//! Native file-system input: a file or a directory (rolling event log, v1 layout, Databricks
//! folder, or a folder of CloudWatch export files), or a ZIP archive of logs. Reading and
//! decompression run on a second thread so they overlap with parsing.
//!
//! `ARCHIVE!/ENTRY` names one run of an archive (as `summarize` prints its sources).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use super::archive::{zip, ArchiveReader, FileSink};
use super::decompress::{Codec, DecodeError};
use super::inputs::plan_files;
use super::pipeline::{FileDecoder, Loaded, RunSinks};
use crate::error::{Error, ErrorKind, Result};

const READ_BYTES: usize = 1 << 20;
const BATCH_BYTES: usize = 1 << 20;

/// What the reader thread tells the parsing thread.
enum Msg {
    Archive,
    Run(usize, String),
    Begin(usize, String),
    Data(usize, Vec<u8>),
    End(
        usize,
        String,
        Codec,
        u64,
        std::result::Result<(), DecodeError>,
    ),
    Note(usize, String),
    ArchiveFailed(zip::ZipError),
    Failed(Error),
}

/// The files of an input, in reading order, with notes about the layout.
fn plan(path: &Path) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::new(&name, ErrorKind::Io, format!("cannot open: {e}")))?;
    if !meta.is_dir() {
        let p = plan_files(&name, std::slice::from_ref(&name))?;
        return Ok((vec![path.to_path_buf()], p.notes));
    }
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map_err(|e| {
            Error::new(
                &name,
                ErrorKind::Io,
                format!("cannot list the directory: {e}"),
            )
        })?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let p = plan_files(&name, &names)?;
    Ok((
        p.order.iter().map(|&i| path.join(&names[i])).collect(),
        p.notes,
    ))
}

/// Sends decoded bytes to the parsing thread in batches of about [`BATCH_BYTES`].
struct ChannelSink {
    tx: mpsc::SyncSender<Msg>,
    batch: Vec<u8>,
    batch_run: usize,
    /// The receiver is gone: stop.
    closed: bool,
}

impl ChannelSink {
    fn send(&mut self, m: Msg) {
        if !self.closed && self.tx.send(m).is_err() {
            self.closed = true;
        }
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_BYTES * 2));
            let run = self.batch_run;
            self.send(Msg::Data(run, full));
        }
    }
}

impl FileSink for ChannelSink {
    fn run(&mut self, run: usize, entry: &str) {
        self.flush();
        self.send(Msg::Run(run, entry.to_string()));
    }

    fn begin(&mut self, run: usize, file: &str) {
        self.flush();
        self.send(Msg::Begin(run, file.to_string()));
    }

    fn data(&mut self, run: usize, bytes: &[u8]) {
        if run != self.batch_run {
            self.flush();
            self.batch_run = run;
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
        self.flush();
        self.send(Msg::End(run, file.to_string(), codec, bytes_in, result));
    }

    fn note(&mut self, run: usize, message: String) {
        self.flush();
        self.send(Msg::Note(run, message));
    }

    fn stopped(&self, _run: usize) -> bool {
        self.closed
    }
}

/// Reads one file into `sink`: an archive's runs, or the file as a file of run 0.
fn read_file(path: &Path, only: Option<&str>, first: bool, sink: &mut ChannelSink, buf: &mut [u8]) {
    let name = path.display().to_string();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            sink.send(Msg::Failed(Error::new(
                &name,
                ErrorKind::Io,
                format!("cannot open: {e}"),
            )));
            return;
        }
    };
    let mut archive: Option<ArchiveReader> = None;
    let mut dec: Option<FileDecoder> = None;
    let mut result = Ok(());
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                sink.send(Msg::Failed(Error::new(
                    &name,
                    ErrorKind::Io,
                    format!("read error: {e}"),
                )));
                return;
            }
        };
        let chunk = &buf[..n];
        if archive.is_none() && dec.is_none() {
            if first && zip::is_zip(chunk) {
                sink.send(Msg::Archive);
                archive = Some(ArchiveReader::new(&name, only));
            } else {
                sink.begin(0, &name);
                dec = Some(FileDecoder::new(&name));
            }
        }
        if let Some(a) = archive.as_mut() {
            if let Err(e) = a.push(chunk, sink) {
                sink.flush();
                sink.send(Msg::ArchiveFailed(e));
                return;
            }
        } else if let Some(d) = dec.as_mut() {
            let stop = std::cell::Cell::new(false);
            let r = d.push_until(
                chunk,
                &mut |out| {
                    sink.data(0, out);
                    stop.set(sink.closed);
                },
                &stop,
            );
            if let Err(e) = r {
                result = Err(e);
                break;
            }
        }
        if sink.closed {
            return;
        }
    }
    if let Some(a) = archive {
        if let Err(e) = a.finish(sink) {
            sink.flush();
            sink.send(Msg::ArchiveFailed(e));
        }
        return;
    }
    let mut d = dec.unwrap_or_else(|| {
        sink.begin(0, &name);
        FileDecoder::new(&name)
    });
    if result.is_ok() {
        result = d.finish(&mut |out| sink.data(0, out));
    }
    sink.end(0, &name, d.codec(), d.bytes_in(), result);
}

fn read_files(files: Vec<PathBuf>, only: Option<String>, tx: mpsc::SyncSender<Msg>) {
    let mut buf = vec![0u8; READ_BYTES];
    let mut sink = ChannelSink {
        tx,
        batch: Vec::with_capacity(BATCH_BYTES * 2),
        batch_run: 0,
        closed: false,
    };
    let single = files.len() == 1;
    for path in files {
        read_file(&path, only.as_deref(), single, &mut sink, &mut buf);
        sink.flush();
        if sink.closed {
            return;
        }
    }
}

/// Splits `ARCHIVE!/ENTRY` when `ARCHIVE` is a file and the whole is not.
fn split_entry(path: &Path) -> (PathBuf, Option<String>) {
    let s = path.to_string_lossy();
    if !path.exists() {
        if let Some((archive, entry)) = s.split_once("!/") {
            if Path::new(archive).is_file() {
                return (PathBuf::from(archive), Some(entry.to_string()));
            }
        }
    }
    (path.to_path_buf(), None)
}

/// Reads a file or directory into its runs: one, or one per run of an archive.
pub fn load_path_all(path: &Path) -> Result<Vec<Loaded>> {
    let (path, only) = split_entry(path);
    let input = path.display().to_string();
    let (files, notes) = plan(&path)?;
    let mut sinks = RunSinks::new(&input);
    for n in notes {
        sinks.warn(n);
    }
    let size_in: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let (tx, rx) = mpsc::sync_channel::<Msg>(4);
    let only_entry = only.clone();
    let reader = thread::spawn(move || read_files(files, only_entry, tx));
    let mut failure = None;
    for msg in rx.iter() {
        match msg {
            Msg::Archive => sinks.set_archive(),
            Msg::Run(r, entry) => sinks.run(r, &entry),
            Msg::Begin(r, name) => sinks.begin(r, &name),
            Msg::Data(r, d) => sinks.data(r, &d),
            Msg::End(r, name, codec, n, result) => sinks.end(r, &name, codec, n, result),
            Msg::Note(r, m) => sinks.note(r, m),
            Msg::ArchiveFailed(e) => sinks.archive_failed(e),
            Msg::Failed(e) => {
                failure = Some(e);
                break;
            }
        }
        if let Some(e) = sinks.error() {
            failure = Some(e.clone());
            break;
        }
    }
    drop(rx);
    // The reader stops at its next send once the receiver is gone.
    let _ = reader.join();
    if let Some(e) = failure {
        return Err(e);
    }
    let loaded = sinks.finish(size_in)?;
    if let Some(entry) = only {
        if loaded.iter().all(|l| l.entry.is_none()) {
            return Err(Error::new(
                &input,
                ErrorKind::UnsupportedFormat,
                format!("{entry}: not an entry of the archive"),
            ));
        }
    }
    Ok(loaded)
}

/// Reads a file or directory into a run; an archive must hold exactly one (or be named as
/// `ARCHIVE!/ENTRY`).
pub fn load_path(path: &Path) -> Result<Loaded> {
    let input = path.display().to_string();
    let mut all = load_path_all(path)?;
    if all.len() == 1 {
        return Ok(all.remove(0));
    }
    let entries: Vec<String> = all.iter().filter_map(|l| l.entry.clone()).collect();
    Err(Error::new(
        &input,
        ErrorKind::UnsupportedFormat,
        format!(
            "the archive holds {} runs; name one as {}",
            all.len(),
            entries.join(" or ")
        ),
    ))
}
