//! Native file-system input: a file or a directory (rolling event log, v1 layout, Databricks
//! folder, or a folder of CloudWatch export files), or a ZIP archive of logs. Reading and
//! decompression run on a second thread so they overlap with parsing (`relay`).
//!
//! `ARCHIVE!/ENTRY` names one run of an archive (as `summarize` prints its sources).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use super::inputs::plan_files;
use super::pipeline::{Loaded, RunSinks};
use super::relay::{self, BatchSink, Event, FileReader};
use crate::error::{Error, ErrorKind, Result};

const READ_BYTES: usize = 1 << 20;

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

/// The reading thread's sink: events to the parsing thread, until it hangs up.
type ChannelSink = BatchSink<Box<dyn FnMut(Event) -> bool + Send>>;

/// Reads one file into `sink`: an archive's runs, or the file as a file of run 0.
fn read_file(
    path: &Path,
    only: Option<&str>,
    single: bool,
    sink: &mut ChannelSink,
    buf: &mut [u8],
) {
    let name = path.display().to_string();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            sink.send(Event::Failed(Error::new(
                &name,
                ErrorKind::Io,
                format!("cannot open: {e}"),
            )));
            return;
        }
    };
    let mut reader = FileReader::new(&name, single, only);
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                sink.send(Event::Failed(Error::new(
                    &name,
                    ErrorKind::Io,
                    format!("read error: {e}"),
                )));
                return;
            }
        };
        reader.push(&buf[..n], sink);
        if sink.closed() {
            return;
        }
    }
    reader.finish(sink);
}

fn read_files(files: Vec<PathBuf>, only: Option<String>, tx: mpsc::SyncSender<Event>) {
    let mut buf = vec![0u8; READ_BYTES];
    let mut sink: ChannelSink = BatchSink::new(Box::new(move |e| tx.send(e).is_ok()));
    let single = files.len() == 1;
    for path in files {
        read_file(&path, only.as_deref(), single, &mut sink, &mut buf);
        sink.flush();
        if sink.closed() {
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
    let (tx, rx) = mpsc::sync_channel::<Event>(4);
    let only_entry = only.clone();
    let reader = thread::spawn(move || read_files(files, only_entry, tx));
    let mut failure = None;
    for event in rx.iter() {
        if let Some(e) = relay::apply(&mut sinks, event) {
            failure = Some(e);
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
