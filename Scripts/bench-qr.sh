#!/usr/bin/env bash
# Share-QR throughput: `sharemark qr --batch` (one process, pinned to one core) against the
# archives' original loop of one `qrencode` process per image, on the same N archive URLs.
# Usage: Scripts/bench-qr.sh [N]   (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
swift build -c release >/dev/null
# Files go to tmpfs (/dev/shm) by default so that both sides measure rendering and file
# creation, not the latency of a shared disk (which on a busy VM costs ~0.7 ms per new file for
# both). Set BENCH_DIR to measure another file system.
work=$(mktemp -d "${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )}/sharemark-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
categories=(world nsc418 butongdeshengyin china ent health gb-news)
for ((i = 1; i <= n; i++)); do
  c=${categories[i % ${#categories[@]}]}
  if ((i % 4 == 0)); then id="jkdv-0531201911$(printf %04d $((i % 10000)))"; else id="n$((10000000 + i * 7919))"; fi
  echo "https://github.com/example-org/mirror/blob/master/pages/$c/$id.md"
done > "$work/urls.txt"
mkdir "$work/A" "$work/B"
now() { date +%s%N; }
t0=$(now)
taskset -c 0 .build/release/sharemark qr --batch "$work/urls.txt" --output-dir "$work/A" --scale 4
t1=$(now)
i=0
while IFS= read -r url; do
  i=$((i + 1))
  qrencode -o "$work/B/$i.png" -s 4 "$url"
done < "$work/urls.txt"
t2=$(now)
bytes() { find "$1" -name '*.png' -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / NR}'; }
awk -v n="$n" -v a=$((t1 - t0)) -v b=$((t2 - t1)) -v sa="$(bytes "$work/A")" -v sb="$(bytes "$work/B")" \
  -v len="$(awk '{s += length($0)} END {printf "%.1f", s / NR}' "$work/urls.txt")" 'BEGIN {
  printf "%d URLs, mean %s bytes\n", n, len
  printf "sharemark qr --batch: %8.1f us/image, mean PNG %s bytes\n", a / n / 1000, sa
  printf "qrencode loop:        %8.1f us/image, mean PNG %s bytes\n", b / n / 1000, sb
  printf "speed-up: %.1fx\n", b / a
}'
