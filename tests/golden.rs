//! Golden tests: for every fixture, what wirelens says equals what tshark
//! said (tests/golden/, made by tests/tools/make_goldens.py): the protocol
//! list, addresses and stream of every packet, every field (name, value and
//! byte range) of the protocols wirelens dissects, and the conversations.
//!
//! Where wirelens knows fewer protocols than tshark, the layer list is
//! compared up to the first protocol wirelens does not dissect; the fields
//! compared are those wirelens declares.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::*;
use dissectors::tcp_analysis::Flag;

/// Fields not compared here, each with the reason.
const FIELD_EXCEPTIONS: &[(&str, &str)] = &[
    (
        "frame.time",
        "tshark prints it in the local time zone; the goldens leave it out",
    ),
    (
        "frame.protocols",
        "compared with the prefix rule in the layers test",
    ),
    (
        "frame.encap_type",
        "the goldens leave it out (make_goldens.py's FIELD_SKIP, from before wirelens \
         showed it); `-V` compares it with tshark's (tshark_cli.rs)",
    ),
    ("frame.offset_shift", "as frame.encap_type"),
    ("frame.time_delta_displayed", "as frame.encap_type"),
    ("frame.marked", "as frame.encap_type"),
    ("frame.ignored", "as frame.encap_type"),
    (
        "eth.dst_resolved",
        "the goldens leave MAC names out (make_goldens.py's FIELD_SKIP); `-T json` \
         compares them with tshark's -n (tshark_cli.rs)",
    ),
    ("eth.src_resolved", "as eth.dst_resolved"),
    ("eth.addr_resolved", "as eth.dst_resolved"),
    (
        "snmp.noSuchObject",
        "tshark's JSON writes a field that carries an expert item as an object of its \
         children: the golden holds no value for it",
    ),
    ("snmp.noSuchInstance", "as snmp.noSuchObject"),
    ("snmp.endOfMibView", "as snmp.noSuchObject"),
];

/// The name prefixes the field goldens cover (as tests/tools/make_goldens.py).
const FIELD_PREFIXES: &[&str] = &[
    "eth.",
    "vlan.",
    "ieee8021ad.",
    "ieee8021ah.",
    "sll.",
    "null.",
    "arp.",
    "ip.",
    "ipv6.",
    "icmp.",
    "icmpv6.",
    "tcp.",
    "udp.",
    "data.",
    "frame.",
    "snmp.",
    "json.",
    "xml.",
    "smtp.",
    "imf.",
    "proxy.",
    "mime_multipart.",
    "quic.",
    "http3.",
];

/// Field prefixes tshark 4.0 cannot produce: Debian builds it without
/// nghttp3, so it decodes no QPACK and shows no HTTP/3 header. Ours are
/// checked against the headers the client and server sent
/// (tests/quic.rs) instead.
const NO_QPACK_IN_TSHARK: &[&str] = &["http3.headers", "http3.header.", "http3.request."];

/// Fields of TCP reassembly (see the fields test).
const REASSEMBLY_FIELDS: &[&str] = &[
    "tcp.segments",
    "tcp.segment",
    "tcp.segment.count",
    "tcp.reassembled.length",
    "tcp.reassembled.data",
];

/// Fields that depend on frame numbering and times relative to the first
/// frame, where tshark counts pcapng custom blocks as frames.
/// Fields excluded for files in TIME_EXCEPTIONS.
const TIME_FIELDS: &[&str] = &["frame.time_epoch"];

const NUMBERING_FIELDS: &[&str] = &[
    "frame.number",
    "frame.time_relative",
    "frame.time_delta",
    "udp.time_relative",
    "udp.time_delta",
];

/// Captures read differently on purpose, each with the reason.
const FILE_EXCEPTIONS: &[(&str, &str)] = &[(
    "suricata_bug-6875-01_fuzz.pcap",
    "a fuzzed file whose second record is garbage: tshark guesses a non-standard pcap variant \
     (longer record headers) from it and shifts frame 1 by 14 bytes; wirelens reads the standard \
     format the magic declares, loads frame 1 and stops at the damaged record with a warning",
)];

/// Captures whose conversations run inside a tunnel, where the truth's
/// addresses are not tshark's conversation table's, each with the reason.
const TUNNELLED_CONVERSATIONS: &[(&str, &str)] = &[(
    "tcpdump_geneve.pcap",
    "tshark_truth.py takes a conversation's addresses from the first ip.src/ip.dst of its \
     frames, the outer Geneve tunnel's (20.0.0.x); tshark's own -z conv,tcp lists the inner \
     30.0.0.2:51225 <-> 30.0.0.1:22, as wirelens does. Everything else is compared.",
)];

/// Fields not compared in one capture, each with the reason.
const FILE_FIELD_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "arkime_http2-nghttp2.pcap",
        "tcp.pdu.size",
        "as its tcp.segment_data: tshark leaves the 16,393-byte HEADERS frame unreassembled",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "tcp.pdu.size",
        "frames 110 and 112 are out-of-order segments that complete HTTP/2 frames: wirelens \
         dissects what they complete, tshark (out-of-order reassembly off by default) does not",
    ),
    (
        "wirelens_tls_decrypt.pcap",
        "tcp.pdu.size",
        "tshark notes the sizes of decrypted HTTP/2 frames under TCP; wirelens notes PDU sizes \
         of cleartext TCP payloads only",
    ),
    (
        "arkime_http2-nghttp2.pcap",
        "tcp.segment_data",
        "tshark does not reassemble the 16,393-byte HTTP/2 HEADERS frame that starts in frame 4 \
         (its tree ends in a BoundError 'Unreassembled Packet'), so it words the segments after \
         it as held data where wirelens has reassembled and dissected them",
    ),
    (
        "dpkt_http.pcap",
        "tcp.segment_data",
        "frame 36 is a spurious retransmission whose payload tshark words as 'Retransmitted TCP \
         segment data', which it does not for the spurious retransmissions of \
         arkime_wireshark-retrans.pcap (frame 30) and arkime_smtp-decrypted.pcap (frame 29): \
         wirelens words none",
    ),
    (
        "suricata_decode-sll2-02.pcap",
        "tcp.reassembled.data",
        "tshark reassembles a 2.6 MB HTTP body; wirelens counts a body past its PDU bound \
         (pdu_framing::MAX_PDU, 1 MiB) as it streams by and reassembles only the head",
    ),
    (
        "zeek_window-scale-range.pcap",
        "tcp.segment_data",
        "frame 4's 5 bytes go to no protocol; tshark holds them as segment data (no Data layer), \
         wirelens shows them as Data",
    ),
    (
        "gopacket_le_test202.pcapng",
        "frame.interface_name",
        "tshark 4.0 names a later section's interfaces by the first section's list: section 2's \
         interface 0 is 'silly ethernet interface 2' in the file, tshark says eth0",
    ),
    (
        "gopacket_be_test202.pcapng",
        "frame.interface_name",
        "as gopacket_le_test202.pcapng",
    ),
    (
        "wirelens_ftp-pasv-port.pcap",
        "tcp.completeness",
        "tshark 4.0 bug: on a data connection FTP announced (PASV), tcp.completeness never has \
         the SYN bit (1) although the SYN is in the capture (0, 2, 6, 14, 30 where the other \
         connections show 1, 3, 7, 15, 31): the SYN lands in the wildcard conversation the \
         PASV created, and the bits count in the one made from it. wirelens counts the SYN.",
    ),
    (
        "wirelens_lldp_cdp.pcap",
        "eth.trailer",
        "tshark 4.0 bug: its LLDP dissector claims 3 bytes fewer than the LLDPDU it shows \
         (End of LLDPDU included), so Ethernet shows the LLDPDU's last 3 bytes again as a \
         trailer (\"36:00:00\": the last byte of the 802.3 TLV and End of LLDPDU). wirelens \
         ends the LLDPDU after End of LLDPDU; these frames have no trailer.",
    ),
];

fn file_exception(name: &str) -> bool {
    FILE_EXCEPTIONS.iter().any(|(n, _)| *n == name)
}

/// Wireshark fuzz-test output (random bytes changed): where tshark's
/// heuristics take it somewhere no plain reading of the bytes leads.
const FUZZED: &str = "ndpi_fuzz-2006-06-26-2594.pcap";

/// In FUZZED, tshark stops after the Ethernet header of frames with
/// ethertype 0xaaaa (no `ethertype` layer); wirelens treats 0xaaaa like any
/// unknown type (data).
fn layers_exception(file: &str, tshark_layers: &str) -> bool {
    file == FUZZED && tshark_layers == "eth"
}

/// In FUZZED, the fuzzing broke SIP messages in ways where tshark's SIP
/// parser stops with [Malformed Packet] (a header it cannot split, a
/// Content-Length past the datagram) at places wirelens's reading of the
/// same bytes does not: the Protocol column is compared, Info is not.
fn fuzzed_sip_info(file: &str, protocol: &str) -> bool {
    file == FUZZED && protocol.starts_with("SIP")
}

/// Frame 642 of FUZZED is a first fragment (MF set) whose ID, after the
/// fuzzing, tshark's fragment table resolves against state wirelens does not
/// mirror; tshark dissects it as complete UDP, wirelens as a fragment.
fn frame_exception(file: &str, frame: usize) -> bool {
    file == FUZZED && frame == 642
}

/// wirelens marks TLS application data of a connection whose ALPN
/// negotiated HTTP/2 (visible up to TLS 1.2) as `Application Data (HTTP/2)`;
/// tshark writes `Application Data`. The columns test reads the two as the
/// same.
///
/// Retransmitted and out-of-order segments (`resent` in the test): tshark
/// (tcp.reassemble_out_of_order off, its default) hands them to no protocol
/// above TCP, so a PDU they complete is never shown. wirelens reassembles
/// the stream in order and shows such a PDU on the segment that completes
/// it, as Wireshark does with out-of-order reassembly on: the lists are
/// compared up to `tcp`.
///
/// The notes tshark's TCP reassembly appends to Info (see
/// `tcp_payload_withheld`).
fn without_reassembly_notes(info: &str) -> &str {
    match info.find("[Reassembly error, protocol TCP:") {
        Some(i) => &info[..i],
        None => info,
    }
}

/// Files whose address columns tshark fills with "N/A" for frames with no
/// address at all (a fuzzed NULL frame); wirelens leaves them empty.
const NA_ADDRESS_EXCEPTIONS: &[&str] = &["ndpi_fuzz-2021-10-13.pcap"];

/// Timestamps whose fraction is a second or more (fuzzed): tshark prints the
/// bad fraction, wirelens carries it into the seconds.
const TIME_EXCEPTIONS: &[&str] = &["ndpi_fuzz-2021-10-13.pcap"];

#[test]
fn packet_layers_addresses_and_streams_match_tshark() {
    let known: HashSet<&str> = dissectors::registry::protocols()
        .map(|p| p.name())
        .collect();
    let mut report = Report::default();
    for fx in fixtures().into_iter().filter(|f| !file_exception(&f.name)) {
        let golden = fx.packets_tsv();
        let ours = run_pass(&fx, false);
        if ours.len() != golden.len() {
            report.fail(
                &fx.name,
                format!("{} packets, tshark {}", ours.len(), golden.len()),
            );
        }
        for (i, (g, o)) in golden.iter().zip(&ours).enumerate() {
            let number = i + 1;
            if layers_exception(&fx.name, &g.protocols)
                || frame_exception(&fx.name, number)
                || reassembly_exception(&fx.name, number)
                || after_retry(&fx.name, number, g.udp_stream)
            {
                continue;
            }
            let theirs: Vec<&str> = g.protocols.split(':').filter(|s| !s.is_empty()).collect();
            let cut = theirs
                .iter()
                .position(|p| !known.contains(p))
                .unwrap_or(theirs.len());
            let mut mine: Vec<&str> = o.layers.iter().map(String::as_str).collect();
            if cut < theirs.len() && mine.len() > cut {
                // What wirelens shows past that point is not comparable.
                mine.truncate(cut);
            }
            let resent = o.tcp.as_ref().is_some_and(|a| {
                (a.has(Flag::Retransmission) && !a.has(Flag::FastRetransmission))
                    || a.has(Flag::OutOfOrder)
            });
            if tcp_payload_withheld(&theirs, &mine) || (resent && theirs.last() == Some(&"tcp")) {
                mine.truncate(theirs.len());
            }
            if mine != theirs[..cut] {
                report.fail(
                    &fx.name,
                    format!(
                        "frame {number}: layers {} vs tshark {}",
                        mine.join(":"),
                        g.protocols
                    ),
                );
            }
            // Where wirelens dissects every layer tshark does, the Protocol and
            // Info columns are worded the same.
            // A segment of an application PDU carries that application's Info.
            let their_info = without_reassembly_notes(&g.info);
            let our_info = o.info.replace(" (HTTP/2)", "");
            if cut == theirs.len()
                && !resent
                && !g.info.ends_with("[TCP segment of a reassembled PDU]")
                && mine == theirs
                && (o.protocol != g.protocol
                    || (our_info != their_info && !fuzzed_sip_info(&fx.name, &g.protocol)))
            {
                report.fail(
                    &fx.name,
                    format!(
                        "frame {number}: columns {:?} {:?} vs tshark {:?} {:?}",
                        o.protocol, o.info, g.protocol, g.info
                    ),
                );
            }
            // A protocol wirelens does not dissect (Teredo) may carry the
            // addresses tshark shows; then they are not comparable.
            let inner_ip = theirs[cut..].iter().any(|p| *p == "ip" || *p == "ipv6");
            let na = NA_ADDRESS_EXCEPTIONS.contains(&fx.name.as_str()) && g.src == "N/A";
            if !inner_ip && !na && (o.src != g.src || o.dst != g.dst) {
                report.fail(
                    &fx.name,
                    format!(
                        "frame {}: {} → {} vs tshark {} → {}",
                        number, o.src, o.dst, g.src, g.dst
                    ),
                );
            }
            if let (Some(a), Some(b)) = (o.tcp_stream, g.tcp_stream)
                && a != b
            {
                report.fail(
                    &fx.name,
                    format!("frame {number}: tcp.stream {a} vs tshark {b}"),
                );
            }
            if let (Some(a), Some(b)) = (o.udp_stream, g.udp_stream)
                && a != b
            {
                report.fail(
                    &fx.name,
                    format!("frame {number}: udp.stream {a} vs tshark {b}"),
                );
            }
            // Simple Packet Blocks carry no time: neither shows one.
            if o.time_epoch9 != g.time_epoch && !TIME_EXCEPTIONS.contains(&fx.name.as_str()) {
                report.fail(
                    &fx.name,
                    format!(
                        "frame {number}: time {} vs tshark {}",
                        o.time_epoch9, g.time_epoch
                    ),
                );
            }
        }
    }
    report.finish();
}

#[test]
fn fields_values_and_byte_ranges_match_tshark() {
    let declared: HashSet<&str> = dissectors::registry::fields()
        .map(|f| f.name)
        .chain(dissectors::registry::experts().map(|e| e.name))
        .chain(dissectors::tcp::OPTION_PROTOCOLS.iter().map(|p| p.name()))
        .collect();
    let skip: HashSet<&str> = FIELD_EXCEPTIONS.iter().map(|(n, _)| *n).collect();
    let mut report = Report::default();
    // The fuzzed captures are compared by layers and streams only: their
    // corrupt headers reach corners of tshark (heuristics, exceptions
    // mid-field) that say nothing about correct packets.
    for fx in fixtures()
        .into_iter()
        .filter(|f| !file_exception(&f.name) && f.name != FUZZED)
    {
        let golden = fx.fields_tsv();
        if golden.is_empty() {
            continue;
        }
        let ours = run_pass(&fx, true);
        let numbering_differs = fx.frame_numbers().iter().any(|(t, o)| t != o);
        for (frame, theirs) in &golden {
            let Some(o) = ours.get(*frame as usize - 1) else {
                continue;
            };
            if after_retry(&fx.name, *frame as usize, o.udp_stream) {
                continue;
            }
            // Payload shown as data only compares where both stop at the same layer.
            let their_protocols = theirs
                .iter()
                .find(|f| f.name == "frame.protocols")
                .map(|f| f.value.as_str());
            let same_layers = their_protocols == Some(o.layers.join(":").as_str());
            let renumbered = numbering_differs;
            // TCP reassembly fields where tshark reassembled too (it leaves
            // PDUs with out-of-order parts unreassembled, wirelens does not).
            let their_names: HashSet<&str> = theirs.iter().map(|f| f.name.as_str()).collect();
            // A body counted, not kept (over 64 KiB), has no data.data.
            let counted_body = o.fields.iter().any(|f| f.name == "data.len")
                && !o.fields.iter().any(|f| f.name == "data.data");
            let excluded = |name: &str| {
                skip.contains(name)
                    || NO_QPACK_IN_TSHARK.iter().any(|p| name.starts_with(p))
                    || FILE_FIELD_EXCEPTIONS
                        .iter()
                        .any(|(f, n, _)| *f == fx.name && *n == name)
                    || (REASSEMBLY_FIELDS.contains(&name) && !their_names.contains(name))
                    || (counted_body && name == "data.data")
            };
            let compared = |name: &str| {
                !excluded(name)
                    && FIELD_PREFIXES.iter().any(|p| name.starts_with(p))
                    && (same_layers || !name.starts_with("data."))
                    && !(renumbered && NUMBERING_FIELDS.contains(&name))
                    && !(TIME_EXCEPTIONS.contains(&fx.name.as_str()) && TIME_FIELDS.contains(&name))
            };
            let mut t: BTreeMap<&str, Vec<(String, i64, i64)>> = BTreeMap::new();
            for f in theirs {
                if declared.contains(f.name.as_str()) && compared(&f.name) {
                    t.entry(f.name.as_str())
                        .or_default()
                        .push((f.value.clone(), f.offset, f.len));
                }
            }
            let mut m: BTreeMap<&str, Vec<(String, i64, i64)>> = BTreeMap::new();
            for f in &o.fields {
                if compared(&f.name) {
                    m.entry(f.name.as_str())
                        .or_default()
                        .push((f.value.clone(), f.offset, f.len));
                }
            }
            let names: std::collections::BTreeSet<&str> =
                t.keys().chain(m.keys()).copied().collect();
            for name in names {
                let mut tv = t.get(name).cloned().unwrap_or_default();
                let mut mv = m.get(name).cloned().unwrap_or_default();
                // tshark gives no byte range for generated items: compare values only there.
                let ranged = tv.iter().all(|x| x.1 >= 0);
                if !ranged {
                    tv.iter_mut().for_each(|x| (x.1, x.2) = (-1, -1));
                    mv.iter_mut().for_each(|x| (x.1, x.2) = (-1, -1));
                }
                tv.sort();
                mv.sort();
                if tv != mv {
                    report.fail(
                        &fx.name,
                        format!("frame {frame} {name}: ours {mv:?} tshark {tv:?}"),
                    );
                }
            }
        }
    }
    report.finish();
}

#[test]
fn conversations_match_tshark() {
    let mut report = Report::default();
    for fx in fixtures() {
        let Some(truth) = fx.truth() else { continue };
        let snap = load(&fx);
        let start = snap.index.row(0).map_or(0, |r| r.ts_ns);
        for (proto, convs) in [("tcp", &snap.tcp), ("udp", &snap.udp)] {
            // tshark_truth.py sums payload from udp.length, which the
            // fuzzing broke in FUZZED (lengths past the datagram); the
            // streams' numbering is checked by the packets test.
            if proto == "udp" && fx.name == FUZZED {
                continue;
            }
            let expected = truth[proto]["conversations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let ours: Vec<wirelens::report::flows::FlowRow> = convs
                .iter()
                .filter(|c| c.counted)
                .map(|c| wirelens::report::flows::FlowRow::new(c, start))
                .collect();
            if ours.len() != expected.len() {
                report.fail(
                    &fx.name,
                    format!(
                        "{proto}: {} conversations, tshark {}",
                        ours.len(),
                        expected.len()
                    ),
                );
                continue;
            }
            let tunnel = TUNNELLED_CONVERSATIONS.iter().any(|(n, _)| *n == fx.name);
            for (o, e) in ours.iter().zip(&expected) {
                let same = o.stream == e["stream"].as_u64().unwrap_or(u64::MAX) as u32
                    && (tunnel || o.a == e["a"].as_str().unwrap_or(""))
                    && (tunnel || o.b == e["b"].as_str().unwrap_or(""))
                    && o.frames_a_to_b == e["frames_a_to_b"].as_u64().unwrap_or(0)
                    && o.bytes_a_to_b == e["bytes_a_to_b"].as_u64().unwrap_or(0)
                    && o.frames_b_to_a == e["frames_b_to_a"].as_u64().unwrap_or(0)
                    && o.bytes_b_to_a == e["bytes_b_to_a"].as_u64().unwrap_or(0)
                    && o.payload_a_to_b == e["payload_a_to_b"].as_u64().unwrap_or(0)
                    && o.payload_b_to_a == e["payload_b_to_a"].as_u64().unwrap_or(0)
                    // The goldens subtract float seconds (1.8e8 s in one capture): a
                    // microsecond is the precision they keep.
                    && (o.start_rel - e["start_rel"].as_f64().unwrap_or(-1.0)).abs() < 1e-6
                    && (o.duration - e["duration"].as_f64().unwrap_or(-1.0)).abs() < 1e-6;
                if !same {
                    report.fail(
                        &fx.name,
                        format!(
                            "{proto} stream {}: ours {} tshark {e}",
                            o.stream,
                            serde_json::to_string(o).unwrap()
                        ),
                    );
                }
            }
        }
    }
    report.finish();
}
