#!/usr/bin/env bash
# Builds a libFuzzer target with AddressSanitizer and runs it on a seed corpus.
#
#   Scripts/fuzz.sh TARGET [SECONDS] [extra libFuzzer flags...]
#   TARGET: png (PNGImage + QRImageReader), page (PageParser), config (ArchiveConfig / ConfigFile),
#           deflate (the own deflate encoder, Sources/CPNGShim/sharemark_deflate.c, against zlib's inflate)
#   SECONDS: how long to run (default 60); 0 builds and replays the corpus only.
#
# Each target is the module's sources plus an entry file from Tests/Fuzz/<Target>/, compiled by
# swiftc in one module with -sanitize=fuzzer,address. The C shim is compiled by clang with
# -fsanitize=fuzzer-no-link,address; libpng, libqrencode and libzbar come from the system.
# The page and config targets take every file of Sources/SharemarkArchive that does not import
# GRDB or use ArchiveIndex (found with grep, so new files come along; keep the parsers free of GRDB).
# Works from any checkout: every path is relative to the repository, and the seeds come from
# it (Assets/demo-archive, the test fixtures, a small archive from Scripts/make-archive.py);
# FUZZ_SEEDS=folder adds the files of another folder to the seeds. The deflate target is C only:
# Tests/Fuzz/Deflate/deflate_fuzz.c and the encoder, compiled by clang with -fsanitize=fuzzer,address,
# seeded from Tests/Fuzz/Deflate/seeds.
# Everything goes to .build-fuzz/ (git-ignored). The corpus grows in .build-fuzz/corpus-TARGET;
# crashes are written to .build-fuzz/crashes-TARGET/. Runs at low priority in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Scripts/fuzz.sh png|page|config|deflate [SECONDS] [libFuzzer flags...]}
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
out=.build-fuzz
mkdir -p "$out"
# shellcheck disable=SC2054  # -sanitize= takes a comma-separated list: one argument
swift_flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -enable-testing)

# The sanitizer runtime makes gold warn once per symbol; nothing to act on.
quiet() { grep -v "Cannot export local symbol" || true; }
# True when binary $1 is missing or older than any of the other paths (or this script).
stale() { local bin=$1; shift; [ ! -x "$bin" ] || [ -n "$(find "$@" Scripts/fuzz.sh -newer "$bin" -print -quit)" ]; }

# The C targets (CPNGShim, CQRShim) have no module maps of their own (SwiftPM makes them):
# write one for swiftc each, and compile their C files with the fuzzer's instrumentation.
build_shim() {
  local target header
  for target in CPNGShim:sharemark_png.h CQRShim:sharemark_qr.h; do
    header=${target#*:}; target=${target%%:*}
    mkdir -p "$out/$target"
    cat > "$out/$target/module.modulemap" <<MAP
module $target {
    header "../../Sources/$target/include/$header"
    export *
}
MAP
  done
  local file
  for file in Sources/CPNGShim/sharemark_png.c Sources/CPNGShim/sharemark_deflate.c Sources/CQRShim/sharemark_qr.c; do
    # shellcheck disable=SC2046  # pkg-config's flags are one word each
    clang -c -g -O1 -fsanitize=fuzzer-no-link,address $(pkg-config --cflags libpng libqrencode) \
      -I Sources/CPNGShim/include -I Sources/CQRShim/include "$file" -o "$out/$(basename "$file" .c).o"
  done
}
qr_includes=(-I "$out/CPNGShim" -I "$out/CQRShim" -I Sources/CPNG -I Sources/CQREncode -I Sources/CZBar -Xcc "$(pkg-config --cflags libpng)")
# shellcheck disable=SC2046  # pkg-config's flags are one word each
qr_libs() { echo "$out/sharemark_png.o" "$out/sharemark_deflate.o" "$out/sharemark_qr.o" $(pkg-config --libs libpng libqrencode zbar zlib); }

# SharemarkQROptions (pure Swift) as a module and static library: SharemarkQR re-exports it,
# and SharemarkArchive's configuration holds its options.
build_options_module() {
  mkdir -p "$out/options-module"
  swiftc "${swift_flags[@]}" -module-name SharemarkQROptions \
    -emit-module -emit-module-path "$out/options-module/SharemarkQROptions.swiftmodule" \
    -emit-library -static -o "$out/options-module/libSharemarkQROptions.a" Sources/SharemarkQROptions/*.swift 2> >(quiet >&2)
}
options_link=(-I "$out/options-module" -L "$out/options-module" -lSharemarkQROptions)

build_png() {
  build_shim
  build_options_module
  # shellcheck disable=SC2046  # the object files and libraries are one word each
  swiftc "${swift_flags[@]}" -module-name SharemarkQR "${qr_includes[@]}" "${options_link[@]}" \
    Sources/SharemarkQR/*.swift Tests/SharemarkTestSupport/PNGBuilder.swift Tests/Fuzz/PNGReader/main.swift \
    $(qr_libs) -o "$out/fuzz-png" 2> >(quiet >&2)
}

# The GRDB-free part of SharemarkArchive: every file that does not import GRDB.
build_archive() {  # $1 = entry folder, $2 = binary name
  local files=()
  # Files that import GRDB, or build on the index (ArchiveIndex), are left out.
  mapfile -t files < <(grep -L -E '^((@[a-zA-Z]+|internal|public|package|private|fileprivate) )*import GRDB|\bArchiveIndex\b' \
    Sources/SharemarkArchive/*.swift)
  [ "${#files[@]}" -gt 0 ] || { echo "fuzz.sh: no GRDB-free file in Sources/SharemarkArchive" >&2; exit 2; }
  build_options_module
  # No C library: the archive module links none.
  swiftc "${swift_flags[@]}" -module-name SharemarkArchive "${options_link[@]}" \
    "${files[@]}" "Tests/Fuzz/$1/main.swift" -o "$out/$2" 2> >(quiet >&2)
}

# The own deflate encoder alone, with zlib to inflate what it writes (no Swift).
build_deflate() {
  clang -g -O1 -fsanitize=fuzzer,address -I Sources/CPNGShim Tests/Fuzz/Deflate/deflate_fuzz.c \
    Sources/CPNGShim/sharemark_deflate.c -lz -o "$out/fuzz-deflate" 2> >(quiet >&2)
}

seed() {  # fills the seed corpus of $1 once
  local dir=$out/seeds-$1
  [ -d "$dir" ] && return
  mkdir -p "$dir"
  case $1 in
    png)
      local i=0
      for f in $(find Assets/demo-archive Tests ${FUZZ_SEEDS:+"$FUZZ_SEEDS"} -name '*.png' 2>/dev/null | sort | head -40); do
        i=$((i + 1)); cp "$f" "$dir/seed-$i.png"
      done
      local url=https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md
      qrencode -o "$dir/qrencode-s4.png" -s 4 "$url"
      qrencode -o "$dir/qrencode-v10-H.png" -s 2 -v 10 -l H "$url"
      qrencode -o "$dir/qrencode-m0.png" -s 1 -m 0 "$url"
      qrencode -o "$dir/qrencode-rgb.png" -s 3 --foreground=203040 --background=F0F0E0 "$url"
      if command -v pngtopnm >/dev/null; then
        pngtopnm "$dir/qrencode-s4.png" | pnmtopng > "$dir/netpbm-gray.png"
        pngtopnm "$dir/qrencode-s4.png" | ppmtoppm 2>/dev/null | pnmtopng -interlace > "$dir/netpbm-interlaced.png" || true
      fi
      # Mode byte first (see Tests/Fuzz/PNGReader/main.swift): 0 and 1 for every PNG, and a
      # mode-2 bitmap of a real symbol.
      for f in "$dir"/*.png; do
        { printf '\001'; cat "$f"; } > "$f.crc"
        { printf '\000'; cat "$f"; } > "$f.tmp" && mv "$f.tmp" "$f"
      done
      for m in 0 2; do
        qrencode -o - -s 1 -m $m "$url" | pngtopnm | pnmtoplainpnm | python3 -c '
import sys
t = sys.stdin.read().split()
w, h, maxval = int(t[1]), int(t[2]), int(t[3])
bits = "".join("1" if int(v) * 2 < maxval else "0" for v in t[4:])
out = bytearray([2, w - 1]) + bytearray(int(bits[i:i + 8].ljust(8, "0"), 2) for i in range(0, len(bits), 8))
sys.stdout.buffer.write(out)' > "$dir/bitmap-m$m.bin"
      done
      for f in "$dir"/qrencode-s4.png "$dir"/netpbm-gray.png; do
        [ -f "$f" ] || continue
        local size; size=$(stat -c %s "$f")
        head -c $((size / 2)) "$f" > "$f.half"
        head -c 60 "$f" > "$f.head"
      done
      ;;
    page)
      # Every quirk the generator knows (CRLF, BOM, old repository name, other image link
      # form, no footer), and hand-written fixture pages.
      python3 Scripts/make-archive.py "$out/seed-archive" --pages 60 --seed 5 --png none --force >/dev/null
      find Assets/demo-archive "$out/seed-archive" Tests ${FUZZ_SEEDS:+"$FUZZ_SEEDS"} -name '*.md' 2>/dev/null | sort | head -150 |
        while read -r f; do cp "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
      rm -rf "$out/seed-archive"
      ;;
    deflate)
      # Real symbols as rows and as runs, and rows around deflate's window (see deflate_fuzz.c).
      cp Tests/Fuzz/Deflate/seeds/* "$dir/"
      ;;
    config)
      printf 'owner = "example-org"\nrepository = "mirror"\nbranch = "master"\naliases = ["old-mirror"]\n[qr]\nscale = 4\nmargin = 4\nlevel = "L"\n' > "$dir/full.toml"
      printf 'mirror_url = "https://github.com/{owner}/{repository}/blob/{branch}/{path}"\ncdn_url = "https://cdn.jsdelivr.net/gh/{owner}/{repository}/{path}"\npages = "pages"\n' > "$dir/urls.toml"
      printf '# comment\nowner = "a" # trailing\n\n[qr]\nlevel = "H"\nscale = 100\n' > "$dir/comments.toml"
      printf 'owner = "a\\"b\\\\c"\naliases = []\nqr.margin = 0\n' > "$dir/escapes.toml"
      find Tests -name '*.toml' 2>/dev/null | while read -r f; do cp "$f" "$dir/"; done
      ;;
  esac
}

case $target in
  png) bin=$out/fuzz-png; max_len=65536
    if stale "$bin" Sources/SharemarkQR Sources/SharemarkQROptions Sources/CPNGShim Sources/CQRShim Sources/CPNG Sources/CQREncode Sources/CZBar \
        Tests/SharemarkTestSupport/PNGBuilder.swift Tests/Fuzz/PNGReader; then build_png; fi ;;
  page) bin=$out/fuzz-page; max_len=65536
    if stale "$bin" Sources/SharemarkArchive Sources/SharemarkQROptions Tests/Fuzz/PageParser; then build_archive PageParser fuzz-page; fi ;;
  config) bin=$out/fuzz-config; max_len=4096
    if stale "$bin" Sources/SharemarkArchive Sources/SharemarkQROptions Tests/Fuzz/ConfigParser; then build_archive ConfigParser fuzz-config; fi ;;
  deflate) bin=$out/fuzz-deflate; max_len=65536
    if stale "$bin" Sources/CPNGShim/sharemark_deflate.c Sources/CPNGShim/sharemark_deflate.h Tests/Fuzz/Deflate; then build_deflate; fi ;;
  *) echo "unknown target $target (png, page, config, deflate)" >&2; exit 2 ;;
esac
seed "$target"
corpus=$out/corpus-$target
crashes=$out/crashes-$target
mkdir -p "$corpus" "$crashes"
echo "fuzz.sh: $bin (built from this checkout); running ${seconds}s" >&2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
# Swift's own backtracer trips ASan on a fatal error; libFuzzer's report is enough.
export SWIFT_BACKTRACE=enable=no
runs=()
[ "$seconds" -eq 0 ] && runs=(-runs=0)
exec nice -n 10 "$bin" "$corpus" "$out/seeds-$target" -rss_limit_mb=2048 -max_len=$max_len \
  -timeout=10 -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/" "${runs[@]}" "$@"
