#!/usr/bin/env python3
"""Writes a large capture that is all QUIC with HTTP/3, and its key log,
for the QUIC load benchmark (benches/quic_vs_tls.sh):

    python3 benches/quic_bulk_capture.py OUT_STEM [CONNECTIONS] [MB_EACH]

aioquic's client and server on loopback (QUIC v1, AES-128-GCM): each
connection sends one HTTP/3 GET and gets MB_EACH megabytes back in DATA
frames, ~1200-byte datagrams as aioquic sends them. Captured by dumpcap
with a large buffer; a packet it drops costs only its own decryption.
"""
import asyncio, os, ssl, subprocess, sys, tempfile, time

from aioquic.asyncio import connect, serve
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ProtocolNegotiated

stem = sys.argv[1]
conns = int(sys.argv[2]) if len(sys.argv) > 2 else 10
mb = int(sys.argv[3]) if len(sys.argv) > 3 else 100
pcap, keys = stem + ".pcapng", stem + ".keys"
for f in (pcap, keys):
    if os.path.exists(f):
        os.remove(f)
tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=bulk.example", "-days", "1"],
               check=True, capture_output=True)
chunk = os.urandom(1 << 16)


class Server(QuicConnectionProtocol):
    """Answers every request with MB_EACH megabytes, a chunk at a time as
    the connection's flow control lets it go."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.h3 = None

    def quic_event_received(self, event):
        if isinstance(event, ProtocolNegotiated):
            self.h3 = H3Connection(self._quic)
        if self.h3 is None:
            return
        for e in self.h3.handle_event(event):
            if isinstance(e, HeadersReceived) and e.stream_ended:
                asyncio.ensure_future(self.send_body(e.stream_id))

    async def send_body(self, sid):
        self.h3.send_headers(sid, [(b":status", b"200"), (b"content-type", b"application/octet-stream")])
        for i in range((mb << 20) >> 16):
            self.h3.send_data(sid, chunk, end_stream=i == ((mb << 20) >> 16) - 1)
            self.transmit()
            # Let the client's ACKs in (aioquic queues what its
            # congestion window holds back).
            await asyncio.sleep(0.002)


class Client(QuicConnectionProtocol):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.h3 = H3Connection(self._quic)
        self.done = None
        self.got = 0

    async def get(self):
        sid = self._quic.get_next_available_stream_id()
        self.h3.send_headers(sid, [(b":method", b"GET"), (b":scheme", b"https"),
                                   (b":authority", b"bulk.example"), (b":path", b"/bulk")], end_stream=True)
        self.done = self._loop.create_future()
        self.transmit()
        await asyncio.wait_for(self.done, 600)
        return self.got

    def quic_event_received(self, event):
        for e in self.h3.handle_event(event):
            if isinstance(e, DataReceived):
                self.got += len(e.data)
                if e.stream_ended and not self.done.done():
                    self.done.set_result(None)


async def main():
    sc = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN)
    sc.load_cert_chain(cert, key)
    server = await serve("127.0.0.1", 4450, configuration=sc, create_protocol=Server)
    for _ in range(conns):
        cc = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, verify_mode=ssl.CERT_NONE,
                               server_name="bulk.example", secrets_log_file=open(keys, "a"))
        async with connect("127.0.0.1", 4450, configuration=cc, create_protocol=Client) as c:
            got = await c.get()
            assert got == mb << 20, got
    server.close()


cap = subprocess.Popen(["dumpcap", "-q", "-B", "512", "-i", "lo", "-w", pcap, "-f", "udp port 4450"])
time.sleep(1.5)
try:
    asyncio.run(main())
finally:
    time.sleep(1)
    cap.terminate()
    cap.wait()
print(pcap, keys)
