#!/usr/bin/env python3
"""Differential test of the TCP sequence analysis against tshark.

Writes many small TCP connections, each a clean transfer (handshake, data
with cumulative ACKs, FIN exchange) changed the way captures are: packets
the capture missed, retransmissions, reordering, duplicate ACKs, a
retransmitted FIN, coarse clocks that stamp several packets alike, a
capture point at the sender or at the receiver. Then compares, frame by
frame, every tcp.analysis flag (and the initial RTT) of `wirelens packets`
with tshark's, and prints the connections where they differ.

    python3 tests/tools/tcp_differential.py [--streams N] [--seed S] [--keep DIR]

Used to find the cases the TCP analysis goldens must cover (issue 23): a
difference is either our bug, or a tshark habit a golden test documents.
"""
import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcp_patterns import checksum  # noqa: E402

FLAGS = [
    "retransmission", "fast_retransmission", "spurious_retransmission",
    "out_of_order", "lost_segment", "ack_lost_segment", "duplicate_ack",
    "keep_alive", "keep_alive_ack", "window_update", "window_full",
    "zero_window", "zero_window_probe", "zero_window_probe_ack", "reused_ports",
]

from tcp_patterns import ACK, FIN, PSH, SYN  # noqa: E402


def frame(src, dst, sport, dport, seq, ack, flags, win, length):
    payload = bytes(length)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      0x50, flags, win, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp


def connection(rng, port):
    """One connection's packets as (dir, seq, ack, flags, len, win)."""
    a, b = rng.randrange(1 << 32), rng.randrange(1 << 32)
    mss = rng.choice([100, 536, 1448])
    segs = rng.randrange(3, 14)
    p = [(0, a, 0, SYN, 0, 65535), (1, b, a + 1, SYN | ACK, 0, 65535), (0, a + 1, b + 1, ACK, 0, 65535)]
    seq = a + 1
    unacked = 0
    for i in range(segs):
        p.append((0, seq, b + 1, ACK | PSH, mss, 65535))
        seq += mss
        unacked += 1
        if unacked >= rng.choice([1, 2]) or i == segs - 1:
            p.append((1, b + 1, seq, ACK, 0, 65535))
            unacked = 0
    p.append((0, seq, b + 1, FIN | ACK, 0, 65535))
    p.append((1, b + 1, seq + 1, ACK, 0, 65535))
    p.append((1, b + 1, seq + 1, FIN | ACK, 0, 65535))
    p.append((0, seq + 1, b + 2, ACK, 0, 65535))
    return p


def mutate(rng, p):
    """Changes a clean connection as a capture might show it."""
    p = list(p)
    for _ in range(rng.randrange(0, 5)):
        kind = rng.choice(["drop", "retransmit", "reorder", "dupacks", "fin_again",
                           "window", "zero_window", "keep_alive", "reply"])
        data = [i for i, x in enumerate(p) if x[4] > 0]
        acks = [i for i, x in enumerate(p) if x[0] == 1 and x[3] == ACK]
        if kind == "drop" and len(p) > 6:
            del p[rng.randrange(3, len(p))]
        elif kind == "retransmit" and data:
            i = rng.choice(data)
            j = rng.randrange(i + 1, len(p) + 1)
            p.insert(j, p[i])
        elif kind == "reorder" and len(p) > 5:
            i = rng.randrange(3, len(p) - 1)
            p[i], p[i + 1] = p[i + 1], p[i]
        elif kind == "dupacks" and acks:
            i = rng.choice(acks)
            for _ in range(rng.randrange(1, 4)):
                p.insert(i + 1, p[i])
        elif kind == "window" and acks:
            i = rng.choice(acks)
            d, seq, ack, flags, length, win = p[i]
            p.insert(i + 1, (d, seq, ack, flags, length, rng.choice([1024, 30000, 65000])))
        elif kind == "zero_window" and acks:
            # The receiver closes its window, the sender probes, it opens again.
            i = rng.choice(acks)
            d, seq, ack, flags, length, win = p[i]
            probe = (0, ack, seq, ACK, 1, 65535)
            p[i + 1:i + 1] = [(d, seq, ack, flags, 0, 0), probe, (d, seq, ack, flags, 0, 0),
                              (d, seq, ack, flags, 0, 65535)]
        elif kind == "keep_alive" and acks:
            i = rng.choice(acks)
            d, seq, ack, flags, length, win = p[i]
            p[i + 1:i + 1] = [(0, ack - 1, seq, ACK, rng.choice([0, 1]), 65535), (d, seq, ack, flags, 0, win)]
        elif kind == "reply" and acks:
            # The server sends data back; the client acknowledges it.
            i = rng.choice(acks)
            d, seq, ack, flags, length, win = p[i]
            n = rng.choice([50, 700])
            p[i + 1:i + 1] = [(1, seq, ack, ACK | PSH, n, win), (0, ack, seq + n, ACK, 0, 65535)]
            # Later server segments carry on from there.
            p[i + 3:] = [(x[0], x[1] + n if x[0] == 1 else x[1], x[2] + n if x[0] == 0 else x[2])
                         + x[3:] for x in p[i + 3:]]
        elif kind == "fin_again":
            fins = [i for i, x in enumerate(p) if x[3] & FIN and x[0] == 0]
            if fins:
                i = fins[0]
                p.insert(rng.randrange(i + 1, len(p) + 1), p[i])
    return p


def client_ports(n):
    """n client ports from 20000 up that no tshark dissector is registered
    on: a payload to one (21064 is DLM3's) is held for a PDU that never
    completes, which is that dissector's view, not the TCP analysis'."""
    out = subprocess.run(["tshark", "-G", "decodes"], capture_output=True, text=True, check=True).stdout
    taken = {int(line.split("\t")[1]) for line in out.splitlines() if line.startswith("tcp.port\t")}
    ports, p = [], 20000
    while len(ports) < n:
        if p not in taken:
            ports.append(p)
        p += 1
    return ports


def write(path, conns, rng):
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    t = 1_700_000_000_000_000
    for port, p in conns:
        coarse = rng.random() < 0.25
        rtt = rng.choice([200, 2000, 20000])
        for d, seq, ack, flags, length, win in p:
            if not coarse or rng.random() < 0.3:
                t += rng.choice([0, 10, rtt // 2, rtt, 3 * rtt])
            src, dst = (b"\x0a\0\0\x01", b"\x0a\0\0\x02") if d == 0 else (b"\x0a\0\0\x02", b"\x0a\0\0\x01")
            sport, dport = (port, 40443) if d == 0 else (40443, port)
            f = frame(src, dst, sport, dport, seq, ack, flags, win, length)
            out += struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(f), len(f)) + f
    with open(path, "wb") as fh:
        fh.write(out)


def tshark_flags(path):
    fields = ["frame.number", "tcp.stream", "tcp.analysis.initial_rtt", "tcp.analysis.ack_rtt",
              "frame.protocols"] + [
        "tcp.analysis." + f for f in FLAGS]
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    rows = {}
    for line in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines():
        v = line.split("\t")
        n = int(v[0])
        rows[n] = (int(v[1]) if v[1] else None, v[2], v[3], v[4], {f for f, x in zip(FLAGS, v[5:]) if x})
    return rows


def tshark_streams(rows):
    """Per stream: the first iRTT shown (s) and how many ACKs had an RTT."""
    out = {}
    for n, (stream, irtt, ack_rtt, _, _) in sorted(rows.items()):
        if stream is None:
            continue
        s = out.setdefault(stream, {"initial_rtt": None, "ack_rtts": 0})
        if irtt and s["initial_rtt"] is None:
            s["initial_rtt"] = float(irtt)
        s["ack_rtts"] += bool(ack_rtt)
    return out


def our_streams(path, wirelens):
    out = subprocess.run([wirelens, "tcp", path, "--format", "json"], capture_output=True, text=True, check=True).stdout
    return {c["stream"]: {"initial_rtt": c.get("initial_rtt"), "ack_rtts": (c.get("ack_rtt") or {}).get("count", 0)}
            for c in json.loads(out)}


def our_flags(path, wirelens):
    out = subprocess.run([wirelens, "packets", path, "--format", "json"], capture_output=True, text=True, check=True).stdout
    rows = {}
    for p in json.loads(out):
        rows[p["number"]] = (p.get("stream"), set(p.get("analysis", [])), ":".join(p.get("layers", [])))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="write the capture here")
    ap.add_argument("--wirelens", default="target/release/wirelens")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    conns = [(port, mutate(rng, connection(rng, port))) for port in client_ports(a.streams)]
    path = a.keep or os.path.join(tempfile.mkdtemp(), "diff.pcap")
    write(path, conns, rng)
    theirs, ours = tshark_flags(path), our_flags(path, a.wirelens)
    bad = {}
    for n, (stream, _irtt, _rtt, layers, tf) in sorted(theirs.items()):
        _, of, our_layers = ours.get(n, (None, set(), ""))
        of = {f.replace("tcp.analysis.", "") for f in of}
        if layers != our_layers:
            bad.setdefault(stream, []).append("frame %d layers tshark %s ours %s" % (n, layers, our_layers))
        if tf != of:
            bad.setdefault(stream, []).append("frame %d tshark+%s ours+%s" % (n, sorted(tf - of), sorted(of - tf)))
    ts, os_ = tshark_streams(theirs), our_streams(path, a.wirelens)
    for stream, t in ts.items():
        o = os_.get(stream, {})
        ti, oi = t["initial_rtt"], o.get("initial_rtt")
        if (ti is None) != (oi is None) or (ti is not None and abs(ti - oi) > 1e-9):
            bad.setdefault(stream, []).append("initial_rtt tshark %s ours %s" % (ti, oi))
        if t["ack_rtts"] != o.get("ack_rtts"):
            bad.setdefault(stream, []).append("ack_rtts tshark %s ours %s" % (t["ack_rtts"], o.get("ack_rtts")))
    for stream, rows in sorted(bad.items(), key=lambda x: (x[0] is None, x[0])):
        print("stream %s:" % stream, "; ".join(rows))
    print("%d of %d streams differ (%s)" % (len(bad), a.streams, path), file=sys.stderr)


if __name__ == "__main__":
    main()
