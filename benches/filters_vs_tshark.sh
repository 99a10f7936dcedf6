#!/usr/bin/env bash
# Times display filters over a capture: wirelens evaluates each over the
# loaded capture on all cores (`wirelens bench -Y`, load excluded, as the
# app re-filters a loaded file), tshark reads and filters the file
# (`tshark -r F -Y`, one pass). Same run, same machine; run it idle:
#
#   python3 ../shared/tools/gen_capture.py --packets 5000000 --flows 25000 --out big5m.pcap
#   cargo build --release && benches/filters_vs_tshark.sh big5m.pcap
set -euo pipefail
file=${1:?usage: benches/filters_vs_tshark.sh CAPTURE}
bin=${WIRELENS:-target/release/wirelens}
filters=(
  'tcp.analysis.retransmission'
  'ip.addr == 10.1.0.0/16 && tcp.port == 443'
  'dns.qry.name contains "example"'
  'tls.handshake.extensions_server_name matches "^api\\."'
)
out=$(mktemp -d)
cat "$file" > /dev/null
args=()
for f in "${filters[@]}"; do args+=(-Y "$f"); done
"$bin" bench "$file" "${args[@]}" > "$out/wirelens.json"
python3 - "$out/wirelens.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"load (full analysis, tapes kept): {r['seconds']:.2f} s for {r['packets']} packets")
for f in r["filters"]:
    print(f"wirelens  {f['seconds']:7.2f} s  {f['matching_packets']:>9} packets  {f['filter']}")
PY
for f in "${filters[@]}"; do
  start=$(date +%s.%N)
  n=$(tshark -r "$file" -Y "$f" -T fields -e frame.number 2>/dev/null | wc -l)
  end=$(date +%s.%N)
  secs=$(python3 -c "print(f'{$end - $start:.2f}')")
  mine=$(python3 -c "
import json,sys
for x in json.load(open('$out/wirelens.json'))['filters']:
    if x['filter'] == sys.argv[1]: print(f\"{x['seconds']:.2f} {x['matching_packets']}\")" "$f")
  read -r msecs mcount <<< "$mine"
  ratio=$(python3 -c "print(f'{$secs / $msecs:.0f}')")
  printf 'tshark    %7.2f s  %9d packets  %s   (wirelens %s×, %s)\n' "$secs" "$n" "$f" "$ratio" \
    "$([ "$n" = "$mcount" ] && echo 'same packets' || echo "DIFFERENT: wirelens $mcount")"
done
