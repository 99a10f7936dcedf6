//! `wirelens packets -i IFACE`: packets printed as they arrive, like
//! `tshark -i`. The capture thread writes every packet to a spill file
//! and hands over their descriptors; this loop reads each back and prints
//! it, so a slow terminal makes the printing lag, never the capture drop.
//! Ctrl+C (or `-c`, `-a duration:S`) ends the capture; what was captured
//! is printed, then the statistics and the packet count.

use std::io::Write;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::RecvTimeoutError;

use super::packets::PacketPrinter;
use super::{CliError, PacketsArgs};
use crate::capture::live::{self, Ended, LiveCapture, LiveOptions};

pub fn run(a: &PacketsArgs, interface: &str, out: &mut impl Write) -> Result<(), CliError> {
    let spill = live::spill_path(interface);
    let mut opts = LiveOptions::new(interface);
    opts.filter = a.capture_filter.clone();
    opts.count = a.count;
    opts.duration = a.autostop;
    let (tx, rx) = live::records_channel();
    let cap = LiveCapture::start(&opts, &spill, Some(tx))?;
    eprintln!("Capturing on '{interface}'");
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // Only one handler per process; a second run just ends on Ctrl+C.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    }
    let file =
        std::fs::File::open(&spill).map_err(|e| CliError(format!("{}: {e}", spill.display())))?;
    let iface = cap.interface.clone();
    let mut printer = PacketPrinter::new(a, true, out)?;
    let mut data = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(batch) => {
                for rec in batch {
                    data.resize(rec.caplen as usize, 0);
                    file.read_exact_at(&mut data, rec.offset)
                        .map_err(|e| CliError(format!("{}: {e}", spill.display())))?;
                    printer.frame(&rec, Some(&iface), &data, out)?;
                }
                out.flush()?;
            }
            Err(RecvTimeoutError::Timeout) => {
                if interrupted.load(Ordering::Relaxed) {
                    cap.stop();
                }
            }
            // The capture thread ended and handed over everything.
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let counters = cap.counters.clone();
    let ended = cap.wait()?;
    printer.finish(out)?;
    out.flush()?;
    let s = counters.get();
    let n = s.packets;
    eprintln!("{n} packet{} captured", if n == 1 { "" } else { "s" });
    if s.kernel_dropped + s.ours_dropped > 0 {
        eprintln!(
            "{} packets dropped (kernel {}, wirelens {})",
            s.kernel_dropped + s.ours_dropped,
            s.kernel_dropped,
            s.ours_dropped
        );
    }
    if let Ended::DeviceError(e) = ended {
        return Err(CliError(format!(
            "the capture ended early, every packet before is in {}: {e}",
            spill.display()
        )));
    }
    // Everything was printed: the spill file has served.
    let _ = std::fs::remove_file(&spill);
    Ok(())
}
