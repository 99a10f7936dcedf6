//! Packets per second on each interface, for the sparklines in the capture
//! picker. The rates come from the kernel's counters
//! (`/sys/class/net/IFACE/statistics`), which need no privilege and open
//! nothing; Wireshark's picker asks dumpcap to open every interface with
//! libpcap instead, which needs the capture capabilities just to show the
//! picker. Interfaces with no such counters (`any`, `nflog`, USB and
//! Bluetooth monitors) have no rate.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Instant;

/// The per-second rates kept for each interface (a minute).
pub const KEPT: usize = 60;

pub struct InterfaceRates {
    /// Where the counters live (a test points this elsewhere).
    root: PathBuf,
    last: HashMap<String, (Instant, u64)>,
    history: HashMap<String, VecDeque<f32>>,
}

impl Default for InterfaceRates {
    fn default() -> Self {
        InterfaceRates::with_root(PathBuf::from("/sys/class/net"))
    }
}

impl InterfaceRates {
    pub fn with_root(root: PathBuf) -> InterfaceRates {
        InterfaceRates {
            root,
            last: HashMap::new(),
            history: HashMap::new(),
        }
    }

    /// The packets `name` has seen so far. On loopback every packet is
    /// counted once sent and once received, and a capture sees it once, so
    /// only the received count is taken there; elsewhere a capture sees
    /// both directions.
    pub fn packets(&self, name: &str, loopback: bool) -> Option<u64> {
        // A name from libpcap is not a path to follow anywhere else.
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return None;
        }
        let read = |counter: &str| -> Option<u64> {
            let p = self.root.join(name).join("statistics").join(counter);
            std::fs::read_to_string(p).ok()?.trim().parse().ok()
        };
        let rx = read("rx_packets")?;
        if loopback {
            return Some(rx);
        }
        Some(rx.saturating_add(read("tx_packets")?))
    }

    /// Reads every interface's counter at `now` and, where there was an
    /// earlier reading, records the rate since.
    pub fn sample<'a>(&mut self, interfaces: impl Iterator<Item = (&'a str, bool)>, now: Instant) {
        for (name, loopback) in interfaces {
            let Some(count) = self.packets(name, loopback) else {
                continue;
            };
            if let Some((then, before)) = self.last.get(name) {
                let secs = now.saturating_duration_since(*then).as_secs_f64();
                if secs > 0.0 {
                    // A counter reset (the interface was re-created) reads
                    // as no packets, not as billions.
                    let rate = count.saturating_sub(*before) as f64 / secs;
                    let h = self.history.entry(name.to_string()).or_default();
                    if h.len() == KEPT {
                        h.pop_front();
                    }
                    h.push_back(rate as f32);
                }
            }
            self.last.insert(name.to_string(), (now, count));
        }
    }

    /// The rates recorded for `name`, oldest first.
    pub fn history(&self, name: &str) -> Option<&VecDeque<f32>> {
        self.history.get(name)
    }

    /// Whether `name` has counters at all.
    pub fn has(&self, name: &str) -> bool {
        self.last.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rates_are_packets_per_second_and_a_reset_reads_as_zero() {
        let dir = std::env::temp_dir().join(format!("wirelens-rates-{}", std::process::id()));
        let stats = dir.join("eth9").join("statistics");
        std::fs::create_dir_all(&stats).unwrap();
        let set = |rx: u64, tx: u64| {
            std::fs::write(stats.join("rx_packets"), format!("{rx}\n")).unwrap();
            std::fs::write(stats.join("tx_packets"), format!("{tx}\n")).unwrap();
        };
        let mut r = InterfaceRates::with_root(dir.clone());
        let t0 = Instant::now();
        set(1000, 500);
        r.sample([("eth9", false), ("nflog", false)].into_iter(), t0);
        assert!(r.history("eth9").is_none(), "one reading is no rate yet");
        set(1300, 700);
        r.sample(
            [("eth9", false)].into_iter(),
            t0 + Duration::from_millis(500),
        );
        // 500 packets in half a second, both directions.
        assert_eq!(r.history("eth9").unwrap(), &[1000.0]);
        set(1400, 700);
        r.sample([("eth9", true)].into_iter(), t0 + Duration::from_secs(1));
        // Loopback counts received only: 1400 - 1500 reads as none.
        set(10, 10);
        r.sample([("eth9", false)].into_iter(), t0 + Duration::from_secs(2));
        assert_eq!(r.history("eth9").unwrap(), &[1000.0, 0.0, 0.0]);
        assert!(r.has("eth9") && !r.has("nflog"));
        assert_eq!(r.packets("../eth9", false), None);
        for i in 0..KEPT as u64 {
            set(20 + i, 10);
            r.sample(
                [("eth9", false)].into_iter(),
                t0 + Duration::from_secs(3 + i),
            );
        }
        assert_eq!(r.history("eth9").unwrap().len(), KEPT);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn loopback_counts_the_datagrams_sent_on_it() {
        let mut r = InterfaceRates::default();
        if r.packets("lo", true).is_none() {
            // No sysfs here (not Linux, or a sandbox without it).
            return;
        }
        let t0 = Instant::now();
        r.sample([("lo", true)].into_iter(), t0);
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let sent = 300;
        for _ in 0..sent {
            tx.send_to(b"x", rx.local_addr().unwrap()).unwrap();
        }
        r.sample([("lo", true)].into_iter(), t0 + Duration::from_secs(1));
        let rate = r.history("lo").unwrap()[0];
        // Other traffic on lo can only add to it.
        assert!(rate >= sent as f32, "{rate}");
    }
}
