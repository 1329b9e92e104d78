#![cfg(not(target_arch = "wasm32"))]
//! Push decompression of Spark's event-log codecs: round trips through encoders written here
//! (Spark's Java framings rebuilt byte for byte), the real Spark logs in shared/, truncation,
//! corruption and a deterministic mutation fuzz loop.

use runlens::ingest::decompress::{decoder, Codec, DecodeError, MAX_PIECE};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// JSON lines shaped like an event log, with a stretch of incompressible bytes in the middle so
/// stored/raw blocks get exercised too.
fn sample(lines: usize) -> Vec<u8> {
    let mut rng = Rng(0x1234_5678);
    let mut s = Vec::new();
    for i in 0..lines {
        let _ = writeln!(
            s,
            r#"{{"Event":"SparkListenerTaskEnd","Stage ID":{},"Task Info":{{"Task ID":{i},"Launch Time":{},"Host":"10.0.0.{}"}}}}"#,
            i % 7,
            1_700_000_000_000u64 + rng.next() % 100_000,
            rng.below(255)
        );
        if i == lines / 2 {
            s.extend(rng.bytes(70_000));
            s.push(b'\n');
        }
    }
    s
}

/// Decodes `data` pushed in chunks of `chunk` bytes; stops at the first error.
fn decode(codec: Codec, data: &[u8], chunk: usize) -> (Vec<u8>, Result<(), DecodeError>) {
    let mut d = decoder(codec);
    let mut out = Vec::new();
    let mut sink = |p: &[u8]| {
        assert!(p.len() <= MAX_PIECE, "piece of {} bytes", p.len());
        out.extend_from_slice(p);
    };
    for c in data.chunks(chunk.max(1)) {
        if let Err(e) = d.push(c, &mut sink) {
            return (out, Err(e));
        }
    }
    let r = d.finish(&mut sink);
    if r.is_ok() {
        assert_eq!(d.bytes_in(), data.len() as u64);
    }
    (out, r)
}

/// Decodes `data` with random chunk sizes (the fuzz loop: anything but a panic is fine).
fn decode_random_chunks(codec: Codec, data: &[u8], rng: &mut Rng) -> Result<usize, DecodeError> {
    let mut d = decoder(codec);
    let mut n = 0usize;
    let mut sink = |p: &[u8]| n += p.len();
    let mut rest = data;
    while !rest.is_empty() {
        let take = (1 + rng.below(5000)).min(rest.len());
        let (c, r) = rest.split_at(take);
        d.push(c, &mut sink)?;
        rest = r;
    }
    d.finish(&mut sink)?;
    Ok(n)
}

fn assert_round_trip(codec: Codec, compressed: &[u8], original: &[u8]) {
    for chunk in [1, 7, 4096, compressed.len()] {
        let (out, r) = decode(codec, compressed, chunk);
        assert_eq!(r, Ok(()), "{} chunk {chunk}", codec.name());
        assert!(
            out == original,
            "{} chunk {chunk}: output differs",
            codec.name()
        );
    }
}

fn is_truncated(r: &Result<(), DecodeError>) -> bool {
    matches!(r, Err(DecodeError::Truncated(_)))
}

fn is_corrupt(r: &Result<(), DecodeError>) -> bool {
    matches!(r, Err(DecodeError::Corrupt(_)))
}

/// Cuts `compressed` at `cut`: expects Ok exactly at the given unit boundaries, Truncated
/// elsewhere, and a prefix of the true output either way.
fn assert_cut(codec: Codec, compressed: &[u8], original: &[u8], cut: usize, boundaries: &[usize]) {
    let (out, r) = decode(codec, &compressed[..cut], 1 + cut % 5000);
    assert!(
        original.starts_with(&out),
        "{} cut at {cut}: output is not a prefix",
        codec.name()
    );
    if boundaries.contains(&cut) {
        assert_eq!(r, Ok(()), "{} cut at boundary {cut}", codec.name());
    } else {
        assert!(is_truncated(&r), "{} cut at {cut}: {r:?}", codec.name());
    }
}

// ---------------------------------------------------------------------------------------------
// Encoders of Spark's framings

/// lz4-java `LZ4BlockOutputStream`: returns the stream and the offsets where blocks start/end.
fn spark_lz4(data: &[u8], block: usize, end_marker: bool) -> (Vec<u8>, Vec<usize>) {
    let level = (block.trailing_zeros() - 10) as u8;
    let mut s = Vec::new();
    let mut bounds = vec![0];
    let header = |s: &mut Vec<u8>, method: u8, c: usize, d: usize, check: u32| {
        s.extend_from_slice(b"LZ4Block");
        s.push(method | level);
        s.extend_from_slice(&(c as i32).to_le_bytes());
        s.extend_from_slice(&(d as i32).to_le_bytes());
        s.extend_from_slice(&(check as i32).to_le_bytes());
    };
    for b in data.chunks(block) {
        let check = twox_hash::XxHash32::oneshot(0x9747_b28c, b) & 0x0fff_ffff;
        let c = lz4_flex::block::compress(b);
        if c.len() >= b.len() {
            header(&mut s, 0x10, b.len(), b.len(), check);
            s.extend_from_slice(b);
        } else {
            header(&mut s, 0x20, c.len(), b.len(), check);
            s.extend_from_slice(&c);
        }
        bounds.push(s.len());
    }
    if end_marker {
        header(&mut s, 0x10, 0, 0, 0);
        bounds.push(s.len());
    }
    (s, bounds)
}

const SNAPPY_HEADER: &[u8] = b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01";

/// snappy-java `SnappyOutputStream`: header, then `[i32 BE length][raw snappy]` chunks.
fn xerial_snappy(data: &[u8], block: usize) -> (Vec<u8>, Vec<usize>) {
    let mut s = SNAPPY_HEADER.to_vec();
    let mut bounds = vec![0, s.len()];
    let mut enc = snap::raw::Encoder::new();
    for b in data.chunks(block) {
        let c = enc.compress_vec(b).unwrap();
        s.extend_from_slice(&(c.len() as i32).to_be_bytes());
        s.extend_from_slice(&c);
        bounds.push(s.len());
    }
    (s, bounds)
}

/// A greedy liblzf-format compressor (for tests only).
fn lzf_compress(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut lit: Vec<u8> = Vec::new();
    let flush = |out: &mut Vec<u8>, lit: &mut Vec<u8>| {
        for run in lit.chunks(32) {
            out.push((run.len() - 1) as u8);
            out.extend_from_slice(run);
        }
        lit.clear();
    };
    let mut table = vec![usize::MAX; 1 << 14];
    let mut i = 0;
    while i < input.len() {
        let mut best = (0, 0);
        if i + 3 <= input.len() {
            let h = (usize::from(input[i]) << 6
                ^ usize::from(input[i + 1]) << 3
                ^ usize::from(input[i + 2]))
                & ((1 << 14) - 1);
            let cand = table[h];
            table[h] = i;
            if cand != usize::MAX && i - cand <= 8192 {
                let max = (input.len() - i).min(264);
                let len = (0..max)
                    .take_while(|&k| input[cand + k] == input[i + k])
                    .count();
                if len >= 3 {
                    best = (len, i - cand);
                }
            }
        }
        if best.0 == 0 {
            lit.push(input[i]);
            i += 1;
            continue;
        }
        flush(&mut out, &mut lit);
        let (len, dist) = best;
        let (l, off) = (len - 2, dist - 1);
        if l < 7 {
            out.push(((l << 5) | (off >> 8)) as u8);
        } else {
            out.push(((7 << 5) | (off >> 8)) as u8);
            out.push((l - 7) as u8);
        }
        out.push(off as u8);
        i += len;
    }
    flush(&mut out, &mut lit);
    out
}

/// compress-lzf `LZFOutputStream`: `ZV` chunks, compressed when that is smaller.
fn ning_lzf(data: &[u8], block: usize) -> (Vec<u8>, Vec<usize>) {
    let mut s = Vec::new();
    let mut bounds = vec![0];
    for b in data.chunks(block) {
        let c = lzf_compress(b);
        if c.len() < b.len() {
            s.extend_from_slice(b"ZV\x01");
            s.extend_from_slice(&(c.len() as u16).to_be_bytes());
            s.extend_from_slice(&(b.len() as u16).to_be_bytes());
            s.extend_from_slice(&c);
        } else {
            s.extend_from_slice(b"ZV\x00");
            s.extend_from_slice(&(b.len() as u16).to_be_bytes());
            s.extend_from_slice(b);
        }
        bounds.push(s.len());
    }
    (s, bounds)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A gzip member with every optional header field, including the header CRC.
fn gzip_all_fields(data: &[u8]) -> Vec<u8> {
    let mut h = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 1, 2, 3, 4, 0, 3];
    h.extend_from_slice(&5u16.to_le_bytes());
    h.extend_from_slice(b"XYZ\x01\x02");
    h.extend_from_slice(b"events.json\0");
    h.extend_from_slice(b"a comment\0");
    let mut crc = flate2::Crc::new();
    crc.update(&h);
    h.extend_from_slice(&(crc.sum() as u16).to_le_bytes());
    let mut e = flate2::write::DeflateEncoder::new(h, flate2::Compression::fast());
    e.write_all(data).unwrap();
    let mut s = e.finish().unwrap();
    let mut crc = flate2::Crc::new();
    crc.update(data);
    s.extend_from_slice(&crc.sum().to_le_bytes());
    s.extend_from_slice(&(data.len() as u32).to_le_bytes());
    s
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

fn zstd_stored(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Uncompressed)
}

fn skippable(payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0x5e, 0x2a, 0x4d, 0x18];
    s.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    s.extend_from_slice(payload);
    s
}

/// A multi-frame zstd stream with skippable frames; returns it and its frame boundaries.
fn zstd_multi(data: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut s = Vec::new();
    let mut bounds = vec![0];
    let third = data.len() / 3;
    s.extend(skippable(b"leading"));
    bounds.push(s.len());
    s.extend(zstd(&data[..third]));
    bounds.push(s.len());
    s.extend(skippable(&[7; 300]));
    bounds.push(s.len());
    s.extend(zstd_stored(&data[third..2 * third]));
    bounds.push(s.len());
    s.extend(zstd(&data[2 * third..]));
    bounds.push(s.len());
    (s, bounds)
}

// ---------------------------------------------------------------------------------------------
// Codec detection and names

#[test]
fn detect_and_names() {
    let data = sample(50);
    assert_eq!(Codec::detect(&zstd(&data)), Codec::Zstd);
    assert_eq!(Codec::detect(&skippable(b"x")), Codec::Zstd);
    assert_eq!(Codec::detect(&gzip(&data)), Codec::Gzip);
    assert_eq!(
        Codec::detect(&spark_lz4(&data, 1 << 15, true).0),
        Codec::Lz4
    );
    assert_eq!(
        Codec::detect(&xerial_snappy(&data, 1 << 15).0),
        Codec::Snappy
    );
    assert_eq!(Codec::detect(&ning_lzf(&data, 0xffff).0), Codec::Lzf);
    assert_eq!(Codec::detect(b"ZV\x00\x00\x01a"), Codec::Lzf);
    assert_eq!(Codec::detect(b"ZV\x05"), Codec::None);
    assert_eq!(
        Codec::detect(b"{\"Event\":\"SparkListenerLogStart\"}"),
        Codec::None
    );
    assert_eq!(Codec::detect(b""), Codec::None);
    assert_eq!(Codec::detect(b"\x1f"), Codec::None);

    assert_eq!(Codec::from_file_name("app-1-0000.zstd"), Some(Codec::Zstd));
    assert_eq!(Codec::from_file_name("app-1-0000.zst"), Some(Codec::Zstd));
    assert_eq!(
        Codec::from_file_name("dir/app-1-0000.lz4"),
        Some(Codec::Lz4)
    );
    assert_eq!(Codec::from_file_name("app.snappy"), Some(Codec::Snappy));
    assert_eq!(Codec::from_file_name("app.lzf"), Some(Codec::Lzf));
    assert_eq!(Codec::from_file_name("events.json.gz"), Some(Codec::Gzip));
    assert_eq!(
        Codec::from_file_name("app-1-0000.lz4.inprogress"),
        Some(Codec::Lz4)
    );
    assert_eq!(Codec::from_file_name("app-20261121232506-0000"), None);
    assert_eq!(Codec::from_file_name("app-1.inprogress"), None);
    assert_eq!(Codec::from_file_name("events.json"), None);

    let names: Vec<_> = [
        Codec::None,
        Codec::Zstd,
        Codec::Gzip,
        Codec::Lz4,
        Codec::Snappy,
        Codec::Lzf,
    ]
    .map(Codec::name)
    .into();
    assert_eq!(names, ["none", "zstd", "gzip", "lz4", "snappy", "lzf"]);
    let e = DecodeError::Corrupt("lz4: x".into());
    assert!(e.to_string().contains("corrupt") && e.to_string().contains("lz4: x"));
}

// ---------------------------------------------------------------------------------------------
// Round trips

#[test]
fn none_passes_through() {
    let data = sample(300);
    assert_round_trip(Codec::None, &data, &data);
    let big = vec![b'x'; 3 * MAX_PIECE + 5];
    assert_round_trip(Codec::None, &big, &big);
}

#[test]
fn zstd_round_trips() {
    let data = sample(2000);
    assert_round_trip(Codec::Zstd, &zstd(&data), &data);
    assert_round_trip(Codec::Zstd, &zstd_stored(&data), &data);
    let mut expected = Vec::new();
    for _ in 0..3 {
        expected.extend_from_slice(&data);
    }
    assert_round_trip(Codec::Zstd, &zstd_multi(&expected).0, &expected);
    assert_round_trip(Codec::Zstd, &zstd(b""), b"");
    assert_round_trip(Codec::Zstd, b"", b"");
    // RLE blocks.
    let zeros = vec![0u8; 1 << 20];
    assert_round_trip(Codec::Zstd, &zstd(&zeros), &zeros);
}

#[test]
fn gzip_round_trips() {
    let data = sample(2000);
    assert_round_trip(Codec::Gzip, &gzip(&data), &data);
    let mut two = gzip(&data[..1000]);
    two.extend(gzip_all_fields(&data[1000..]));
    two.extend(gzip(b""));
    assert_round_trip(Codec::Gzip, &two, &data);
    assert_round_trip(Codec::Gzip, b"", b"");
    // Highly compressible: one small input chunk expands to many output pieces.
    let zeros = vec![0u8; 5 * MAX_PIECE];
    assert_round_trip(Codec::Gzip, &gzip(&zeros), &zeros);
}

#[test]
fn lz4_round_trips() {
    let data = sample(2000);
    for block in [1 << 10, 1 << 15, 1 << 16] {
        let (s, _) = spark_lz4(&data, block, true);
        assert_round_trip(Codec::Lz4, &s, &data);
    }
    // Concatenated streams, each with its end marker, and one without.
    let (mut s, _) = spark_lz4(&data[..5000], 1 << 15, true);
    s.extend(spark_lz4(&data[5000..], 1 << 15, true).0);
    assert_round_trip(Codec::Lz4, &s, &data);
    assert_round_trip(Codec::Lz4, &spark_lz4(&data, 1 << 15, false).0, &data);
    assert_round_trip(Codec::Lz4, &spark_lz4(b"", 1 << 15, true).0, b"");
}

#[test]
fn snappy_round_trips() {
    let data = sample(2000);
    assert_round_trip(Codec::Snappy, &xerial_snappy(&data, 1 << 15).0, &data);
    // Concatenated streams repeat the header where a chunk length would be.
    let mut s = xerial_snappy(&data[..7000], 1 << 15).0;
    s.extend(xerial_snappy(&data[7000..], 1 << 12).0);
    s.extend_from_slice(SNAPPY_HEADER);
    assert_round_trip(Codec::Snappy, &s, &data);
    assert_round_trip(Codec::Snappy, SNAPPY_HEADER, b"");
}

#[test]
fn lzf_round_trips() {
    let data = sample(2000);
    assert_round_trip(Codec::Lzf, &ning_lzf(&data, 0xffff).0, &data);
    let (s, _) = ning_lzf(&data, 0x4000);
    assert!(s.windows(3).any(|w| w == b"ZV\x01") && s.windows(3).any(|w| w == b"ZV\x00"));
    assert_round_trip(Codec::Lzf, &s, &data);
    // Hand-made: stored "ab", then literal "abc", a back-reference of 7 + 0 + 2 = 9 overlapping
    // bytes at distance 3, and one of 7 + 10 + 2 = 19 bytes at distance 12.
    let mut s = b"ZV\x00\x00\x02ab".to_vec();
    let body = [2, b'a', b'b', b'c', 7 << 5, 0, 2, 7 << 5, 10, 11];
    s.extend_from_slice(b"ZV\x01");
    s.extend_from_slice(&(body.len() as u16).to_be_bytes());
    s.extend_from_slice(&(3u16 + 9 + 19).to_be_bytes());
    s.extend_from_slice(&body);
    let mut expected = b"ab".to_vec();
    let part = b"abcabcabcabc";
    expected.extend_from_slice(part);
    for i in 0..19 {
        expected.push(part[i % 12]);
    }
    assert_round_trip(Codec::Lzf, &s, &expected);
    // An empty stored chunk.
    assert_round_trip(Codec::Lzf, b"ZV\x00\x00\x00", b"");
}

// ---------------------------------------------------------------------------------------------
// Truncation

#[test]
fn truncation_is_reported_and_output_is_a_prefix() {
    let data = sample(1500);
    let mut streams: Vec<(Codec, Vec<u8>, Vec<usize>)> = vec![
        {
            let (s, b) = spark_lz4(&data, 1 << 14, true);
            (Codec::Lz4, s, b)
        },
        {
            let (s, b) = xerial_snappy(&data, 1 << 14);
            (Codec::Snappy, s, b)
        },
        {
            let (s, b) = ning_lzf(&data, 0xffff);
            (Codec::Lzf, s, b)
        },
        {
            let (s, b) = zstd_multi(&data);
            (Codec::Zstd, s, b)
        },
    ];
    let g = gzip(&data);
    streams.push((Codec::Gzip, g.clone(), vec![0, g.len()]));
    let mut rng = Rng(99);
    for (codec, s, bounds) in &streams {
        let mut cuts: Vec<usize> = bounds.clone();
        for &b in bounds {
            cuts.extend([b.saturating_sub(1), b + 1, b + 3, b + 9, b + 20]);
        }
        cuts.extend((0..40).map(|_| rng.below(s.len())));
        for cut in cuts.into_iter().filter(|&c| c <= s.len()) {
            assert_cut(*codec, s, &data, cut, bounds);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Corruption

#[test]
fn corruption_is_reported() {
    let data = sample(500);
    let mut rng = Rng(7);

    // Garbage after a valid magic: Corrupt or Truncated, never a panic or an Ok.
    let magics: [(Codec, &[u8]); 5] = [
        (Codec::Zstd, &[0x28, 0xb5, 0x2f, 0xfd]),
        (Codec::Gzip, &[0x1f, 0x8b]),
        (Codec::Lz4, b"LZ4Block"),
        (Codec::Snappy, b"\x82SNAPPY\x00"),
        (Codec::Lzf, b"ZV\x01"),
    ];
    for (codec, magic) in magics {
        for _ in 0..50 {
            let mut s = magic.to_vec();
            let n = 1 + rng.below(3000);
            s.extend(rng.bytes(n));
            let (_, r) = decode(codec, &s, 1 + rng.below(600));
            assert!(r.is_err(), "{} garbage decoded", codec.name());
        }
    }

    // A flipped byte in a checksummed block body is Corrupt.
    let (mut s, _) = spark_lz4(&data, 1 << 15, true);
    s[21 + 100] ^= 0x40;
    assert!(is_corrupt(&decode(Codec::Lz4, &s, 4096).1));
    let mut s = gzip(&data);
    let n = s.len();
    s[n - 6] ^= 1; // inside the stored CRC-32
    assert!(is_corrupt(&decode(Codec::Gzip, &s, 4096).1));
    let mut s = zstd_stored(&data);
    let n = s.len();
    s[n / 2] ^= 1;
    let (_, r) = decode(Codec::Zstd, &s, 4096);
    assert!(r.is_err(), "zstd flipped byte: {r:?}");

    // Bad magic / wrong codec: Corrupt with an offset in the message.
    let (_, r) = decode(Codec::Zstd, &gzip(&data), 4096);
    assert!(
        matches!(&r, Err(DecodeError::Corrupt(m)) if m.contains("offset 0")),
        "{r:?}"
    );
    let (_, r) = decode(Codec::Lz4, b"LZ4Blocx and more bytes here", 3);
    assert!(is_corrupt(&r));
    let (_, r) = decode(Codec::Snappy, &data, 4096);
    assert!(is_corrupt(&r));
    let (_, r) = decode(Codec::Lzf, b"ZX\x00", 1);
    assert!(is_corrupt(&r));

    // Trailing garbage after complete streams.
    let mut s = gzip(&data);
    s.extend_from_slice(b"\0\0\0\0");
    assert!(is_corrupt(&decode(Codec::Gzip, &s, 4096).1));
    let mut s = zstd(&data);
    s.extend_from_slice(b"junk");
    let (out, r) = decode(Codec::Zstd, &s, 4096);
    assert!(is_corrupt(&r) && out == data);

    // Huge declared lengths are rejected before anything is buffered or allocated.
    let mut s = b"LZ4Block\x2f".to_vec();
    s.extend_from_slice(&100i32.to_le_bytes());
    s.extend_from_slice(&(1i32 << 30).to_le_bytes());
    s.extend_from_slice(&0i32.to_le_bytes());
    assert!(is_corrupt(&decode(Codec::Lz4, &s, 4096).1));
    let mut s = SNAPPY_HEADER.to_vec();
    s.extend_from_slice(&(1i32 << 30).to_be_bytes());
    assert!(is_corrupt(&decode(Codec::Snappy, &s, 4096).1));
    let mut s = SNAPPY_HEADER.to_vec();
    s.extend_from_slice(&(-5i32).to_be_bytes());
    assert!(is_corrupt(&decode(Codec::Snappy, &s, 4096).1));

    // LZF: a back-reference before the start of the output.
    let (_, r) = decode(Codec::Lzf, b"ZV\x01\x00\x02\x00\x05\x20\x00", 4096);
    assert!(is_corrupt(&r));

    // After a Corrupt error, further pushes keep failing.
    let mut d = decoder(Codec::Lz4);
    let mut sink = |_: &[u8]| {};
    assert!(d.push(b"garbage!", &mut sink).is_err());
    assert!(d.push(b"LZ4Block", &mut sink).is_err());
    assert!(d.finish(&mut sink).is_err());
}

#[test]
fn fuzz_mutations_never_panic() {
    let data = sample(150);
    let mut corpus: Vec<(Codec, Vec<u8>)> = vec![
        (Codec::Zstd, zstd_multi(&data).0),
        (Codec::Zstd, zstd_stored(&data[..3000])),
        (Codec::Gzip, gzip_all_fields(&data)),
        (Codec::Lz4, spark_lz4(&data, 1 << 12, true).0),
        (Codec::Snappy, xerial_snappy(&data, 1 << 12).0),
        (Codec::Lzf, ning_lzf(&data, 4000).0),
    ];
    if let Some(real) = read_real("app-20261121233028-0000.lz4") {
        corpus.push((Codec::Lz4, real[..40_000].to_vec()));
    }
    if let Some(real) = read_real("app-20261121234021-0000.zstd") {
        // Real zstd-jni blocks (Huffman and FSE tables), cut mid-frame.
        corpus.push((Codec::Zstd, real[..30_000].to_vec()));
    }
    let mut rng = Rng(0xdead_beef);
    // RUNLENS_FUZZ_ITERS=1000000 (in a release build) for a longer hunt.
    let iters = std::env::var("RUNLENS_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let start = std::time::Instant::now();
    let mut ok = 0;
    for i in 0..iters {
        let (codec, base) = &corpus[i % corpus.len()];
        let mut s = base.clone();
        match rng.below(5) {
            0 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(s.len());
                    s[at] ^= 1 << rng.below(8);
                }
            }
            1 => {
                // Damage the early bytes, where headers and lengths live.
                let at = rng.below(s.len().min(40));
                s[at] = rng.next() as u8;
            }
            2 => {
                let at = rng.below(s.len());
                let n = 1 + rng.below(64);
                let junk = rng.bytes(n);
                s.splice(at..at, junk);
            }
            3 => {
                let at = rng.below(s.len());
                let len = rng.below(64).min(s.len() - at);
                s.drain(at..at + len);
            }
            _ => {
                let at = rng.below(s.len());
                s[at] = [0x00, 0xff, 0x7f, 0x80][rng.below(4)];
            }
        }
        // Any codec may be fed any bytes (a mis-detected file).
        let codec = if rng.below(10) == 0 {
            [
                Codec::Zstd,
                Codec::Gzip,
                Codec::Lz4,
                Codec::Snappy,
                Codec::Lzf,
            ][rng.below(5)]
        } else {
            *codec
        };
        if let Ok(n) = decode_random_chunks(codec, &s, &mut rng) {
            assert!(n <= 64 * s.len() + (1 << 20));
            ok += 1;
        }
    }
    eprintln!(
        "fuzz: {ok} of {iters} mutated streams still decoded, in {:?}",
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Real Spark logs (shared/data/spark-local, beside the repository)

fn real_dir() -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/spark-local");
    [beside, PathBuf::from("/work/shared/data/spark-local")]
        .into_iter()
        .find(|p| p.is_dir())
}

fn read_real(name: &str) -> Option<Vec<u8>> {
    let Some(dir) = real_dir() else {
        eprintln!("skipping: shared/data/spark-local is absent, so {name} cannot be read");
        return None;
    };
    Some(std::fs::read(dir.join(name)).expect("read real event log"))
}

#[test]
fn real_lz4_event_log() {
    let Some(s) = read_real("app-20261121233028-0000.lz4") else {
        return;
    };
    assert_eq!(Codec::detect(&s[..8]), Codec::Lz4);
    let (out, r) = decode(Codec::Lz4, &s, 65_536);
    assert_eq!(r, Ok(()));
    assert_eq!(out.len(), 5_076_224);
    for (chunk, out2) in [1, 7, 1_000_003].map(|c| (c, decode(Codec::Lz4, &s, c))) {
        assert!(out2.1.is_ok() && out2.0 == out, "chunk {chunk}");
    }
    let mut lines = 0;
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).expect("JSON line");
        assert!(v.get("Event").is_some(), "line without Event");
        lines += 1;
    }
    assert!(lines > 1000);
}

#[test]
fn real_zstd_event_log() {
    let Some(s) = read_real("app-20261121234021-0000.zstd") else {
        return;
    };
    assert_eq!(Codec::detect(&s[..8]), Codec::Zstd);
    let mut d = decoder(Codec::Zstd);
    let mut hash = Sha256::new();
    let (mut len, mut lines, mut first_line) = (0u64, 0u64, Vec::new());
    let mut sink = |p: &[u8]| {
        assert!(p.len() <= MAX_PIECE);
        if first_line.len() < 200 {
            first_line.extend_from_slice(&p[..p.len().min(200)]);
        }
        hash.update(p);
        len += p.len() as u64;
        lines += memchr::memchr_iter(b'\n', p).count() as u64;
    };
    for c in s.chunks(1_000_003) {
        d.push(c, &mut sink).expect("push");
    }
    d.finish(&mut sink).expect("finish");
    assert_eq!(d.bytes_in(), s.len() as u64);
    assert_eq!(len, 284_774_342);
    assert!(first_line.starts_with(br#"{"Event":"SparkListenerLogStart""#));
    assert!(lines > 60_000);
    let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        hex.starts_with("af748f35") && hex.ends_with("f7dea2"),
        "sha256 {hex}"
    );
}

#[test]
fn real_zstd_prefix_in_small_chunks() {
    // The first 300 KB of the big log, pushed a byte or a few at a time: blocks straddle pushes.
    let Some(s) = read_real("app-20261121234021-0000.zstd") else {
        return;
    };
    let cut = &s[..300_000];
    let (a, ra) = decode(Codec::Zstd, cut, 1);
    let (b, rb) = decode(Codec::Zstd, cut, 7);
    let (c, rc) = decode(Codec::Zstd, cut, cut.len());
    assert!(is_truncated(&ra) && is_truncated(&rb) && is_truncated(&rc));
    assert!(a == b && b == c);
    assert!(a.starts_with(br#"{"Event":"SparkListenerLogStart""#));

    // The frame's 4 MiB window, decoded but held back for back-references, comes out at finish.
    let mut d = decoder(Codec::Zstd);
    let (mut pushed, mut total) = (0, 0);
    d.push(cut, &mut |p: &[u8]| pushed += p.len()).unwrap();
    let r = d.finish(&mut |p: &[u8]| total += p.len());
    assert!(
        matches!(&r, Err(DecodeError::Truncated(m)) if m.contains("zstd")),
        "{r:?}"
    );
    assert!(total >= 4 << 20, "finish emitted only {total} bytes");
    assert_eq!(pushed + total, a.len());
}
