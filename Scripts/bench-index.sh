#!/usr/bin/env bash
# Times `sharemark index` on a synthetic archive against grep pulling the same footer URLs out
# of the same tree, then a warm re-run with nothing changed, then lookups by id.
#
#   Scripts/bench-index.sh [PAGES] [SEED]        (default 100000 pages, seed 1)
#
# The archive is cached in /tmp/sharemark-bench/archive-PAGES-SEED so re-runs are fast.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${1:-100000}
SEED=${2:-1}
CACHE=/tmp/sharemark-bench
ARCHIVE=$CACHE/archive-$PAGES-$SEED
INDEX=$CACHE/index-$PAGES-$SEED.sqlite

swift build -c release --product sharemark >/dev/null
BIN=$(swift build -c release --show-bin-path)/sharemark

mkdir -p "$CACHE"
if [[ ! -f $ARCHIVE/manifest.json ]]; then
    echo "writing a $PAGES-page archive to $ARCHIVE ..."
    Scripts/make-archive.py "$ARCHIVE" --pages "$PAGES" --seed "$SEED" --png none --force >/dev/null
fi

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }

# Warm the page cache once, so that both sides read from memory.
grep -rhoE "<a href='[^']*'><img src='[^']*'" "$ARCHIVE/pages" >/dev/null

t0=$(now)
grep -rhoE "https?://[^ '\"<>]+" "$ARCHIVE/pages" | wc -l >/dev/null
t1=$(now); GREP=$(elapsed "$t0" "$t1")

rm -f "$INDEX" "$INDEX-wal" "$INDEX-shm"
t0=$(now)
"$BIN" index "$ARCHIVE" --index "$INDEX" | head -1
t1=$(now); COLD=$(elapsed "$t0" "$t1")

t0=$(now)
"$BIN" index "$ARCHIVE" --index "$INDEX" | head -1
t1=$(now); WARM=$(elapsed "$t0" "$t1")

ID=$(python3 -c "import json;print(json.load(open('$ARCHIVE/manifest.json'))['entries'][$PAGES // 2]['path'].split('/')[-1][:-3])")
LOOKUP=$("$BIN" lookup "$ID" "$ARCHIVE" --index "$INDEX" --json --repeat 1000 2>&1 >/dev/null | grep -oE '[0-9.]+ µs' | head -1)

SQLITE=n/a
if command -v sqlite3 >/dev/null; then
SQL=$CACHE/lookups.sql
python3 -c "
print('.output /dev/null')
for _ in range(1000): print(\"SELECT path, title, mirror_url, qr_image_url, original_url FROM pages WHERE id = '$ID';\")
" >"$SQL"
t0=$(now)
sqlite3 "$INDEX" <"$SQL"
t1=$(now); SQLITE=$(elapsed "$t0" "$t1")
fi

echo
echo "archive: $PAGES pages ($ARCHIVE), $(nproc) cores"
printf "grep -rhoE baseline:        %8.3f s\n" "$GREP"
printf "sharemark index, cold:      %8.3f s  (%.2f x grep; target <= 2)\n" "$COLD" "$(python3 -c "print($COLD/$GREP)")"
printf "sharemark index, warm:      %8.3f s  (target < 1 s)\n" "$WARM"
printf "lookup by id in-process:    %s per call (target < 1000 µs)\n" "$LOOKUP"
[[ $SQLITE == n/a ]] || printf "1000 lookups via sqlite3:   %8.3f s  (%.1f µs each, one sqlite3 process)\n" "$SQLITE" "$(python3 -c "print($SQLITE*1000)")"
