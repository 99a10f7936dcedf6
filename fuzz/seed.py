#!/usr/bin/env python3
"""Seed the fuzz corpora from the test fixtures: whole files for the file
reader, single packets (framed as each target expects) for the dissectors.

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


def main():
    for name in sorted(os.listdir(FIX)):
        path = os.path.join(FIX, name)
        put("file_reader", name, open(path, "rb").read())
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
                elif etype == b"\x86\xdd" and len(ip) >= 40:
                    put("ipv6", tag, b"\x00" + ip)
                    if ip[6] == 58:
                        put("icmpv6", tag, b"\x00" + ip[40:])


if __name__ == "__main__":
    main()
