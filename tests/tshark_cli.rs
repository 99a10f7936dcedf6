//! `wirelens packets` with tshark's options against tshark 4.0, byte for
//! byte, on every fixture (tshark runs here, with the goldens' preferences
//! and each fixture's key log and Decode As rules): `-T fields`, `-x`,
//! `-c`, and a capture read from a pipe.

use std::io::Write;
use std::process::{Command, Stdio};

mod common;

use common::{after_retry, fixtures, reassembly_exception, tcp_payload_withheld};

/// Fields of the link, network and transport layers (and what the
/// goldens cover above them): equal on every line of every fixture.
const LAYERS: &[&str] = &[
    "eth.lg",
    "eth.ig",
    "eth.addr.oui",
    "eth.addr",
    "ip.host",
    "ip.addr",
    "tcp.option_kind",
    "tcp.port",
    "frame.number",
    "frame.len",
    "frame.cap_len",
    "ip.version",
    "eth.src.oui",
    "eth.src.lg",
    "eth.src.ig",
    "eth.src",
    "eth.dst.oui",
    "eth.dst.lg",
    "eth.dst.ig",
    "eth.dst",
    "ip.len",
    "ip.id",
    "ip.hdr_len",
    "ip.dsfield.ecn",
    "ip.dsfield.dscp",
    "ip.dsfield",
    "ip.ttl",
    "ip.src_host",
    "ip.src",
    "ip.proto",
    "ip.frag_offset",
    "ip.flags.rb",
    "ip.flags.mf",
    "ip.flags.df",
    "ip.flags",
    "ip.dst_host",
    "ip.dst",
    "ip.checksum_calculated",
    "ip.checksum.status",
    "ip.checksum",
    "eth.type",
    "tcp.options.nop",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.window_size_value",
    "tcp.window_size",
    "tcp.urgent_pointer",
    "tcp.time_relative",
    "tcp.time_delta",
    "tcp.stream",
    "tcp.seq",
    "tcp.nxtseq",
    "tcp.len",
    "tcp.hdr_len",
    "tcp.flags.urg",
    "tcp.flags.syn",
    "tcp.flags.str",
    "tcp.flags.reset",
    "tcp.flags.res",
    "tcp.flags.push",
    "tcp.flags.fin",
    "tcp.flags.ece",
    "tcp.flags.cwr",
    "tcp.flags.ae",
    "tcp.flags.ack",
    "tcp.flags",
    "tcp.checksum.status",
    "tcp.checksum",
    "tcp.ack",
    "tcp.window_size_scalefactor",
    "udp.port",
    "tcp.analysis.initial_rtt",
    "tcp.option_len",
    "tcp.options",
    "tcp.options.timestamp",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "udp.stream",
    "udp.srcport",
    "udp.length",
    "udp.dstport",
    "udp.checksum.status",
    "udp.checksum",
    "tcp.analysis.acks_frame",
    "udp.time_relative",
    "udp.time_delta",
    "tcp.analysis.ack_rtt",
    "frame.interface_id",
    "ipv6.host",
    "ipv6.addr",
    "quic.packet_length",
    "quic.header_form",
    "quic.dcid",
    "quic.fixed_bit",
    "ipv6.version",
    "ipv6.tclass.ecn",
    "ipv6.tclass.dscp",
    "ipv6.tclass",
    "ipv6.src_host",
    "ipv6.src",
    "ipv6.plen",
    "ipv6.nxt",
    "ipv6.hlim",
    "ipv6.flow",
    "ipv6.dst_host",
    "ipv6.dst",
    "quic.connection.number",
    "ip.checksum_bad.expert",
    "quic.spin_bit",
    "eth.padding",
    "null.family",
    "tcp.options.mss_val",
    "tcp.options.mss",
    "sll.unused",
    "sll.pkttype",
    "sll.hatype",
    "sll.halen",
    "sll.etype",
    "sll.src.eth",
    "tcp.options.sack_perm",
    "tcp.options.wscale.shift",
    "tcp.options.wscale.multiplier",
    "tcp.options.wscale",
    "sll.ifindex",
    "tcp.connection.fin",
    "tcp.analysis.retransmission",
    "vlan.priority",
    "vlan.id",
    "vlan.dei",
    "arp.proto.type",
    "arp.proto.size",
    "arp.opcode",
    "arp.hw.type",
    "arp.hw.size",
    "arp.src.proto_ipv4",
    "arp.src.hw_mac",
    "arp.dst.proto_ipv4",
    "arp.dst.hw_mac",
    "smtp.rsp.parameter",
    "tcp.connection.syn",
    "vlan.etype",
    "tcp.connection.synack",
    "tcp.analysis.rto_frame",
    "tcp.analysis.rto",
    "tcp.analysis.duplicate_ack_num",
    "tcp.analysis.duplicate_ack_frame",
    "icmp.type",
    "icmp.code",
    "icmp.checksum.status",
    "icmp.checksum",
    "eth.len",
    "icmp.seq_le",
    "icmp.seq",
    "icmp.ident_le",
    "icmp.ident",
    "ipv6.opt.type.rest",
    "ipv6.opt.type.change",
    "ipv6.opt.type.action",
    "ipv6.opt.type",
    "ipv6.opt.length",
    "icmp.data_time_relative",
    "icmp.data_time",
    "smtp.response.code",
    "smtp.response",
    "ipv6.opt.padn",
    "smtp.rsp",
    "ipv6.fraghdr.reserved_octet",
    "ipv6.fraghdr.reserved_bits",
    "ipv6.fraghdr.offset",
    "ipv6.fraghdr.nxt",
    "ipv6.fraghdr.more",
    "ipv6.fraghdr.ident",
    "tcp.options.sack_re",
    "tcp.options.sack_le",
    "smtp.req",
    "json.path_with_value",
    "json.member_with_value",
    "smtp.req.command",
    "smtp.command_line",
    "tcp.options.eol",
    "ipv6.dstopts.nxt",
    "ipv6.dstopts.len_oct",
    "ipv6.dstopts.len",
    "icmp.resptime",
    "icmp.resp_to",
    "ipv6.routing.type",
    "ipv6.routing.src.reserved",
    "ipv6.routing.segleft",
    "ipv6.routing.nxt",
    "ipv6.routing.len_oct",
    "ipv6.routing.len",
    "quic.version",
    "quic.scil",
    "quic.scid",
    "quic.dcil",
    "quic.length",
    "icmpv6.type",
    "icmpv6.code",
    "icmpv6.checksum.status",
    "icmpv6.checksum",
    "json.value.number",
    "tcp.analysis.zero_window",
    "tcp.options.sack.count",
    "tcp.options.sack",
    "tcp.connection.rst",
    "snmp.name",
    "eth.fcs.status",
    "eth.fcs",
    "smtp.req.parameter",
    "vlan.len",
    "snmp.variable_bindings",
    "snmp.data",
    "snmp.request_id",
    "quic.long.packet_type",
    "json.path",
    "json.member",
    "json.key",
    "icmpv6.opt.type",
    "icmpv6.opt.length",
    "snmp.error_status",
    "snmp.error_index",
    "ip.options.routeralert",
    "ip.opt.type.number",
    "ip.opt.type.copy",
    "ip.opt.type.class",
    "ip.opt.type",
    "ip.opt.ra",
    "ip.opt.len",
    "icmpv6.reserved",
    "tcp.analysis.ack_lost_segment",
    "tcp.analysis.fast_retransmission",
    "snmp.version",
    "snmp.community",
    "quic.token_length",
    "tcp.analysis.lost_segment",
    "ipv6.hopopts.nxt",
    "ipv6.hopopts.len_oct",
    "ipv6.hopopts.len",
    "icmpv6.opt.linkaddr",
    "tcp.analysis.spurious_retransmission",
    "arp.seconds-since-duplicate-address-frame",
    "arp.duplicate-address-frame",
    "arp.duplicate-address-detected",
    "udp.length.bad",
    "sll.trailer",
    "quic.ack.ect1_count",
    "quic.ack.ect0_count",
    "quic.ack.ecn_ce_count",
    "icmpv6.opt.src_linkaddr",
    "snmp.engineid.time",
    "snmp.engineid.format",
    "snmp.engineid.enterprise",
    "snmp.engineid.data",
    "snmp.engineid.conform",
    "quic.long.packet_type_v2",
    "ip.fragment",
    "tcp.analysis.window_update",
    "snmp.value.octets",
    "snmp.value.null",
    "quic.ts",
    "imf.address",
    "icmp.unused",
    "ip.bogus_ip_length",
    "icmpv6.opt.reserved",
    "vlan.trailer",
    "tcp.analysis.out_of_order",
    "snmp.v3.flags.report",
    "snmp.v3.flags.crypt",
    "snmp.v3.flags.auth",
    "snmp.time",
];

/// Application fields and the packet list's columns: equal wherever both
/// dissected the same protocols. The Protocol and Info columns are the
/// goldens' (tests/golden.rs compares them with its rules for TCP segments
/// of application PDUs).
const APPLICATIONS: &[&str] = &[
    "dns.id",
    "dns.flags.response",
    "dns.qry.name",
    "dns.qry.type",
    "dns.count.answers",
    "dns.a",
    "dns.aaaa",
    "dns.resp.ttl",
    "tls.record.content_type",
    "tls.record.version",
    "tls.record.length",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "tls.handshake.ciphersuite",
    "tls.handshake.ja3",
    "http.request.method",
    "http.request.uri",
    "http.response.code",
    "http.host",
    "http.user_agent",
    "http.content_type",
    "http.content_length",
    "http.server",
    "http2.type",
    "http2.streamid",
    "http2.length",
    "http2.flags",
    "http2.header.name",
    "http2.header.value",
    "http2.headers.method",
    "http2.headers.path",
    "http2.headers.status",
    "_ws.col.No.",
    "_ws.col.Time",
    "_ws.col.Source",
    "_ws.col.Destination",
    "_ws.col.Length",
];

/// Captures not compared, each with the reason.
const NOT_COMPARED: &[(&str, &str)] = &[
    (
        "gopacket_be_test202.pcapng",
        "tshark prints a line for a block that holds no packet (as the goldens' numbering \
         exception says)",
    ),
    ("gopacket_le_test202.pcapng", "the same file little-endian"),
    (
        "fuzz",
        "fuzzed captures reach corners of tshark's heuristics and exceptions (the goldens \
         compare them by layers only)",
    ),
];

/// The Decode As rules of the goldens (tests/tools/make_goldens.py).
fn decode_as(name: &str) -> Vec<&'static str> {
    match name {
        "packt_grpc_bidi-streaming.pcapng" | "packt_grpc_server-streaming.pcapng" => {
            vec!["-d", "tcp.port==50051,http2"]
        }
        "ndpi_tls_port_80.pcapng" => vec!["-d", "tcp.port==80,tls"],
        _ => Vec::new(),
    }
}

/// Both programs' `-T fields` lines for `fields` with `options` (`-E`).
fn lines(fx: &common::Fixture, fields: &[&str], options: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut args: Vec<String> = vec!["-T".into(), "fields".into()];
    for f in fields {
        args.extend(["-e".into(), f.to_string()]);
    }
    for o in options {
        args.extend(["-E".into(), o.to_string()]);
    }
    let (theirs, ours) = outputs(fx, &args);
    let lines = |s: String| s.lines().map(str::to_string).collect();
    (lines(theirs), lines(ours))
}

/// Both programs' standard output with `args` on fixture `fx`.
fn outputs(fx: &common::Fixture, args: &[String]) -> (String, String) {
    let keys = fx.path.with_extension("keys");
    let mut keylog = Vec::new();
    if keys.exists() {
        keylog = vec![
            "-o".to_string(),
            format!("tls.keylog_file:{}", keys.display()),
        ];
    }
    // tshark fails a capture cut short after printing what it read;
    // wirelens warns and succeeds.
    let run = |mut c: Command, ours: bool| -> String {
        let out = c.output().expect("runs");
        assert!(
            !ours || out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut tshark = Command::new("tshark");
    tshark
        .env("TZ", "UTC")
        .args(["-n", "-o", "ip.check_checksum:TRUE", "-r"])
        .arg(&fx.path)
        .args(&keylog)
        .args(decode_as(&fx.name))
        .args(args);
    let mut ours = Command::new(env!("CARGO_BIN_EXE_wirelens"));
    ours.args(["packets", "-n", "-r"])
        .arg(&fx.path)
        .args(&keylog)
        .args(decode_as(&fx.name))
        .args(args);
    (run(tshark, false), run(ours, true))
}

fn compared_fixtures() -> Vec<common::Fixture> {
    fixtures()
        .into_iter()
        .filter(|f| !NOT_COMPARED.iter().any(|(n, _)| f.name.contains(n)))
        .collect()
}

/// Over 250 fields of the lower layers, every line equal to tshark's:
/// all of a field's occurrences, with a header, another separator and
/// quotes; then the first occurrence only, aggregated by spaces.
#[test]
fn lower_layer_fields_print_as_tsharks() {
    for options in [
        &["header=y", "separator=,", "occurrence=a", "quote=d"][..],
        &["occurrence=f", "aggregator=/s"][..],
    ] {
        for fx in compared_fixtures() {
            let (theirs, ours) = lines(&fx, LAYERS, options);
            assert_eq!(theirs.len(), ours.len(), "{} {options:?}", fx.name);
            for (i, (t, o)) in theirs.iter().zip(&ours).enumerate() {
                assert_eq!(t, o, "{} line {} {options:?}", fx.name, i + 1);
            }
        }
    }
}

/// The fields of LAYERS from the link, network and transport layers alone:
/// no consumer then reads above TCP and UDP, so the pass dissects nothing
/// there (`Options::payload_unread`, what makes `-T fields` of addresses
/// and ports fast); every line must still be tshark's, TCP analysis and
/// all.
#[test]
fn transport_fields_alone_print_as_tsharks() {
    const LOW: &[&str] = &[
        "frame", "eth", "vlan", "sll", "null", "arp", "ip", "ipv6", "icmp", "icmpv6", "tcp", "udp",
    ];
    let fields: Vec<&str> = LAYERS
        .iter()
        .copied()
        .filter(|f| LOW.contains(&f.split('.').next().unwrap_or("")))
        .collect();
    assert!(fields.len() > 150, "{}", fields.len());
    for fx in compared_fixtures() {
        let (theirs, ours) = lines(&fx, &fields, &["occurrence=a"]);
        assert_eq!(theirs.len(), ours.len(), "{}", fx.name);
        for (i, (t, o)) in theirs.iter().zip(&ours).enumerate() {
            assert_eq!(t, o, "{} line {}", fx.name, i + 1);
        }
    }
}

/// Under `-Y`, `frame.time_delta_displayed` counts from the last frame the
/// filter showed (0 for the first), as tshark's, on every fixture.
#[test]
fn displayed_time_deltas_count_from_the_last_shown_frame() {
    let fields = [
        "frame.number",
        "frame.time_delta_displayed",
        "frame.time_delta",
        "frame.time_relative",
    ];
    let mut shown = 0;
    for fx in compared_fixtures() {
        let mut args: Vec<String> = ["-Y", "frame.len > 100", "-T", "fields"]
            .map(String::from)
            .to_vec();
        for f in fields {
            args.extend(["-e".into(), f.into()]);
        }
        let (theirs, ours) = outputs(&fx, &args);
        assert_eq!(ours, theirs, "{}", fx.name);
        shown += ours.lines().count();
    }
    assert!(shown > 5_000, "{shown}");
}

/// `-T json -e` with the same lower-layer fields: tshark's output byte
/// for byte, each packet's fields as arrays of their values.
#[test]
fn json_fields_print_as_tsharks() {
    let mut args: Vec<String> = vec!["-T".into(), "json".into()];
    for f in LAYERS {
        args.extend(["-e".into(), f.to_string()]);
    }
    for fx in compared_fixtures() {
        let (theirs, ours) = outputs(&fx, &args);
        let (tl, ol): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
        for (i, (t, o)) in tl.iter().zip(&ol).enumerate() {
            assert_eq!(t, o, "{} line {}", fx.name, i + 1);
        }
        assert_eq!(tl.len(), ol.len(), "{}", fx.name);
        assert_eq!(theirs, ours, "{}", fx.name);
    }
}

/// DNS, TLS, HTTP and HTTP/2 fields and the columns, equal to tshark's on
/// every frame where both dissected the same protocols: not where tshark
/// hands a resent segment to no protocol above TCP, nor where it names a
/// protocol wirelens does not dissect yet, nor the frames the
/// goldens list as deliberate differences.
#[test]
fn application_fields_print_as_tsharks() {
    let known: std::collections::HashSet<&str> = dissectors::registry::protocols()
        .map(|p| p.name())
        .collect();
    let mut fields = vec!["frame.protocols", "frame.number", "udp.stream"];
    fields.extend(APPLICATIONS);
    let mut compared = 0;
    for fx in compared_fixtures() {
        let (theirs, ours) = lines(&fx, &fields, &["occurrence=a"]);
        assert_eq!(theirs.len(), ours.len(), "{}", fx.name);
        for (t, o) in theirs.iter().zip(&ours) {
            let (tc, oc): (Vec<&str>, Vec<&str>) =
                (t.split('\t').collect(), o.split('\t').collect());
            let frame: usize = tc[1].parse().unwrap_or(0);
            let udp_stream = tc[2].parse().ok();
            let (tp, op): (Vec<&str>, Vec<&str>) =
                (tc[0].split(':').collect(), oc[0].split(':').collect());
            if reassembly_exception(&fx.name, frame)
                || after_retry(&fx.name, frame, udp_stream)
                || tcp_payload_withheld(&tp, &op)
                || tp.iter().any(|p| !known.contains(p))
            {
                continue;
            }
            assert_eq!(t, o, "{} frame {frame}", fx.name);
            compared += 1;
        }
    }
    assert!(compared > 10_000, "{compared}");
}

/// A capture piped in (`tcpdump -r FILE -w - | wirelens packets -r -`)
/// reads as the file does.
#[test]
fn a_capture_on_standard_input_reads_as_the_file() {
    let fx = common::root().join("tests/fixtures/arkime_http2-nghttp2.pcap");
    let from_file = Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(["packets", "-r"])
        .arg(&fx)
        .output()
        .expect("runs");
    let tcpdump = Command::new("tcpdump")
        .args(["-r"])
        .arg(&fx)
        .args(["-w", "-"])
        .stderr(Stdio::null())
        .output()
        .expect("tcpdump runs");
    assert!(!tcpdump.stdout.is_empty());
    for args in [&["packets", "-r", "-"][..], &["packets", "-"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wirelens"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("runs");
        let mut stdin = child.stdin.take().unwrap();
        let bytes = tcpdump.stdout.clone();
        let writer = std::thread::spawn(move || stdin.write_all(&bytes));
        let out = child.wait_with_output().expect("ends");
        writer.join().unwrap().unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&from_file.stdout),
            "{args:?}"
        );
    }
}

/// `-c N` reads N packets, counted before the display filter, as tshark's.
#[test]
fn count_limits_the_packets_read_before_the_filter() {
    let fx = common::root().join("tests/fixtures/wirelens_quic_migration.pcapng");
    let run = |prog: &str, first: &[&str]| -> String {
        let out = Command::new(prog)
            .args(first)
            .arg("-r")
            .arg(&fx)
            .args([
                "-Y",
                "udp.srcport == 4436",
                "-c",
                "10",
                "-T",
                "fields",
                "-e",
                "frame.number",
            ])
            .output()
            .expect("runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ours = run(env!("CARGO_BIN_EXE_wirelens"), &["packets"]);
    assert_eq!(ours, run("tshark", &[]));
    assert_eq!(ours, "2\n4\n6\n10\n");
}

/// Data sources tshark makes and wirelens does not yet, each with the
/// reason: a packet with one is not compared by `-x`.
const SOURCES_NOT_MADE: &[(&str, &str)] = &[
    (
        "Decompressed Header",
        "tshark shows each HTTP/2 header block HPACK decoded as a data source of its own \
         layout; wirelens shows the headers as fields",
    ),
    (
        "De-chunked entity body",
        "wirelens de-chunks an HTTP body without naming that step as a source",
    ),
    (
        "Base64uri decoded",
        "the HTTP2-Settings header of an h2c upgrade is not decoded",
    ),
];

/// `-x`: every packet's bytes, and its reassembled and decrypted data under
/// their names, as tshark prints them; packets where the two dissected
/// different protocols (as in `application_fields_print_as_tsharks`) or
/// where tshark shows a source wirelens does not make are left out.
#[test]
fn hex_dumps_print_as_tsharks() {
    let known: std::collections::HashSet<&str> = dissectors::registry::protocols()
        .map(|p| p.name())
        .collect();
    let mut compared = 0;
    let mut differing = std::collections::BTreeSet::new();
    for fx in compared_fixtures() {
        let fields = ["frame.protocols", "frame.number", "udp.stream"];
        let (their_lines, our_lines) = lines(&fx, &fields, &[]);
        let (theirs, ours) = outputs(&fx, &["-x".to_string()]);
        let (theirs, ours): (Vec<&str>, Vec<&str>) =
            (theirs.split("\n\n").collect(), ours.split("\n\n").collect());
        assert_eq!(theirs.len(), ours.len(), "{}", fx.name);
        for (i, (t, o)) in theirs.iter().zip(&ours).enumerate() {
            let (Some(tl), Some(ol)) = (their_lines.get(i), our_lines.get(i)) else {
                continue;
            };
            let (tc, oc): (Vec<&str>, Vec<&str>) =
                (tl.split('\t').collect(), ol.split('\t').collect());
            let frame = i + 1;
            let (tp, op): (Vec<&str>, Vec<&str>) =
                (tc[0].split(':').collect(), oc[0].split(':').collect());
            let not_made = SOURCES_NOT_MADE
                .iter()
                .any(|(name, _)| t.contains(&format!("\n{name} (")) || t.starts_with(name));
            // wirelens names a decoded MIME part (base64, quoted-printable)
            // a source by its media type; tshark 4.0 makes none for it.
            let decoded_part = o
                .lines()
                .any(|l| l.ends_with(" bytes):") && l.contains('/'));
            if not_made
                || decoded_part
                || reassembly_exception(&fx.name, frame)
                || after_retry(&fx.name, frame, tc[2].parse().ok())
                || tcp_payload_withheld(&tp, &op)
                || tp.iter().any(|p| !known.contains(p))
                || tp != op
            {
                continue;
            }
            // The frame's own dump is always tshark's; what follows it may
            // differ where a capture is listed.
            let frame_alone = |b: &str| b.split(" bytes):\n").nth(2).is_none();
            if t != o && !(frame_alone(t) && frame_alone(o)) {
                differing.insert(fx.name.clone());
                continue;
            }
            assert_eq!(t, o, "{} frame {frame}", fx.name);
            compared += 1;
        }
    }
    assert!(compared > 15_000, "{compared}");
    let listed: std::collections::BTreeSet<String> =
        SOURCES_DIFFER.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(
        differing, listed,
        "captures whose data sources differ from tshark's"
    );
}

/// Captures where a reassembled or decrypted data source is not tshark's,
/// still to be looked into one by one (issue 22's `-x`): the frames' own
/// bytes print as tshark's everywhere.
const SOURCES_DIFFER: &[(&str, &str)] = &[
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "an HTTP/2 body reassembled over lost and reordered segments: tshark's 37835 bytes, \
         wirelens' 34957",
    ),
    (
        "suricata_decode-sll2-02.pcap",
        "a 2.5 MB TCP PDU: wirelens keeps reassembled messages up to 64 KiB \
         (tcp_pdu::MAX_KEPT_MESSAGE) and shows no source past it",
    ),
    (
        "zeek_206_example_b.pcap",
        "a 206 KB TCP PDU: the same bound",
    ),
    (
        "wirelens_tls_decrypt.pcap",
        "wirelens shows a 99-byte Reassembled TCP source tshark does not",
    ),
    (
        "wirelens_tls_legacy.pcap",
        "wirelens shows an empty Decrypted TLS source for an empty record",
    ),
];

/// `-t`: the Time column in each of tshark's formats, on captures of
/// microsecond and nanosecond resolution, one going back in time, with a
/// filter (so `dd`, since the previous packet shown, differs from `d`).
#[test]
fn time_formats_print_as_tsharks() {
    let captures = [
        "arkime_bigendian.pcap",
        "wirelens_quic_migration.pcapng",
        "zeek_ipv6-http-atomic-frag.pcap",
        "arkime_http2-nghttp2.pcap",
    ];
    for name in captures {
        let fx = common::root().join("tests/fixtures").join(name);
        for t in ["a", "ad", "r", "d", "dd", "e", "u", "ud"] {
            let run = |prog: &str, first: &[&str]| -> String {
                let out = Command::new(prog)
                    .env("TZ", "UTC")
                    .args(first)
                    .arg("-r")
                    .arg(&fx)
                    .args(["-t", t, "-Y", "frame.number > 1 && !tcp.len == 0"])
                    .args(["-T", "fields", "-e", "frame.number", "-e", "_ws.col.Time"])
                    .output()
                    .expect("runs");
                String::from_utf8_lossy(&out.stdout).into_owned()
            };
            let ours = run(env!("CARGO_BIN_EXE_wirelens"), &["packets"]);
            assert!(!ours.is_empty(), "{name} -t {t}");
            assert_eq!(ours, run("tshark", &[]), "{name} -t {t}");
        }
    }
}

/// Every conversation and endpoint table tshark has for Ethernet, IPv4,
/// IPv6, TCP and UDP, and two with a tap filter, in one run (printed last
/// first), on every compared fixture: equal to tshark's, byte for byte.
#[test]
fn conversation_and_endpoint_tables_print_as_tsharks() {
    let mut args = vec!["-q".to_string()];
    for table in ["conv", "endpoints"] {
        for kind in ["eth", "ip", "ipv6", "tcp", "udp"] {
            args.extend(["-z".into(), format!("{table},{kind}")]);
        }
    }
    args.extend(["-z".into(), "conv,tcp,tcp.len > 0".into()]);
    args.extend(["-z".into(), "endpoints,udp,dns".into()]);
    let mut rows = 0;
    for fx in compared_fixtures() {
        let (theirs, ours) = outputs(&fx, &args);
        assert_eq!(ours, theirs, "{}", fx.name);
        rows += ours.lines().count();
    }
    assert!(rows > 2_000, "{rows}");
}

/// Whether a list of (space-separated capture names, reason) names `name`.
fn listed(list: &[(&str, &str)], name: &str) -> bool {
    list.iter()
        .any(|(names, _)| names.split_whitespace().any(|n| n == name))
}

/// Captures whose protocol hierarchy differs from tshark's, because the
/// top-level items of the two trees differ there, each with the reason.
const HIERARCHY_DIFFERS: &[(&str, &str)] = &[
    (
        "arkime_http2-nghttp2.pcap packt_grpc_bidi-streaming.pcapng \
         packt_grpc_server-streaming.pcapng suricata_dns_over_https_POST.pcap \
         suricata_http2-continuation.pcap suricata_http2-keywords2_h2c-upgrade.pcap",
        "tshark adds an HTTP/2 item per HTTP/2 frame (a frame of three is \
         http2 > http2 > http2); wirelens has one HTTP/2 layer per packet",
    ),
    (
        "wirelens_quic_h3.pcapng wirelens_quic_migration.pcapng ndpi_quic-v2.pcapng",
        "tshark puts HTTP/3 items at the top, after QUIC; wirelens dissects HTTP/3 \
         inside the QUIC layer's STREAM frames",
    ),
    (
        "wirelens_tls_decrypt.pcap zeek_206_example_b.pcap suricata_http-event-chunk.pcap",
        "the reassembled-data item: tshark names TLS's own reassembly tls.segments \
         and places these items after the message's protocols or before them case \
         by case; wirelens names every TCP reassembly tcp.segments",
    ),
    (
        "wirelens_ftp-pasv-port.pcap",
        "tshark puts FTP's generated fields (ftp.current-working-directory, \
         ftp-data.setup-frame...) at the top of its tree, so its hierarchy counts them \
         as protocols",
    ),
    (
        "arkime_wireshark-retrans.pcap gen_tcp_loss_reorder_zero_window.pcap \
         zeek_hrr.pcap zeek_ipv6-http-atomic-frag.pcap zeek_linux_dlt_sll2.pcap \
         zeek_window-scale-range.pcap wirelens_proxy.pcap \
         suricata_tls-client-hello-frag_dump_mtu300.pcap suricata_tcp-empty-sack_tcp-opt.pcap",
        "resent and overlapping segments: the payload tshark hands to no protocol (and \
         its reassembly exceptions), as tests/common's tcp_payload_withheld says",
    ),
    (
        "zeek_pipelined-requests.pcap tcpdump_various_gre.pcap \
         ndpi_1kxun.pcap pcap-parser_wireshark_samples-test.pcapng tcpdump_mpls-traceroute.pcap",
        "protocols wirelens does not dissect (GIF and PNG images, Cisco \
         loopback, PIM, DTP, ICMP's MPLS extension...)",
    ),
    (
        "zeek_icmp-destunreach-udp.pcap zeek_ip6-ext-trunc.pcap \
         tcpdump_ipv6-next-header-oobr-1.pcap",
        "tshark puts the DNS of a datagram quoted by ICMP, and the exception of a \
         truncated IPv6 extension header, at the top of its tree",
    ),
];

/// `-z io,phs` (and one with a filter) equal to tshark's on every compared
/// fixture but those [`HIERARCHY_DIFFERS`] names.
#[test]
fn protocol_hierarchy_prints_as_tsharks() {
    let args: Vec<String> = ["-q", "-z", "io,phs", "-z", "io,phs,udp"]
        .map(String::from)
        .to_vec();
    let mut compared = 0;
    for fx in compared_fixtures() {
        if listed(HIERARCHY_DIFFERS, &fx.name) {
            continue;
        }
        let (theirs, ours) = outputs(&fx, &args);
        assert_eq!(ours, theirs, "{}", fx.name);
        compared += 1;
    }
    assert!(compared > 60, "{compared}");
}

/// Statistics count every packet read, as tshark's taps: `-Y` chooses what
/// is printed, not what is counted; `-c` what is read.
#[test]
fn statistics_count_every_packet_read_whatever_is_shown() {
    let fx = fixtures()
        .into_iter()
        .find(|f| f.name == "arkime_http2-nghttp2.pcap")
        .expect("fixture");
    let args: Vec<String> = [
        "-q",
        "-Y",
        "http2",
        "-c",
        "60",
        "-z",
        "conv,tcp",
        "-z",
        "endpoints,ip",
    ]
    .map(String::from)
    .to_vec();
    let (theirs, ours) = outputs(&fx, &args);
    assert_eq!(ours, theirs);
    assert!(ours.contains("    60 "), "{ours}");
}

/// `-z io,stat` on every compared fixture: the whole capture with filter,
/// COUNT, SUM, AVG, MIN, MAX and time columns, and 100-second intervals
/// (but for ndpi_1kxun.pcap, whose clock jumps 5.8 years: 1.8 million
/// rows); then sub-second, whole-second and long intervals on captures
/// of a few seconds. Each field calculated on is named in its column's
/// filter too: tshark 4.0 only sees the values of a field some filter
/// names (`MAX(tcp.time_relative)tcp` is 0.000000 there, wirelens gives
/// the maximum); and no `1.00`-style interval: tshark 4.0.17 dies of a
/// floating-point exception on `-z io,stat,1.00` (wirelens prints two
/// decimals, as tshark's code intends).
#[test]
fn io_statistics_print_as_tsharks() {
    let columns = "io,stat,0,tcp,udp,COUNT(tcp.analysis.retransmission)tcp.analysis.retransmission,\
                   SUM(frame.len)frame.len,AVG(tcp.len)tcp.len,MIN(tcp.len)tcp.len,MAX(frame.len)frame.len,,\
                   AVG(tcp.time_delta)tcp.time_delta,MAX(dns.time)dns.time,MIN(ip.ttl)ip.ttl && udp";
    let mut compared = 0;
    for fx in compared_fixtures() {
        let mut args = vec!["-q".to_string(), "-z".into(), columns.into()];
        if fx.name != "ndpi_1kxun.pcap" {
            args.extend(["-z".into(), "io,stat,100,ip,FRAMES()tcp,BYTES()udp".into()]);
        }
        let (theirs, ours) = outputs(&fx, &args);
        assert_eq!(ours, theirs, "{}", fx.name);
        compared += 1;
    }
    assert!(compared > 100, "{compared}");
    for name in [
        "arkime_http2-nghttp2.pcap",
        "gen_tcp_loss_reorder_zero_window.pcap",
        "wirelens_quic_h3.pcapng",
    ] {
        let fx = fixtures()
            .into_iter()
            .find(|f| f.name == name)
            .expect("fixture");
        for interval in ["0.5", "0.25", "1", "2", "0.001", "100000"] {
            let args: Vec<String> = vec![
                "-q".into(),
                "-z".into(),
                format!(
                    "io,stat,{interval},tcp.srcport == 443 || tcp.dstport == 443,MAX(udp.length)udp.length"
                ),
            ];
            let (theirs, ours) = outputs(&fx, &args);
            assert_eq!(ours, theirs, "{name} {interval}");
        }
    }
}

/// Captures whose expert summary differs from tshark's, each with the
/// expert items one side has and the other lacks.
const EXPERTS_DIFFER: &[(&str, &str)] = &[
    (
        "arkime_websocket.pcap tcpdump_ssh.pcap suricata_tcp-empty-sack_tcp-opt.pcap",
        "wirelens reports no D-SACK item (tcp.options.sack.dsack) yet; tcpdump_ssh's SSH \
         length note too",
    ),
    (
        "tcpdump_mpls-traceroute.pcap",
        "wirelens reports no '\"Time To Live\" only N' or traceroute items yet",
    ),
    (
        "tcpdump_pptp.pcap ndpi_1kxun.pcap",
        "wirelens reports no Ethernet trailer-padding item, nor (1kxun) HTTP header and \
         decompression items, yet",
    ),
    (
        "wirelens_lldp_cdp.pcap wirelens_proxy.pcap",
        "items wirelens lacks: LLDP's deprecated TLV, PROXY's badly formatted line",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "wirelens counts HTTP responses in resent segments tshark hands to no protocol",
    ),
    (
        "wirelens_quic_h3.pcapng arkime_http2-nghttp2.pcap zeek_pipelined-requests.pcap \
         pcap-parser_wireshark_samples-test.pcapng",
        "tshark's items about its own preferences and missing secrets (QUIC, HTTP/2 \
         reassembly, HTTP body heuristics) and its mDNS retransmission tracking",
    ),
    (
        "arkime_wireshark-retrans.pcap zeek_206_example_b.pcap dpkt_http.pcap",
        "tshark's reassembly overlap errors on resent segments (tests/common's \
         tcp_payload_withheld) and its 240-character cut of a long request line",
    ),
    (
        "zeek_icmp-destunreach-udp.pcap tcpdump_ipv6-next-header-oobr-1.pcap",
        "an exception in a datagram quoted by ICMP; a fuzzed Path MTU option wirelens \
         does not know (it notes the option's length, tshark the PMTU option's)",
    ),
];

/// `-z expert` (and `expert,note` with a filter) equal to tshark's on every
/// compared fixture but those [`EXPERTS_DIFFER`] names: severities, groups,
/// protocols, summaries, counts and order. In separate runs: tshark 4.0
/// keeps one lowest severity for all its expert tables (the last `-z
/// expert` given sets it for every one); wirelens keeps each table's own.
#[test]
fn expert_summaries_print_as_tsharks() {
    let mut items = 0;
    let mut agree = Vec::new();
    for fx in compared_fixtures() {
        let listed = listed(EXPERTS_DIFFER, &fx.name);
        let mut differs = false;
        for z in ["expert", "expert,note,tcp"] {
            let args = ["-q", "-z", z].map(String::from).to_vec();
            let (theirs, ours) = outputs(&fx, &args);
            differs |= ours != theirs;
            if !listed {
                assert_eq!(ours, theirs, "{} {z}", fx.name);
                items += ours.lines().count();
            }
        }
        if listed && !differs {
            agree.push(fx.name.clone());
        }
    }
    // The list stays true: a capture leaves it once it agrees.
    assert!(
        agree.is_empty(),
        "listed in EXPERTS_DIFFER yet agree: {agree:?}"
    );
    assert!(items > 1_000, "{items}");
}

/// Captures whose followed UDP streams differ from tshark's, with the reason.
const FOLLOW_DIFFERS: &[(&str, &str)] = &[(
    "tcpdump_geneve.pcap tcpdump_vxlan.pcap",
    "in a tunnel tshark's UDP follower names the nodes by the innermost addresses \
     (pinfo->src: the inner IP, or the inner Ethernet's MAC under VXLAN) with the outer \
     UDP's ports; wirelens names the conversation followed, and follows the transport \
     the frame is dissected to (a Geneve frame's inner TCP, not its outer UDP)",
)];

/// `-z follow` for the first TCP and UDP streams of every capture (a
/// stream that is not there too), each mode in turn, in one run.
#[test]
fn followed_streams_print_as_tsharks() {
    let modes = ["ascii", "hex", "raw", "yaml"];
    let mut args = vec!["-q".to_string()];
    for (i, s) in [0, 1, 2, 3, 5, 8, 13, 400].iter().enumerate() {
        args.extend(["-z".into(), format!("follow,tcp,{},{s}", modes[i % 4])]);
    }
    for (i, s) in [0, 1, 2, 4, 7].iter().enumerate() {
        args.extend([
            "-z".into(),
            format!("follow,udp,{},{s}", modes[(i + 1) % 4]),
        ]);
    }
    let mut records = 0;
    for fx in compared_fixtures() {
        if listed(FOLLOW_DIFFERS, &fx.name) {
            continue;
        }
        let (theirs, ours) = outputs(&fx, &args);
        assert_eq!(ours, theirs, "{}", fx.name);
        records += ours
            .lines()
            .filter(|l| l.starts_with("  - packet:"))
            .count();
    }
    assert!(records > 500, "{records}");
}

/// `-z follow,http2` for the first HTTP/2 streams of the first TCP
/// streams of every capture, each mode in turn: the frames tshark 4.0's
/// follow tap is given (decoded header fields, other frames whole),
/// except where tshark hands a connection's frames to no protocol
/// (FOLLOW_HTTP2_DIFFERS).
#[test]
fn followed_http2_streams_print_as_tsharks() {
    let modes = ["ascii", "hex", "raw", "yaml"];
    let streams = ["0,0", "0,1", "0,3", "0,5", "1,1", "1,3", "2,1"];
    let mut records = 0;
    for fx in compared_fixtures() {
        let mut args = vec!["-q".to_string()];
        for (i, s) in streams.iter().enumerate() {
            let differs = FOLLOW_HTTP2_DIFFERS
                .iter()
                .any(|(f, d, _)| *f == fx.name && (*d == "*" || d == s));
            if !differs {
                args.extend(["-z".into(), format!("follow,http2,{},{s}", modes[i % 4])]);
            }
        }
        if args.len() == 1 {
            continue;
        }
        let (theirs, ours) = outputs(&fx, &args);
        assert_eq!(ours, theirs, "{}", fx.name);
        records += ours.lines().filter(|l| l.starts_with("0000")).count();
    }
    assert!(records > 20, "{records}");
}

/// (capture, TCP stream,HTTP/2 stream or "*", why) whose followed HTTP/2
/// stream differs from tshark's.
const FOLLOW_HTTP2_DIFFERS: &[(&str, &str, &str)] = &[
    (
        "arkime_http2-nghttp2.pcap",
        "*",
        "tshark leaves the 16,393-byte HEADERS frame that starts in frame 4 unreassembled \
         (as VERBOSE_DIFFERS says) and gives its follow tap none of the connection's later \
         frames; wirelens follows them",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "0,5",
        "stream 5's DATA frames in the out-of-order segments 110 and 112: tshark 4.0 hands \
         them to no protocol (REASSEMBLY_EXCEPTIONS, frame 106), wirelens reassembles them \
         in order and follows them",
    ),
];

/// A stream named by its two endpoints, a range of records, and a
/// reassembly gap (tshark's text, with the NUL it copies).
#[test]
fn follow_takes_endpoints_and_ranges_as_tshark() {
    let cases = [
        (
            "dpkt_http.pcap",
            "follow,tcp,ascii,65.208.228.223:80,145.254.160.237:3372,2-4",
        ),
        ("dpkt_http.pcap", "follow,tcp,hex,0,3"),
        ("tcp_acked_unseen_after_gaps.pcap", "follow,tcp,ascii,0"),
        ("tcp_acked_unseen_after_gaps.pcap", "follow,tcp,yaml,0"),
        (
            "libpcap_ipv6_ext_headers.pcap",
            "follow,udp,hex,[2001:db8::1]:12345,[2001:db8::2]:54321",
        ),
        (
            "zeek_ipv6-http-atomic-frag.pcap",
            "follow,tcp,raw,[2001:db8:1::2]:59694,[2001:db8:1::1]:80",
        ),
    ];
    for (name, z) in cases {
        let fx = fixtures().into_iter().find(|f| f.name == name).expect(name);
        let args = ["-q", "-z", z].map(String::from).to_vec();
        let (theirs, ours) = outputs(&fx, &args);
        assert!(theirs.lines().count() > 4, "{name} {z}: {theirs}");
        assert_eq!(ours, theirs, "{name} {z}");
    }
}

/// Follow TLS: the decrypted records equal tshark's, in ascii and hex
/// from one pass, but not its nodes.
/// tshark 4.0's TLS follower takes as "client" the sender of the first
/// frame with any decrypted record (under TLS 1.3 the server's encrypted
/// handshake) and never sets the server, so it prints `Node 1: :0` and
/// indents the wrong side; later versions set both at once. wirelens
/// names the connection's first sender node 0, as its TCP follower.
#[test]
fn followed_tls_records_are_tsharks() {
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with("Node "))
            .map(|l| l.trim_start_matches('\t').to_string())
            .collect()
    };
    let mut compared = 0;
    for fx in fixtures() {
        if !fx.path.with_extension("keys").exists() || fx.name.contains("quic") {
            continue;
        }
        for s in 0..3 {
            // Two followers of one stream in one pass: each gets the records.
            let args = [
                "-q".to_string(),
                "-z".into(),
                format!("follow,tls,ascii,{s}"),
                "-z".into(),
                format!("follow,tls,hex,{s}"),
            ];
            let (theirs, ours) = outputs(&fx, &args);
            assert_eq!(strip(&ours), strip(&theirs), "{} stream {s}", fx.name);
            compared += ours.lines().count();
        }
    }
    assert!(compared > 100, "{compared}");
}

/// Captures whose statistics trees differ from tshark's, by tree, with
/// the reason.
const TREES_DIFFER: &[(&str, &str, &str)] = &[
    (
        "http,tree",
        "suricata_dns_over_https_POST.pcap suricata_http2-continuation.pcap \
         zeek_ipv6-http-atomic-frag.pcap",
        "tshark queues HTTP tap events for which its tree has no HTTP item (`-Y http` finds \
         no frame): from HTTP/2 streams and from TCP payloads it does not show as HTTP; they \
         count as Other HTTP Packets",
    ),
    (
        "http,tree",
        "ndpi_1kxun.pcap",
        "tshark taps 40 body segments of one response as Other HTTP Packets, at times \
         measured from the epoch instead of the first packet (its burst start \
         184280811.931), while other Continuation segments have no tap",
    ),
    (
        "http,tree http2,tree",
        "gen_tcp_loss_reorder_zero_window.pcap zeek_206_example_b.pcap",
        "a message completed by an out-of-order segment, or read across a gap: tshark \
         reassembles it without dissecting HTTP in it (its frame shows only TCP), \
         wirelens shows the message",
    ),
    (
        "http2,tree",
        "arkime_http2-nghttp2.pcap",
        "tshark leaves this capture's WINDOW_UPDATE, GOAWAY and CONTINUATION frames \
         undissected (no http2.type for them) and taps one HEADERS frame less than it \
         shows",
    ),
];

/// `-z http,tree`, `http2,tree`, `dns,tree`, `ptype,tree` and
/// `ipv6_ptype,tree`, and one with a filter, on every capture.
#[test]
fn statistics_trees_print_as_tsharks() {
    let trees = [
        "http,tree",
        "http2,tree",
        "dns,tree",
        "ptype,tree",
        "ipv6_ptype,tree",
        "dns,tree,udp",
    ];
    let mut rows = 0;
    for fx in compared_fixtures() {
        // One run per capture, with every tree that agrees there.
        let mut args = vec!["-q".to_string()];
        for z in trees {
            let differs = TREES_DIFFER.iter().any(|(t, names, _)| {
                t.split_whitespace().any(|t| z.starts_with(t))
                    && names.split_whitespace().any(|n| n == fx.name)
            });
            if !differs {
                args.extend(["-z".to_string(), z.to_string()]);
            }
        }
        let (theirs, ours) = outputs(&fx, &args);
        assert_eq!(ours, theirs, "{}", fx.name);
        rows += ours.lines().count();
    }
    assert!(rows > 10_000, "{rows}");
}

/// `wirelens -G fields` in tshark's layout: `P` lines of three columns, `F`
/// lines of eight, every field under its protocol's `P` line; the name,
/// title and type of nearly every field tshark also has are tshark's.
/// (Blurbs are mostly missing, and a boolean's width is guessed from its
/// mask: those columns are not compared.)
#[test]
fn glossary_prints_tsharks_layout() {
    let run = |c: &mut Command| String::from_utf8(c.output().expect("runs").stdout).unwrap();
    let ours = run(Command::new(env!("CARGO_BIN_EXE_wirelens")).args(["-G", "fields"]));
    let theirs = run(Command::new("tshark").args(["-G", "fields"]));
    let mut tshark = std::collections::HashMap::new();
    for l in theirs.lines() {
        let c: Vec<&str> = l.split('\t').collect();
        if c[0] == "F" && c.len() == 8 {
            tshark
                .entry(c[2].to_string())
                .or_insert((c[1].to_string(), c[3].to_string()));
        }
    }
    let (mut protocol, mut compared, mut agree) = ("", 0, 0);
    let mut differ = Vec::new();
    for l in ours.lines() {
        let c: Vec<&str> = l.split('\t').collect();
        match c[0] {
            "P" => {
                assert_eq!(c.len(), 3, "{l}");
                protocol = c[2];
            }
            "F" => {
                assert_eq!(c.len(), 8, "{l}");
                assert_eq!(c[4], protocol, "{l}");
                assert!(c[6].starts_with("0x"), "{l}");
                if let Some((title, ftype)) = tshark.get(c[2]) {
                    compared += 1;
                    if (title.as_str(), ftype.as_str()) == (c[1], c[3]) {
                        agree += 1;
                    } else {
                        differ.push(l.to_string());
                    }
                }
            }
            _ => panic!("{l}"),
        }
    }
    assert!(compared > 1_000, "{compared}");
    assert!(
        agree * 100 >= compared * 96,
        "{agree}/{compared}: {differ:#?}"
    );
}

/// The packet list (`packets` with no `-T`) in tshark's layout: number,
/// time (in three `-t` formats), source and destination padded as tshark
/// pads them, on every packet of every compared capture. Protocol, length
/// and Info are compared by the field tests; they differ here
/// where tshark's one pass prints a column before the reassembly that
/// changes it (its `-2` prints them as wirelens does).
#[test]
fn the_packet_list_is_laid_out_as_tsharks() {
    // The line up to the destination, and where the protocol begins.
    let layout = |line: &str| {
        let arrow = line.find(" \u{2192} ").unwrap_or(line.len());
        let after = &line[(arrow + 5).min(line.len())..];
        let dst_end = arrow
            + 5
            + after
                .find(|c: char| c != ' ')
                .map_or(0, |i| after[i..].find(' ').map_or(after.len(), |j| i + j));
        let protocol_at = dst_end + line[dst_end.min(line.len())..].len()
            - line[dst_end.min(line.len())..].trim_start().len();
        (line[..dst_end.min(line.len())].to_string(), protocol_at)
    };
    let mut packets = 0;
    for (i, fx) in compared_fixtures().into_iter().enumerate() {
        // Every capture relative, one in eight in two more formats.
        let formats: &[&str] = if i % 8 == 0 {
            &["r", "ad", "e"]
        } else {
            &["r"]
        };
        for t in formats {
            let args = ["-t", t].map(String::from).to_vec();
            let (theirs, ours) = outputs(&fx, &args);
            let (theirs, ours): (Vec<&str>, Vec<&str>) =
                (theirs.lines().collect(), ours.lines().collect());
            assert_eq!(ours.len(), theirs.len(), "{} -t {t}", fx.name);
            for (o, th) in ours.iter().zip(&theirs) {
                assert_eq!(layout(o), layout(th), "{} -t {t}:\n{o}\n{th}", fx.name);
            }
            packets += ours.len();
        }
    }
    assert!(packets > 20_000, "{packets}");
}

/// The layers whose `-V` text is compared with tshark's line for line.
const VERBOSE_LAYERS: &[&str] = &[
    "Frame ",
    "Ethernet II,",
    "802.1Q Virtual LAN,",
    "Null/Loopback",
    "Linux cooked capture",
    "Raw packet data",
    "Address Resolution Protocol",
    "Internet Protocol Version 4,",
    "Internet Protocol Version 6,",
    "User Datagram Protocol,",
    "Transmission Control Protocol,",
    "Domain Name System (",
    "Internet Control Message Protocol",
    "Internet Control Message Protocol v6",
    "Internet Group Management Protocol",
    "Multicast Domain Name System (",
    "Link-local Multicast Name Resolution (",
    // Data last: it is compared only right after one of the others.
    "Data (",
];

/// The application layers whose `-T json` text is compared with tshark's
/// line for line: those of APP_VERBOSE_LAYERS, by their JSON keys.
const APP_JSON_LAYERS: &[&str] = &[
    "\"tls\":",
    "\"http\":",
    "\"http2\":",
    "\"smtp\":",
    "\"data\":",
];

/// The application layers whose `-V` text is compared with tshark's line
/// for line (with the data right after them), in a test of their own.
const APP_VERBOSE_LAYERS: &[&str] = &[
    "Transport Layer Security",
    "Hypertext Transfer Protocol",
    "HyperText Transfer Protocol 2",
    "Simple Mail Transfer Protocol",
    "Data (",
];

/// The layers whose `-T json` text is compared with tshark's line for
/// line: those of VERBOSE_LAYERS, by their JSON keys.
const JSON_LAYERS: &[&str] = &[
    "\"frame\":",
    "\"eth\":",
    "\"vlan\":",
    "\"null\":",
    "\"sll\":",
    "\"raw\":",
    "\"arp\":",
    "\"ip\":",
    "\"ipv6\":",
    "\"udp\":",
    "\"tcp\":",
    "\"dns\":",
    "\"icmp\":",
    "\"icmpv6\":",
    "\"igmp\":",
    "\"mdns\":",
    "\"llmnr\":",
    "\"data\":",
];

/// Fixtures where a compared layer's `-T json` text differs from
/// tshark's: (fixture, layer, why).
const JSON_DIFFERS: &[(&str, &str, &str)] = &[];

/// Fixtures where a compared layer's `-V` text differs from tshark's:
/// (fixture, layer prefix, why).
const VERBOSE_DIFFERS: &[(&str, &str, &str)] = &[
    (
        "tcpdump_ipv6-next-header-oobr-1.pcap",
        "Internet Protocol Version 6,",
        "a fuzzed Path MTU option (type 0x30) of the wrong length: tshark names it and reads its fields past the length, wirelens does not know the option and notes the length",
    ),
    (
        "zeek_ip6-ext-trunc.pcap",
        "Internet Protocol Version 6,",
        "a hop-by-hop header cut by the end of the frame: tshark shows no item for it (its exception comes first), wirelens shows the header's item before the exception",
    ),
    (
        "tcpdump_mpls-traceroute.pcap",
        "Internet Control Message Protocol",
        "ICMP multi-part extensions (RFC 4884, MPLS label stacks of RFC 4950) after the quoted datagram: wirelens shows them as data",
    ),
    (
        "tcpdump_mpls-traceroute.pcap",
        "Data (",
        "the same extensions: tshark shows the quoted datagram's last 12 bytes as data after ICMP, wirelens its extensions as data inside it",
    ),
    (
        "zeek_icmp-destunreach-udp.pcap",
        "Internet Control Message Protocol",
        "the quoted DNS response: wirelens shows it inside ICMP's quoted UDP, tshark as a top-level item (see its DNS entry)",
    ),
    (
        "ndpi_dns_fragmented.pcap",
        "Domain Name System (",
        "frames 14 and 15 carry NSEC3 records, whose data wirelens shows as bytes (it reads A to SRV, OPT, SVCB, CAA, LOC, RRSIG and DNSKEY, not NSEC/NSEC3 yet)",
    ),
    (
        "zeek_icmp-destunreach-udp.pcap",
        "Domain Name System (",
        "the DNS response quoted inside an ICMP destination-unreachable: tshark shows it as a top-level item after ICMP, wirelens inside ICMP's quoted UDP",
    ),
    (
        "arkime_websocket.pcap",
        "Transmission Control Protocol,",
        "frames 13 and 19 (keep-alive ACKs): tshark's D-SACK items (tcp.options.sack.dsack), which wirelens does not report yet (as EXPERTS_DIFFER says)",
    ),
    (
        "arkime_http2-nghttp2.pcap",
        "Transmission Control Protocol,",
        "tshark leaves the 16,393-byte HTTP/2 HEADERS frame that starts in frame 4 unreassembled (its tree ends in a BoundError), so its PDU sizes and held segment data differ from wirelens', which reassembles it (as golden.rs says of tcp.segment_data)",
    ),
    (
        "arkime_smtp-decrypted.pcap",
        "Transmission Control Protocol,",
        "frame 60: tshark lists the RTO before the 'ACKed segment that wasn't captured' expert, wirelens after it",
    ),
    (
        "dpkt_http.pcap",
        "Transmission Control Protocol,",
        "frame 36 is a spurious retransmission whose payload tshark words as 'Retransmitted TCP segment data', which it does not for the spurious retransmissions of other captures (as golden.rs says)",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "Transmission Control Protocol,",
        "out-of-order segments that complete HTTP/2 frames: wirelens dissects what they complete and notes the PDU sizes, tshark (out-of-order reassembly off by default) does not",
    ),
    (
        "gopacket_le_test009.pcapng",
        "Frame ",
        "tshark shows the Enhanced Packet Block's flags word and puts comments under 'Packet comments'; wirelens does not read EPB flags and lists a comment as a field",
    ),
    (
        "ndpi_1kxun.pcap",
        "Data (",
        "UDP payloads tshark dissects as protocols wirelens does not dissect yet (NetBIOS datagrams, SMB browser and others)",
    ),
    (
        "ndpi_1kxun.pcap",
        "Transmission Control Protocol,",
        "duplicate SACKs: tshark marks a first SACK block below the acknowledgment number as D-SACK (its edges and a warning); wirelens does not analyse D-SACK yet",
    ),
    (
        "pcap-parser_wireshark_samples-test.pcapng",
        "Data (",
        "payloads of protocols wirelens does not dissect yet (NetBIOS session keep-alives and others)",
    ),
    (
        "suricata_tcp-empty-sack_tcp-opt.pcap",
        "Transmission Control Protocol,",
        "an empty SACK option: tshark's exception leaves the malformed note outside the TCP tree, wirelens puts it under the option list",
    ),
    (
        "tcpdump_ssh.pcap",
        "Transmission Control Protocol,",
        "frame 54: a D-SACK (as in ndpi_1kxun.pcap)",
    ),
    (
        "tcpdump_various_gre.pcap",
        "Data (",
        "payloads of GRE-carried protocols wirelens does not dissect yet",
    ),
    (
        "wirelens_ftp-pasv-port.pcap",
        "Transmission Control Protocol,",
        "tshark 4.0's completeness of an FTP data connection misses the SYN bit (the bug golden.rs names for tcp.completeness)",
    ),
    (
        "wirelens_lldp_cdp.pcap",
        "Ethernet II,",
        "tshark shows the bytes after the LLDP PDU as an Ethernet trailer; wirelens leaves them to LLDP",
    ),
    (
        "wirelens_tls_decrypt.pcap",
        "Transmission Control Protocol,",
        "tshark notes the sizes of decrypted HTTP/2 frames under TCP; wirelens notes those of cleartext payloads only (as golden.rs says)",
    ),
    (
        "zeek_206_example_b.pcap",
        "Transmission Control Protocol,",
        "from frame 451 wirelens counts the rest of a 206,024-byte HTTP body as it streams by instead of holding it (its PDU engine keeps bodies only up to a bound), so it words no held segment data there; tshark holds every segment until the response completes in frame 1213",
    ),
    (
        "zeek_ipv6-http-atomic-frag.pcap",
        "Data (",
        "an HTTP body tshark dissects as a media type (its own layer); wirelens shows it as data",
    ),
    (
        "zeek_tcp-truncated-header.pcap",
        "Transmission Control Protocol,",
        "a header cut inside its options: tshark sizes the option list by the header length (20 bytes) and puts the length note deeper; wirelens sizes it by what was captured (14)",
    ),
    (
        "zeek_window-scale-range.pcap",
        "Data (",
        "frame 4's 5 bytes go to no protocol: tshark holds them as TCP segment data, wirelens shows them as Data (as golden.rs says)",
    ),
    (
        "zeek_window-scale-range.pcap",
        "Transmission Control Protocol,",
        "the same 5 bytes, held as TCP segment data by tshark",
    ),
];

/// Fixtures where a compared application layer's `-T json` text differs
/// from tshark's though its `-V` text does not: (fixture, layer, why).
const APP_JSON_DIFFERS: &[(&str, &str, &str)] = &[(
    "suricata_decode-sll2-02.pcap",
    "\"http\":",
    "frame 156: a body too long to keep, counted as it streamed by: wirelens knows its length, not its bytes, so its File Data is a text item without http.file_data's value",
)];

/// Fixtures where a compared application layer's `-V` text differs from
/// tshark's: (fixture, layer prefix, why).
const APP_VERBOSE_DIFFERS: &[(&str, &str, &str)] = &[
    (
        "arkime_http2-nghttp2.pcap",
        "HyperText Transfer Protocol 2",
        "frame 4: HTTP/2 reached through HTTP's port 80 may not ask TCP for more, so tshark shows only the header and priority of a HEADERS frame that later segments continue, then a BoundError; wirelens reassembles the frame and shows it whole where it ends (the 5 frames after differ with it)",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "HyperText Transfer Protocol 2",
        "frames after lost and reordered segments: tshark hands other segments to HTTP/2 than wirelens does (SOURCES_DIFFER: its reassembled body is 37835 bytes, wirelens' 34957)",
    ),
    (
        "arkime_curl-enabled-tls13.pcap",
        "Transport Layer Security",
        "frame 12, a segment in the middle of a record later segments complete: wirelens shows TLS's empty item, as tshark does for the segment a record starts in; tshark 4.0 shows none here",
    ),
    (
        "suricata_tcp-empty-sack_tcp-opt.pcap",
        "Transport Layer Security",
        "a segment in the middle of a record (as in arkime_curl-enabled-tls13.pcap)",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "Transport Layer Security",
        "segments tshark marks as retransmissions of records it showed (frame 2077 on): wirelens shows the resent records again, tshark 4.0 only the TCP payload",
    ),
    (
        "ndpi_1kxun.pcap",
        "Transport Layer Security",
        "certificates: tshark shows each X.509 certificate as its whole ASN.1 tree (signedCertificate, rdnSequence, extensions...), wirelens as the certificate with its serial number, issuer, subject, validity and DNS names (read with x509-parser)",
    ),
    (
        "suricata_tls-client-hello-frag_dump_mtu300.pcap",
        "Transport Layer Security",
        "certificates: tshark shows each X.509 certificate as its whole ASN.1 tree (signedCertificate, rdnSequence, extensions...), wirelens as the certificate with its serial number, issuer, subject, validity and DNS names (read with x509-parser)",
    ),
    (
        "wirelens_sslv2-client-hello.pcap",
        "Transport Layer Security",
        "the SSLv2 ClientHello: tshark 4.0 names its fields as SSLv2's (Handshake Message Type, 3-byte Cipher Specs, Challenge); wirelens as TLS's",
    ),
    (
        "wirelens_tls_decrypt.pcap",
        "Transport Layer Security",
        "certificates: tshark shows each X.509 certificate as its whole ASN.1 tree (signedCertificate, rdnSequence, extensions...), wirelens as the certificate with its serial number, issuer, subject, validity and DNS names (read with x509-parser), and tshark words the part of a record that later segments complete 'TLS segment data'",
    ),
    (
        "wirelens_tls_gnutls.pcap",
        "Transport Layer Security",
        "certificates: tshark shows each X.509 certificate as its whole ASN.1 tree (signedCertificate, rdnSequence, extensions...), wirelens as the certificate with its serial number, issuer, subject, validity and DNS names (read with x509-parser), and tshark words the part of a record that later segments complete 'TLS segment data'",
    ),
    (
        "wirelens_tls_legacy.pcap",
        "Transport Layer Security",
        "certificates: tshark shows each X.509 certificate as its whole ASN.1 tree (signedCertificate, rdnSequence, extensions...), wirelens as the certificate with its serial number, issuer, subject, validity and DNS names (read with x509-parser), and tshark words the part of a record that later segments complete 'TLS segment data'",
    ),
    (
        "zeek_tls12-decryption.pcap",
        "Transport Layer Security",
        "certificates: tshark shows each X.509 certificate as its whole ASN.1 tree (signedCertificate, rdnSequence, extensions...), wirelens as the certificate with its serial number, issuer, subject, validity and DNS names (read with x509-parser)",
    ),
    (
        "arkime_wireshark-retrans.pcap",
        "Hypertext Transfer Protocol",
        "resent responses: tshark 4.0 counts the resent copy as a further exchange (HTTP response 3/3, its Prev request and response, its Request URI); wirelens pairs it with nothing, as a copy",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "Hypertext Transfer Protocol",
        "responses that out-of-order segments complete: wirelens dissects them, tshark (out-of-order reassembly off by default) does not (as for TCP)",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        "Data (",
        "the bodies of those responses",
    ),
    (
        "ndpi_1kxun.pcap",
        "Hypertext Transfer Protocol",
        "binary continuation bytes that start printable: tshark 4.0 reads them as header lines ('Illegal characters found in header name'), wirelens as file data; and a body whose length tshark and wirelens cut differently (frame 471)",
    ),
    (
        "suricata_http-event-chunk.pcap",
        "Hypertext Transfer Protocol",
        "a damaged chunked body (a size line ending in a bare LF, a last chunk with extensions and a trailer): tshark 4.0 and wirelens part its chunks differently",
    ),
    (
        "suricata_http2-keywords2_h2c-upgrade.pcap",
        "Hypertext Transfer Protocol",
        "the HTTP2-Settings header of an h2c upgrade: tshark decodes its settings under it, wirelens shows the header",
    ),
    (
        "wirelens_proxy.pcap",
        "Hypertext Transfer Protocol",
        "frames 4 and 6, the exchange after a PROXY protocol header: tshark numbers it 1/1, wirelens 2/2 (it counts the exchange before on the same connection)",
    ),
    (
        "zeek_206_example_b.pcap",
        "Hypertext Transfer Protocol",
        "from frame 953: the 206,024-byte body wirelens counts as it streams by (as said for TCP), so its chunk and data items differ",
    ),
    (
        "zeek_206_example_b.pcap",
        "Data (",
        "the same body: wirelens knows its length, not its bytes",
    ),
    (
        "suricata_decode-sll2-02.pcap",
        "Data (",
        "frame 156: a body too long to keep, counted as it streamed by: wirelens shows its length without its bytes",
    ),
    (
        "zeek_pipelined-requests.pcap",
        "Hypertext Transfer Protocol",
        "frame 15: tshark notes 'HTTP body subdissector failed, trying heuristic subdissector'; wirelens has no such note",
    ),
    (
        "zeek_hrr.pcap",
        "Transport Layer Security",
        "frame 11: an out-of-order segment that completes the ServerHello: wirelens dissects it, tshark (out-of-order reassembly off by default) does not",
    ),
];

/// One packet of `-V` text as its layers: (the layer's first line, its
/// lines), in order. The `[Protocols in frame: …]` line is left out: the
/// field tests compare `frame.protocols`, with their own exceptions for
/// protocols wirelens does not dissect. So are JA4 fingerprints, which
/// wirelens shows and tshark 4.0 (older than JA4) does not.
fn verbose_layers(packet: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut layers: Vec<(String, Vec<String>)> = Vec::new();
    for line in packet {
        let hex = line.len() > 6
            && line.as_bytes()[..4].iter().all(u8::is_ascii_hexdigit)
            && line[4..].starts_with("  ");
        if line.starts_with("    [Protocols in frame") {
            continue;
        }
        // wirelens' JA4 fingerprints, which tshark 4.0 predates.
        if line.trim_start().starts_with("[JA4") {
            continue;
        }
        match layers.last_mut() {
            Some((_, lines)) if line.starts_with(' ') || line.is_empty() || hex => {
                lines.push(line.to_string())
            }
            _ => layers.push((line.to_string(), vec![line.to_string()])),
        }
    }
    // The empty line that ends a packet belongs to no layer.
    for (_, lines) in &mut layers {
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
    }
    layers
}

/// `-V` output as packets, each as its layers.
fn verbose_split(text: &str) -> Vec<PacketLayers> {
    verbose_packets(text)
        .iter()
        .map(|p| verbose_layers(p))
        .collect()
}

/// `-V` output as packets, each the lines from its `Frame N:` line on.
fn verbose_packets(text: &str) -> Vec<Vec<&str>> {
    let mut packets: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("Frame ") && line.contains(" bytes on wire ") {
            packets.push(Vec::new());
        }
        if let Some(p) = packets.last_mut() {
            p.push(line);
        }
    }
    packets
}

/// `-V` prints the details tree as tshark's, line for line, for the link,
/// network and transport layers, DNS and data: each layer of each packet
/// (paired by its place among the packet's layers of that name) equal,
/// except the fixtures VERBOSE_DIFFERS names, each of which must still
/// differ (so the list stays true).
#[test]
fn details_trees_print_as_tsharks() {
    layers_match_tsharks(
        "-V",
        &verbose_split,
        VERBOSE_LAYERS,
        VERBOSE_DIFFERS.to_vec(),
        40_000,
    );
}

/// `-V` prints TLS and HTTP (and the data right after them) as tshark's,
/// line for line, except the fixtures APP_VERBOSE_DIFFERS names, each of
/// which must still differ.
#[test]
fn application_details_trees_print_as_tsharks() {
    layers_match_tsharks(
        "-V",
        &verbose_split,
        APP_VERBOSE_LAYERS,
        APP_VERBOSE_DIFFERS.to_vec(),
        1_500,
    );
}

/// `-T json` writes TLS and HTTP (and the data right after them) as
/// tshark's, line for line, except where their `-V` differs
/// (APP_VERBOSE_DIFFERS) and APP_JSON_DIFFERS.
#[test]
fn application_json_trees_print_as_tsharks() {
    json_layers_match_tsharks(
        (APP_VERBOSE_LAYERS, APP_JSON_LAYERS),
        APP_VERBOSE_DIFFERS,
        APP_JSON_DIFFERS,
        1_500,
    );
}

/// `-O tcp,dns` shows those protocols' details as `-V` does and every other
/// top-level item as its line alone, as tshark's `-O`: each compared layer
/// equal to tshark's (an unexpanded one is its title), except where `-V`'s
/// TCP and DNS differ (VERBOSE_DIFFERS) and where a title does
/// (ONLY_DETAILS_DIFFERS).
#[test]
fn only_details_print_as_tsharks() {
    let expanded = ["Transmission Control Protocol,", "Domain Name System ("];
    let listed = VERBOSE_DIFFERS
        .iter()
        .filter(|(_, l, _)| expanded.contains(l))
        .chain(ONLY_DETAILS_DIFFERS)
        .copied()
        .collect();
    layers_match_tsharks("-Otcp,dns", &verbose_split, VERBOSE_LAYERS, listed, 40_000);
}

/// Where a layer's title differs from tshark's, so that `-O` shows it
/// (VERBOSE_DIFFERS says the same of the whole layer): the data a protocol
/// wirelens does not dissect leaves, which tshark names otherwise.
const ONLY_DETAILS_DIFFERS: &[(&str, &str, &str)] = &[
    (
        "tcpdump_mpls-traceroute.pcap",
        "Data (",
        "ICMP multi-part extensions: tshark shows data after ICMP that wirelens shows inside it (VERBOSE_DIFFERS)",
    ),
    (
        "ndpi_1kxun.pcap",
        "Data (",
        "UDP payloads tshark dissects as protocols wirelens does not dissect yet (NetBIOS datagrams, SMB browser and others)",
    ),
    (
        "pcap-parser_wireshark_samples-test.pcapng",
        "Data (",
        "payloads of protocols wirelens does not dissect yet (NetBIOS session keep-alives and others)",
    ),
    (
        "tcpdump_various_gre.pcap",
        "Data (",
        "tshark dissects the Configuration Test Protocol (loopback) frames; wirelens shows them as data",
    ),
    (
        "zeek_ipv6-http-atomic-frag.pcap",
        "Data (",
        "an HTTP body tshark dissects as a media type (its own layer); wirelens shows it as data",
    ),
    (
        "zeek_window-scale-range.pcap",
        "Data (",
        "tshark names the payload of a segment it holds for reassembly \"TCP segment data\"",
    ),
];

/// `-T json` writes the details tree as tshark's JSON, line for line, for
/// the same layers as `-V` (hidden fields included, as tshark's JSON has
/// them), except where `-V` differs (VERBOSE_DIFFERS: the same tree) and
/// JSON_DIFFERS; members naming a MAC address's manufacturer
/// (`eth.src.oui_resolved`) are left out: wirelens ships no manufacturer
/// database.
#[test]
fn json_trees_print_as_tsharks() {
    json_layers_match_tsharks(
        (VERBOSE_LAYERS, JSON_LAYERS),
        VERBOSE_DIFFERS,
        JSON_DIFFERS,
        40_000,
    );
}

/// `-T json` compared layer by layer (`layers`: the `-V` titles and their
/// JSON keys, in step), listing where `-V` differs (the same tree) and
/// where JSON alone does.
fn json_layers_match_tsharks(
    (verbose, json): (&[&str], &[&'static str]),
    verbose_differs: &[(&'static str, &str, &'static str)],
    json_differs: &[(&'static str, &'static str, &'static str)],
    at_least: usize,
) {
    let split = |text: &str| -> Vec<PacketLayers> {
        json_packets(text).iter().map(|p| json_layers(p)).collect()
    };
    let as_json = |layer: &str| {
        let i = verbose.iter().position(|l| *l == layer);
        json[i.expect("a compared layer")]
    };
    let listed = verbose_differs
        .iter()
        .map(|&(f, l, why)| (f, as_json(l), why))
        .chain(json_differs.iter().copied())
        .collect();
    layers_match_tsharks("-Tjson", &split, json, listed, at_least);
}

/// A packet's layers: (a layer's first line, its lines), in order.
type PacketLayers = Vec<(String, Vec<String>)>;

/// A packet's layers as tshark and wirelens print them with `option`,
/// compared for each of `layers` (paired by their place among the
/// packet's layers of that name): equal, except the (fixture, layer)
/// pairs `listed`, each of which must still differ (so the list stays
/// true).
/// Whether a layer's first line is the compared layer `layer` names (a
/// prefix of its title; HTTP's is a prefix of HTTP/3's too, which is not
/// compared).
fn is_layer(first: &str, layer: &str) -> bool {
    // A title that is a prefix of another protocol's: (title, the other's).
    const SHADOWED: [(&str, &str); 2] = [
        (
            "Hypertext Transfer Protocol",
            "Hypertext Transfer Protocol Version 3",
        ),
        (
            "Internet Control Message Protocol",
            "Internet Control Message Protocol v6",
        ),
    ];
    first.starts_with(layer)
        && !SHADOWED
            .iter()
            .any(|(short, long)| layer == *short && first.starts_with(long))
}

fn layers_match_tsharks(
    option: &str,
    split: &dyn Fn(&str) -> Vec<PacketLayers>,
    layers: &[&'static str],
    listed: Vec<(&str, &str, &str)>,
    at_least: usize,
) {
    // (fixture, layer) -> (layers that differ, the first's frame and texts)
    type Differences = std::collections::BTreeMap<(String, &'static str), (usize, String)>;
    let mut differs = Differences::new();
    let mut compared = 0;
    let data = layers[layers.len() - 1];
    for fx in compared_fixtures() {
        let (theirs, ours) = outputs(&fx, &[option.to_string()]);
        let (theirs, ours) = (split(&theirs), split(&ours));
        assert_eq!(theirs.len(), ours.len(), "{}", fx.name);
        for (n, (t, o)) in theirs.iter().zip(&ours).enumerate() {
            for &layer in layers {
                // Data only right above a compared layer: what an
                // application protocol leaves is that protocol's to show.
                let of = |ls: &[(String, Vec<String>)]| -> Vec<Vec<String>> {
                    ls.iter()
                        .enumerate()
                        .filter(|(i, (first, _))| {
                            is_layer(first, layer)
                                && (layer != data
                                    || i.checked_sub(1).is_some_and(|p| {
                                        layers.iter().any(|l| is_layer(&ls[p].0, l))
                                    }))
                        })
                        .map(|(_, (_, lines))| lines.clone())
                        .collect()
                };
                let (tl, ol) = (of(t), of(o));
                compared += tl.len();
                if tl != ol {
                    let e = differs.entry((fx.name.clone(), layer)).or_insert_with(|| {
                        let text = |l: &[Vec<String>]| l.concat().join("\n");
                        let (tt, ot) = (text(&tl), text(&ol));
                        (
                            0,
                            format!("frame {}\n-- tshark:\n{tt}\n-- ours:\n{ot}", n + 1),
                        )
                    });
                    e.0 += 1;
                }
            }
        }
    }
    let is_listed = |f: &str, l: &str| listed.iter().any(|(lf, ll, _)| *lf == f && *ll == l);
    let unlisted: Vec<String> = differs
        .iter()
        .filter(|((f, l), _)| !is_listed(f, l))
        .map(|((f, l), (n, first))| format!("{f} {l:?}: {n} differ, first {first}"))
        .collect();
    let stale: Vec<_> = listed
        .iter()
        .filter(|(f, l, _)| {
            fixtures().iter().any(|fx| fx.name == *f)
                && !differs.keys().any(|(df, dl)| df == f && dl == l)
        })
        .collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "{}\n\nlisted but equal: {stale:?}",
        unlisted.join("\n\n")
    );
    assert!(compared >= at_least, "{compared} layers compared");
}

/// `-T json` output as packets, each the lines of its object.
fn json_packets(text: &str) -> Vec<Vec<&str>> {
    let mut packets: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        if line == "  {" {
            packets.push(Vec::new());
        }
        if let Some(p) = packets.last_mut() {
            p.push(line);
        }
    }
    packets
}

/// One packet's JSON as its layers: members of `layers`, each (its first
/// line, its lines), in order, without the commas that depend on what
/// follows, without manufacturer names and without `frame.protocols`
/// (as `-V`'s comparison leaves it out).
fn json_layers(packet: &[&str]) -> Vec<(String, Vec<String>)> {
    const LAYER_INDENT: &str = "        \"";
    let mut layers: Vec<(String, Vec<String>)> = Vec::new();
    let mut inside = false;
    for line in packet {
        // JA4 is wirelens' own (tshark 4.0 predates it), as in `-V`.
        if line.contains(".oui_resolved\": ")
            || line.contains("\"frame.protocols\": ")
            || line.contains("\"tls.handshake.ja4")
        {
            continue;
        }
        let line = line.strip_suffix(',').unwrap_or(line);
        if line.starts_with(LAYER_INDENT) {
            inside = true;
            let first = line.trim_start().to_string();
            layers.push((first, vec![line.to_string()]));
        } else if (inside && line.starts_with("         ")) || line.starts_with("        }") {
            if let Some((_, lines)) = layers.last_mut() {
                lines.push(line.to_string());
            }
        } else {
            inside = false;
        }
    }
    layers
}
