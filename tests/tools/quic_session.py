#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_quic_h3.pcapng and its key log
tests/fixtures/wirelens_quic_h3.keys: HTTP/3 over QUIC on loopback,
captured by dumpcap:

    pip install aioquic
    python3 tests/tools/quic_session.py tests/fixtures/wirelens_quic_h3
    python3 tests/tools/quic_session.py tests/fixtures/wirelens_quic_migration --migration

Server and client are aioquic's (a QUIC and HTTP/3 stack of its own, with
QPACK from pylsqpack); the client writes the key log.

  port 4433  QUIC v1: GET /hello, GET /bytes/200000 (a large response),
             POST /upload (a 3000-byte body), GET /after-key-update after
             the client updated its keys; a session ticket kept
  port 4433  QUIC v1 resumed with 0-RTT: GET /early as early data
  port 4434  QUIC v1 behind a Retry (the server checks addresses first)
  port 4433  QUIC v2 (RFC 9369): GET /v2

With --migration, one connection to port 4436 that moves twice (RFC 9000
§9): GET /before-migration; then the client takes a new UDP port and a new
connection ID (the server checks the new path with PATH_CHALLENGE) for
GET /after-migration and GET /bytes/60000; then a new port again with the
same connection ID, as a NAT rebinding looks, for GET /after-rebinding.
"""
import asyncio, os, socket, ssl, subprocess, sys, tempfile, time

from aioquic.asyncio import connect, serve
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ProtocolNegotiated
from aioquic.quic.packet import QuicProtocolVersion

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/wirelens_quic_h3"
migrating = "--migration" in sys.argv
pcap, keys = out + ".pcapng", out + ".keys"
for f in (pcap, keys):
    if os.path.exists(f):
        os.remove(f)
tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=quic.example", "-days", "1",
                "-addext", "subjectAltName=DNS:quic.example"], check=True, capture_output=True)


class Server(QuicConnectionProtocol):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.h3 = None
        self.requests = {}

    def quic_event_received(self, event):
        if isinstance(event, ProtocolNegotiated):
            self.h3 = H3Connection(self._quic)
        if self.h3 is None:
            return
        for e in self.h3.handle_event(event):
            if isinstance(e, HeadersReceived):
                self.requests[e.stream_id] = [dict(e.headers), b""]
            elif isinstance(e, DataReceived) and e.stream_id in self.requests:
                self.requests[e.stream_id][1] += e.data
            else:
                continue
            if e.stream_ended:
                self.respond(e.stream_id)

    def respond(self, sid):
        headers, body = self.requests.pop(sid)
        path = headers[b":path"]
        if path.startswith(b"/bytes/"):
            payload = b"".join(b"line %06d of a large HTTP/3 response\n" % i
                               for i in range(int(path[7:]) // 37 + 1))[: int(path[7:])]
        else:
            payload = b"you asked for " + path
            if body:
                payload += b" with %d bytes" % len(body)
        self.h3.send_headers(sid, [(b":status", b"200"), (b"content-type", b"text/plain"),
                                   (b"content-length", str(len(payload)).encode()),
                                   (b"server", b"aioquic-fixture")])
        self.h3.send_data(sid, payload, end_stream=True)
        self.transmit()


class Client(QuicConnectionProtocol):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.h3 = H3Connection(self._quic)
        self.waiting = {}

    async def request(self, method, path, body=b""):
        sid = self._quic.get_next_available_stream_id()
        self.h3.send_headers(sid, [(b":method", method), (b":scheme", b"https"),
                                   (b":authority", b"quic.example"), (b":path", path),
                                   (b"user-agent", b"wirelens-fixture/1")], end_stream=not body)
        if body:
            self.h3.send_data(sid, body, end_stream=True)
        fut = self._loop.create_future()
        self.waiting[sid] = [fut, None, b""]
        self.transmit()
        return await asyncio.wait_for(fut, 10)

    def quic_event_received(self, event):
        for e in self.h3.handle_event(event):
            w = self.waiting.get(getattr(e, "stream_id", None))
            if w is None:
                continue
            if isinstance(e, HeadersReceived):
                w[1] = dict(e.headers)
            elif isinstance(e, DataReceived):
                w[2] += e.data
            if e.stream_ended:
                self.waiting.pop(e.stream_id)[0].set_result((w[1], w[2]))


def server_config(version):
    c = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN, supported_versions=[version])
    c.load_cert_chain(cert, key)
    c.max_datagram_frame_size = None
    return c


tickets = {}


def client_config(version, ticket=None):
    c = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, verify_mode=ssl.CERT_NONE,
                          server_name="quic.example", supported_versions=[version],
                          secrets_log_file=open(keys, "a"))
    c.session_ticket = ticket
    return c


async def main():
    v1, v2 = QuicProtocolVersion.VERSION_1, QuicProtocolVersion.VERSION_2
    store = {}
    plain = await serve("127.0.0.1", 4433, configuration=server_config(v1), create_protocol=Server,
                        session_ticket_fetcher=store.pop,
                        session_ticket_handler=lambda t: store.__setitem__(t.ticket, t))
    retry = await serve("127.0.0.1", 4434, configuration=server_config(v1), create_protocol=Server,
                        retry=True)
    plain2 = await serve("127.0.0.1", 4435, configuration=server_config(v2), create_protocol=Server)

    async with connect("127.0.0.1", 4433, configuration=client_config(v1), create_protocol=Client,
                       session_ticket_handler=lambda t: tickets.__setitem__("t", t)) as c:
        assert (await c.request(b"GET", b"/hello"))[1] == b"you asked for /hello"
        assert len((await c.request(b"GET", b"/bytes/200000"))[1]) == 200000
        r = await c.request(b"POST", b"/upload", b"u" * 3000)
        assert r[1] == b"you asked for /upload with 3000 bytes", r
        c._quic.request_key_update()
        await c.request(b"GET", b"/after-key-update")
    await asyncio.sleep(0.2)
    cfg = client_config(v1, tickets["t"])
    async with connect("127.0.0.1", 4433, configuration=cfg, create_protocol=Client,
                       wait_connected=False) as c:
        r = await c.request(b"GET", b"/early")
        assert r[1] == b"you asked for /early", r
    await asyncio.sleep(0.2)
    async with connect("127.0.0.1", 4434, configuration=client_config(v1),
                       create_protocol=Client) as c:
        await c.request(b"GET", b"/after-retry")
    await asyncio.sleep(0.2)
    async with connect("127.0.0.1", 4435, configuration=client_config(v2),
                       create_protocol=Client) as c:
        await c.request(b"GET", b"/v2")
    await asyncio.sleep(0.2)
    for s in (plain, retry, plain2):
        s.close()


async def move(c, new_cid):
    """The client's packets leave from a new UDP port from now on (the
    protocol's transport is the new socket's), with a new connection ID
    from the server's NEW_CONNECTION_ID frames if `new_cid`."""
    # A dual-stack socket, as aioquic's connect() makes: it sends to the
    # server's IPv4-mapped address.
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", 0))
    await asyncio.get_running_loop().create_datagram_endpoint(lambda: c, sock=sock)
    if new_cid:
        c.change_connection_id()


async def migration():
    server = await serve("127.0.0.1", 4436, configuration=server_config(QuicProtocolVersion.VERSION_1),
                         create_protocol=Server)
    async with connect("127.0.0.1", 4436, configuration=client_config(QuicProtocolVersion.VERSION_1),
                       create_protocol=Client) as c:
        await c.request(b"GET", b"/before-migration")
        await asyncio.sleep(0.05)
        await move(c, new_cid=True)
        assert (await c.request(b"GET", b"/after-migration"))[1] == b"you asked for /after-migration"
        assert len((await c.request(b"GET", b"/bytes/60000"))[1]) == 60000
        await asyncio.sleep(0.05)
        await move(c, new_cid=False)
        await c.request(b"GET", b"/after-rebinding")
    await asyncio.sleep(0.2)
    server.close()


ports = "udp port 4436" if migrating else "udp portrange 4433-4435"
cap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-w", pcap, "-f", ports])
time.sleep(1.5)
try:
    asyncio.run(migration() if migrating else main())
finally:
    time.sleep(1)
    cap.terminate()
    cap.wait()
print(pcap, keys)
