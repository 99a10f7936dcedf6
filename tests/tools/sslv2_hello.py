#!/usr/bin/env python3
"""Writes tests/fixtures/wirelens_sslv2-client-hello.pcap (raw IP link): a TCP
handshake to 443, an SSLv2-format ClientHello offering TLS 1.0 with 24
cipher specs (as old clients and scanners still send), the server answering
in TLS 1.0 (ServerHello, ServerHelloDone), and the last ACK. Built byte by
byte: no TLS library of today sends or accepts this hello.

    python3 tests/tools/sslv2_hello.py tests/fixtures/wirelens_sslv2-client-hello.pcap
"""
import struct, sys
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
def ip(src,dst,payload,proto=6):
    h=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(payload),1,0,64,proto,0,bytes(src),bytes(dst))
    h=h[:10]+struct.pack('!H',csum(h))+h[12:]
    return h+payload
def tcp(src,dst,sp,dp,seq,ack,flags,data=b''):
    h=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,5<<4,flags,65535,0,0)
    ph=bytes(src)+bytes(dst)+struct.pack('!BBH',0,6,len(h)+len(data))
    c=csum(ph+h+data)
    h=h[:16]+struct.pack('!H',c)+h[18:]
    return h+data
C=[10,0,0,1]; S=[10,0,0,2]; cp=40000; sp=443
# SSLv2 CLIENT-HELLO offering TLS 1.0
specs=bytes.fromhex('00003900003800003500001600001300000a0700c000003300003200002f000005000004010080000015000012000009060040000014000011000008000006040080000003020080')
chal=bytes(range(16))
body=bytes([1])+struct.pack('!HHHH',0x0301,len(specs),0,len(chal))+specs+chal
rec=struct.pack('!H',0x8000|len(body))+body
# server: TLS1.0 ServerHello + ServerHelloDone
sh=struct.pack('!H',0x0301)+bytes(32)+b'\x00'+struct.pack('!H',0x002f)+b'\x00'
hs=b'\x02'+struct.pack('!I',len(sh))[1:]+sh + b'\x0e\x00\x00\x00'
srec=b'\x16\x03\x01'+struct.pack('!H',len(hs))+hs
pkts=[(C,S,cp,sp,1000,0,0x02,b''),(S,C,sp,cp,5000,1001,0x12,b''),(C,S,cp,sp,1001,5001,0x10,b''),
      (C,S,cp,sp,1001,5001,0x18,rec),(S,C,sp,cp,5001,1001+len(rec),0x18,srec),(C,S,cp,sp,1001+len(rec),5001+len(srec),0x10,b'')]
out=struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,101)
t=1700000000
for i,(a,b,x,y,s,k,f,d) in enumerate(pkts):
    p=ip(a,b,tcp(a,b,x,y,s,k,f,d))
    out+=struct.pack('<IIII',t,i*1000,len(p),len(p))+p
open(sys.argv[1],'wb').write(out)
