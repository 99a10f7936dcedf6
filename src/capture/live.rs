//! Live capture with libpcap: the interface list, capture filters checked as
//! they are typed, and a capture thread per interface.
//!
//! The capture thread never waits on anyone: it writes every packet at once
//! to a capture file (the spill file of a live session in the user's cache
//! directory, or the `-w` file of `wirelens capture`), then offers batches
//! of packet descriptors (where each packet is in that file) to whoever
//! analyses them. A full channel only makes the batch wait in the thread's
//! backlog; nothing is dropped. The device is read in non-blocking mode,
//! waiting in `poll` (at most [`WAKE`]) so that stop, the packet count and
//! the duration are honoured on an idle interface too.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::ring::{RingBuffer, RingFiles};
use super::writer::{CaptureWriter, PacketExtras, WriteFormat, WriterInterface};
use super::{Interface, Record};

/// How long the capture thread sleeps in `poll` at most before it looks at
/// its stop flag, deadline and backlog again.
const WAKE: Duration = Duration::from_millis(50);
/// Descriptors per batch sent to the analysis.
const BATCH: usize = 1024;
/// A partial batch is sent after this long.
const BATCH_AGE: Duration = Duration::from_millis(20);
/// Kernel statistics are read this often.
const STATS_EVERY: Duration = Duration::from_millis(500);

/// An interface libpcap can capture on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    pub name: String,
    pub description: Option<String>,
    pub addresses: Vec<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    /// The link type it captures with (`None` when it cannot be opened,
    /// for example without the capture capabilities).
    pub linktype: Option<u32>,
    /// libpcap's name for that link type (`EN10MB`).
    pub linktype_name: Option<String>,
}

/// Why a capture could not start, or ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// The process lacks the capabilities to open the device.
    Permission {
        interface: String,
        detail: String,
    },
    NoSuchDevice {
        interface: String,
        detail: String,
    },
    /// The capture filter does not compile (libpcap's message).
    Filter {
        filter: String,
        message: String,
    },
    /// Anything else libpcap or the file system said.
    Other(String),
}

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveError::Permission { interface, detail } => {
                let exe = std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| "wirelens".into());
                write!(
                    f,
                    "no permission to capture on {interface} ({detail}): capturing needs the \
                     CAP_NET_RAW and CAP_NET_ADMIN capabilities; grant them with \
                     `sudo setcap cap_net_raw,cap_net_admin=eip {exe}`, or run as root"
                )
            }
            LiveError::NoSuchDevice { interface, detail } => {
                write!(
                    f,
                    "no interface {interface} ({detail}); `wirelens interfaces` lists them"
                )
            }
            LiveError::Filter { filter, message } => {
                write!(f, "invalid capture filter {filter:?}: {message}")
            }
            LiveError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for LiveError {}

fn classify(interface: &str, e: pcap::Error) -> LiveError {
    let detail = e.to_string();
    let lower = detail.to_ascii_lowercase();
    if lower.contains("permission") || lower.contains("operation not permitted") {
        LiveError::Permission {
            interface: interface.into(),
            detail,
        }
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        LiveError::NoSuchDevice {
            interface: interface.into(),
            detail,
        }
    } else {
        LiveError::Other(format!("{interface}: {detail}"))
    }
}

/// The interfaces libpcap finds, as it lists them, each with the link type
/// it would capture with.
pub fn devices() -> Result<Vec<DeviceInfo>, LiveError> {
    let list = pcap::Device::list().map_err(|e| LiveError::Other(e.to_string()))?;
    Ok(list
        .into_iter()
        .map(|d| {
            let linktype = device_linktype(&d.name);
            DeviceInfo {
                addresses: d.addresses.iter().map(|a| a.addr.to_string()).collect(),
                up: d.flags.is_up(),
                running: d.flags.is_running(),
                loopback: d.flags.is_loopback(),
                linktype: linktype.map(|l| l.0 as u32),
                linktype_name: linktype.and_then(|l| l.get_name().ok()),
                name: d.name,
                description: d.desc,
            }
        })
        .collect())
}

/// Opening the device is the only way libpcap tells the link type; an
/// interface that is down or needs privileges has none to show.
fn device_linktype(name: &str) -> Option<pcap::Linktype> {
    let cap = pcap::Capture::from_device(name)
        .ok()?
        .snaplen(64)
        .promisc(false)
        .timeout(1)
        .open()
        .ok()?;
    Some(cap.get_datalink())
}

/// Compiles `filter` for `linktype` without opening a device (what the
/// filter box checks as the user types).
pub fn check_filter(filter: &str, linktype: u32) -> Result<(), LiveError> {
    let dead = pcap::Capture::dead(pcap::Linktype(linktype as i32))
        .map_err(|e| LiveError::Other(e.to_string()))?;
    dead.compile(filter, true)
        .map(|_| ())
        .map_err(|e| LiveError::Filter {
            filter: filter.into(),
            message: e.to_string(),
        })
}

/// What to capture and when to stop by itself.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub interface: String,
    pub filter: Option<String>,
    pub snaplen: u32,
    pub promisc: bool,
    /// Kernel buffer, bytes.
    pub buffer_size: u32,
    /// Stop after this many packets.
    pub count: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// More interfaces captured into the same file, each its own
    /// interface block (dumpcap's several `-i`); needs pcapng.
    pub also: Vec<String>,
    /// Write pcap whatever the file's extension (dumpcap's `-P`).
    pub pcap: bool,
    /// Write a ring buffer of files named after the path (dumpcap's `-b`)
    /// instead of one file; not for a capture whose packets are analysed.
    pub ring: Option<RingBuffer>,
}

impl LiveOptions {
    pub fn new(interface: &str) -> Self {
        LiveOptions {
            interface: interface.into(),
            filter: None,
            snaplen: 262_144,
            promisc: true,
            buffer_size: 16 << 20,
            count: None,
            duration: None,
            also: Vec::new(),
            pcap: false,
            ring: None,
        }
    }
}

/// Counters the capture thread keeps and anyone may read.
#[derive(Debug, Default)]
pub struct CaptureCounters {
    pub packets: AtomicU64,
    pub bytes: AtomicU64,
    /// What the kernel says it received and dropped (libpcap's stats).
    pub kernel_received: AtomicU64,
    pub kernel_dropped: AtomicU64,
    pub interface_dropped: AtomicU64,
    /// Packets we failed to keep (a write error): must stay 0.
    pub ours_dropped: AtomicU64,
    /// Descriptor batches waiting because the analysis was busy.
    pub backlog: AtomicU64,
    /// Per device, in the file's order: what the kernel received and
    /// dropped.
    pub per_device: std::sync::Mutex<Vec<(u64, u64)>>,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CaptureStats {
    pub packets: u64,
    pub bytes: u64,
    pub kernel_received: u64,
    pub kernel_dropped: u64,
    pub interface_dropped: u64,
    pub ours_dropped: u64,
}

impl CaptureCounters {
    pub fn get(&self) -> CaptureStats {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CaptureStats {
            packets: l(&self.packets),
            bytes: l(&self.bytes),
            kernel_received: l(&self.kernel_received),
            kernel_dropped: l(&self.kernel_dropped),
            interface_dropped: l(&self.interface_dropped),
            ours_dropped: l(&self.ours_dropped),
        }
    }
}

/// How a capture ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Stopped,
    Count,
    Duration,
    /// The device failed (unplugged, went down): what was captured is kept.
    DeviceError(String),
}

/// A capture in progress.
pub struct LiveCapture {
    pub interface: Interface,
    /// Every interface captured on, in the file's order (the first is
    /// `interface`).
    pub interfaces: Vec<Interface>,
    pub counters: Arc<CaptureCounters>,
    /// Where the packets are written.
    pub path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<Ended, LiveError>>>,
}

impl LiveCapture {
    /// Opens the device, applies the filter and starts the capture thread,
    /// which writes every packet to `path` (pcap or pcapng by its
    /// extension) and, with `records`, offers their descriptors in batches.
    pub fn start(
        opts: &LiveOptions,
        path: &Path,
        records: Option<Sender<Vec<Record>>>,
    ) -> Result<LiveCapture, LiveError> {
        let names: Vec<&str> = std::iter::once(opts.interface.as_str())
            .chain(opts.also.iter().map(String::as_str))
            .collect();
        let format = if opts.pcap {
            WriteFormat::Pcap
        } else {
            WriteFormat::for_path(path)
        };
        if names.len() > 1 && format == WriteFormat::Pcap {
            return Err(LiveError::Other(
                "a pcap file holds one interface: capture several into pcapng".into(),
            ));
        }
        let mut devices = Vec::with_capacity(names.len());
        for name in &names {
            devices.push(Device {
                cap: open_device(name, opts)?,
                name: (*name).to_string(),
            });
        }
        let interfaces: Vec<Interface> = devices
            .iter()
            .map(|d| Interface {
                linktype: d.cap.get_datalink().0 as u32,
                snaplen: opts.snaplen,
                resolution: super::file::TsResolution::Decimal(9),
                offset_s: 0,
                name: Some(d.name.clone()),
                description: None,
                section: 0,
                index_in_section: 0,
            })
            .collect();
        // Descriptors point into one file: a ring buffer is for captures
        // only written.
        let mut ring = match opts.ring {
            Some(_) if records.is_some() => {
                return Err(LiveError::Other(
                    "a ring buffer of files cannot be analysed while it is written".into(),
                ));
            }
            Some(spec) => Some(RingFiles::new(spec, path)),
            None => None,
        };
        let path = match ring.as_mut() {
            Some(r) => r.next_path().0,
            None => path.to_owned(),
        };
        let described: Vec<WriterInterface> = interfaces
            .iter()
            .map(|i| WriterInterface {
                linktype: i.linktype,
                snaplen: opts.snaplen,
                name: i.name.clone(),
                description: None,
            })
            .collect();
        let writer = open_writer(&path, format, &described)?;
        let counters = Arc::new(CaptureCounters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let run = CaptureThread {
            devices,
            writer,
            records,
            counters: counters.clone(),
            stop: stop.clone(),
            count: opts.count,
            deadline: opts.duration.map(|d| Instant::now() + d),
            ring,
            format,
            described,
        };
        let thread = std::thread::Builder::new()
            .name(format!("capture {}", names.join(",")))
            .spawn(move || run.run())
            .map_err(|e| LiveError::Other(e.to_string()))?;
        Ok(LiveCapture {
            interface: interfaces[0].clone(),
            interfaces,
            counters,
            path,
            stop,
            thread: Some(thread),
        })
    }

    /// Asks the capture to end; it does within [`WAKE`] (idle interface
    /// included).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the capture thread: how the capture ended.
    pub fn wait(mut self) -> Result<Ended, LiveError> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(LiveError::Other("the capture thread failed".into())),
            None => Ok(Ended::Stopped),
        }
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One open device of a capture.
struct Device {
    cap: pcap::Capture<pcap::Active>,
    name: String,
}

/// Opens a device, non-blocking, with the capture filter.
fn open_device(name: &str, opts: &LiveOptions) -> Result<pcap::Capture<pcap::Active>, LiveError> {
    let inactive = pcap::Capture::from_device(name)
        .map_err(|e| classify(name, e))?
        .snaplen(opts.snaplen.min(i32::MAX as u32) as i32)
        .promisc(opts.promisc)
        .buffer_size(opts.buffer_size.min(i32::MAX as u32) as i32)
        .immediate_mode(false)
        .precision(pcap::Precision::Nano)
        .timeout(WAKE.as_millis() as i32);
    let mut cap = inactive.open().map_err(|e| classify(name, e))?;
    if let Some(f) = opts.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        cap.filter(f, true).map_err(|e| LiveError::Filter {
            filter: f.into(),
            message: e.to_string(),
        })?;
    }
    cap.setnonblock().map_err(|e| classify(name, e))
}

/// Creates a capture file and writes its header.
fn open_writer(
    path: &Path,
    format: WriteFormat,
    described: &[WriterInterface],
) -> Result<CaptureWriter<BufWriter<File>>, LiveError> {
    let fail = |e: std::io::Error| LiveError::Other(format!("{}: {e}", path.display()));
    let file = File::create(path).map_err(fail)?;
    CaptureWriter::new(BufWriter::with_capacity(1 << 20, file), format, described).map_err(fail)
}

/// Starts a ring buffer's next file when the current one is full or old,
/// deleting those past the count to keep.
fn rotate_if_due(
    writer: &mut CaptureWriter<BufWriter<File>>,
    ring: &mut Option<RingFiles>,
    format: WriteFormat,
    described: &[WriterInterface],
    packet_waiting: bool,
) -> Result<(), LiveError> {
    let Some(ring) = ring.as_mut() else {
        return Ok(());
    };
    // A full file is closed only when a packet comes for the next one
    // (no empty last file); an old one is closed at once.
    let due = match packet_waiting {
        true => ring.due(writer.position()),
        false => ring.aged(),
    };
    if !due {
        return Ok(());
    }
    writer
        .flush()
        .map_err(|e| LiveError::Other(format!("writing the capture: {e}")))?;
    let (path, old) = ring.next_path();
    *writer = open_writer(&path, format, described)?;
    for p in old {
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

/// Packets read from one device before the next gets its turn.
const TURN: usize = 64;

struct CaptureThread {
    devices: Vec<Device>,
    writer: CaptureWriter<BufWriter<File>>,
    records: Option<Sender<Vec<Record>>>,
    counters: Arc<CaptureCounters>,
    stop: Arc<AtomicBool>,
    count: Option<u64>,
    deadline: Option<Instant>,
    /// A ring buffer's files, and what a new file's header needs.
    ring: Option<RingFiles>,
    format: WriteFormat,
    described: Vec<WriterInterface>,
}

impl CaptureThread {
    fn run(mut self) -> Result<Ended, LiveError> {
        let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
        let mut backlog: VecDeque<Vec<Record>> = VecDeque::new();
        let mut batch_started = Instant::now();
        let mut last_stats = Instant::now();
        let mut packets = 0u64;
        let ended = 'capture: loop {
            if self.stop.load(Ordering::Relaxed) {
                break Ended::Stopped;
            }
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                break Ended::Duration;
            }
            // Each device in turn, a few packets each, so that a busy one
            // does not starve the others.
            let mut idle = true;
            for (i, dev) in self.devices.iter_mut().enumerate() {
                for _ in 0..TURN {
                    if self.count.is_some_and(|c| packets >= c) {
                        break 'capture Ended::Count;
                    }
                    match dev.cap.next_packet() {
                        Ok(p) => {
                            idle = false;
                            let rotated = rotate_if_due(
                                &mut self.writer,
                                &mut self.ring,
                                self.format,
                                &self.described,
                                true,
                            );
                            if let Err(e) = rotated {
                                break 'capture Ended::DeviceError(e.to_string());
                            }
                            let h = *p.header;
                            let ts_ns = h.ts.tv_sec * 1_000_000_000 + h.ts.tv_usec;
                            let Ok(offset) = self.writer.packet(
                                i as u32,
                                ts_ns,
                                h.len,
                                p.data,
                                PacketExtras::default(),
                            ) else {
                                self.counters.ours_dropped.fetch_add(1, Ordering::Relaxed);
                                continue;
                            };
                            packets += 1;
                            self.counters.packets.fetch_add(1, Ordering::Relaxed);
                            self.counters
                                .bytes
                                .fetch_add(u64::from(h.len), Ordering::Relaxed);
                            if batch.is_empty() {
                                batch_started = Instant::now();
                            }
                            batch.push(Record {
                                offset,
                                caplen: h.caplen.min(p.data.len() as u32),
                                orig_len: h.len,
                                ts_ns,
                                interface: i as u32,
                                comments: Vec::new(),
                                flags: None,
                                has_ts: true,
                            });
                        }
                        Err(pcap::Error::TimeoutExpired) => break,
                        Err(e) => break 'capture Ended::DeviceError(format!("{}: {e}", dev.name)),
                    }
                }
            }
            if self.count.is_some_and(|c| packets >= c) {
                break Ended::Count;
            }
            // A file may also come of age while the devices are idle.
            if let Err(e) = rotate_if_due(
                &mut self.writer,
                &mut self.ring,
                self.format,
                &self.described,
                false,
            ) {
                break Ended::DeviceError(e.to_string());
            }
            if idle {
                // Nothing waiting: hand over what we have, then sleep
                // until a device has packets or it is time to look up.
                self.hand_over(&mut batch, &mut backlog);
                let wait = self.deadline.map_or(WAKE, |d| {
                    d.saturating_duration_since(Instant::now()).min(WAKE)
                });
                wait_readable(&self.devices, wait);
            } else if batch.len() >= BATCH || batch_started.elapsed() >= BATCH_AGE {
                self.hand_over(&mut batch, &mut backlog);
            }
            if last_stats.elapsed() >= STATS_EVERY {
                self.read_stats();
                last_stats = Instant::now();
            }
        };
        self.hand_over(&mut batch, &mut backlog);
        self.read_stats();
        // The analysis gets everything, however long it takes to catch up.
        if let Some(tx) = self.records.take() {
            for b in backlog.drain(..) {
                if tx.send(b).is_err() {
                    break;
                }
            }
        }
        self.writer
            .flush()
            .map_err(|e| LiveError::Other(format!("writing the capture: {e}")))?;
        Ok(ended)
    }

    /// Makes the packets so far readable in the file, then offers their
    /// descriptors; a busy analysis leaves them in the backlog.
    fn hand_over(&mut self, batch: &mut Vec<Record>, backlog: &mut VecDeque<Vec<Record>>) {
        if batch.is_empty() && backlog.is_empty() {
            return;
        }
        if self.writer.flush().is_err() {
            self.counters
                .ours_dropped
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            batch.clear();
            return;
        }
        let Some(tx) = &self.records else {
            batch.clear();
            return;
        };
        if !batch.is_empty() {
            backlog.push_back(std::mem::replace(batch, Vec::with_capacity(BATCH)));
        }
        while let Some(b) = backlog.pop_front() {
            match tx.try_send(b) {
                Ok(()) => {}
                Err(TrySendError::Full(b)) => {
                    backlog.push_front(b);
                    break;
                }
                Err(TrySendError::Disconnected(_)) => {
                    // No one analyses any more (the session was closed):
                    // keep writing the file.
                    backlog.clear();
                    self.records = None;
                    break;
                }
            }
        }
        self.counters
            .backlog
            .store(backlog.len() as u64, Ordering::Relaxed);
    }

    /// The kernel's counts, summed over the devices (and kept per device
    /// in `per_device` for a report by interface).
    fn read_stats(&mut self) {
        let (mut received, mut dropped, mut if_dropped) = (0u64, 0u64, 0u64);
        let mut per = Vec::with_capacity(self.devices.len());
        for d in &mut self.devices {
            if let Ok(s) = d.cap.stats() {
                received += u64::from(s.received);
                dropped += u64::from(s.dropped);
                if_dropped += u64::from(s.if_dropped);
                per.push((u64::from(s.received), u64::from(s.dropped)));
            } else {
                per.push((0, 0));
            }
        }
        let c = &self.counters;
        c.kernel_received.store(received, Ordering::Relaxed);
        c.kernel_dropped.store(dropped, Ordering::Relaxed);
        c.interface_dropped.store(if_dropped, Ordering::Relaxed);
        if let Ok(mut p) = c.per_device.lock() {
            *p = per;
        }
    }
}

/// Sleeps until a device has packets or `wait` has passed.
fn wait_readable(devices: &[Device], wait: Duration) {
    use std::os::fd::AsRawFd;
    let mut fds: Vec<libc::pollfd> = devices
        .iter()
        .map(|d| libc::pollfd {
            fd: d.cap.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = wait.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: `fds` holds valid pollfds for the duration of the call; the
    // descriptors belong to `devices`, which outlive it.
    #[allow(unsafe_code)]
    unsafe {
        libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms);
    }
}

/// A channel for descriptor batches: bounded, so a stalled analysis makes
/// the capture thread keep a backlog rather than memory grow in the channel.
pub fn records_channel() -> (Sender<Vec<Record>>, Receiver<Vec<Record>>) {
    bounded(64)
}

/// Where a live session's spill file goes: the user's cache directory
/// (see [`super::spill`]).
pub fn spill_path(interface: &str) -> PathBuf {
    super::spill::SpillDir::user().new_file(interface)
}
