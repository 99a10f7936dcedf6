#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_proxy.pcap: HTTP requests that a load
balancer would forward with a PROXY protocol header, to a scripted server on
loopback port 9999 (a port no dissector claims, where Wireshark tries its
heuristics), captured by dumpcap:

    dumpcap -i lo -P -w tests/fixtures/wirelens_proxy.pcap -a duration:4 &
    python3 tests/tools/proxy_session.py

Connections: v1 TCP4 with the request in the same segment; v2 TCP4 with a
NOOP TLV and the request in the same segment; v1 TCP6 alone in its segment,
the request in the next; v2 TCP6 alone, then the request; v1 UNKNOWN.
"""
import socket, struct, threading, time

SIG = b"\r\n\r\n\x00\r\nQUIT\n"
REQUEST = b"GET /%d HTTP/1.1\r\nHost: example.org\r\n\r\n"

def server(s, n):
    for _ in range(n):
        c, _ = s.accept()
        buf = b""
        while not buf.endswith(b"\r\n\r\n"):
            buf += c.recv(4096)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        time.sleep(0.1); c.close()

def v2(family_protocol, src, dst, sport, dport, tlvs=b""):
    body = src + dst + struct.pack(">HH", sport, dport) + tlvs
    return SIG + bytes([0x21, family_protocol]) + struct.pack(">H", len(body)) + body

v4 = lambda a: socket.inet_pton(socket.AF_INET, a)
v6 = lambda a: socket.inet_pton(socket.AF_INET6, a)
headers = [
    (b"PROXY TCP4 192.0.2.10 198.51.100.20 56324 80\r\n", True),
    (v2(0x11, v4("192.0.2.10"), v4("198.51.100.20"), 56325, 80, b"\x04\x00\x04abcd"), True),
    (b"PROXY TCP6 2001:db8::10 2001:db8::20 56326 443\r\n", False),
    (v2(0x21, v6("2001:db8::10"), v6("2001:db8::20"), 56327, 443), False),
    (b"PROXY UNKNOWN\r\n", True),
]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9999)); s.listen(len(headers))
threading.Thread(target=server, args=(s, len(headers)), daemon=True).start()
time.sleep(0.2)
for i, (header, together) in enumerate(headers):
    c = socket.create_connection(("127.0.0.1", 9999))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if together:
        c.sendall(header + REQUEST % i)
    else:
        c.sendall(header); time.sleep(0.05); c.sendall(REQUEST % i)
    c.recv(100); time.sleep(0.2); c.close()
time.sleep(0.3)
