//! zstd frames with the largest window the reference decoder accepts by default (128 MiB,
//! windowLog 27, as Databricks writes them) decode correctly, with memory bounded by the window.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use runlens::ingest::decompress::{decoder, Codec};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn a_128_mib_window_decodes_in_about_a_window_of_memory() {
    let Some(data) = common::data_dir() else {
        return;
    };
    // A real log twice over (570 MB): far more than the window, and back-references that reach
    // across all of it.
    let raw = std::fs::read(data.join("spark-local/app-20261121234021-0000.zstd")).unwrap();
    let mut text = zstd::decode_all(raw.as_slice()).unwrap();
    text.extend_from_within(..);
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 1).unwrap();
    enc.set_parameter(zstd::zstd_safe::CParameter::WindowLog(27))
        .unwrap();
    enc.set_parameter(zstd::zstd_safe::CParameter::EnableLongDistanceMatching(
        true,
    ))
    .unwrap();
    enc.write_all(&text).unwrap();
    let compressed = enc.finish().unwrap();
    let len = text.len() as u64;

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let mut dec = decoder(Codec::Zstd);
    // The input stays allocated from before the count starts: each piece is compared with it.
    let mut out_len = 0usize;
    let mut same = true;
    let mut check = |piece: &[u8]| {
        same &= text.get(out_len..out_len + piece.len()) == Some(piece);
        out_len += piece.len();
    };
    for chunk in compressed.chunks(1 << 20) {
        dec.push(chunk, &mut check).expect("decodes");
    }
    dec.finish(&mut check).expect("ends cleanly");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(out_len as u64, len);
    assert!(same, "decoded bytes differ");
    // ruzstd's ring buffer holds the window plus the block being decoded, so it doubles once
    // past the window (2 × 128 MiB), with the old buffer alive while it copies: about 3 windows
    // at the peak, whatever the length of the stream.
    let window = 128usize << 20;
    assert!(
        (peak as u64) < len * 3 / 4 && peak < window * 13 / 4,
        "decoding {len} bytes held {peak} bytes for a {window}-byte window"
    );
    eprintln!(
        "peak {:.1} MiB for a 128 MiB window",
        peak as f64 / 1048576.0
    );
}
