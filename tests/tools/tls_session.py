#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_tls_decrypt.pcap and its key log
tests/fixtures/wirelens_tls_decrypt.keys: HTTPS on loopback, every cipher
family we decrypt, captured by dumpcap:

    python3 tests/tools/tls_session.py tests/fixtures/wirelens_tls_decrypt

The server is Python's ssl (OpenSSL) with HTTP/1.1 and, by ALPN, HTTP/2
(the `h2` package: pip install h2). Clients: curl (its own OpenSSL use,
SSLKEYLOGFILE) for the ciphers, Python's ssl for session resumption and
encrypt-then-MAC turned off, `openssl s_client` for a KeyUpdate.

  port 8443  TLS 1.3 AES-128-GCM, HTTP/1.1 GET
  port 8443  TLS 1.3 AES-256-GCM, HTTP/2 GET
  port 8443  TLS 1.3 ChaCha20-Poly1305, HTTP/2 POST, a 40 kB response
  port 8445  TLS 1.3 with HelloRetryRequest (client key share X25519, server P-256)
  port 8443  TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, HTTP/1.1
  port 8443  TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305, HTTP/2
  port 8443  TLS 1.2 ECDHE-RSA-AES256-SHA384 (CBC, encrypt-then-MAC)
  port 8443  TLS 1.2 AES128-SHA (RSA key exchange, CBC, MAC-then-encrypt),
             then the session resumed by its session ID
  port 8443  TLS 1.3 resumed with a ticket
  port 8444  TLS 1.3 and a KeyUpdate from the client (openssl s_client "k")
"""
import os, socket, ssl, subprocess, sys, tempfile, threading, time

import h2.config, h2.connection, h2.events

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/wirelens_tls_decrypt"
pcap, keys = out + ".pcap", out + ".keys"
for f in (pcap, keys):
    if os.path.exists(f):
        os.remove(f)
tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", cert, "-subj", "/CN=www.example.org", "-days", "1",
                "-addext", "subjectAltName=DNS:www.example.org,DNS:example.org"],
               check=True, capture_output=True)

BODY = b"".join(b"line %05d of a response long enough to span several TLS records\n" % i
                for i in range(640))


def server_context(groups=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    if groups:
        ctx.set_ecdh_curve(groups)
    return ctx


def http1(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    path = head.split(b" ")[1]
    body = BODY if path == b"/big" else b"hello over TLS\n"
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n" % len(body) + body)


def http2(c):
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    c.sendall(conn.data_to_send())
    open_streams = {}
    while True:
        data = c.recv(65535)
        if not data:
            return
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                open_streams[ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                hdrs = open_streams.pop(ev.stream_id, {})
                path = hdrs.get(b":path", b"/")
                body = BODY if path == b"/big" else b'{"hello":"h2 over TLS"}\n'
                ctype = b"text/plain" if path == b"/big" else b"application/json"
                conn.send_headers(ev.stream_id, [(":status", "200"), ("content-type", ctype),
                                                 ("content-length", str(len(body)))])
                sent = 0
                while sent < len(body):
                    n = min(conn.local_flow_control_window(ev.stream_id),
                            conn.max_outbound_frame_size, len(body) - sent)
                    conn.send_data(ev.stream_id, body[sent:sent + n],
                                   end_stream=sent + n == len(body))
                    sent += n
                    c.sendall(conn.data_to_send())
            elif isinstance(ev, h2.events.ConnectionTerminated):
                c.sendall(conn.data_to_send())
                return
        c.sendall(conn.data_to_send())


def serve(port, ctx, sessions):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    ready.release()
    for _ in range(sessions):
        raw, _ = s.accept()
        try:
            c = ctx.wrap_socket(raw, server_side=True)
            if c.selected_alpn_protocol() == "h2":
                http2(c)
            else:
                http1(c)
            c.close()
        except (ssl.SSLError, ConnectionError, OSError) as e:
            print("server:", e, file=sys.stderr)
            raw.close()


def echo(port, ctx):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    ready.release()
    raw, _ = s.accept()
    c = ctx.wrap_socket(raw, server_side=True)
    while data := c.recv(4096):
        c.sendall(b"echo: " + data)
    c.close()


def curl(*args):
    env = dict(os.environ, SSLKEYLOGFILE=keys)
    subprocess.run(["curl", "-sk", "--resolve", "www.example.org:8443:127.0.0.1", *args],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    time.sleep(0.3)


def python_client(ciphers, resume_times, options=0, path=b"/"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = keys
    if ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(ciphers + ":@SECLEVEL=0")
    ctx.options |= options
    session = None
    for _ in range(resume_times):
        with socket.create_connection(("127.0.0.1", 8443)) as raw:
            with ctx.wrap_socket(raw, server_hostname="www.example.org", session=session) as c:
                c.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: www.example.org\r\n\r\n")
                while c.recv(65536):
                    pass
                session = c.session
        time.sleep(0.3)


ready = threading.Semaphore(0)
cap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-P", "-w", pcap,
                        "-f", "tcp portrange 8443-8445"])
time.sleep(1.5)
threading.Thread(target=serve, args=(8443, server_context(), 11), daemon=True).start()
threading.Thread(target=serve, args=(8445, server_context("prime256v1"), 1), daemon=True).start()
threading.Thread(target=echo, args=(8444, server_context()), daemon=True).start()
ready.acquire(); ready.acquire(); ready.acquire()

url = "https://www.example.org:8443"
curl("--http1.1", "--tlsv1.3", "--tls13-ciphers", "TLS_AES_128_GCM_SHA256", url + "/hello")
curl("--http2", "--tlsv1.3", "--tls13-ciphers", "TLS_AES_256_GCM_SHA384", url + "/h2")
curl("--http2", "--tlsv1.3", "--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256",
     "-d", "prompt=tell me a story", url + "/big")
curl("--http1.1", "--tlsv1.3", "--curves", "X25519:P-256",
     "--resolve", "www.example.org:8445:127.0.0.1", "https://www.example.org:8445/hrr")
curl("--http1.1", "--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256", url + "/gcm12")
curl("--http2", "--tls-max", "1.2", "--ciphers", "ECDHE-RSA-CHACHA20-POLY1305", url + "/chacha12")
curl("--http1.1", "--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES256-SHA384", url + "/big")
# AES128-SHA with encrypt-then-MAC off (OpenSSL's SSL_OP_NO_ENCRYPT_THEN_MAC), resumed once.
python_client("AES128-SHA", 2, options=0x00080000)
python_client(None, 2, path=b"/ticket")

# Interactive s_client (no -quiet) takes a line "k" as "send a KeyUpdate".
sc = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:8444", "-tls1_3",
                       "-keylogfile", keys], stdin=subprocess.PIPE,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.5)
sc.stdin.write(b"before the key update\n"); sc.stdin.flush(); time.sleep(0.3)
sc.stdin.write(b"k\n"); sc.stdin.flush(); time.sleep(0.3)
sc.stdin.write(b"after the key update\n"); sc.stdin.flush(); time.sleep(0.3)
sc.stdin.close()
try:
    sc.wait(timeout=5)
finally:
    sc.kill()
    time.sleep(1)
    cap.terminate()
    cap.wait()
print(pcap, keys)
