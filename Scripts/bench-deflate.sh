#!/usr/bin/env bash
# The image data of share-link QR PNGs, compressed by every candidate side by side: the shim's own
# deflate encoder (Sources/CPNGShim/sharemark_deflate.c), zlib as libpng/qrencode use it (level 6)
# and as the renderer's fallback does (level 5, Z_FILTERED, memLevel 9), zlib's Z_RLE strategy,
# the Up row filter, and libdeflate at levels 1, 6 and 12. Bytes of the IDAT stream and thread CPU
# time per image, on N archive URLs drawn as PNGRenderer draws them.
#
#   Scripts/bench-deflate.sh [N] [ROUNDS]     (default 10000 3; `300 1` is a smoke run of seconds)
#   Scripts/bench-deflate.sh --write-seeds DIR    (the seeds of Tests/Fuzz/Deflate, then exits)
#
# SCALE and MARGIN (default 4 and 4, the archives') set the main table's images; a second table
# compares the contenders at each of SCALES (default "1 2 3 4 5 6 7 8"; empty for none) on the
# first SCALES_N URLs (default N/10). The CPU figure of a contender is the minimum over ROUNDS
# rounds of its thread's CPU time for the whole set, with its state reused from image to image
# (deflateReset, one libdeflate compressor), and again with state made and freed per image.
# Every stream is inflated by zlib and compared with its scanlines first: a mismatch prints no
# figure and exits 1. Pinned to core 1 (taskset) where it exists. The verdict line applies the
# rule of keeping the own encoder only if it is at least 5% better on both bytes and CPU than
# the smallest and the cheapest library setting; the line after it says whether any library
# setting is as small, or as cheap, at all. Builds into .build-bench/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=Scripts/bench-common.sh disable=SC1091
. Scripts/bench-common.sh
# shellcheck disable=SC2034  # read by apt_install
label=bench-deflate
# shellcheck source=Scripts/apt-common.sh disable=SC1091
. Scripts/apt-common.sh
apt_install gcc libc6-dev pkg-config libqrencode-dev libdeflate-dev zlib1g-dev

bin=.build-bench/bench-deflate
mkdir -p .build-bench
# shellcheck disable=SC2046  # pkg-config's flags are one word each
cc -O2 -std=gnu11 -Wall -Wextra -I Sources/CPNGShim Scripts/bench-deflate.c Sources/CPNGShim/sharemark_deflate.c \
  $(pkg-config --cflags --libs libqrencode) -ldeflate -lz -o "$bin"

if [ "${1:-}" = --write-seeds ]; then
  "$bin" --write-seeds "${2:?usage: Scripts/bench-deflate.sh --write-seeds DIR}"
  exit 0
fi

n=${1:-10000}
rounds=${2:-${ROUNDS:-3}}
scale=${SCALE:-4}
margin=${MARGIN:-4}
scales=${SCALES-1 2 3 4 5 6 7 8}
scales_n=${SCALES_N:-$(( n / 10 > 0 ? n / 10 : 1 ))}
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin=(taskset -c 1); fi

echo "$(nproc) cores, ${pin[*]:-not pinned}; $(cc --version | head -1); zlib $(pkg-config --modversion zlib), libdeflate $(pkg-config --modversion libdeflate 2>/dev/null || dpkg-query -W -f='${Version}' libdeflate-dev), libqrencode $(pkg-config --modversion libqrencode)"
bench_load
"${pin[@]}" "$bin" "$n" "$rounds" "$scale" "$margin" "$scales_n" "$scales"
bench_load
