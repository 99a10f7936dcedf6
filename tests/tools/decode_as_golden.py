#!/usr/bin/env python3
"""Write tests/decode_as/<capture>.<n>.tsv: what tshark 4.0 shows for a
capture under Decode As rules, one line per frame: number, frame.protocols,
Protocol, Info. tests/decode_as.rs runs `wirelens -d ...` with the same
rules and compares.

    python3 tests/tools/decode_as_golden.py
"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DIR = os.path.join(ROOT, "tests", "decode_as")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")

# (capture, rules): keep in step with CASES in tests/decode_as.rs.
CASES = [
    (os.path.join(DIR, "tcpdump_vxlan_port_8472.pcap"), ["udp.port==8472,vxlan"]),
    (os.path.join(FIXTURES, "tcpdump_ssh.pcap"), ["tcp.port==22,data"]),
    (os.path.join(FIXTURES, "tcpdump_ntp.pcap"), ["udp.port==100-200,data"]),
    (os.path.join(FIXTURES, "ndpi_tls_port_80.pcapng"), ["tcp.port==80,tls"]),
    (os.path.join(FIXTURES, "packt_grpc_bidi-streaming.pcapng"), ["tcp.port==50051,http2"]),
    (os.path.join(FIXTURES, "tcpdump_mpls-over-udp.pcap"), ["udp.port==6635:1,data"]),
]

for n, (path, rules) in enumerate(CASES):
    args = ["tshark", "-n", "-r", path]
    for r in rules:
        args += ["-d", r]
    args += ["-T", "fields", "-e", "frame.number", "-e", "frame.protocols", "-e", "_ws.col.Protocol",
             "-e", "_ws.col.Info"]
    out = subprocess.run(args, capture_output=True, text=True, check=True,
                         env=dict(os.environ, TZ="UTC", LC_ALL="C")).stdout
    dest = os.path.join(DIR, f"{os.path.basename(path)}.{n}.tsv")
    with open(dest, "w") as f:
        f.write(out)
    print("wrote", dest)
