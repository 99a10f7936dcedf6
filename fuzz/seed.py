#!/usr/bin/env python3
"""Seed the fuzz corpora from the test fixtures: whole files for the file
reader and the capture target, single packets (framed as each target
expects) for the dissectors. The crafted hostile captures join the capture
target's corpus with

    WIRELENS_HOSTILE_DIR=fuzz/corpus/capture cargo test --test hostile inputs_are_written

    python3 fuzz/seed.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "tests", "fixtures")
LINKTYPES = [1, 113, 276, 0, 108, 101, 228, 229, 12]


def records(path):
    """(linktype, bytes) of the packets of a classic pcap (pcapng files are skipped)."""
    b = open(path, "rb").read()
    if len(b) < 24 or b[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return
    lt = struct.unpack("<I", b[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(b):
        cap = struct.unpack("<I", b[off + 8:off + 12])[0]
        data = b[off + 16:off + 16 + cap]
        if len(data) < cap:
            return
        yield lt, data
        off += 16 + cap


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# RFC 7541 C.3 and C.4: request header blocks without and with Huffman coding.
HPACK_SEEDS = [
    "828684410f7777772e6578616d706c652e636f6d",
    "828684be58086e6f2d6361636865",
    "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    "828684418cf1e3c2e5f23a6ba0ab90f4ff",
    "3fe11f828684418cf1e3c2e5f23a6ba0ab90f4ff",
]

# RFC 9204 Appendix B: (to the encoder stream?, bytes), in order, with the
# decoding peer's capacity 220 (the harness' choice 1).
QPACK_SEEDS = [
    (False, "0000510b2f696e6465782e68746d6c"),
    (True, "3fbd01c00f7777772e6578616d706c652e636f6dc10c2f73616d706c652f70617468"),
    (False, "03811011"),
    (True, "4a637573746f6d2d6b65790c637573746f6d2d76616c7565"),
    (True, "02"),
    (False, "050080c181"),
    (True, "810d637573746f6d2d76616c756532"),
]

# Streams for the application targets: (server port, target, bytes to drop
# from the start of the client's stream (the HTTP/2 harness sends the preface)).
STREAM_PORTS = {443: "tls", 80: "http", 53: "dns_tcp"}
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def tcp_streams(path):
    """Each direction's TCP payload in capture order (first copy of each
    sequence number), keyed by (src, sport, dst, dport)."""
    streams, seen = {}, set()
    for lt, pkt in records(path):
        if lt != 1 or len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        hl = (ip[0] & 15) * 4
        if ip[9] != 6 or len(ip) < hl + 20:
            continue
        tot = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[hl:tot]
        if len(tcp) < 20:
            continue
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        payload = tcp[(tcp[12] >> 4) * 4:]
        key = (ip[12:16], sport, ip[16:20], dport)
        if not payload or (key, seq) in seen:
            continue
        seen.add((key, seq))
        streams.setdefault(key, bytearray()).extend(payload)
    return streams


def main():
    for i, h in enumerate(HPACK_SEEDS):
        block = bytes.fromhex(h)
        put("hpack", "rfc7541-%d" % i, b"\x01" + bytes([len(block)]) + block)
    qpack = b"\x01"
    for encoder, h in QPACK_SEEDS:
        b = bytes.fromhex(h)
        qpack += bytes([len(b) << 1 | (0 if encoder else 1)]) + b
        put("qpack", "rfc9204-b-%d" % len(qpack), qpack)
    for name in sorted(os.listdir(FIX)):
        path = os.path.join(FIX, name)
        for key, data in list(tcp_streams(path).items())[:6]:
            _, sport, _, dport = key
            target = STREAM_PORTS.get(dport) or STREAM_PORTS.get(sport)
            if data.startswith(H2_PREFACE):
                target, data = "http2", data[len(H2_PREFACE):]
            if target:
                put(target, "%s-%d-%d" % (name, sport, dport), b"\x05" + bytes(data[:8192]))
        path = os.path.join(FIX, name)
        put("file_reader", name, open(path, "rb").read())
        put("capture", name, open(path, "rb").read())
        for i, (lt, pkt) in enumerate(records(path)):
            if i >= 40:
                break
            tag = "%s-%d" % (name, i)
            if lt in LINKTYPES:
                put("link_layers", tag, bytes([LINKTYPES.index(lt), 0]) + pkt)
            if lt == 1 and len(pkt) > 14:
                etype = pkt[12:14]
                ip = pkt[14:]
                if etype == b"\x08\x06":
                    put("arp", tag, b"\x00" + ip)
                elif etype == b"\x08\x00" and len(ip) >= 20:
                    put("ipv4", tag, b"\x00" + ip)
                    hl = (ip[0] & 15) * 4
                    proto = {1: "icmp", 6: "tcp", 17: "udp"}.get(ip[9])
                    if proto:
                        put(proto, tag, b"\x00" + ip[hl:])
                    udp = ip[hl:]
                    if proto == "udp" and len(udp) > 20 and 53 in struct.unpack(">HH", udp[:4]):
                        put("dns", tag, b"\x00" + udp[8:])
                elif etype == b"\x86\xdd" and len(ip) >= 40:
                    put("ipv6", tag, b"\x00" + ip)
                    if ip[6] == 58:
                        put("icmpv6", tag, b"\x00" + ip[40:])

    # HTML forms (a request body of 64 bytes): escapes, a '+' space, an
    # empty value, a pair cut short.
    for i, form in enumerate([b"prompt=tell+me+a+story&n=1", b"a=%41%42&b=&c", b"k=%4"]):
        put("urlencoded_form", "form-%d" % i, b"\x05" + form.ljust(64, b"x"))

    # Event streams: the WHATWG examples, CRLF and CR lines, a BOM, ids set,
    # carried and reset, retry, a comment, an event cut by the input's end.
    for i, body in enumerate([
        b"data: YHOO\ndata: +2\ndata: 10\n\n",
        b"\xef\xbb\xbf: test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n",
        b"retry: 2500\r\n\r\nevent: token\r\ndata: a\r\ndata: b\r\n\r\nevent: done\rdata: x\r\r",
        b"id: 7\ndata: {\"t\":\"hi\"}\n\ndata: cut sh",
    ]):
        put("sse", "events-%d" % i, b"\x07" + body.ljust(1024, b"\n"))

    # WebSocket: RFC 6455 5.7's frames (masked, fragmented, a ping, 256
    # bytes), RFC 7692 7.2.3.2's "Hello" twice on one deflate context, a
    # close with a reason; the first byte picks plain or deflated.
    frames = bytes.fromhex("810548656c6c6f" "8185" "37fa213d7f9f4d5158" "010348656c" "80026c6f"
                           "890548656c6c6f") + b"\x82\x7e\x01\x00" + bytes(range(256)) \
        + bytes.fromhex("880603e8627965 21")
    put("websocket", "rfc6455", b"\x00\x03" + frames)
    put("websocket", "rfc7692", b"\x01\x02" + bytes.fromhex("c107f248cdc9c90700" "c105f200110000"))

    # The display filters of the golden table.
    cases = os.path.join(HERE, "..", "tests", "filters", "cases.tsv")
    for i, line in enumerate(open(cases, encoding="utf-8")):
        parts = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(parts) < 2:
            continue
        put("filter", "case-%d" % i, parts[1].encode())


if __name__ == "__main__":
    main()
