//! A ZIP archive read as a stream, from its local file headers: the Spark History Server's
//! `/api/v1/applications/<id>/logs` download arrives as a body that cannot be rewound.
//!
//! rc-zip parses the records (local file header, its zip64 extra field, data descriptor); flate2
//! inflates. Java's `ZipOutputStream` (which the History Server uses)
//! writes deflated entries with a data descriptor and no sizes in the local header: deflate marks
//! its own end, so the entry ends where the inflater says and the descriptor follows. A stored
//! entry must carry its size in the header.

use flate2::{Decompress, FlushDecompress, Status};
use rc_zip::parse::{
    DataDescriptorRecord, ExtraField, ExtraFieldSettings, LocalFileHeader, Method,
};
use winnow::error::ErrMode;
use winnow::{Parser, Partial};

/// The four bytes every local file header starts with.
pub const LOCAL_HEADER_MAGIC: &[u8; 4] = b"PK\x03\x04";
/// An archive with no entries starts with its end-of-central-directory record.
pub const EMPTY_ARCHIVE_MAGIC: &[u8; 4] = b"PK\x05\x06";
/// Output of one inflate call.
const OUT_BYTES: usize = 64 * 1024;

/// Whether `head` starts like a ZIP archive.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(LOCAL_HEADER_MAGIC)
        || head.starts_with(EMPTY_ARCHIVE_MAGIC)
        // A "spanned" marker that single-part archives written by some tools keep.
        || head.starts_with(b"PK\x07\x08PK\x03\x04")
}

/// One entry, as its local header describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryInfo {
    /// Path inside the archive (`/`-separated; a trailing `/` for directories).
    pub name: String,
    /// Offset of its local header in the archive.
    pub offset: u64,
    /// Compressed bytes, when the header says (not with a data descriptor).
    pub compressed_size: Option<u64>,
    /// Stored (not compressed) in the archive.
    pub stored: bool,
}

impl EntryInfo {
    /// A directory entry.
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// What the stream found.
pub enum ZipEvent<'a> {
    /// An entry starts.
    Begin(&'a EntryInfo),
    /// Bytes of the current entry as stored in the archive (before `Data` of the same bytes).
    Raw(&'a [u8]),
    /// Decompressed bytes of the current entry (pieces of at most 64 KiB).
    Data(&'a [u8]),
    /// The current entry ended and its size and CRC-32 checked out.
    End,
}

/// Why reading stopped.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ZipError {
    /// Cut off: the archive ends inside an entry or header.
    Truncated(String),
    /// Not a valid archive at some offset.
    Corrupt(String),
    /// A valid archive using something Runlens does not read (encryption, other methods).
    Unsupported(String),
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZipError::Truncated(m) | ZipError::Corrupt(m) | ZipError::Unsupported(m) => {
                f.write_str(m)
            }
        }
    }
}

enum Body {
    Stored { remaining: u64 },
    Deflated(Box<Decompress>),
}

struct Current {
    info: EntryInfo,
    body: Body,
    has_descriptor: bool,
    zip64: bool,
    header_crc: u32,
    header_size: Option<u64>,
    crc: crc32fast::Hasher,
    compressed: u64,
    uncompressed: u64,
}

impl Current {
    /// Whether the descriptor has 8-byte sizes: Java writes them only once an entry reached
    /// 4 GiB, other writers when the header marked the entry as zip64.
    fn wide_descriptor(&self) -> bool {
        self.zip64
            || self.compressed >= u64::from(u32::MAX)
            || self.uncompressed >= u64::from(u32::MAX)
    }
}

enum State {
    /// Reading a local header (or the central directory, which ends the entries).
    Header,
    /// Reading the body of an entry.
    Body(Box<Current>),
    /// Reading the data descriptor after a body.
    Descriptor(Box<Current>),
    /// The central directory was reached: the rest is ignored.
    Done,
}

/// A push reader of ZIP entries.
pub struct ZipStream {
    state: State,
    /// Unconsumed input (a header or descriptor being assembled).
    buf: Vec<u8>,
    /// Archive offset of `buf[0]` (or of the next input byte when `buf` is empty).
    offset: u64,
    out: Vec<u8>,
    entries: u64,
}

impl Default for ZipStream {
    fn default() -> Self {
        Self::new()
    }
}

impl ZipStream {
    /// A reader at the start of an archive.
    pub fn new() -> ZipStream {
        ZipStream {
            state: State::Header,
            buf: Vec::new(),
            offset: 0,
            out: vec![0; OUT_BYTES],
            entries: 0,
        }
    }

    /// Entries begun so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Feeds archive bytes; `f` gets the entries' events in order.
    pub fn push(&mut self, input: &[u8], f: &mut dyn FnMut(ZipEvent)) -> Result<(), ZipError> {
        let mut input = input;
        loop {
            match &self.state {
                State::Done => return Ok(()),
                State::Header | State::Descriptor(_) => {
                    // Gather exactly the record's bytes, so that nothing past it is taken.
                    let need = self.record_len();
                    if self.buf.len() < need {
                        let take = (need - self.buf.len()).min(input.len());
                        self.buf.extend_from_slice(&input[..take]);
                        input = &input[take..];
                        if self.buf.len() < need {
                            return Ok(());
                        }
                        continue;
                    }
                    let done = match self.state {
                        State::Header => self.header(f)?,
                        _ => self.descriptor(f)?,
                    };
                    if done {
                        self.offset += self.buf.len() as u64;
                        self.buf.clear();
                    } else if input.is_empty() {
                        return Ok(());
                    }
                }
                State::Body(_) => {
                    if input.is_empty() {
                        return Ok(());
                    }
                    let used = self.body(input, f)?;
                    if used == 0 && matches!(self.state, State::Body(_)) {
                        return Err(ZipError::Corrupt(format!(
                            "the deflate data at byte {} makes no progress",
                            self.offset
                        )));
                    }
                    self.offset += used as u64;
                    input = &input[used..];
                }
            }
        }
    }

    /// Bytes the record being read needs, as far as `buf` tells.
    fn record_len(&self) -> usize {
        let b = &self.buf;
        match &self.state {
            State::Header => {
                if b.len() < 4 || b[..4] != *LOCAL_HEADER_MAGIC {
                    4
                } else if b.len() < 30 {
                    30
                } else {
                    let name = usize::from(u16::from_le_bytes([b[26], b[27]]));
                    let extra = usize::from(u16::from_le_bytes([b[28], b[29]]));
                    30 + name + extra
                }
            }
            State::Descriptor(c) => {
                let sizes = if c.wide_descriptor() { 16 } else { 8 };
                if b.len() < 4 {
                    4
                } else if b[..4] == *b"PK\x07\x08" {
                    8 + sizes
                } else {
                    4 + sizes
                }
            }
            _ => 0,
        }
    }

    /// End of the archive's bytes.
    pub fn finish(&mut self) -> Result<(), ZipError> {
        match &self.state {
            State::Done => Ok(()),
            State::Header if self.buf.is_empty() => {
                if self.entries == 0 {
                    Err(ZipError::Truncated(
                        "the archive ends before its first entry".into(),
                    ))
                } else {
                    // No central directory: a download cut off between two entries.
                    Err(ZipError::Truncated(format!(
                        "the archive ends at byte {} without its central directory (the download was cut off after {} entries)",
                        self.offset, self.entries
                    )))
                }
            }
            State::Header => Err(ZipError::Truncated(format!(
                "the archive ends inside a local header at byte {}",
                self.offset
            ))),
            State::Body(c) | State::Descriptor(c) => Err(ZipError::Truncated(format!(
                "the archive ends inside entry {} at byte {}",
                c.info.name,
                self.offset + self.buf.len() as u64
            ))),
        }
    }

    /// Reads the local header that `buf` holds whole; true once `buf` was used.
    fn header(&mut self, f: &mut dyn FnMut(ZipEvent)) -> Result<bool, ZipError> {
        let b = &self.buf;
        match &b[..4] {
            // The central directory (or its zip64 / end records): no more entries.
            b"PK\x01\x02" | b"PK\x05\x06" | b"PK\x06\x06" | b"PK\x06\x07" => {
                self.state = State::Done;
                return Ok(true);
            }
            // A spanning marker before the first entry of a single-part archive.
            b"PK\x07\x08" if self.entries == 0 && self.offset == 0 => return Ok(true),
            b"PK\x06\x08" => {
                return Err(ZipError::Unsupported(
                    "the archive is encrypted (it has an archive extra data record); extract it with its password and load the files".into(),
                ))
            }
            m if m == LOCAL_HEADER_MAGIC => {}
            m => {
                return Err(ZipError::Corrupt(format!(
                    "expected a local file header at byte {}, found bytes {:02x?}",
                    self.offset, m
                )))
            }
        }
        let mut partial = Partial::new(b.as_slice());
        let header = match LocalFileHeader::parser.parse_next(&mut partial) {
            Ok(h) => h,
            // The whole header is there: asking for more means method-specific fields (LZMA).
            Err(ErrMode::Incomplete(_)) => {
                return Err(ZipError::Unsupported(format!(
                    "the entry at byte {} uses a compression method Runlens does not read; re-create the archive with deflate (zip's default) or extract it",
                    self.offset
                )))
            }
            Err(_) => {
                return Err(ZipError::Corrupt(format!(
                    "invalid local file header at byte {}",
                    self.offset
                )))
            }
        };
        // Sizes above 4 GiB are in the zip64 extra field.
        let (mut compressed_size, mut uncompressed_size) = (
            u64::from(header.compressed_size),
            u64::from(header.uncompressed_size),
        );
        let settings = ExtraFieldSettings {
            uncompressed_size_u32: header.uncompressed_size,
            compressed_size_u32: header.compressed_size,
            header_offset_u32: 0,
        };
        let mut extra = Partial::new(&header.extra[..]);
        while !extra.is_empty() {
            match ExtraField::mk_parser(settings).parse_next(&mut extra) {
                Ok(ExtraField::Zip64(z)) => {
                    if header.compressed_size == u32::MAX {
                        compressed_size = z.compressed_size;
                    }
                    if header.uncompressed_size == u32::MAX {
                        uncompressed_size = z.uncompressed_size;
                    }
                }
                Ok(_) => {}
                Err(_) => {
                    return Err(ZipError::Corrupt(format!(
                        "invalid extra field in the local header at byte {}",
                        self.offset
                    )))
                }
            }
        }
        // Names are ASCII in practice (Spark's own); others are shown as near as UTF-8 allows.
        let name = String::from_utf8_lossy(&header.name).into_owned();
        if header.flags & 0x0001 != 0 || header.flags & 0x0040 != 0 || header.method == Method::Aex
        {
            return Err(ZipError::Unsupported(format!(
                "entry {name} is encrypted; extract the archive with its password and load the files"
            )));
        }
        let has_descriptor = header.has_data_descriptor();
        let zip64 = header.compressed_size == u32::MAX || header.uncompressed_size == u32::MAX;
        let body = match header.method {
            Method::Store if has_descriptor && compressed_size == 0 => {
                return Err(ZipError::Unsupported(format!(
                    "entry {name} is stored without its size (it has a data descriptor), which cannot be read as a stream; re-create the archive with deflate, or extract it and load the files"
                )))
            }
            Method::Store => Body::Stored {
                remaining: compressed_size,
            },
            Method::Deflate => Body::Deflated(Box::new(Decompress::new(false))),
            other => {
                return Err(ZipError::Unsupported(format!(
                    "entry {name} uses compression method {} ({}); Runlens reads stored and deflated entries: re-create the archive with deflate (zip's default) or extract it",
                    u16::from(other),
                    method_name(other)
                )))
            }
        };
        let info = EntryInfo {
            name,
            offset: self.offset,
            stored: matches!(body, Body::Stored { .. }),
            compressed_size: (!has_descriptor || compressed_size > 0).then_some(compressed_size),
        };
        let header_size = (!has_descriptor || uncompressed_size > 0).then_some(uncompressed_size);
        self.entries += 1;
        f(ZipEvent::Begin(&info));
        self.state = State::Body(Box::new(Current {
            info,
            body,
            has_descriptor,
            zip64,
            header_crc: header.crc32,
            header_size,
            crc: crc32fast::Hasher::new(),
            compressed: 0,
            uncompressed: 0,
        }));
        if let State::Body(c) = &mut self.state {
            if let Body::Stored { remaining: 0 } = c.body {
                let c = take_current(&mut self.state);
                self.end_body(c, f)?;
            }
        }
        Ok(true)
    }

    /// Feeds body bytes: how many of `input` belong to the entry.
    fn body(&mut self, input: &[u8], f: &mut dyn FnMut(ZipEvent)) -> Result<usize, ZipError> {
        let State::Body(c) = &mut self.state else {
            return Ok(0);
        };
        let mut used = 0;
        let mut ended = false;
        match &mut c.body {
            Body::Stored { remaining } => {
                let n = (*remaining).min(input.len() as u64) as usize;
                let data = &input[..n];
                f(ZipEvent::Raw(data));
                c.crc.update(data);
                c.uncompressed += n as u64;
                c.compressed += n as u64;
                *remaining -= n as u64;
                for piece in data.chunks(OUT_BYTES) {
                    f(ZipEvent::Data(piece));
                }
                used = n;
                ended = *remaining == 0;
            }
            Body::Deflated(inflate) => loop {
                let before_in = inflate.total_in();
                let before_out = inflate.total_out();
                let status = inflate
                    .decompress(&input[used..], &mut self.out, FlushDecompress::None)
                    .map_err(|e| {
                        ZipError::Corrupt(format!(
                            "entry {}: invalid deflate data ({e})",
                            c.info.name
                        ))
                    })?;
                let consumed = (inflate.total_in() - before_in) as usize;
                let produced = (inflate.total_out() - before_out) as usize;
                if consumed > 0 {
                    f(ZipEvent::Raw(&input[used..used + consumed]));
                }
                used += consumed;
                c.compressed += consumed as u64;
                if produced > 0 {
                    let data = &self.out[..produced];
                    c.crc.update(data);
                    c.uncompressed += produced as u64;
                    f(ZipEvent::Data(data));
                }
                if status == Status::StreamEnd {
                    ended = true;
                    break;
                }
                if used == input.len() && produced < self.out.len() {
                    break;
                }
                if consumed == 0 && produced == 0 {
                    break;
                }
            },
        }
        if ended {
            let c = take_current(&mut self.state);
            if let Some(size) = c.info.compressed_size {
                if size != c.compressed {
                    return Err(ZipError::Corrupt(format!(
                        "entry {}: {} compressed bytes, its header says {size}",
                        c.info.name, c.compressed
                    )));
                }
            }
            self.end_body(c, f)?;
        }
        Ok(used)
    }

    /// After a body: the descriptor, if any, else the checks.
    fn end_body(&mut self, c: Box<Current>, f: &mut dyn FnMut(ZipEvent)) -> Result<(), ZipError> {
        if c.has_descriptor {
            self.state = State::Descriptor(c);
            Ok(())
        } else {
            let (crc, size) = (c.header_crc, c.header_size);
            self.check(&c, crc, size, f)
        }
    }

    /// Reads the data descriptor that `buf` holds whole; true once `buf` was used.
    fn descriptor(&mut self, f: &mut dyn FnMut(ZipEvent)) -> Result<bool, ZipError> {
        let State::Descriptor(c) = &self.state else {
            return Ok(false);
        };
        let mut partial = Partial::new(self.buf.as_slice());
        let record =
            match DataDescriptorRecord::mk_parser(c.wide_descriptor()).parse_next(&mut partial) {
                Ok(r) => r,
                Err(_) => {
                    return Err(ZipError::Corrupt(format!(
                        "entry {}: invalid data descriptor at byte {}",
                        c.info.name, self.offset
                    )))
                }
            };
        let c = take_current(&mut self.state);
        if record.compressed_size != c.compressed {
            return Err(ZipError::Corrupt(format!(
                "entry {}: {} compressed bytes, its data descriptor says {}",
                c.info.name, c.compressed, record.compressed_size
            )));
        }
        self.check(&c, record.crc32, Some(record.uncompressed_size), f)?;
        Ok(true)
    }

    fn check(
        &mut self,
        c: &Current,
        crc: u32,
        size: Option<u64>,
        f: &mut dyn FnMut(ZipEvent),
    ) -> Result<(), ZipError> {
        if let Some(size) = size {
            if size != c.uncompressed {
                return Err(ZipError::Corrupt(format!(
                    "entry {}: {} bytes, the archive says {size}",
                    c.info.name, c.uncompressed
                )));
            }
        }
        let computed = c.crc.clone().finalize();
        if computed != crc {
            return Err(ZipError::Corrupt(format!(
                "entry {}: CRC-32 mismatch (stored {crc:#010x}, computed {computed:#010x})",
                c.info.name
            )));
        }
        self.state = State::Header;
        f(ZipEvent::End);
        Ok(())
    }
}

fn take_current(state: &mut State) -> Box<Current> {
    match std::mem::replace(state, State::Header) {
        State::Body(c) | State::Descriptor(c) => c,
        _ => unreachable_current(),
    }
}

#[cold]
fn unreachable_current() -> Box<Current> {
    // Only called in the Body and Descriptor states.
    Box::new(Current {
        info: EntryInfo {
            name: String::new(),
            offset: 0,
            compressed_size: None,
            stored: true,
        },
        body: Body::Stored { remaining: 0 },
        has_descriptor: false,
        zip64: false,
        header_crc: 0,
        header_size: None,
        crc: crc32fast::Hasher::new(),
        compressed: 0,
        uncompressed: 0,
    })
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Deflate64 => "deflate64",
        Method::Bzip2 => "bzip2",
        Method::Lzma => "LZMA",
        Method::Zstd => "zstd",
        Method::Xz => "xz",
        Method::Ppmd => "PPMd",
        _ => "unknown",
    }
}
