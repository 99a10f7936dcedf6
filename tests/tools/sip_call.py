#!/usr/bin/env python3
"""Makes tests/fixtures/wirelens_sip_rtp.pcap: a SIP call between two user
agents on loopback (REGISTER, INVITE with SDP, 100/180/200, ACK, BYE),
the G.711 RTP both ways on the ports the SDP announced, an RTCP sender
report from each side, and an OPTIONS ping answered with 200. Real UDP
sockets, captured with dumpcap (run as root)."""
import os, socket, struct, subprocess, sys, time

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "fixtures", "wirelens_sip_rtp.pcap")
HOST = "127.0.0.1"
ALICE_SIP, BOB_SIP = 5062, 5060
ALICE_RTP, BOB_RTP = 49170, 3456


def sdp(user, sess, port):
    return ("v=0\r\no=%s %d %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n"
            % (user, sess, sess, HOST, HOST, port))


def msg(first, headers, body=""):
    lines = [first] + ["%s: %s" % h for h in headers]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def common(method, cseq, branch, to_tag=""):
    to = "Bob <sip:bob@%s>" % HOST + (";tag=" + to_tag if to_tag else "")
    return [("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s" % (HOST, ALICE_SIP, branch)),
            ("Max-Forwards", "70"), ("To", to),
            ("From", "Alice <sip:alice@%s>;tag=1928301774" % HOST),
            ("Call-ID", "a84b4c76e66710@%s" % HOST), ("CSeq", "%d %s" % (cseq, method)),
            ("Contact", "<sip:alice@%s:%d>" % (HOST, ALICE_SIP)),
            ("User-Agent", "wirelens-test")]


def rtp(seq, ts, ssrc, marker):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | 0, seq, ts, ssrc) + bytes([0xff]) * 160


def rtcp_sr(ssrc, ts, packets):
    sr = struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, 0x83aa7e80, 0, ts, packets, packets * 160)
    cname = b"alice@127.0.0.1"
    item = bytes([1, len(cname)]) + cname + b"\x00"
    item += b"\x00" * ((4 - len(item) % 4) % 4)
    sdes = struct.pack("!BBHI", 0x81, 202, (4 + len(item)) // 4, ssrc) + item
    return sr + sdes


def main():
    cap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-P", "-w", OUT, "-f",
                            "udp and host 127.0.0.1"], stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind((HOST, ALICE_SIP))
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind((HOST, BOB_SIP))
    ar = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ar.bind((HOST, ALICE_RTP))
    br = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); br.bind((HOST, BOB_RTP))
    ac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ac.bind((HOST, ALICE_RTP + 1))
    bc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); bc.bind((HOST, BOB_RTP + 1))
    bob = (HOST, BOB_SIP)
    alice = (HOST, ALICE_SIP)

    def a_to_b(m):
        a.sendto(m, bob); b.recv(4096); time.sleep(0.01)

    def b_to_a(m):
        b.sendto(m, alice); a.recv(4096); time.sleep(0.01)

    reg = common("REGISTER", 1, "reg1")
    reg[0] = ("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bKreg1" % (HOST, ALICE_SIP))
    a_to_b(msg("REGISTER sip:%s SIP/2.0" % HOST, reg + [("Expires", "3600")]))
    b_to_a(msg("SIP/2.0 200 OK", reg + [("Expires", "3600")]))
    inv = common("INVITE", 314159, "776asdhds")
    a_to_b(msg("INVITE sip:bob@%s:%d SIP/2.0" % (HOST, BOB_SIP), inv, sdp("alice", 2890844526, ALICE_RTP)))
    b_to_a(msg("SIP/2.0 100 Trying", inv))
    ok = common("INVITE", 314159, "776asdhds", "a6c85cf")
    b_to_a(msg("SIP/2.0 180 Ringing", ok))
    b_to_a(msg("SIP/2.0 200 OK", ok, sdp("bob", 2890844527, BOB_RTP)))
    a_to_b(msg("ACK sip:bob@%s:%d SIP/2.0" % (HOST, BOB_SIP), common("ACK", 314159, "ack1", "a6c85cf")))
    for i in range(25):
        ar.sendto(rtp(1000 + i, 160 * i, 0x11223344, i == 0), (HOST, BOB_RTP)); br.recv(2048)
        br.sendto(rtp(5000 + i, 8000 + 160 * i, 0x55667788, i == 0), (HOST, ALICE_RTP)); ar.recv(2048)
        time.sleep(0.02)
        if i == 12:
            ac.sendto(rtcp_sr(0x11223344, 160 * i, i), (HOST, BOB_RTP + 1)); bc.recv(2048)
            bc.sendto(rtcp_sr(0x55667788, 8000 + 160 * i, i), (HOST, ALICE_RTP + 1)); ac.recv(2048)
    opt = common("OPTIONS", 2, "opt1")
    b.sendto(msg("OPTIONS sip:alice@%s:%d SIP/2.0" % (HOST, ALICE_SIP), opt), alice); a.recv(4096)
    a.sendto(msg("SIP/2.0 200 OK", opt), bob); b.recv(4096)
    bye = common("BYE", 314160, "bye1", "a6c85cf")
    a_to_b(msg("BYE sip:bob@%s:%d SIP/2.0" % (HOST, BOB_SIP), bye))
    b_to_a(msg("SIP/2.0 200 OK", bye))
    time.sleep(1)
    cap.terminate(); cap.wait()


if __name__ == "__main__":
    main()
