#!/usr/bin/env python3
"""Writes tests/golden/io_stat.json: for each fixture and interval below,
tshark's `-z io,stat,INTERVAL,FILTER…` frames and bytes per interval, one
series per filter (`frame` is every packet). tests/io_graph.rs compares the
IO graph's series with these. Run from the repository root."""
import json
import re
import subprocess

FIXTURES = [
    "gen_tcp_loss_reorder_zero_window.pcap",
    "arkime_http2-nghttp2.pcap",
    "arkime_wireshark-retrans.pcap",
    "arkime_dns-wiresharkrepo.pcap",
    "arkime_curl-enabled-tls13.pcap",
]
# Not ndpi_1kxun.pcap: one timestamp lies 5.8 years after the others, and
# tshark runs out of memory (over 20 GB) counting 10 ms intervals across
# them; wirelens stops at io_series::MAX_BUCKETS intervals.
LONG = ["arkime_dns-wiresharkrepo.pcap", "arkime_wireshark-retrans.pcap"]
INTERVALS = ["0.01", "0.1", "1", "10"]
FILTERS = ["frame", "tcp", "udp", "tcp.analysis.flags", "ip.addr == 192.168.0.0/16"]
ROW = re.compile(r"^\|\s*[\d.]+\s*<>\s*(?:[\d.]+|Dur)\s*\|(.*)\|\s*$")

out = []
for fixture in FIXTURES:
    for interval in INTERVALS:
        # Long captures at fine intervals are mostly empty rows.
        if fixture in LONG and float(interval) < 1:
            continue
        r = subprocess.run(
            ["tshark", "-r", f"tests/fixtures/{fixture}", "-q", "-z",
             "io,stat," + interval + "," + ",".join(FILTERS)],
            capture_output=True, text=True, check=True,
        )
        rows = []
        for line in r.stdout.splitlines():
            m = ROW.match(line)
            if m:
                rows.append([int(x) for x in m.group(1).replace("|", " ").split()])
        for k, flt in enumerate(FILTERS):
            out.append({
                "fixture": fixture,
                "interval_ns": round(float(interval) * 1e9),
                "filter": flt,
                "frames": [row[2 * k] for row in rows],
                "bytes": [row[2 * k + 1] for row in rows],
            })
with open("tests/golden/io_stat.json", "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"{len(out)} series")
