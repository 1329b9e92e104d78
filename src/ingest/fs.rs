//! Native file-system input: a file or a directory (rolling event log, v1 layout, or a folder of
//! CloudWatch export files). Reading and decompression run on a second thread so they overlap
//! with parsing.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use super::decompress::{Codec, DecodeError};
use super::inputs::plan_files;
use super::pipeline::{handle_decode_error, ContentSink, FileDecoder, Loaded};
use crate::error::{Error, ErrorKind, Result};

const READ_BYTES: usize = 1 << 20;
const BATCH_BYTES: usize = 1 << 20;

enum Msg {
    Begin(String),
    Data(Vec<u8>),
    End(String, Codec, u64, std::result::Result<(), DecodeError>),
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

fn read_files(files: Vec<PathBuf>, tx: mpsc::SyncSender<Msg>) {
    let mut buf = vec![0u8; READ_BYTES];
    for path in files {
        let name = path.display().to_string();
        if tx.send(Msg::Begin(name.clone())).is_err() {
            return;
        }
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                let _ = tx.send(Msg::Failed(Error::new(
                    &name,
                    ErrorKind::Io,
                    format!("cannot open: {e}"),
                )));
                return;
            }
        };
        let mut dec = FileDecoder::new(&name);
        let mut batch: Vec<u8> = Vec::with_capacity(BATCH_BYTES * 2);
        let mut result = Ok(());
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = tx.send(Msg::Failed(Error::new(
                        &name,
                        ErrorKind::Io,
                        format!("read error: {e}"),
                    )));
                    return;
                }
            };
            let mut send_failed = false;
            let r = dec.push(&buf[..n], &mut |out| {
                batch.extend_from_slice(out);
                if batch.len() >= BATCH_BYTES {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_BYTES * 2));
                    send_failed |= tx.send(Msg::Data(full)).is_err();
                }
            });
            if send_failed {
                return;
            }
            if let Err(e) = r {
                result = Err(e);
                break;
            }
        }
        if result.is_ok() {
            result = dec.finish(&mut |out| batch.extend_from_slice(out));
        }
        if !batch.is_empty() && tx.send(Msg::Data(batch)).is_err() {
            return;
        }
        if tx
            .send(Msg::End(name, dec.codec(), dec.bytes_in(), result))
            .is_err()
        {
            return;
        }
    }
}

/// Reads a file or directory into a run.
pub fn load_path(path: &Path) -> Result<Loaded> {
    let input = path.display().to_string();
    let (files, notes) = plan(path)?;
    let mut sink = ContentSink::new(&input);
    for n in notes {
        sink.warn(n);
    }
    let (tx, rx) = mpsc::sync_channel::<Msg>(4);
    let reader = thread::spawn(move || read_files(files, tx));
    let mut first_codec = None;
    let mut bytes_in = 0u64;
    let mut failure = None;
    for msg in rx.iter() {
        match msg {
            Msg::Begin(name) => sink.begin_file(&name),
            Msg::Data(d) => sink.push(&d),
            Msg::End(name, codec, n, r) => {
                first_codec.get_or_insert(codec);
                bytes_in += n;
                if let Err(e) = r {
                    if let Err(e) = handle_decode_error(&mut sink, &name, codec, e) {
                        failure = Some(e);
                        break;
                    }
                }
                sink.end_file();
            }
            Msg::Failed(e) => {
                failure = Some(e);
                break;
            }
        }
        if let Some(e) = sink.error() {
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
    let bytes_out = sink.bytes_out();
    let (run, format) = sink.finish()?;
    Ok(Loaded {
        run,
        format,
        codec: first_codec.unwrap_or(Codec::None),
        bytes_in,
        bytes_out,
    })
}
