#!/usr/bin/env bash
# Runs fuzz targets for SECONDS each (default 600), one after another:
# every target, or only those named after SECONDS. JOBS (default 1)
# targets run side by side.
#
# Every run has a memory and a time bound per input (-rss_limit_mb=512,
# -timeout=2, 10 for a TCP stream, 30 for whole captures): an input that makes a dissector slow
# or hungry is a finding, as a crash is. Inputs may be as long as the protocols allow: 64 KiB for a
# DNS message, a TLS handshake or an HTTP/2 stream, 1 MiB for whole captures.
set -u
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=${*:-$(RUSTC_BOOTSTRAP=1 cargo fuzz list)}
jobs=${JOBS:-1}

max_len() {
  case $1 in
    capture|file_reader) echo 1048576 ;;
    dns|dns_tcp|tls|tls_decrypt|quic|http|http2|hpack|qpack|tcp|udp|link_layers) echo 65536 ;;
    *) echo 8192 ;;
  esac
}

# ASan keeps freed memory in a quarantine (256 MB by default) that counts
# toward -rss_limit_mb: a whole-capture input that frees a lot (the HPACK
# bomb in the hostile tests) would be reported out of memory with 80 MB live.
# A small quarantine keeps the bound about what the analyzer holds.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}

# Seconds an input may take. A whole capture of up to 1 MiB holds up to
# ~20,000 packets, each dissected twice with full trees under ASan (~100x
# slower than a release build): an honest one of 14,000 packets takes 4 s
# of CPU there (0.05 s in `wirelens bench`), and twice that in wall time
# beside another fuzzer. 30 s still shows a cost that grows with the square
# of the packets (25,000 fragments cost 5 s in a release build before their
# bound: minutes here). A stream target's input is a whole TCP connection
# cut into many segments, each a frame dissected twice: a 4.7 KB TLS
# stream took 0.85 s there on an idle machine and over 2 s beside a CI
# build, so streams get 10 s. A single packet gets 2 s.
timeout_for() {
  case $1 in
    capture) echo 30 ;;
    tls|http|http2|dns_tcp|ssh|ftp|pop|imap|smtp|multipart|urlencoded_form|proxy|ftp_data|pptp|xml|sse|websocket) echo 10 ;;
    *) echo 2 ;;
  esac
}

run() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=512 -timeout="$(timeout_for "$t")" -max_len="$(max_len "$t")" \
    -artifact_prefix="artifacts/$t/" > "logs/$t.log" 2>&1
  echo "== $t: $(grep -E "Done [0-9]+ runs" "logs/$t.log" | tail -1)" \
       "$(grep -cE "ERROR|panicked|deadly signal|Timeout|out-of-memory" "logs/$t.log") findings"
}

mkdir -p logs
RUSTC_BOOTSTRAP=1 cargo fuzz build >/dev/null 2>&1 || RUSTC_BOOTSTRAP=1 cargo fuzz build
for t in $targets; do
  run "$t" &
  while [ "$(jobs -r | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
