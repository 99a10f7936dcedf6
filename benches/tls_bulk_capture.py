#!/usr/bin/env python3
"""Writes a large capture that is all TLS, and its key log, for the
decryption benchmark (benches/tls_decrypt.sh):

    python3 benches/tls_bulk_capture.py OUT_STEM [CONNECTIONS] [MB_EACH]

Python's ssl (OpenSSL, AES-NI) on loopback, TLS 1.3 AES-128-GCM: each
connection sends an HTTP/1.1 request and gets MB_EACH megabytes back.
Loopback's MTU is set to 1500 and its segmentation offload to one segment
while capturing (as on Ethernet), then put back, so that the capture has
packets of a real network's size (with offload, dumpcap sees 16 KB
segments that no wire carries).
"""
import os, socket, ssl, subprocess, sys, tempfile, threading, time

stem = sys.argv[1]
conns = int(sys.argv[2]) if len(sys.argv) > 2 else 40
mb = int(sys.argv[3]) if len(sys.argv) > 3 else 5
pcap, keys = stem + ".pcap", stem + ".keys"
for f in (pcap, keys):
    if os.path.exists(f):
        os.remove(f)
tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-subj", "/CN=bulk.example", "-days", "1"], check=True, capture_output=True)
srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
srv.load_cert_chain(cert, key)
chunk = os.urandom(1 << 16)


def serve(s):
    for _ in range(conns):
        raw, _ = s.accept()
        c = srv.wrap_socket(raw, server_side=True)
        while b"\r\n\r\n" not in c.recv(4096):
            pass
        total = mb << 20
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % total)
        for _ in range(total >> 16):
            c.sendall(chunk)
            # Paced, so that dumpcap keeps up (a dropped segment would
            # leave the rest of its records undecrypted).
            time.sleep(0.001)
        c.close()


def link(key):
    out = subprocess.run(["ip", "-d", "link", "show", "lo"], capture_output=True, text=True).stdout.split()
    return out[out.index(key) + 1]


old = {k: link(k) for k in ("mtu", "gso_max_size", "gso_max_segs")}
subprocess.run(["ip", "link", "set", "lo", "mtu", "1500", "gso_max_size", "1500", "gso_max_segs", "1"], check=True)
try:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 9443))
    s.listen(4)
    cap = subprocess.Popen(["dumpcap", "-q", "-B", "512", "-i", "lo", "-P", "-w", pcap, "-f", "tcp port 9443"])
    time.sleep(1.5)
    t = threading.Thread(target=serve, args=(s,), daemon=True)
    t.start()
    cli = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cli.check_hostname = False
    cli.verify_mode = ssl.CERT_NONE
    cli.keylog_filename = keys
    cli.minimum_version = ssl.TLSVersion.TLSv1_3
    for _ in range(conns):
        with cli.wrap_socket(socket.create_connection(("127.0.0.1", 9443))) as c:
            c.sendall(b"GET /bulk HTTP/1.1\r\nHost: bulk.example\r\n\r\n")
            while c.recv(1 << 16):
                pass
    t.join(10)
    time.sleep(1)
    cap.terminate()
    cap.wait()
finally:
    subprocess.run(["ip", "link", "set", "lo"] + [w for k, v in old.items() for w in (k, v)], check=True)
print(pcap, keys)
