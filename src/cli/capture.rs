//! `wirelens interfaces` and `wirelens capture`: libpcap's interface list,
//! and a headless capture to a file that ends like dumpcap's, with the
//! packet and drop counts.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{CliError, TextOrJson};
use crate::capture::live::{self, Ended, LiveCapture, LiveOptions};

#[derive(Debug, clap::Args)]
pub struct InterfacesArgs {
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, clap::Args)]
pub struct CaptureArgs {
    /// Interface to capture on (`wirelens interfaces` lists them); repeat
    /// to capture several into one pcapng file, an interface block each.
    #[arg(short = 'i', long, required = true)]
    pub interface: Vec<String>,
    /// Capture filter (BPF syntax, as tcpdump).
    #[arg(short = 'f', long)]
    pub filter: Option<String>,
    /// Stop after this many packets.
    #[arg(short = 'c', long)]
    pub count: Option<u64>,
    /// Autostop condition, as dumpcap: `duration:SECONDS`.
    #[arg(short = 'a', long, value_parser = parse_autostop)]
    pub autostop: Option<Duration>,
    /// Bytes kept of each packet.
    #[arg(short = 's', long, default_value_t = 262_144)]
    pub snaplen: u32,
    /// Do not put the interface in promiscuous mode.
    #[arg(short = 'p', long)]
    pub no_promisc: bool,
    /// Kernel buffer size in MiB.
    #[arg(short = 'B', long, default_value_t = 16)]
    pub buffer_size: u32,
    /// Output file: pcap for `.pcap`/`.cap`, pcapng otherwise.
    #[arg(short = 'w', long)]
    pub write: std::path::PathBuf,
    /// Write pcap whatever the extension, as dumpcap's `-P`.
    #[arg(short = 'P')]
    pub pcap: bool,
    /// Report nothing but errors and drops, as dumpcap's `-q`.
    #[arg(short = 'q')]
    pub quiet: bool,
    /// A ring buffer of files instead of one, as dumpcap's `-b`:
    /// `filesize:kB` or `duration:S` starts a new file, `files:N` keeps
    /// the newest N; files are named `STEM_NNNNN_YYYYmmddHHMMSS.EXT` (UTC)
    /// after `-w`; repeatable.
    #[arg(short = 'b', value_name = "CONDITION")]
    pub ring: Vec<String>,
}

pub fn parse_autostop(s: &str) -> Result<Duration, String> {
    let secs = s
        .strip_prefix("duration:")
        .ok_or_else(|| format!("unsupported autostop {s:?}: expected duration:SECONDS"))?;
    let v: f64 = secs
        .parse()
        .map_err(|_| format!("duration {secs:?} is not a number of seconds"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("duration {secs:?} must be positive"));
    }
    Ok(Duration::from_secs_f64(v))
}

pub fn interfaces(a: &InterfacesArgs, out: &mut impl Write) -> Result<(), CliError> {
    let list = live::devices()?;
    match a.format {
        TextOrJson::Json => {
            serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        TextOrJson::Text => {
            for (i, d) in list.iter().enumerate() {
                let mut flags = Vec::new();
                if d.up {
                    flags.push("up");
                }
                if d.running {
                    flags.push("running");
                }
                if d.loopback {
                    flags.push("loopback");
                }
                write!(out, "{}. {}", i + 1, d.name)?;
                if let Some(desc) = &d.description {
                    write!(out, " ({desc})")?;
                }
                write!(out, " [{}]", flags.join(","))?;
                if let (Some(lt), Some(name)) = (d.linktype, &d.linktype_name) {
                    write!(out, " {name} ({lt})")?;
                }
                if !d.addresses.is_empty() {
                    write!(out, " {}", d.addresses.join(" "))?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

pub fn capture(a: &CaptureArgs) -> Result<(), CliError> {
    let (first, also) = a
        .interface
        .split_first()
        .ok_or_else(|| CliError("capture needs -i INTERFACE".into()))?;
    let mut opts = LiveOptions::new(first);
    opts.also = also.to_vec();
    opts.pcap = a.pcap;
    opts.filter = a.filter.clone();
    opts.count = a.count;
    opts.duration = a.autostop;
    opts.snaplen = a.snaplen;
    opts.promisc = !a.no_promisc;
    opts.buffer_size = a.buffer_size.saturating_mul(1 << 20);
    if !a.ring.is_empty() {
        let mut ring = crate::capture::ring::RingBuffer::default();
        for spec in &a.ring {
            ring.add(spec).map_err(CliError)?;
        }
        if !ring.switches() {
            return Err(CliError(
                "-b files:N needs filesize:kB or duration:S to switch files".into(),
            ));
        }
        opts.ring = Some(ring);
    }
    let cap = LiveCapture::start(&opts, &a.write, None)?;
    if !a.quiet {
        eprintln!("Capturing on {}", quoted_list(&a.interface));
        eprintln!("File: {}", cap.path.display());
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // A second handler cannot be installed (tests call this twice in
        // one process); then Ctrl+C just ends the process as usual.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    }
    while !cap.is_finished() {
        if interrupted.load(Ordering::Relaxed) {
            cap.stop();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let counters = cap.counters.clone();
    let ended = cap.wait()?;
    report(a, &counters);
    if let Ended::DeviceError(e) = ended {
        return Err(CliError(format!(
            "the capture ended early, every packet before is in {}: {e}",
            a.write.display()
        )));
    }
    Ok(())
}

/// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`, as dumpcap names interfaces.
fn quoted_list(names: &[String]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => q.concat(),
    }
}

/// The counts dumpcap ends with: packets captured, then received and
/// dropped per interface (with one interface, wirelens' own drops too).
fn report(a: &CaptureArgs, counters: &live::CaptureCounters) {
    let s = counters.get();
    let dropped = s.kernel_dropped + s.ours_dropped;
    if a.quiet && dropped == 0 {
        return;
    }
    eprintln!("Packets captured: {}", s.packets);
    if let [only] = a.interface.as_slice() {
        let received = s.packets + dropped;
        eprintln!(
            "Packets received/dropped on interface '{only}': {received}/{dropped} \
             (pcap:{}/wirelens:{}/ps_ifdrop:{}) ({:.1}%)",
            s.kernel_dropped,
            s.ours_dropped,
            s.interface_dropped,
            percent(s.packets, received),
        );
        return;
    }
    let per = counters
        .per_device
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    for (name, (received, dropped)) in a.interface.iter().zip(per) {
        eprintln!(
            "Packets received/dropped on interface '{name}': {received}/{dropped} ({:.1}%)",
            percent(received.saturating_sub(dropped), received),
        );
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}
