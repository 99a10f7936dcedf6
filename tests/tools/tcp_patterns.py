#!/usr/bin/env python3
"""Writes the TCP analysis fixtures of issue 23: four connections, each the
smallest capture that shows one place where a TCP analysis must decide as
tshark 4.0 does. Each is a transfer as a capture point sees it, its
packets written out one by one (Ethernet, IPv4, no payload bytes but
zeros): what the capture missed, what came twice or late.

    python3 tests/tools/tcp_patterns.py tests/fixtures

The goldens come from tests/tools/make_goldens.py, as for every fixture.
"""
import os
import struct
import sys

SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08
A, B = 0, 1
MSS = 1448


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Capture:
    """A connection from 192.0.2.10:51000 (A) to 198.51.100.20:40443 (B),
    a port no dissector claims: its bytes are data to tshark as to us."""

    def __init__(self):
        self.out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.ident = [1, 1]

    def add(self, t_us, d, seq, ack, flags, length=0, win=64240):
        src, dst = b"\xc0\x00\x02\x0a", b"\xc6\x33\x64\x14"
        sport, dport = 51000, 40443
        mac = b"\x02\x00\x00\x00\x00\x0b\x02\x00\x00\x00\x00\x0a"
        if d == B:
            src, dst, sport, dport = dst, src, dport, sport
            mac = mac[6:] + mac[:6]
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          0x50, flags, win, 0, 0) + bytes(length)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), self.ident[d], 0x4000, 64, 6, 0,
                         src, dst)
        self.ident[d] += 1
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        f = mac + b"\x08\x00" + ip + tcp
        t = 1_700_000_000_000_000 + t_us
        self.out += struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(f), len(f)) + f

    def write(self, path):
        with open(path, "wb") as fh:
            fh.write(self.out)


def spurious_at_the_receiver():
    """Captured at the receiver B, 20 ms from the sender (the handshake
    gives an iRTT of 20 ms). The 3rd of six segments is lost on the way; B
    acknowledges the 2nd again for each later one; A resends the 3rd after
    three duplicate ACKs (B's ACK then covers all six) and, 1 ms later, the
    4th, which B had: its bytes were acknowledged already. tshark asks that
    first: a spurious retransmission. (wirelens asked first whether it came
    within an iRTT of the highest segment, and called it out-of-order.)"""
    c, a, b = Capture(), 1_000_000, 5_000_000
    c.add(0, A, a, 0, SYN)
    c.add(40, B, b, a + 1, SYN | ACK)
    c.add(20_100, A, a + 1, b + 1, ACK)
    seq, t = a + 1, 20_200
    for i in range(6):
        if i != 2:
            c.add(t, A, seq + i * MSS, b + 1, ACK | PSH, MSS)
            c.add(t + 30, B, b + 1, seq + min(i + 1, 2) * MSS, ACK)
        t += 200
    c.add(t + 100, A, seq + 2 * MSS, b + 1, ACK | PSH, MSS)
    c.add(t + 130, B, b + 1, seq + 6 * MSS, ACK)
    c.add(t + 1_100, A, seq + 3 * MSS, b + 1, ACK | PSH, MSS)
    c.add(t + 1_130, B, b + 1, seq + 6 * MSS, ACK)
    end = seq + 6 * MSS
    c.add(t + 40_000, A, end, b + 1, FIN | ACK)
    c.add(t + 40_030, B, b + 1, end + 1, FIN | ACK)
    c.add(t + 60_000, A, end + 1, b + 2, ACK)
    return c


def fin_fast_retransmission():
    """Captured at the sender A, with B's FIN (and its ACK of A's FIN)
    missed by the capture. A's ACK of B's FIN acknowledges a segment the
    capture never saw ("ACKed unseen segment", with nothing beyond the gap
    seen); A resends its unacknowledged FIN 600 µs later. tshark 4.0 keeps
    its duplicate-ACK count unsigned, so the marker it leaves after such an
    ACK (-1) reads as many duplicate ACKs: a "Fast Retransmission"."""
    c, a, b = Capture(), 7_000_000, 9_000_000
    c.add(0, A, a, 0, SYN)
    c.add(300, B, b, a + 1, SYN | ACK)
    c.add(310, A, a + 1, b + 1, ACK)
    seq, t = a + 1, 400
    for i in range(4):
        c.add(t, A, seq, b + 1, ACK | PSH, 100)
        seq += 100
        c.add(t + 300, B, b + 1, seq, ACK)
        t += 400
    c.add(t, A, seq, b + 1, FIN | ACK)
    # B's ACK of the FIN and B's FIN: not captured.
    c.add(t + 310, A, seq + 1, b + 2, ACK)
    c.add(t + 910, A, seq, b + 1, FIN | ACK)
    c.add(t + 1_210, B, b + 2, seq + 1, ACK)
    return c


def acked_unseen_after_gaps():
    """A mirror port that dropped two of A's segments, the 3rd and the
    last. B's ACK past the first gap is "ACKed unseen segment"; so, to
    tshark, is B's next ACK past A's next segment: tshark keeps the bound
    at the gap (the highest sequence number seen without one) until
    segments beyond it were seen, and then moves it to the highest seen
    (wirelens moved it to the ACK at once, and flagged one ACK fewer).
    Past the last gap, with nothing seen beyond it, B's ACK is flagged
    once: B's repeated ACK with a new window is not flagged again (tshark's
    marker for that is A's duplicate-ACK count, set to -1)."""
    c, a, b = Capture(), 3_000_000, 4_000_000
    c.add(0, A, a, 0, SYN)
    c.add(1_000, B, b, a + 1, SYN | ACK)
    c.add(1_010, A, a + 1, b + 1, ACK)
    seq = a + 1
    c.add(1_100, A, seq, b + 1, ACK | PSH, MSS)
    c.add(1_150, A, seq + MSS, b + 1, ACK | PSH, MSS)
    # The 3rd segment: not captured.
    c.add(2_100, B, b + 1, seq + 2 * MSS, ACK)
    c.add(2_200, B, b + 1, seq + 3 * MSS, ACK)
    # B answers; A's ACK of it comes from past the gap.
    c.add(2_300, B, b + 1, seq + 3 * MSS, ACK | PSH, 50)
    c.add(3_300, A, seq + 3 * MSS, b + 51, ACK)
    c.add(3_400, A, seq + 3 * MSS, b + 51, ACK | PSH, MSS)
    c.add(4_400, B, b + 51, seq + 4 * MSS, ACK)
    c.add(4_500, A, seq + 4 * MSS, b + 51, ACK | PSH, MSS)
    c.add(5_500, B, b + 51, seq + 5 * MSS, ACK)
    # The last segment: not captured; B acknowledges it, then opens its window.
    c.add(6_600, B, b + 51, seq + 6 * MSS, ACK)
    c.add(6_700, B, b + 51, seq + 6 * MSS, ACK, win=65535)
    end = seq + 6 * MSS
    c.add(7_000, A, end, b + 51, FIN | ACK)
    c.add(8_000, B, b + 51, end + 1, FIN | ACK)
    c.add(8_010, A, end + 1, b + 52, ACK)
    return c


def irtt_equal_timestamps():
    """A capture tool with a 10 ms clock: SYN, SYN/ACK and the handshake's
    ACK carry the same time. tshark keeps the iRTT as a time where zero
    means "not measured", so the next ACK with a later time measures it
    (from the SYN): 10 ms here. Until then its out-of-order test uses 3 ms;
    wirelens reported an iRTT of 0."""
    c, a, b = Capture(), 11_000_000, 12_000_000
    c.add(0, A, a, 0, SYN)
    c.add(0, B, b, a + 1, SYN | ACK)
    c.add(0, A, a + 1, b + 1, ACK)
    seq = a + 1
    c.add(0, A, seq, b + 1, ACK | PSH, 500)
    c.add(10_000, B, b + 1, seq + 500, ACK)
    c.add(10_000, A, seq + 500, b + 1, ACK | PSH, 500)
    c.add(20_000, B, b + 1, seq + 1000, ACK)
    c.add(20_000, A, seq + 1000, b + 1, FIN | ACK)
    c.add(30_000, B, b + 1, seq + 1001, FIN | ACK)
    c.add(30_000, A, seq + 1001, b + 2, ACK)
    return c


FIXTURES = {
    "tcp_spurious_retransmission_at_receiver.pcap": spurious_at_the_receiver,
    "tcp_fin_fast_retransmission.pcap": fin_fast_retransmission,
    "tcp_acked_unseen_after_gaps.pcap": acked_unseen_after_gaps,
    "tcp_irtt_equal_timestamps.pcap": irtt_equal_timestamps,
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    for name, make in FIXTURES.items():
        make().write(os.path.join(out, name))
        print(name)


if __name__ == "__main__":
    main()
