#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_tls_gnutls.pcap and its key log
wirelens_tls_gnutls.keys: TLS by GnuTLS, a second stack beside
OpenSSL's (tls_session.py), on loopback, captured by dumpcap:

    apt-get install gnutls-bin
    python3 tests/tools/tls_gnutls_session.py tests/fixtures/wirelens_tls_gnutls

gnutls-serv --http (GnuTLS, which writes SSLKEYLOGFILE) answers curl
(OpenSSL) and gnutls-cli (GnuTLS both ends):

  curl        TLS 1.3 TLS_AES_256_GCM_SHA384, HTTP/1.1 GET
  curl        TLS 1.2 DHE-RSA-AES256-GCM-SHA384 (finite-field DHE)
  curl        TLS 1.2 AES128-SHA256 (RSA key exchange, CBC with HMAC-SHA256)
  gnutls-cli  TLS 1.3 ChaCha20-Poly1305, a request typed on its stdin
  gnutls-cli  TLS 1.2 ECDHE-RSA-AES128-GCM, the same
"""
import os, subprocess, sys, tempfile, time

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/wirelens_tls_gnutls"
pcap, keys = out + ".pcap", os.path.abspath(out + ".keys")
for f in (pcap, keys):
    if os.path.exists(f):
        os.remove(f)
tmp = tempfile.mkdtemp()
cert, key, dh = (os.path.join(tmp, n) for n in ("cert.pem", "key.pem", "dh.pem"))
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", cert, "-subj", "/CN=gnutls.example.org", "-days", "1"],
               check=True, capture_output=True)
env = dict(os.environ, SSLKEYLOGFILE=keys)
cap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-P", "-w", pcap, "-f", "tcp port 8446"])
time.sleep(1.5)
srv = subprocess.Popen(["gnutls-serv", "--http", "-p", "8446", "--x509certfile", cert,
                        "--x509keyfile", key,
                        "--priority", "NORMAL:+DHE-RSA:+RSA:+AES-128-CBC:+SHA256"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)
try:
    url = "https://127.0.0.1:8446/"
    for args in (["--tlsv1.3", "--tls13-ciphers", "TLS_AES_256_GCM_SHA384"],
                 ["--tls-max", "1.2", "--ciphers", "DHE-RSA-AES256-GCM-SHA384"],
                 ["--tls-max", "1.2", "--ciphers", "AES128-SHA256"]):
        subprocess.run(["curl", "-sk", "--http1.1", *args, url], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        time.sleep(0.3)
    for prio in ("NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305",
                 "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM"):
        subprocess.run(["gnutls-cli", "--insecure", "--priority", prio, "-p", "8446", "127.0.0.1"],
                       input=b"GET /gnutls HTTP/1.1\r\nHost: gnutls.example.org\r\n\r\n",
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=10)
        time.sleep(0.3)
finally:
    srv.terminate()
    srv.wait()
    time.sleep(1)
    cap.terminate()
    cap.wait()
print(pcap, keys)
