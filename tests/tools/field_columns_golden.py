#!/usr/bin/env python3
"""Write tests/golden/field_columns/<capture>.tsv: the packet list's custom
columns as tshark 4.0 shows them (-T tabs with gui.column.format), for
tests/ui_app.rs to compare with the app's field columns.

    python3 tests/tools/field_columns_golden.py

Line 1 holds the field names; each later line a frame number and one cell
per field. Run it once after changing FIELDS or the captures, and commit the
result; the tests never run tshark.
"""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FIELDS = [
    "tcp.srcport",
    "ip.proto",
    "tcp.flags",
    "tcp.flags.syn",
    "tcp.window_size",
    "frame.time_delta",
    "ip.src",
    "ipv6.dst",
    "eth.src",
    "dns.a",
    "dns.qry.name",
    "dns.count.answers",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "http2.type",
    "http2.streamid",
]

CAPTURES = [
    "samples/wirelens-tour.pcapng",
    "tests/fixtures/arkime_dns-wiresharkrepo.pcap",
    "tests/fixtures/arkime_http2-nghttp2.pcap",
]


def main():
    fmt = '"No.","%m",' + ",".join(f'"{f}","%Cus:{f}"' for f in FIELDS)
    out_dir = os.path.join(ROOT, "tests/golden/field_columns")
    os.makedirs(out_dir, exist_ok=True)
    for cap in CAPTURES:
        lines = subprocess.run(
            ["tshark", "-r", os.path.join(ROOT, cap), "-T", "tabs",
             "-o", "gui.column.format:" + fmt],
            check=True, capture_output=True, text=True,
            env=dict(os.environ, TZ="UTC"),
        ).stdout.splitlines()
        name = os.path.basename(cap) + ".tsv"
        with open(os.path.join(out_dir, name), "w") as f:
            f.write("\t".join(FIELDS) + "\n")
            for line in lines:
                cells = line.split("\t")
                cells[0] = cells[0].strip()
                cells += [""] * (len(FIELDS) + 1 - len(cells))
                f.write("\t".join(cells) + "\n")
        print(name, len(lines), "frames")


if __name__ == "__main__":
    main()
