#!/usr/bin/env bash
# `packets -q -z ...` (tshark's statistics) against tshark's, same run, on
# a 1M-packet capture, checking that both print the same bytes; times are
# CPU seconds (user + system), which another process on the machine
# changes less than wall time. Run it on an otherwise idle machine:
#
#   benches/stats_vs_tshark.sh [CAPTURE] [RUNS]
#
# Without CAPTURE, ../shared/tools/gen_capture.py writes one (1M packets,
# 5000 TCP connections with loss and reordering, some UDP) to /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-/tmp/wirelens-fields-1m.pcap}
runs=${2:-3}
[ -f "$file" ] || python3 ../shared/tools/gen_capture.py --packets 1000000 --out "$file" --quiet
cargo build --release -q
w=target/release/wirelens
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1 + $2}'; }
cat "$file" > /dev/null
for z in "conv,tcp" "endpoints,ip" "io,phs" "io,stat,1,tcp,COUNT(tcp.analysis.retransmission)tcp.analysis.retransmission" "expert" \
  "ptype,tree" "http,tree" "dns,tree" "follow,tcp,hex,7"; do
  ours=$("$w" packets -r "$file" -q -z "$z" | md5sum)
  theirs=$(tshark -n -r "$file" -q -z "$z" 2>/dev/null | md5sum)
  same=identical; [ "$ours" = "$theirs" ] || same=DIFFERENT
  w_best=999 t_best=999
  for i in $(seq "$runs"); do
    a=$(cpu "$w" packets -r "$file" -q -z "$z")
    b=$(cpu tshark -n -r "$file" -q -z "$z")
    w_best=$(python3 -c "print(min($w_best, $a))") t_best=$(python3 -c "print(min($t_best, $b))")
  done
  echo "-z $z: $same output; best of $runs CPU: wirelens $w_best s, tshark $t_best s: $(python3 -c "print(f'{$t_best / $w_best:.1f}')")x"
done
