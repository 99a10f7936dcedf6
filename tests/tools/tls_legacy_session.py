#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_tls_legacy.pcap and its key log
wirelens_tls_legacy.keys: TLS 1.0 and 1.1 with CBC suites, which old
devices and captures still carry, by openssl s_server -www and s_client on
loopback (security level 0, as OpenSSL 3 refuses them otherwise):

    python3 tests/tools/tls_legacy_session.py tests/fixtures/wirelens_tls_legacy

  TLS 1.0 AES128-SHA (RSA key exchange; CBC IVs chained across records)
  TLS 1.1 ECDHE-RSA-AES256-SHA (an explicit IV per record)
  TLS 1.2 DHE-RSA-AES128-SHA256
"""
import os, subprocess, sys, tempfile, time

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/wirelens_tls_legacy"
pcap, keys = out + ".pcap", os.path.abspath(out + ".keys")
for f in (pcap, keys):
    if os.path.exists(f):
        os.remove(f)
tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-subj", "/CN=legacy.example", "-days", "1"], check=True, capture_output=True)
cap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-P", "-w", pcap, "-f", "tcp port 8447"])
time.sleep(1.5)
try:
    for version, cipher in (("-tls1", "AES128-SHA"), ("-tls1_1", "ECDHE-RSA-AES256-SHA"),
                            ("-tls1_2", "DHE-RSA-AES128-SHA256")):
        srv = subprocess.Popen(["openssl", "s_server", "-accept", "8447", "-cert", cert, "-key", key,
                                "-www", "-cipher", "ALL:@SECLEVEL=0", version],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.8)
        subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:8447", version, "-cipher",
                        cipher + ":@SECLEVEL=0", "-keylogfile", keys, "-quiet"],
                       input=b"GET /legacy HTTP/1.0\r\nHost: legacy.example\r\n\r\n",
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        time.sleep(0.3)
        srv.terminate()
        srv.wait()
finally:
    time.sleep(1)
    cap.terminate()
    cap.wait()
print(pcap, keys)
