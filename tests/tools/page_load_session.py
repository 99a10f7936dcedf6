#!/usr/bin/env python3
"""Makes tests/http_timing/page_load.pcapng: a page load as a browser makes
it, on loopback, for the HTTP Requests window's waterfall:

    sudo python3 tests/tools/page_load_session.py tests/http_timing/page_load

  DNS (UDP 53, a server of this script's) www.example.test -> 127.0.0.1
  HTTP/1.1 GET /index.html from www.example.test:8080
  DNS static.example.test -> 127.0.0.2
  HTTPS (TLS 1.3) to static.example.test:8443: /app.js, then /style.css
    on the same connection, while a second connection fetches /logo.png
  HTTPS, a new connection (the name already known): /api/items, which
    the server takes 80 ms to answer, and a 1 MB /download paced out

Clients are curl (its key log: SSLKEYLOGFILE); the key log is written into
the capture (a Decryption Secrets Block) with `wirelens export
--inject-secrets`, so the capture decrypts by itself. Captured by
`wirelens capture`.
"""
import os, socket, ssl, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

out = sys.argv[1] if len(sys.argv) > 1 else "tests/http_timing/page_load"
wirelens = os.environ.get("WIRELENS", "target/release/wirelens")
tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=static.example.test",
                "-days", "1", "-addext", "subjectAltName=DNS:static.example.test"],
               check=True, capture_output=True)

NAMES = {b"www.example.test": "127.0.0.1", b"static.example.test": "127.0.0.2"}


def dns_server(sock):
    while True:
        q, peer = sock.recvfrom(512)
        labels, i = [], 12
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]])
            i += 1 + q[i]
        addr = NAMES[b".".join(labels)]
        time.sleep(0.012)  # a resolver a few milliseconds away
        a = q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:i + 5]
        a += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + socket.inet_aton(addr)
        sock.sendto(a, peer)


def lookup(name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    s.sendto(q + b"\x00\x00\x01\x00\x01", ("127.0.0.53", 53))
    a = s.recv(512)
    return socket.inet_ntoa(a[-4:])


BODIES = {"/index.html": 9_000, "/app.js": 60_000, "/style.css": 4_000, "/logo.png": 30_000,
          "/api/items": 2_000, "/download": 1_000_000}
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
         ".png": "image/png", "items": "application/json", "download": "application/octet-stream"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        size = BODIES[self.path]
        if self.path == "/api/items":
            time.sleep(0.08)
        self.send_response(200)
        kind = next(t for k, t in TYPES.items() if self.path.endswith(k))
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        body = b"x" * size
        step = 100_000 if self.path == "/download" else size
        for i in range(0, size, step):
            self.wfile.write(body[i:i + step])
            self.wfile.flush()
            if self.path == "/download":
                time.sleep(0.01)

    def log_message(self, *a):
        pass


def serve(addr, tls):
    httpd = ThreadingHTTPServer(addr, Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["http/1.1"])
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()


dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dns.bind(("127.0.0.53", 53))
threading.Thread(target=dns_server, args=(dns,), daemon=True).start()
serve(("127.0.0.1", 8080), False)
serve(("127.0.0.2", 8443), True)

pcap, keys = os.path.join(tmp, "page.pcapng"), os.path.join(tmp, "keys")
dump = subprocess.Popen([wirelens, "capture", "-i", "lo", "-w", pcap, "-f",
                         "udp port 53 or tcp port 8080 or tcp port 8443"])
time.sleep(1)
env = dict(os.environ, SSLKEYLOGFILE=keys)


def curl(name, addr, port, scheme, *paths):
    args = ["curl", "-s", "-k", "--http1.1", "--resolve", f"{name}:{port}:{addr}"]
    for p in paths:
        args += ["-o", "/dev/null", f"{scheme}://{name}:{port}{p}"]
    return subprocess.Popen(args, env=env)


curl("www.example.test", lookup("www.example.test"), 8080, "http", "/index.html").wait()
static = lookup("static.example.test")
a = curl("static.example.test", static, 8443, "https", "/app.js", "/style.css")
b = curl("static.example.test", static, 8443, "https", "/logo.png")
a.wait(), b.wait()
assert curl("static.example.test", static, 8443, "https", "/api/items", "/download").wait() == 0
time.sleep(1)
dump.send_signal(2)
dump.wait()
subprocess.run([wirelens, "export", pcap, "--inject-secrets", "tls," + keys,
                "-w", out + ".pcapng"], check=True)
