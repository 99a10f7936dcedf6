#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_ftp-pasv-port.pcap: a real FTP session on
loopback, a pyftpdlib server and Python's ftplib client (PASV listing and
download, PORT listing and upload), captured by dumpcap:

    pip install pyftpdlib
    dumpcap -i lo -P -w tests/fixtures/wirelens_ftp-pasv-port.pcap -a duration:6 &
    python3 tests/tools/ftp_session.py

It serves /tmp/ftproot (readme.txt and a 5000-byte base64 data.txt).
"""
import os
import ftplib, threading, time, io
os.makedirs("/tmp/ftproot", exist_ok=True)
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
auth = DummyAuthorizer()
auth.add_user("alice", "secret", "/tmp/ftproot", perm="elradfmw")
FTPHandler.authorizer = auth
FTPHandler.permit_foreign_addresses = True
srv = FTPServer(("127.0.0.1", 21), FTPHandler)
t = threading.Thread(target=srv.serve_forever, kwargs={"timeout": 0.1}, daemon=True)
t.start()
time.sleep(0.3)
c = ftplib.FTP()
c.connect("127.0.0.1", 21)
c.login("alice", "secret")
c.pwd()
c.set_pasv(True)
c.retrlines("LIST")
buf = io.BytesIO(); c.retrbinary("RETR data.txt", buf.write)
c.set_pasv(False)
c.retrlines("NLST")
c.storbinary("STOR up.txt", io.BytesIO(b"uploaded by the test\n" * 50))
c.sendcmd("TYPE I")
c.quit()
time.sleep(0.3)
srv.close_all()
