//! A bounded load on loopback for the live-capture benchmark
//! (benches/live_vs_tcpdump.sh): for SECONDS, one thread sends small UDP
//! datagrams as fast as it can while another pushes a bulk TCP transfer.
//!
//!     cargo run --release --example loopback_load -- SECONDS UDP_PORT TCP_PORT [UDP_PPS TCP_MBPS]
//!
//! With UDP_PPS and TCP_MBPS (0: as fast as possible) the load is paced, so
//! that two capture tools can be compared at the same rate.
//! Prints what was sent as one JSON line.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (secs, udp_port, tcp_port, pps, mbps) = match args.as_slice() {
        [a, b, c] => (a, b, c, 0.0, 0.0),
        [a, b, c, d, e] => (
            a,
            b,
            c,
            d.parse().expect("UDP_PPS"),
            e.parse().expect("TCP_MBPS"),
        ),
        _ => {
            eprintln!("usage: loopback_load SECONDS UDP_PORT TCP_PORT [UDP_PPS TCP_MBPS]");
            std::process::exit(2);
        }
    };
    let secs: f64 = secs.parse().expect("SECONDS");
    let udp_port: u16 = udp_port.parse().expect("UDP_PORT");
    let tcp_port: u16 = tcp_port.parse().expect("TCP_PORT");
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(secs);
    // Sleeps until `done` units are due at `rate` per second (0: no pacing).
    let pace = move |done: f64, rate: f64| {
        if rate > 0.0 {
            let due = start + Duration::from_secs_f64(done / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    };

    // The UDP receiver is bound (so no ICMP port-unreachable answers) but
    // never reads: the datagrams still cross lo, where they are captured.
    let _udp_sink = UdpSocket::bind(("127.0.0.1", udp_port)).expect("bind udp");
    let listener = TcpListener::bind(("127.0.0.1", tcp_port)).expect("bind tcp");
    let tcp_sink = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 1 << 16];
        let mut n = 0u64;
        while let Ok(k) = s.read(&mut buf) {
            if k == 0 {
                break;
            }
            n += k as u64;
        }
        n
    });
    let tcp_source = std::thread::spawn(move || {
        let mut c = TcpStream::connect(("127.0.0.1", tcp_port)).unwrap();
        let chunk = vec![0x5au8; 1 << 16];
        let mut sent = 0.0;
        while Instant::now() < until {
            c.write_all(&chunk).unwrap();
            sent += chunk.len() as f64;
            pace(sent, mbps * 1e6);
        }
    });
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let payload = [0xa5u8; 32];
    let mut datagrams = 0u64;
    while Instant::now() < until {
        for _ in 0..64 {
            if tx.send_to(&payload, ("127.0.0.1", udp_port)).is_ok() {
                datagrams += 1;
            }
        }
        pace(datagrams as f64, pps);
    }
    tcp_source.join().unwrap();
    let tcp_bytes = tcp_sink.join().unwrap();
    println!("{{\"seconds\": {secs}, \"udp_datagrams\": {datagrams}, \"tcp_bytes\": {tcp_bytes}}}");
}
