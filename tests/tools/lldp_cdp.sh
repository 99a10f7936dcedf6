#!/bin/sh
# Makes tests/fixtures/wirelens_lldp_cdp.pcap: lldpd (apt: lldpd) speaking
# LLDP (with LLDP-MED) and CDPv2 on one end of a veth pair the script
# creates, captured on the other end with dumpcap; the LLDP shutdown frame
# (TTL 0) ends it. Run as root.
set -eu
out=${1:-tests/fixtures/wirelens_lldp_cdp.pcap}
ip link add wlv0 type veth peer name wlv1
trap 'ip link del wlv0 2>/dev/null || true' EXIT
ip link set wlv0 address 02:00:00:00:00:01
ip link set wlv0 up
ip link set wlv1 up
ip addr add 192.0.2.1/24 dev wlv0
dumpcap -q -i wlv1 -P -f "not ip6 and not arp" -w "$out" -a duration:14 2>/dev/null &
cap=$!
sleep 2
timeout -s INT 8 lldpd -d -cc -l -I wlv0 -m 192.0.2.1 -S "wirelens test switch" || true
wait $cap
