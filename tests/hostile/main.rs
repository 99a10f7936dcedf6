//! Hostile captures (issue 16): every crafted input loads the way the app
//! loads it (tapes kept), its last frame is dissected again for the
//! details pane and a display filter runs over it, each within generous
//! bounds of time and heap; damaged files say where and why they stop, and
//! times that do not fit are reported instead of wrapped. The real figures
//! come from `wirelens bench` (see the README), not from these bounds.

mod inputs;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dissectors::packet::PacketInfo;
use dissectors::tree::TreeBuilder;
use wirelens::capture::CaptureFile;
use wirelens::capture::file::Bytes;
use wirelens::filter::DisplayFilter;
use wirelens::filter::apply::matching_frames;
use wirelens::pipeline::{LoadOptions, load_file};
use wirelens::store::frame::redissect;

/// The heap in use and its peak since the last reset: the bound a test
/// asserts is on what the load itself allocates.
struct CountingAlloc;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The heap is counted for the whole process: the tests of this file take
/// turns, so that one's peak is not another's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bounds for a debug build: several times what a release build needs, and
/// far below what the same inputs cost before their bounds existed (20 s
/// to minutes in a release build, up to 2.2 GB). Time is the process's CPU
/// time (all its threads), not the wall clock: other work on the machine
/// (a fuzzer, a parallel build) does not count.
const TIME: Duration = Duration::from_secs(5);
const HEAP: usize = 64 << 20;

/// CPU time this process has used, all threads together.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `ts` is.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

struct Cost {
    packets: usize,
    elapsed: Duration,
    peak: usize,
}

/// Loads `bytes` as the app does, dissects its last frame again into a
/// full tree, and filters every frame with `frame`.
fn load_like_the_app(name: &str, bytes: Vec<u8>) -> Cost {
    let file = Arc::new(CaptureFile::from_bytes(name.into(), Bytes::Owned(bytes)).unwrap());
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let t = cpu_time();
    let snap = load_file(file.clone(), LoadOptions::default()).wait();
    let n = snap.index.len() as u32;
    let mut tree = TreeBuilder::new();
    let mut pi = PacketInfo::default();
    assert!(redissect(&snap, &*file, n, &mut tree, &mut pi), "{name}");
    let nodes = tree.finish().nodes.len();
    assert!(nodes > 0, "{name}: the last frame has a tree");
    let filter = DisplayFilter::compile("frame").unwrap();
    let hits = matching_frames(&filter, &snap, &*file, 1..=n, 2, &AtomicBool::new(false));
    assert_eq!(hits.map(|h| h.len()), Some(n as usize), "{name}");
    Cost {
        packets: n as usize,
        elapsed: cpu_time().saturating_sub(t),
        peak: PEAK.load(Ordering::Relaxed).saturating_sub(base),
    }
}

#[test]
fn every_crafted_input_loads_in_bounded_time_and_memory() {
    let _turn = one_at_a_time();
    let mut failures = Vec::new();
    for (name, bytes) in inputs::all() {
        let size = bytes.len();
        let c = load_like_the_app(name, bytes);
        eprintln!(
            "{name}: {size} bytes, {} packets, {:.3} s CPU, peak heap {:.1} MB",
            c.packets,
            c.elapsed.as_secs_f64(),
            c.peak as f64 / 1e6
        );
        if c.elapsed > TIME || c.peak > HEAP {
            failures.push(format!(
                "{name}: {:.1} s, {:.0} MB",
                c.elapsed.as_secs_f64(),
                c.peak as f64 / 1e6
            ));
        }
    }
    assert!(failures.is_empty(), "over the bounds: {failures:?}");
}

/// The `capture` fuzz target's harness on every crafted input: each frame
/// replayed from its tape asks what the pass answered (tapes that refer
/// to the blob log included).
#[test]
fn every_crafted_input_replays_frame_by_frame_from_its_tape() {
    let _turn = one_at_a_time();
    for (name, bytes) in inputs::all() {
        let t = Instant::now();
        wirelens::pipeline::fuzz::whole_capture(&bytes);
        eprintln!("{name}: replayed in {:.2} s", t.elapsed().as_secs_f64());
    }
}

/// Loads a crafted file as the command line does and returns what the
/// reader noted.
fn notes_of(bytes: Vec<u8>) -> (usize, wirelens::capture::ReadNotes) {
    let file = Arc::new(CaptureFile::from_bytes("t".into(), Bytes::Owned(bytes)).unwrap());
    let snap = load_file(file, LoadOptions::batch(false)).wait();
    (snap.index.len(), snap.notes.clone())
}

#[test]
fn damaged_pcapng_blocks_are_named_with_what_is_wrong() {
    let _turn = one_at_a_time();
    use inputs::PcapngDamage::*;
    for (damage, words) in [
        (UnalignedLength, "its length 74 is not a multiple of 4"),
        (
            TrailerMismatch,
            "its trailing length 80 differs from its leading length 76",
        ),
        (
            CaplenBeyondBlock,
            "its captured length 4000 runs past the block",
        ),
    ] {
        let (n, notes) = notes_of(inputs::pcapng_damaged(damage));
        assert_eq!(n, 2, "{damage:?}: the packets before the damage load");
        let stop = notes.stop.expect("reading stops");
        assert_eq!(stop.offset, 200, "{damage:?}");
        let text = stop.to_string();
        assert!(
            text.contains("enhanced packet block (type 0x00000006)") && text.contains(words),
            "{damage:?}: {text}"
        );
    }
}

#[test]
fn interface_offsets_that_do_not_fit_are_warned_about_not_wrapped() {
    let _turn = one_at_a_time();
    let (n, notes) = notes_of(inputs::pcapng_extreme_tsoffsets());
    assert_eq!(n, 2);
    assert!(notes.stop.is_none());
    let lines: Vec<String> = notes.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("frame 1 (block at byte 100): interface 0's if_tsoffset"));
    assert!(lines[1].starts_with("frame 2 (block at byte 176): interface 1's if_tsoffset"));
    // The times are the packets' own (the offsets are ignored): 1 µs apart.
    let file = Arc::new(
        CaptureFile::from_bytes("t".into(), Bytes::Owned(inputs::pcapng_extreme_tsoffsets()))
            .unwrap(),
    );
    let snap = load_file(file, LoadOptions::batch(false)).wait();
    let (a, b) = (
        snap.index.row(0).unwrap().ts_ns,
        snap.index.row(1).unwrap().ts_ns,
    );
    assert_eq!(a, 1_700_000_000_000_000_000);
    assert_eq!(b - a, 1_000);
}

#[test]
fn a_pcap_thiszone_is_ignored_as_libpcap_and_wireshark_do() {
    let _turn = one_at_a_time();
    let (n, notes) = notes_of(inputs::pcap_extreme_thiszone());
    assert_eq!(n, 2);
    assert!(notes.is_empty(), "{notes:?}");
}

/// How many frames of `path` match `filter`, by `wirelens packets` with
/// `options`.
fn frames_matching(path: &std::path::Path, filter: &str, options: &[&str]) -> usize {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .arg("packets")
        .args(options)
        .arg(path)
        .args(["-Y", filter, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().map_or(0, Vec::len)
}

/// The bounds raise expert items that say which bound was reached.
#[test]
fn reached_bounds_say_so_in_the_frame() {
    let _turn = one_at_a_time();
    let dir = std::env::temp_dir().join(format!("wirelens-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, bytes, filter, at_least) in [
        (
            "dns.pcap",
            inputs::dns_bomb_tcp(),
            "dns.name.too_long",
            1usize,
        ),
        (
            "head.pcap",
            inputs::http_head_one_byte_segments(70_000),
            "_ws.malformed.reassembly",
            1,
        ),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, bytes).unwrap();
        let n = frames_matching(&path, filter, &[]);
        assert!(n >= at_least, "{file}: {filter} in {n} frames");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Past the memory ceiling, the connections idle the longest let their
/// state go and say so in their next segment; the load goes on.
#[test]
fn past_the_memory_limit_idle_connections_let_their_state_go() {
    let _turn = one_at_a_time();
    let dir = std::env::temp_dir().join(format!("wirelens-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("heads.pcap");
    // 64 connections holding 40 KB each: 2.5 MB of state against a 1 MiB limit.
    std::fs::write(&path, inputs::many_unfinished_heads(64, 40_000)).unwrap();
    let run = |limit: &str| frames_matching(&path, "_ws.memory_limit", &["--memory-limit", limit]);
    // A connection says so in the first segment after each drop (it may be
    // dropped while idle after its handshake, and again after its head).
    let dropped = run("1");
    assert!(
        (1..=128).contains(&dropped),
        "{dropped} segments said their connection's state was dropped"
    );
    assert_eq!(run("1024"), 0, "within the default, nothing is dropped");
    let _ = std::fs::remove_dir_all(dir);
}

/// `WIRELENS_HOSTILE_DIR=DIR cargo test --test hostile` writes every input
/// to DIR, for `wirelens bench` and the app.
#[test]
fn inputs_are_written_when_asked() {
    let _turn = one_at_a_time();
    let Ok(dir) = std::env::var("WIRELENS_HOSTILE_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in inputs::all() {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}
