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
    /// Interface to capture on (`wirelens interfaces` lists them).
    #[arg(short = 'i', long)]
    pub interface: String,
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
    let mut opts = LiveOptions::new(&a.interface);
    opts.filter = a.filter.clone();
    opts.count = a.count;
    opts.duration = a.autostop;
    opts.snaplen = a.snaplen;
    opts.promisc = !a.no_promisc;
    opts.buffer_size = a.buffer_size.saturating_mul(1 << 20);
    let cap = LiveCapture::start(&opts, &a.write, None)?;
    eprintln!("Capturing on '{}'", a.interface);
    eprintln!("File: {}", a.write.display());
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
    let s = counters.get();
    eprintln!("Packets captured: {}", s.packets);
    let received = s.packets + s.kernel_dropped + s.ours_dropped;
    let pct = if received == 0 {
        100.0
    } else {
        s.packets as f64 * 100.0 / received as f64
    };
    eprintln!(
        "Packets received/dropped on interface '{}': {}/{} (pcap:{}/wirelens:{}/ps_ifdrop:{}) ({pct:.1}%)",
        a.interface,
        received,
        s.kernel_dropped + s.ours_dropped,
        s.kernel_dropped,
        s.ours_dropped,
        s.interface_dropped,
    );
    if let Ended::DeviceError(e) = ended {
        return Err(CliError(format!(
            "the capture ended early, every packet before is in {}: {e}",
            a.write.display()
        )));
    }
    Ok(())
}
