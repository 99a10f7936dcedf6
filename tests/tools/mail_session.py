#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_pop-imap.pcap: Python's poplib and imaplib
clients against small scripted servers on loopback (ports 110 and 143),
captured by dumpcap:

    dumpcap -i lo -P -w tests/fixtures/wirelens_pop-imap.pcap -a duration:4 &
    python3 tests/tools/mail_session.py
"""
import socket, threading, time, poplib, imaplib
POP = [b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n", None]
def pop_server(s):
    c, _ = s.accept(); f = c.makefile("rb")
    c.sendall(b"+OK POP3 server ready\r\n")
    for line in f:
        cmd = line.strip().split(b" ")[0].upper()
        if cmd == b"USER": c.sendall(b"+OK alice is welcome here\r\n")
        elif cmd == b"PASS": c.sendall(b"+OK alice's maildrop has 2 messages (320 octets)\r\n")
        elif cmd == b"STAT": c.sendall(b"+OK 2 320\r\n")
        elif cmd == b"LIST": c.sendall(b"+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n")
        elif cmd == b"RETR": c.sendall(b"+OK 120 octets\r\nSubject: hi\r\n\r\nhello there\r\n.\r\n")
        elif cmd == b"QUIT": c.sendall(b"+OK dewey POP3 server signing off\r\n"); break
        else: c.sendall(b"-ERR unknown\r\n")
    c.close()
def imap_server(s):
    c, _ = s.accept(); f = c.makefile("rb")
    c.sendall(b"* OK IMAP4rev1 Service Ready\r\n")
    for line in f:
        parts = line.strip().split(b" ")
        tag, cmd = parts[0], parts[1].upper() if len(parts) > 1 else b""
        if cmd == b"CAPABILITY": c.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK CAPABILITY completed\r\n")
        elif cmd == b"LOGIN": c.sendall(tag + b" OK LOGIN completed\r\n")
        elif cmd == b"SELECT": c.sendall(b"* 2 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n" + tag + b" OK [READ-WRITE] SELECT completed\r\n")
        elif cmd == b"FETCH": c.sendall(b"* 1 FETCH (FLAGS (\\Seen))\r\n" + tag + b" OK FETCH completed\r\n")
        elif cmd == b"LOGOUT": c.sendall(b"* BYE IMAP4rev1 Server logging out\r\n" + tag + b" OK LOGOUT completed\r\n"); break
        else: c.sendall(tag + b" BAD unknown\r\n")
    c.close()
for port, fn in ((110, pop_server), (143, imap_server)):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", port)); s.listen(1)
    threading.Thread(target=fn, args=(s,), daemon=True).start()
time.sleep(0.2)
p = poplib.POP3("127.0.0.1", 110); p.user("alice"); p.pass_("secret"); p.stat(); p.list(); p.retr(1); p.quit()
time.sleep(0.2)
m = imaplib.IMAP4("127.0.0.1", 143); m.login("alice", "secret"); m.select("INBOX"); m.fetch("1", "(FLAGS)"); m.logout()
time.sleep(0.3)
