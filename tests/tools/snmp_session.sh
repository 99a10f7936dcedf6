#!/bin/sh
# Makes tests/fixtures/wirelens_snmp.pcap: net-snmp's tools (apt: snmp snmpd;
# numeric OIDs, as Debian ships no MIBs) against a net-snmp agent on loopback, SNMPv1 and v2c, captured by dumpcap:
#
#     sh tests/tools/snmp_session.sh tests/fixtures/wirelens_snmp.pcap
#
# Gets, get-next, a short walk, get-bulk, a refused set, a get of an absent
# object (noSuchName / noSuchObject), SNMPv3 engine discovery and a user the
# agent does not know (reports), and v1 and v2c traps to a listener on 162.
set -e
out=$1
dir=$(mktemp -d)
cat > "$dir/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:161
rocommunity public 127.0.0.1
sysLocation Server room 3
sysContact ops@example.org
CONF
snmpd -f -Lo -C -c "$dir/snmpd.conf" -p "$dir/pid" > "$dir/snmpd.log" 2>&1 &
agent=$!
python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 162)); s.settimeout(6)
t = time.time()
while time.time() - t < 6:
    try: s.recv(2048)
    except OSError: break
" &
sink=$!
sleep 1
dumpcap -q -i lo -P -f 'udp port 161 or udp port 162' -w "$out" -a duration:6 &
cap=$!
sleep 1
snmpget -v1 -c public 127.0.0.1 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.3.0 || true
snmpgetnext -v2c -c public 127.0.0.1 1.3.6.1.2.1.1.4 || true
snmpwalk -v2c -c public 127.0.0.1 1.3.6.1.2.1.1.5 || true
snmpbulkget -v2c -c public -Cn0 -Cr3 127.0.0.1 1.3.6.1.2.1.2.2.1.2 || true
snmpget -v1 -c public 127.0.0.1 1.3.6.1.2.1.1.99.0 || true
snmpget -v2c -c public 127.0.0.1 1.3.6.1.2.1.1.99.0 || true
snmpset -v2c -c public -t 1 -r 0 127.0.0.1 1.3.6.1.2.1.1.6.0 s "Lab" || true
snmpget -v3 -l noAuthNoPriv -u nobody -t 1 -r 0 127.0.0.1 1.3.6.1.2.1.1.1.0 || true
snmpget -v3 -l authPriv -u alice -a SHA -A secretpass -x AES -X secretpass -t 1 -r 0 127.0.0.1 1.3.6.1.2.1.1.1.0 || true
snmptrap -v1 -c public 127.0.0.1:162 1.3.6.1.4.1.8072.2.3 127.0.0.1 6 17 '' 1.3.6.1.2.1.1.6.0 s "Rack 4" || true
snmptrap -v2c -c public 127.0.0.1:162 '' 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.2 i 2 1.3.6.1.2.1.2.2.1.7.2 i 1 || true
wait $cap
kill $agent $sink 2>/dev/null || true
rm -rf "$dir"
