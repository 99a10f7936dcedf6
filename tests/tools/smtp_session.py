#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_smtp.pcap: two SMTP sessions on loopback
against a small scripted server, captured by dumpcap:

    dumpcap -i lo -P -w tests/fixtures/wirelens_smtp.pcap -a duration:5 &
    python3 tests/tools/smtp_session.py

Port 25: a hand-driven client (AUTH LOGIN, two recipients, one refused, a
message sent in three segments that split a line and the final dot).
Port 587: Python's smtplib (EHLO, AUTH PLAIN, a dot-stuffed message, a
command split across two segments, RSET, QUIT).
Port 25 again: smtplib's STARTTLS (a throwaway self-signed certificate made
with openssl), then EHLO and QUIT inside TLS.
"""
import os, socket, ssl, subprocess, tempfile, threading, time, smtplib

tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", cert, "-subj", "/CN=mail.example.org", "-days", "1"],
               check=True, capture_output=True)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); tls.load_cert_chain(cert, key)

def server(s, sessions=1):
    for _ in range(sessions):
        session(*s.accept())

def session(c, _):
    f = c.makefile("rb")
    c.sendall(b"220 mail.example.org ESMTP ready\r\n")
    in_data = False
    while line := f.readline():
        if in_data:
            if line == b".\r\n":
                in_data = False
                c.sendall(b"250 2.0.0 Ok: queued as 4F2A1C\r\n")
            continue
        cmd = line.strip().split(b" ")[0].upper()
        if cmd in (b"EHLO", b"HELO"):
            c.sendall(b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                      b"250-AUTH PLAIN LOGIN\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
        elif cmd == b"AUTH" and line.split()[1].upper() == b"LOGIN":
            c.sendall(b"334 VXNlcm5hbWU6\r\n")
            f.readline(); c.sendall(b"334 UGFzc3dvcmQ6\r\n")
            f.readline(); c.sendall(b"235 2.7.0 Authentication successful\r\n")
        elif cmd == b"AUTH":
            c.sendall(b"235 2.7.0 Authentication successful\r\n")
        elif cmd == b"MAIL": c.sendall(b"250 2.1.0 Ok\r\n")
        elif cmd == b"RCPT":
            if b"carol" in line: c.sendall(b"550 5.1.1 <carol@example.org>: Recipient address rejected\r\n")
            else: c.sendall(b"250 2.1.5 Ok\r\n")
        elif cmd == b"DATA":
            in_data = True; c.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif cmd == b"RSET": c.sendall(b"250 2.0.0 Ok\r\n")
        elif cmd == b"NOOP": c.sendall(b"250 2.0.0 Ok\r\n")
        elif cmd == b"STARTTLS":
            c.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            c = tls.wrap_socket(c, server_side=True); f = c.makefile("rb")
        elif cmd == b"QUIT": c.sendall(b"221 2.0.0 Bye\r\n"); break
        else: c.sendall(b"502 5.5.2 Error: command not recognized\r\n")
    c.close()

for port in (25, 587):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(1)
    threading.Thread(target=server, args=(s, 2 if port == 25 else 1), daemon=True).start()
time.sleep(0.2)

def talk(c, f, data, pause=0.05):
    c.sendall(data); time.sleep(pause)

c = socket.create_connection(("127.0.0.1", 25)); f = c.makefile("rb")
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f.readline()
c.sendall(b"EHLO client.example.com\r\n")
while not f.readline().startswith(b"250 "): pass
c.sendall(b"AUTH LOGIN\r\n"); f.readline()
c.sendall(b"YWxpY2U=\r\n"); f.readline()
c.sendall(b"c2VjcmV0\r\n"); f.readline()
c.sendall(b"MAIL FROM:<alice@example.com>\r\n"); f.readline()
c.sendall(b"RCPT TO:<bob@example.org>\r\n"); f.readline()
c.sendall(b"RCPT TO:<carol@example.org>\r\n"); f.readline()
c.sendall(b"DATA\r\n"); f.readline()
talk(c, f, b"From: Alice <alice@example.com>\r\nTo: Bob <bob@example.org>\r\n"
           b"Subject: Quarterly numbers\r\nMessage-ID: <1@example.com>\r\n"
           b"Content-Type: text/plain\r\n\r\nHi Bob,\r\nthe numbers are in the att")
talk(c, f, b"ached sheet.\r\n" + b"Line of text to fill the message.\r\n" * 20)
talk(c, f, b"Regards,\r\nAlice\r\n.\r\n")
f.readline()
c.sendall(b"QUIT\r\n"); f.readline(); c.close()
time.sleep(0.2)

class SplitSMTP(smtplib.SMTP):
    """Sends "NOOP" as two segments, to show a command line split."""
    def noop_split(self):
        self.sock.sendall(b"NO"); time.sleep(0.05); self.sock.sendall(b"OP\r\n")
        return self.getreply()

m = SplitSMTP("127.0.0.1", 587, local_hostname="laptop.example.com")
m.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
m.ehlo("laptop.example.com")
m.login("alice", "secret")
m.noop_split()
m.sendmail("alice@example.com", ["bob@example.org"],
           b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: dots\r\n\r\n"
           b".leading dot\r\n..two dots\r\nend\r\n")
m.rset()
m.quit()
time.sleep(0.3)

m = smtplib.SMTP("127.0.0.1", 25, local_hostname="laptop.example.com")
m.ehlo()
m.starttls(context=ssl._create_unverified_context())
m.ehlo()
m.quit()
time.sleep(0.3)
