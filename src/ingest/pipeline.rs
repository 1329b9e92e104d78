//! The push pipeline shared by the CLI and the page: file bytes → decompression → content
//! detection → event-log parser or JSON document → `Run`.
//!
//! Nothing here blocks or touches the file system: callers push chunks as they arrive (from a
//! file read loop, a `ReadableStream`, a fetch body) and may stop at any time.

use super::archive::zip;
use super::archive::{ArchiveReader, FileSink};
use super::decompress::{self, Codec, DecodeError, Decoder};
use super::event_log::EventLogParser;
use super::json_stream::Compactor;
use super::{cloudwatch, run_file};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Run, SourceFormat};

/// Enough leading bytes to recognise every codec's magic.
const MAGIC_BYTES: usize = 8;
/// Decompressed bytes examined before deciding what a file holds.
const SNIFF_BYTES: usize = 64;

/// A run read from an input, with how it was read.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The run.
    pub run: Run,
    /// The kind of input (a run file keeps `run.meta.source_format` of its origin).
    pub format: SourceFormat,
    /// Codec of the first file.
    pub codec: Codec,
    /// Bytes read from the input (compressed).
    pub bytes_in: u64,
    /// Bytes after decompression.
    pub bytes_out: u64,
    /// The archive entry the run came from (`ARCHIVE!/ENTRY`), for runs read from an archive.
    pub entry: Option<String>,
}

impl Loaded {
    /// A run computed in place (the simulator): no bytes were read.
    pub fn computed(run: Run) -> Loaded {
        Loaded {
            format: run.meta.source_format,
            run,
            codec: Codec::None,
            bytes_in: 0,
            bytes_out: 0,
            entry: None,
        }
    }
}

/// Decompresses one file; detects the codec from its first bytes.
pub struct FileDecoder {
    name: String,
    head: Vec<u8>,
    decoder: Option<Box<dyn Decoder>>,
    codec: Codec,
    bytes_in: u64,
    /// Compressed bytes given to the decoder, and what came out of them.
    consumed: u64,
    bytes_out: u64,
    /// Compressed bytes to give the decoder at a time (see `feed`).
    piece: usize,
    failed: Option<DecodeError>,
}

/// Decompressed bytes aimed at per piece of input given to a decoder.
pub const OUT_PER_PIECE: u64 = 4 << 20;
/// Largest sustained expansion accepted (decompressed : compressed)...
pub const MAX_RATIO: u64 = 1000;
/// ...once this much has been decompressed.
pub const RATIO_CHECK_AFTER: u64 = 1 << 30;

impl FileDecoder {
    /// A decoder for the file `name`.
    pub fn new(name: &str) -> FileDecoder {
        FileDecoder {
            name: name.to_string(),
            head: Vec::new(),
            decoder: None,
            codec: Codec::None,
            bytes_in: 0,
            consumed: 0,
            bytes_out: 0,
            // Small until the stream's ratio is known: a few KB of zstd can hold gigabytes.
            piece: 1024,
            failed: None,
        }
    }

    /// The file's codec (known after the first bytes).
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Compressed bytes pushed so far.
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }

    /// Feeds file bytes; decompressed output goes to `out`.
    pub fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn FnMut(&[u8]),
    ) -> std::result::Result<(), DecodeError> {
        self.push_until(input, out, &std::cell::Cell::new(false))
    }

    /// As [`FileDecoder::push`], but stops decoding (within a few MB of output) once `stop` is
    /// set — `out` sets it when what it feeds has rejected the content.
    pub fn push_until(
        &mut self,
        input: &[u8],
        out: &mut dyn FnMut(&[u8]),
        stop: &std::cell::Cell<bool>,
    ) -> std::result::Result<(), DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.bytes_in += input.len() as u64;
        let mut input = input;
        if self.decoder.is_none() {
            // Only the magic bytes are held, not the chunk they came in.
            let take = MAGIC_BYTES.saturating_sub(self.head.len()).min(input.len());
            self.head.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.head.len() < MAGIC_BYTES {
                return Ok(());
            }
            let head = std::mem::take(&mut self.head);
            self.start(&head);
            self.feed(&head, out, stop)?;
        }
        self.feed(input, out, stop)
    }

    fn start(&mut self, head: &[u8]) {
        self.codec = Codec::detect(head);
        self.decoder = Some(decompress::decoder(self.codec));
    }

    /// Decodes `input` in pieces sized to give about [`OUT_PER_PIECE`] each (a highly compressed
    /// stream gets small pieces), so that a stream that expands past [`MAX_RATIO`] is stopped
    /// within a few MB of output.
    fn feed(
        &mut self,
        input: &[u8],
        out: &mut dyn FnMut(&[u8]),
        stop: &std::cell::Cell<bool>,
    ) -> std::result::Result<(), DecodeError> {
        let Some(d) = self.decoder.as_mut() else {
            return Ok(());
        };
        let mut rest = input;
        while !rest.is_empty() && !stop.get() {
            let n = self.piece.clamp(1, rest.len());
            let mut produced = 0u64;
            let r = d.push(&rest[..n], &mut |b| {
                produced += b.len() as u64;
                out(b);
            });
            self.consumed += n as u64;
            self.bytes_out += produced;
            if let Err(e) = r {
                self.failed = Some(e.clone());
                return Err(e);
            }
            rest = &rest[n..];
            // The next piece: about OUT_PER_PIECE of output at the ratio seen so far (this
            // piece's, or the stream's, whichever is higher), growing at most twofold (a piece
            // that completed no block says nothing about the next).
            let ratio = (produced / n as u64).max(self.bytes_out / self.consumed.max(1));
            let want = (OUT_PER_PIECE / ratio.max(1)).clamp(16, 1 << 20) as usize;
            self.piece = want.min(self.piece.saturating_mul(2));
            if self.bytes_out > RATIO_CHECK_AFTER
                && self.bytes_out / self.consumed.max(1) > MAX_RATIO
            {
                let e = DecodeError::Unsupported(format!(
                    "the {} stream expands more than {MAX_RATIO}:1 ({} from {} so far); Spark's codecs compress event logs 5–50:1, so this is not one (a crafted or damaged stream). If it is a log, decompress it first and load the result",
                    self.codec.name(),
                    crate::model::units::format_bytes(self.bytes_out as f64),
                    crate::model::units::format_bytes(self.consumed as f64),
                ));
                self.failed = Some(e.clone());
                return Err(e);
            }
        }
        Ok(())
    }

    /// End of the file: flushes; `Err(Truncated)` if the compressed stream was cut off.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8])) -> std::result::Result<(), DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.decoder.is_none() {
            let head = std::mem::take(&mut self.head);
            self.start(&head);
            self.feed(&head, out, &std::cell::Cell::new(false))?;
        }
        match self.decoder.as_mut() {
            Some(d) => d.finish(out),
            None => Ok(()),
        }
    }

    /// The file name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Blank space (and a byte-order mark) allowed before a file's content; more is not a log.
pub const MAX_LEADING_BLANK: u64 = 16 << 20;

/// The start of a file while its kind is not known: leading blank space is counted, not kept,
/// so sniffing is linear and bounded whatever comes before the content.
#[derive(Default)]
struct Sniff {
    /// Content bytes (after any BOM and blank space), up to [`SNIFF_BYTES`].
    head: Vec<u8>,
    /// Blank bytes skipped before the content.
    blank: u64,
    /// Newlines among them (the parser's line numbers start after them).
    newlines: u64,
    /// Bytes of a UTF-8 byte-order mark matched so far at the very start (3 = seen).
    bom: u8,
}

impl Sniff {
    /// Takes what it needs of `bytes` (a BOM at the very start, blank space before the content,
    /// content up to [`SNIFF_BYTES`]); returns how many bytes it took.
    fn push(&mut self, bytes: &[u8]) -> usize {
        const BOM: &[u8; 3] = b"\xEF\xBB\xBF";
        let mut at = 0;
        while self.bom < 3 && self.head.is_empty() && self.blank == 0 {
            match bytes.get(at) {
                Some(&b) if b == BOM[usize::from(self.bom)] => {
                    self.bom += 1;
                    at += 1;
                }
                Some(_) => {
                    // Not a BOM after all: the bytes matched so far are content.
                    self.head.extend_from_slice(&BOM[..usize::from(self.bom)]);
                    self.bom = 3;
                }
                None => return at,
            }
        }
        if self.head.is_empty() {
            let rest = &bytes[at..];
            let n = rest
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(rest.len());
            self.blank += n as u64;
            self.newlines += memchr::memchr_iter(b'\n', &rest[..n]).count() as u64;
            at += n;
        }
        let room = SNIFF_BYTES.saturating_sub(self.head.len());
        let take = room.min(bytes.len() - at);
        self.head.extend_from_slice(&bytes[at..at + take]);
        at + take
    }

    /// Enough content to decide what the file is.
    fn full(&self) -> bool {
        self.head.len() >= SNIFF_BYTES
    }
}

/// Largest JSON document other than a run file held (blank space not counted): CloudWatch
/// exports, JSON lines of events with their keys out of order.
pub const MAX_DOCUMENT_BYTES: usize = 512 << 20;

/// A JSON document being read.
struct JsonDoc {
    compactor: Compactor,
    state: JsonState,
}

enum JsonState {
    /// The first compact bytes, until the first key is known.
    Start(Vec<u8>),
    /// A run file, read member by member.
    RunFile(Box<run_file::StreamReader>),
    /// Another document (a CloudWatch export, …), kept whole but compact.
    Whole(Vec<u8>),
}

impl JsonDoc {
    fn new() -> JsonDoc {
        JsonDoc {
            compactor: Compactor::default(),
            state: JsonState::Start(Vec::new()),
        }
    }

    /// Feeds bytes; an error message if the document cannot be read.
    fn push(&mut self, file: &str, bytes: &[u8]) -> Option<Error> {
        match &mut self.state {
            JsonState::RunFile(r) => {
                let mut buf = Vec::with_capacity(bytes.len());
                self.compactor.push(bytes, &mut buf);
                r.push_compact(&buf);
                return r.error().cloned();
            }
            JsonState::Whole(buf) => {
                self.compactor.push(bytes, buf);
                if buf.len() > MAX_DOCUMENT_BYTES {
                    return Some(Error::new(
                        file,
                        ErrorKind::UnsupportedFormat,
                        format!(
                            "a JSON document larger than {} (blank space not counted): more than a CloudWatch export of a job holds",
                            crate::model::units::format_bytes(MAX_DOCUMENT_BYTES as f64)
                        ),
                    ));
                }
                return None;
            }
            JsonState::Start(buf) => self.compactor.push(bytes, buf),
        }
        // Decide once the first key is complete (or the document is not an object).
        let key = match &self.state {
            JsonState::Start(buf) if buf.len() < 64 * 1024 => first_key(buf),
            JsonState::Start(_) => FirstKey::None,
            _ => return None,
        };
        if matches!(key, FirstKey::Incomplete) {
            return None;
        }
        let buf = match std::mem::replace(&mut self.state, JsonState::Whole(Vec::new())) {
            JsonState::Start(buf) => buf,
            other => {
                self.state = other;
                return None;
            }
        };
        self.state = match key {
            FirstKey::Key(k) if run_file::KEYS.contains(&k.as_str()) => {
                let mut r = run_file::StreamReader::new(file);
                r.push_compact(&buf);
                JsonState::RunFile(Box::new(r))
            }
            _ => JsonState::Whole(buf),
        };
        match &self.state {
            JsonState::RunFile(r) => r.error().cloned(),
            _ => None,
        }
    }
}

/// The first key of a compact JSON document, as far as it has arrived.
enum FirstKey {
    Incomplete,
    Key(String),
    /// Not an object, or an empty one.
    None,
}

fn first_key(buf: &[u8]) -> FirstKey {
    match buf {
        [] | [b'{'] => return FirstKey::Incomplete,
        [b'{', b'"', ..] => {}
        _ => return FirstKey::None,
    }
    let mut escape = false;
    for (i, &b) in buf.iter().enumerate().skip(2) {
        if escape {
            escape = false;
        } else if b == b'\\' {
            escape = true;
        } else if b == b'"' {
            return match serde_json::from_slice::<String>(&buf[1..=i]) {
                Ok(k) => FirstKey::Key(k),
                Err(_) => FirstKey::None,
            };
        }
    }
    FirstKey::Incomplete
}

/// What the decompressed content of the input turned out to be.
enum Content {
    /// Not decided yet: the start of the current file.
    Undecided(Sniff),
    /// Spark event log lines.
    EventLog,
    /// A JSON document: blank space dropped as it arrives; its first key decides how it is read.
    Json(Box<JsonDoc>),
    /// An empty or skipped file.
    Skip,
}

/// Receives decompressed bytes of one or more files of one run and builds the run.
pub struct ContentSink {
    pub(crate) input: String,
    file: String,
    content: Content,
    parser: Option<EventLogParser>,
    documents: Vec<(String, Vec<u8>)>,
    error: Option<Error>,
    bytes_out: u64,
    files: usize,
    empty_files: Vec<String>,
    pub(crate) warnings: Vec<String>,
    /// A stream cut off before it gave any byte (the error if nothing else is read).
    cut_off: Option<Error>,
    /// Run files read (one is expected, on its own).
    run_files: Vec<(String, Run)>,
}

fn starts_like_event_log(b: &[u8]) -> bool {
    let b = strip_bom(b).trim_ascii_start();
    b.starts_with(b"{\"Event\"")
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

impl ContentSink {
    /// A sink for the input named `input` (a path, file name or URL, used in messages).
    pub fn new(input: &str) -> ContentSink {
        ContentSink {
            input: input.to_string(),
            file: input.to_string(),
            content: Content::Skip,
            parser: None,
            documents: Vec::new(),
            error: None,
            bytes_out: 0,
            files: 0,
            empty_files: Vec::new(),
            warnings: Vec::new(),
            cut_off: None,
            run_files: Vec::new(),
        }
    }

    /// The first error, if content was rejected.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Decompressed bytes received.
    pub fn bytes_out(&self) -> u64 {
        self.bytes_out
    }

    /// Starts a file (its name appears in messages).
    pub fn begin_file(&mut self, file: &str) {
        self.end_file();
        self.file = file.to_string();
        self.files += 1;
        self.content = Content::Undecided(Sniff::default());
    }

    /// Adds a warning about the current input.
    pub fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// Feeds decompressed bytes of the current file.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.error.is_some() || bytes.is_empty() {
            return;
        }
        self.bytes_out += bytes.len() as u64;
        self.feed(bytes);
    }

    fn feed(&mut self, bytes: &[u8]) {
        match &mut self.content {
            Content::EventLog => {
                if let Some(p) = self.parser.as_mut() {
                    p.push(bytes);
                }
            }
            Content::Json(doc) => {
                if let Some(e) = doc.push(&self.file, bytes) {
                    self.error = Some(e);
                    self.content = Content::Skip;
                }
            }
            Content::Skip => {}
            Content::Undecided(sniff) => {
                let used = sniff.push(bytes);
                if sniff.blank > MAX_LEADING_BLANK {
                    let n = sniff.blank;
                    self.error = Some(Error::new(
                        &self.file,
                        ErrorKind::UnsupportedFormat,
                        format!(
                            "not a Spark event log, CloudWatch export or Runlens run file: it starts with more than {} of blank space ({n} bytes and nothing else so far)",
                            crate::model::units::format_bytes(MAX_LEADING_BLANK as f64)
                        ),
                    ));
                    self.content = Content::Skip;
                    return;
                }
                if sniff.full() {
                    let sniff = std::mem::take(sniff);
                    self.decide(sniff);
                    if used < bytes.len() {
                        self.feed(&bytes[used..]);
                    }
                }
            }
        }
    }

    fn decide(&mut self, sniff: Sniff) {
        let head = sniff.head;
        let body = head.as_slice();
        if body.is_empty() {
            self.empty_files.push(self.file.clone());
            self.content = Content::Skip;
        } else if starts_like_event_log(body) {
            let file = self.file.clone();
            let parser = self
                .parser
                .get_or_insert_with(|| EventLogParser::new(&file));
            parser.begin_file(&file);
            parser.skip_lines(sniff.newlines);
            parser.push(&head);
            self.content = Content::EventLog;
        } else if body[0] == b'{' || body[0] == b'[' {
            let mut doc = JsonDoc::new();
            let e = doc.push(&self.file, &head);
            self.content = Content::Json(Box::new(doc));
            if let Some(e) = e {
                self.error = Some(e);
                self.content = Content::Skip;
            }
        } else {
            self.error = Some(Error::new(
                &self.file,
                ErrorKind::UnsupportedFormat,
                format!(
                    "not a Spark event log, CloudWatch export or Runlens run file: it starts with {} (expected JSON)",
                    describe_bytes(body)
                ),
            ));
            self.content = Content::Skip;
        }
    }

    /// Ends the current file.
    pub fn end_file(&mut self) {
        match std::mem::replace(&mut self.content, Content::Skip) {
            Content::Undecided(sniff) => self.decide(sniff),
            other => self.content = other,
        }
        match std::mem::replace(&mut self.content, Content::Skip) {
            Content::Json(doc) => match doc.state {
                JsonState::Start(buf) | JsonState::Whole(buf) => {
                    self.documents.push((self.file.clone(), buf))
                }
                JsonState::RunFile(r) => match r.finish() {
                    Ok(run) => self.run_files.push((self.file.clone(), run)),
                    Err(e) => self.error = Some(e),
                },
            },
            Content::EventLog => {
                if let Some(p) = self.parser.as_mut() {
                    p.end_file();
                }
            }
            _ => {}
        }
    }

    /// Builds the run from everything received.
    pub fn finish(mut self) -> Result<(Run, SourceFormat)> {
        self.end_file();
        if let Some(e) = self.error {
            return Err(e);
        }
        if let Some((name, _)) = self.run_files.first() {
            if self.run_files.len() > 1 || self.parser.is_some() || !self.documents.is_empty() {
                return Err(Error::new(
                    name,
                    ErrorKind::InvalidContent,
                    "a run file must be loaded on its own, not together with other files",
                ));
            }
        }
        let (mut run, format) = if let Some((_, run)) = self.run_files.pop() {
            (run, SourceFormat::RunFile)
        } else if let Some(parser) = self.parser {
            if parser.events() == 0 {
                return Err(Error::new(
                    &self.input,
                    ErrorKind::InvalidContent,
                    format!(
                        "no Spark listener event could be read ({} lines were not valid events)",
                        parser.bad_lines()
                    ),
                ));
            }
            let mut run = parser.finish();
            for (name, _) in &self.documents {
                run.warnings.push(format!(
                    "{name}: a JSON document among event-log files; ignored"
                ));
            }
            (run, SourceFormat::SparkEventLog)
        } else if !self.documents.is_empty() {
            documents_to_run(&self.input, self.documents)?
        } else if let Some(e) = self.cut_off {
            return Err(e);
        } else if self.files == 0 || !self.empty_files.is_empty() {
            return Err(Error::new(
                &self.input,
                ErrorKind::Empty,
                "the file is empty",
            ));
        } else {
            return Err(Error::new(&self.input, ErrorKind::Empty, "nothing to read"));
        };
        let mut warnings = self.warnings;
        warnings.append(&mut run.warnings);
        run.warnings = warnings;
        Ok((run, format))
    }
}

/// First bytes of an unrecognised input, for a message.
fn describe_bytes(b: &[u8]) -> String {
    let head = &b[..b.len().min(8)];
    if head.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        format!("\"{}\"", String::from_utf8_lossy(head))
    } else {
        let hex: Vec<String> = head.iter().map(|c| format!("{c:02x}")).collect();
        format!("bytes {}", hex.join(" "))
    }
}

/// Parses buffered JSON documents (one or more JSON values per file) into a run.
fn documents_to_run(input: &str, documents: Vec<(String, Vec<u8>)>) -> Result<(Run, SourceFormat)> {
    // Run files written by Runlens start with their format tag: read them straight into the
    // model, without an intermediate JSON tree (the page's first render waits for this).
    if let [(name, buf)] = documents.as_slice() {
        let body = strip_bom(buf).trim_ascii_start();
        if body.starts_with(b"{\"format\":\"runlens/run@1\"") {
            if let Ok(run) = run_file::from_slice_typed(name, body) {
                return Ok((run, SourceFormat::RunFile));
            }
        }
    }
    let mut values: Vec<(String, serde_json::Value)> = Vec::new();
    for (name, buf) in &documents {
        let name = name.clone();
        let stream =
            serde_json::Deserializer::from_slice(strip_bom(buf)).into_iter::<serde_json::Value>();
        for v in stream {
            match v {
                Ok(v) => values.push((name.clone(), v)),
                Err(e) if e.is_eof() => {
                    return Err(Error::new(
                        &name,
                        ErrorKind::InvalidContent,
                        format!("the JSON is cut off ({e}): the file is truncated"),
                    ))
                }
                Err(e) => {
                    return Err(Error::new(
                        &name,
                        ErrorKind::InvalidContent,
                        format!("invalid JSON: {e}"),
                    ))
                }
            }
        }
    }
    if values.len() == 1 && run_file::is_run_file(&values[0].1) {
        // Read again straight into the model (the tree only told what the document is).
        let (name, buf) = &documents[0];
        return Ok((
            run_file::from_slice(name, strip_bom(buf))?,
            SourceFormat::RunFile,
        ));
    }
    if let Some((name, _)) = values.iter().find(|(_, v)| run_file::is_run_file(v)) {
        return Err(Error::new(
            name,
            ErrorKind::InvalidContent,
            "a run file must be loaded on its own, not together with other files",
        ));
    }
    if values.iter().all(|(_, v)| v.get("Event").is_some()) {
        // JSON lines whose "Event" key is not first: still an event log.
        let mut parser = EventLogParser::new(input);
        for (name, v) in &values {
            parser.begin_file(name);
            parser.push(v.to_string().as_bytes());
            parser.push(b"\n");
        }
        return Ok((parser.finish(), SourceFormat::SparkEventLog));
    }
    if values.iter().any(|(_, v)| cloudwatch::is_cloudwatch_doc(v)) {
        return Ok((cloudwatch::parse_docs(&values)?, SourceFormat::Cloudwatch));
    }
    let (name, v) = &values[0];
    Err(Error::new(
        name,
        ErrorKind::UnsupportedFormat,
        format!(
            "JSON of an unknown shape ({}): expected a Spark event log (JSON lines with \"Event\"), a CloudWatch get-metric-data / get-metric-statistics export, or a runlens/run@1 file",
            json_shape(v)
        ),
    ))
}

fn json_shape(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let keys: Vec<&str> = m.keys().take(5).map(String::as_str).collect();
            format!("an object with keys {}", keys.join(", "))
        }
        serde_json::Value::Array(a) => format!("an array of {} items", a.len()),
        other => format!(
            "a {}",
            match other {
                serde_json::Value::String(_) => "string",
                serde_json::Value::Number(_) => "number",
                serde_json::Value::Bool(_) => "boolean",
                _ => "null",
            }
        ),
    }
}

/// Decoded files routed to one [`ContentSink`] per run: one run for a log, a rolling folder or a
/// CloudWatch export; one per run found in an archive. Used by the page's [`Ingestor`] directly
/// and by the CLI's reader thread through messages.
pub struct RunSinks {
    input: String,
    /// Notes about the whole input, given to every run.
    notes: Vec<String>,
    /// Per run: its archive entry (`ARCHIVE!/ENTRY`, none outside archives) and its sink.
    runs: Vec<(Option<String>, ContentSink)>,
    first_codec: Option<Codec>,
    /// The input is an archive (its runs come from `FileSink::run`).
    archive: bool,
    /// The archive could not be read past some point, or at all.
    archive_error: Option<Error>,
}

impl RunSinks {
    /// Sinks for the input named `input`.
    pub fn new(input: &str) -> RunSinks {
        RunSinks {
            input: input.to_string(),
            notes: Vec::new(),
            runs: Vec::new(),
            first_codec: None,
            archive: false,
            archive_error: None,
        }
    }

    fn sink(&mut self, run: usize) -> &mut ContentSink {
        while self.runs.len() <= run {
            let sink = ContentSink::new(&self.input);
            self.runs.push((None, sink));
        }
        &mut self.runs[run].1
    }

    /// Marks the input as an archive: its runs are named by the archive reader.
    pub fn set_archive(&mut self) {
        self.archive = true;
    }

    /// The archive failed: an error for the input if no run was read, else a warning.
    pub fn archive_failed(&mut self, e: crate::ingest::archive::zip::ZipError) {
        use crate::ingest::archive::zip::ZipError;
        let kind = match &e {
            ZipError::Truncated(_) | ZipError::Corrupt(_) => ErrorKind::Corrupt,
            ZipError::Unsupported(_) => ErrorKind::UnsupportedFormat,
        };
        self.archive_error = Some(Error::new(&self.input, kind, format!("{e}")));
    }

    /// A note about the whole input (a warning on every run).
    pub fn warn(&mut self, message: String) {
        self.notes.push(message);
    }

    /// The first error of the first run, if its content was rejected (single runs stop there).
    pub fn error(&self) -> Option<&Error> {
        if self.archive {
            return None;
        }
        self.runs.first().and_then(|r| r.1.error())
    }

    /// Decompressed bytes so far, over all runs.
    pub fn bytes_out(&self) -> u64 {
        self.runs.iter().map(|r| r.1.bytes_out()).sum()
    }

    /// Builds every run. An archive's runs that cannot be read are warned about on the others;
    /// if none can, the first error is returned.
    pub fn finish(self, bytes_in: u64) -> Result<Vec<Loaded>> {
        let codec = self.first_codec.unwrap_or(Codec::None);
        if !self.archive {
            let mut runs = self.runs;
            let sink = match runs.is_empty() {
                true => ContentSink::new(&self.input),
                false => runs.swap_remove(0).1,
            };
            let mut sink = sink;
            for n in self.notes.into_iter().rev() {
                sink.warnings.insert(0, n);
            }
            let bytes_out = sink.bytes_out();
            let (run, format) = sink.finish()?;
            return Ok(vec![Loaded {
                run,
                format,
                codec,
                bytes_in,
                bytes_out,
                entry: None,
            }]);
        }
        let mut loaded = Vec::new();
        let mut failed: Vec<Error> = Vec::new();
        for (entry, sink) in self.runs {
            let bytes_out = sink.bytes_out();
            match sink.finish() {
                Ok((run, format)) => loaded.push(Loaded {
                    run,
                    format,
                    codec,
                    bytes_in,
                    bytes_out,
                    entry,
                }),
                Err(e) => failed.push(e),
            }
        }
        if loaded.is_empty() {
            return Err(match (self.archive_error, failed.into_iter().next()) {
                (Some(e), _) => e,
                (None, Some(e)) => e,
                (None, None) => Error::new(
                    &self.input,
                    ErrorKind::Empty,
                    "the archive holds no Spark event log",
                ),
            });
        }
        let mut shared = self.notes;
        if let Some(e) = self.archive_error {
            shared.push(format!("{e}; loaded what came before"));
        }
        for e in &failed {
            shared.push(format!("{e}; skipped"));
        }
        for l in &mut loaded {
            let mut w = shared.clone();
            w.append(&mut l.run.warnings);
            l.run.warnings = w;
        }
        Ok(loaded)
    }
}

impl crate::ingest::archive::FileSink for RunSinks {
    fn stopped(&self, run: usize) -> bool {
        self.runs.get(run).is_some_and(|r| r.1.error().is_some())
    }

    fn run(&mut self, run: usize, entry: &str) {
        self.sink(run);
        let s = &mut self.runs[run];
        s.0 = Some(entry.to_string());
        s.1.input = entry.to_string();
    }

    fn begin(&mut self, run: usize, file: &str) {
        self.sink(run).begin_file(file);
    }

    fn data(&mut self, run: usize, bytes: &[u8]) {
        self.sink(run).push(bytes);
    }

    fn end(
        &mut self,
        run: usize,
        file: &str,
        codec: Codec,
        _bytes_in: u64,
        result: std::result::Result<(), DecodeError>,
    ) {
        self.first_codec.get_or_insert(codec);
        let sink = self.sink(run);
        if let Err(e) = result {
            // Errors are kept in the sink and surface from `finish`.
            let _ = handle_decode_error(sink, file, codec, e);
        }
        sink.end_file();
    }

    fn note(&mut self, run: usize, message: String) {
        self.sink(run).warn(message);
    }
}

/// How the current file is being read.
enum FileState {
    /// No file started.
    Idle,
    /// The first bytes, until the kind of file is known.
    Sniff { name: String, head: Vec<u8> },
    /// A (possibly compressed) file of the run.
    Plain {
        decoder: FileDecoder,
        /// Its stream failed: ignore the rest of it.
        skip_rest: bool,
    },
    /// A ZIP archive of runs.
    Archive(Box<ArchiveReader>),
}

/// The whole pipeline in one thread: push file bytes, get the runs.
pub struct Ingestor {
    input: String,
    state: FileState,
    sinks: RunSinks,
    bytes_in: u64,
    files: usize,
    /// Only this entry of an archive (`ARCHIVE!/ENTRY`).
    only_entry: Option<String>,
}

impl Ingestor {
    /// An ingestor for the input `input` (its name is used in messages).
    pub fn new(input: &str) -> Ingestor {
        Ingestor {
            input: input.to_string(),
            state: FileState::Idle,
            sinks: RunSinks::new(input),
            bytes_in: 0,
            files: 0,
            only_entry: None,
        }
    }

    /// Reads only the run of this archive entry (the `ENTRY` of `ARCHIVE!/ENTRY`).
    pub fn only_entry(mut self, entry: Option<&str>) -> Ingestor {
        self.only_entry = entry.map(str::to_string);
        self
    }

    /// Starts a file of the input (a single file, or one file of a rolling log / export).
    pub fn begin_file(&mut self, name: &str) {
        self.end_file();
        self.files += 1;
        self.state = FileState::Sniff {
            name: name.to_string(),
            head: Vec::new(),
        };
    }

    /// Feeds bytes of the current file. Stops with the first unrecoverable error.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(e) = self.sinks.error() {
            return Err(e.clone());
        }
        if matches!(self.state, FileState::Idle) {
            let input = self.input.clone();
            self.begin_file(&input);
        }
        self.bytes_in += bytes.len() as u64;
        if let FileState::Sniff { head, .. } = &mut self.state {
            // Only the magic bytes are held, not the chunk they came in.
            let take = MAGIC_BYTES.saturating_sub(head.len()).min(bytes.len());
            head.extend_from_slice(&bytes[..take]);
            if head.len() < MAGIC_BYTES {
                return Ok(());
            }
            let head = self.decide()?;
            self.feed(&head)?;
            return self.feed(&bytes[take..]);
        }
        self.feed(bytes)
    }

    /// Leaves the sniffing state: an archive or a plain (compressed) file. Gives back the bytes
    /// sniffed, to be fed.
    fn decide(&mut self) -> Result<Vec<u8>> {
        let FileState::Sniff { name, head } = std::mem::replace(&mut self.state, FileState::Idle)
        else {
            return Ok(Vec::new());
        };
        if zip::is_zip(&head) {
            if self.files > 1 || self.sinks.bytes_out() > 0 {
                return Err(Error::new(
                    &name,
                    ErrorKind::UnsupportedFormat,
                    "a ZIP archive must be opened on its own, not together with other files",
                ));
            }
            self.sinks.set_archive();
            self.state = FileState::Archive(Box::new(ArchiveReader::new(
                &name,
                self.only_entry.as_deref(),
            )));
        } else {
            self.sinks.begin(0, &name);
            self.state = FileState::Plain {
                decoder: FileDecoder::new(&name),
                skip_rest: false,
            };
        }
        Ok(head)
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        let sinks = &mut self.sinks;
        match &mut self.state {
            FileState::Plain { decoder, skip_rest } => {
                if *skip_rest {
                    return Ok(());
                }
                let stop = std::cell::Cell::new(false);
                let r = decoder.push_until(
                    bytes,
                    &mut |out| {
                        sinks.data(0, out);
                        stop.set(sinks.error().is_some());
                    },
                    &stop,
                );
                if let Err(e) = r {
                    *skip_rest = true;
                    let (name, codec) = (decoder.name().to_string(), decoder.codec());
                    handle_decode_error(sinks.sink(0), &name, codec, e)?;
                }
            }
            FileState::Archive(reader) => {
                if let Err(e) = reader.push(bytes, sinks) {
                    // Fatal for the input only if nothing was read; `finish` decides.
                    if reader.runs() == 0 {
                        sinks.archive_failed(e);
                        return Err(self.archive_error());
                    }
                }
            }
            FileState::Idle | FileState::Sniff { .. } => {}
        }
        if let Some(e) = self.sinks.error() {
            return Err(e.clone());
        }
        Ok(())
    }

    fn archive_error(&self) -> Error {
        self.sinks
            .archive_error
            .clone()
            .unwrap_or_else(|| Error::new(&self.input, ErrorKind::Corrupt, "unreadable archive"))
    }

    /// Ends the current file.
    pub fn end_file(&mut self) {
        // A file shorter than the magic bytes is decided at its end.
        if matches!(self.state, FileState::Sniff { .. }) {
            match self.decide() {
                Ok(head) => {
                    if self.feed(&head).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
        match std::mem::replace(&mut self.state, FileState::Idle) {
            FileState::Plain {
                mut decoder,
                skip_rest,
            } => {
                let sinks = &mut self.sinks;
                let r = if skip_rest {
                    Ok(())
                } else {
                    decoder.finish(&mut |out| sinks.data(0, out))
                };
                let (name, codec, n) = (
                    decoder.name().to_string(),
                    decoder.codec(),
                    decoder.bytes_in(),
                );
                sinks.end(0, &name, codec, n, r);
            }
            FileState::Archive(reader) => {
                if let Err(e) = reader.finish(&mut self.sinks) {
                    self.sinks.archive_failed(e);
                }
            }
            FileState::Idle | FileState::Sniff { .. } => {}
        }
    }

    /// Compressed bytes pushed so far.
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }

    /// Adds a warning about the input (e.g. what its file names say).
    pub fn warn(&mut self, message: String) {
        self.sinks.warn(message);
    }

    /// Decompressed bytes so far.
    pub fn bytes_out(&self) -> u64 {
        self.sinks.bytes_out()
    }

    /// Builds every run of the input (several only for an archive of several logs).
    pub fn finish_all(mut self) -> Result<Vec<Loaded>> {
        self.end_file();
        let bytes_in = self.bytes_in;
        self.sinks.finish(bytes_in)
    }

    /// Builds the run; an archive must hold exactly one (else the error lists its entries).
    pub fn finish(self) -> Result<Loaded> {
        let input = self.input.clone();
        let mut all = self.finish_all()?;
        if all.len() == 1 {
            return Ok(all.remove(0));
        }
        let entries: Vec<String> = all.iter().filter_map(|l| l.entry.clone()).collect();
        Err(Error::new(
            &input,
            ErrorKind::UnsupportedFormat,
            format!(
                "the archive holds {} runs ({}): pick one as ARCHIVE!/ENTRY",
                all.len(),
                entries.join(", ")
            ),
        ))
    }
}

/// A truncated stream keeps what was decoded (with a warning); a corrupt one is an error only
/// when nothing usable came out of it.
pub fn handle_decode_error(
    sink: &mut ContentSink,
    file: &str,
    codec: Codec,
    e: DecodeError,
) -> Result<()> {
    match e {
        DecodeError::Truncated(detail) if sink.bytes_out() == 0 => {
            // Nothing came out: "empty" would mislead; the stream was cut before its first data.
            sink.cut_off.get_or_insert(Error::new(
                file,
                ErrorKind::Corrupt,
                format!(
                    "the {} stream is cut off before any data could be decoded ({detail}): the file is truncated",
                    codec.name()
                ),
            ));
            Ok(())
        }
        DecodeError::Truncated(detail) => {
            sink.warn(format!(
                "{file}: the {} stream is cut off ({detail}): the log is truncated or still being written; loaded what was complete",
                codec.name()
            ));
            Ok(())
        }
        DecodeError::Unsupported(detail) => {
            let err = Error::new(file, ErrorKind::UnsupportedFormat, detail);
            if sink.bytes_out() == 0 {
                sink.error = Some(err.clone());
                Err(err)
            } else {
                sink.warn(format!("{err}; loaded what came before"));
                Ok(())
            }
        }
        DecodeError::Corrupt(detail) => {
            if sink.bytes_out() == 0 {
                let err = Error::new(
                    file,
                    ErrorKind::Corrupt,
                    format!("not a valid {} stream: {detail}", codec.name()),
                );
                sink.error = Some(err.clone());
                Err(err)
            } else {
                sink.warn(format!(
                    "{file}: the {} stream is corrupt ({detail}); loaded what came before",
                    codec.name()
                ));
                Ok(())
            }
        }
    }
}

/// Reads a whole in-memory input (one file).
pub fn ingest_bytes(name: &str, bytes: &[u8]) -> Result<Loaded> {
    let mut ing = Ingestor::new(name);
    ing.begin_file(name);
    ing.push(bytes)?;
    ing.finish()
}

/// Reads the in-memory files of one input (one file, the parts of a rolling or Databricks log,
/// or a CloudWatch export), ordered as the CLI orders a directory's files: every run in them.
pub fn ingest_files(input: &str, files: &[(String, &[u8])]) -> Result<Vec<Loaded>> {
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let plan = super::inputs::plan_files(input, &names)?;
    let mut ing = Ingestor::new(input);
    for n in plan.notes {
        ing.warn(n);
    }
    for &i in &plan.order {
        let (name, bytes) = &files[i];
        ing.begin_file(name);
        ing.push(bytes)?;
        ing.end_file();
    }
    ing.finish_all()
}
