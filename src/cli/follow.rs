//! `wirelens follow`: a TCP conversation's reassembled bytes, like
//! `tshark -z follow,tcp,...`: ascii and hex with tshark's layout, raw as
//! the exact bytes, json with every chunk and gap.

use std::collections::BTreeMap;
use std::io::Write;

use dissectors::packet::{Options, Transport};
use dissectors::sink::NullSink;
use dissectors::tcp_reassembly::{ChunkKind, KeptStream, TcpReassembler};

use super::follow_layout::{FollowHeader, FollowMode, FollowRecord, draw};
use super::{CliError, DirectionArg, FollowArgs, FollowFormat, open, warn_read};
use crate::pass::Pass;

/// Reassembled bytes kept per conversation for following (beyond: truncated).
pub const FOLLOW_CAP: usize = 256 << 20;

/// One followed conversation: its reassembled bytes and its two endpoints
/// (node 0 is the source of its first packet).
#[derive(Debug, Default)]
pub struct Followed {
    pub kept: KeptStream,
    pub nodes: (String, String),
    reassembler: TcpReassembler,
}

/// Reassembles TCP streams of a capture in one pass: those in `only`, or all.
pub fn follow_streams(
    file: &crate::capture::CaptureFile,
    only: Option<&[u32]>,
    cap: usize,
) -> (BTreeMap<u32, Followed>, crate::capture::ReadNotes) {
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    let mut streams: BTreeMap<u32, Followed> = BTreeMap::new();
    while let Some(rec) = reader.next() {
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize);
        let data = file.data(rec.offset, rec.caplen);
        let number = pass.frames() + 1;
        let (pi, answers) = pass.frame(&rec, iface, data, Options::default(), &mut NullSink);
        let (Transport::Tcp(seg), Some(a)) = (pi.transport, answers.tcp.as_ref()) else {
            continue;
        };
        if only.is_some_and(|o| !o.contains(&a.stream)) {
            continue;
        }
        // A segment whose header the capture cut or broke is not followed (as in Wireshark).
        if !seg.intact {
            continue;
        }
        let f = streams.entry(a.stream).or_insert_with(|| {
            let nodes = match pi.ip {
                Some((src, dst)) => (node(&(src, seg.src_port)), node(&(dst, seg.dst_port))),
                None => Default::default(),
            };
            Followed {
                kept: KeptStream::with_cap(cap),
                nodes,
                reassembler: TcpReassembler::new(),
            }
        });
        let payload = pi
            .source_bytes(data, seg.payload.source)
            .get(seg.payload.range())
            .unwrap_or(&[]);
        crate::store::follow::follow_segment(
            &mut f.reassembler,
            &mut f.kept,
            a.dir as usize,
            number,
            &seg,
            payload,
        );
    }
    (streams, reader.notes.clone())
}

/// The decrypted application data of TLS on TCP stream `stream`, as
/// chunks per side in the order sent (Follow TLS Stream), decrypted with
/// `keys` (and the capture's own secrets).
pub fn follow_tls(
    file: &crate::capture::CaptureFile,
    stream: u32,
    cap: usize,
    keys: Option<std::sync::Arc<dissectors::tls::keylog::KeyLog>>,
) -> (Option<Followed>, crate::capture::ReadNotes) {
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.analyzer.set_keys(keys);
    let mut followed: Option<Followed> = None;
    let mut offsets = [0u64; 2];
    let mut sink = crate::store::follow_tls::TlsPlaintext::default();
    while let Some(rec) = reader.next() {
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize);
        let data = file.data(rec.offset, rec.caplen);
        let number = pass.frames() + 1;
        sink.records.clear();
        let (pi, answers) = pass.frame(&rec, iface, data, Options::default(), &mut sink);
        let (Transport::Tcp(seg), Some(a)) = (pi.transport, answers.tcp.as_ref()) else {
            continue;
        };
        if a.stream != stream || answers.resent_pdus {
            continue;
        }
        let f = followed.get_or_insert_with(|| Followed {
            kept: KeptStream::with_cap(cap),
            nodes: match pi.ip {
                Some((src, dst)) => (node(&(src, seg.src_port)), node(&(dst, seg.dst_port))),
                None => Default::default(),
            },
            reassembler: TcpReassembler::new(),
        });
        sink.copy_into(&mut f.kept, usize::from(a.dir & 1), number, &mut offsets);
    }
    (followed, reader.notes.clone())
}

fn node(e: &(std::net::IpAddr, u16)) -> String {
    dissectors::conversation::endpoint_text(e)
}

pub fn run(a: &FollowArgs, out: &mut impl Write) -> Result<(), CliError> {
    let file = open(&a.file)?;
    if a.http3 {
        return http3(a, file, out);
    }
    let (followed, notes) = if a.tls {
        follow_tls(&file, a.stream, FOLLOW_CAP, crate::pass::keys())
    } else {
        let (mut streams, notes) = follow_streams(&file, Some(&[a.stream]), FOLLOW_CAP);
        (streams.remove(&a.stream), notes)
    };
    let what = if a.tls { "tls" } else { "tcp" };
    let Some(Followed {
        kept,
        nodes: (n0, n1),
        ..
    }) = followed
    else {
        return Err(CliError(format!(
            "no TCP stream {} in {}",
            a.stream,
            a.file.display()
        )));
    };
    let want = |dir: usize| match a.direction {
        DirectionArg::Both => true,
        DirectionArg::A => dir == 0,
        DirectionArg::B => dir == 1,
    };
    match a.format {
        FollowFormat::Raw => {
            for c in kept.chunks.iter().filter(|c| want(c.dir)) {
                if let ChunkKind::Data(d) = &c.kind {
                    out.write_all(d)?;
                }
            }
        }
        FollowFormat::Json => {
            let chunks: Vec<serde_json::Value> = kept
                .chunks
                .iter()
                .filter(|c| want(c.dir))
                .map(|c| match &c.kind {
                    ChunkKind::Data(d) => serde_json::json!({
                        "dir": if c.dir == 0 { "a" } else { "b" },
                        "frame": c.frame,
                        "offset": c.offset,
                        "len": d.len(),
                        "data": hex(d),
                    }),
                    ChunkKind::Gap(n) => serde_json::json!({
                        "dir": if c.dir == 0 { "a" } else { "b" },
                        "frame": c.frame,
                        "offset": c.offset,
                        "gap": n,
                    }),
                })
                .collect();
            let v = serde_json::json!({
                "stream": a.stream,
                "a": n0,
                "b": n1,
                "chunks": chunks,
                "truncated_at": kept.truncated_at.map(|(d, off)| serde_json::json!({"dir": if d == 0 { "a" } else { "b" }, "offset": off})),
            });
            serde_json::to_writer_pretty(&mut *out, &v).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        FollowFormat::Ascii | FollowFormat::Hex => {
            let mode = if a.format == FollowFormat::Ascii {
                FollowMode::Ascii
            } else {
                FollowMode::Hex
            };
            let header = FollowHeader {
                proto: what,
                mode,
                filter: &format!("tcp.stream eq {}", a.stream),
                nodes: [n0, n1],
            };
            let records = kept
                .chunks
                .iter()
                .filter(|c| want(c.dir))
                .map(|c| FollowRecord::of_chunk(c, 0));
            let mut text = String::new();
            draw(&mut text, &header, records, (1, u32::MAX));
            out.write_all(text.as_bytes())?;
            if let Some((d, off)) = kept.truncated_at {
                eprintln!(
                    "wirelens: followed {} bytes, then stopped at side {}'s offset {off}",
                    kept.kept,
                    if d == 0 { "a" } else { "b" }
                );
            }
        }
    }
    warn_read(&a.file, &notes);
    Ok(())
}

fn hex(d: &[u8]) -> String {
    let mut s = String::with_capacity(d.len() * 2);
    for b in d {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `--http3`: each HEADERS frame's lines and each DATA frame's body of the
/// request streams, in the order their packets completed them.
fn http3(
    a: &FollowArgs,
    file: std::sync::Arc<crate::capture::CaptureFile>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    use crate::store::follow_http2::H2Content;
    let opts = crate::pipeline::LoadOptions::batch(true);
    let snap = crate::pipeline::load_file(file.clone(), opts).wait();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let parts = crate::store::follow_http3::follow_http3(&snap, file.as_ref(), a.stream, &cancel)
        .unwrap_or_default();
    let parts = parts.iter().filter(|p| match a.direction {
        DirectionArg::Both => true,
        DirectionArg::A => p.dir == 0,
        DirectionArg::B => p.dir == 1,
    });
    let side = |dir: u8| if dir == 0 { "client" } else { "server" };
    if a.format == FollowFormat::Json {
        let rows: Vec<serde_json::Value> = parts
            .map(|p| {
                let mut v = serde_json::json!({
                    "frame": p.frame, "stream": p.stream, "from": side(p.dir),
                });
                match &p.content {
                    H2Content::Headers(h) => v["headers"] = serde_json::json!(h),
                    H2Content::Data(d) => {
                        v["data_len"] = d.len().into();
                        v["data"] = String::from_utf8_lossy(d).into();
                    }
                }
                v
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows).map_err(|e| CliError(e.to_string()))?;
        writeln!(out)?;
        return Ok(());
    }
    for p in parts {
        writeln!(
            out,
            "== stream {} frame {} {}",
            p.stream,
            p.frame,
            side(p.dir)
        )?;
        match &p.content {
            H2Content::Headers(h) => {
                for (n, v) in h {
                    writeln!(out, "{n}: {v}")?;
                }
            }
            H2Content::Data(d) => {
                out.write_all(d)?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}
