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
# Lookups are timed from outside the shipped command, by a benchmark executable of the
# separate Benchmarks/ package (never shipped) that calls ArchiveIndex.lookup.
swift build -c release --package-path Benchmarks --product lookup-bench >/dev/null
LOOKUP_BIN=$(swift build -c release --package-path Benchmarks --show-bin-path)/lookup-bench

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

# 1,000 ids that name one page each (an id in two categories is ambiguous), spread over the archive.
IDS=$CACHE/ids-$PAGES-$SEED.txt
python3 - "$ARCHIVE/manifest.json" "$IDS" <<'PY'
import collections, json, sys
paths = [e["path"] for e in json.load(open(sys.argv[1]))["entries"]]
ids = [p.split("/")[-1][:-3] for p in paths]
counts = collections.Counter(ids)
unique = [i for i in ids if counts[i] == 1]
step = max(1, len(unique) // 1000)
open(sys.argv[2], "w").write("\n".join(unique[::step][:1000]) + "\n")
PY
LOOKUP_OUT=$("$LOOKUP_BIN" "$ARCHIVE" "$INDEX" "$IDS" 20) || { echo "lookup-bench failed: $LOOKUP_OUT" >&2; exit 1; }
LOOKUP_US=$(echo "$LOOKUP_OUT" | grep -oE '[0-9.]+ µs per call' | grep -oE '^[0-9.]+')
[[ -n $LOOKUP_US ]] || { echo "lookup-bench printed no figure: $LOOKUP_OUT" >&2; exit 1; }

SQLITE=n/a
if command -v sqlite3 >/dev/null; then
SQL=$CACHE/lookups.sql
python3 - "$IDS" >"$SQL" <<'PY'
import sys
print(".output /dev/null")
ids = open(sys.argv[1]).read().split()
for _ in range(20):
    for i in ids: print(f"SELECT * FROM pages WHERE id = '{i}';")
PY
t0=$(now)
sqlite3 "$INDEX" <"$SQL"
t1=$(now); SQLITE=$(python3 -c "print(($t1 - $t0) * 1e6 / (20 * $(wc -l < "$IDS")))")
fi

echo
echo "archive: $PAGES pages ($ARCHIVE), $(nproc) cores"
printf "grep -rhoE baseline:        %8.3f s\n" "$GREP"
printf "sharemark index, cold:      %8.3f s  (%.2f x grep; target <= 2)\n" "$COLD" "$(python3 -c "print($COLD/$GREP)")"
printf "sharemark index, warm:      %8.3f s  (target < 1 s)\n" "$WARM"
printf "lookup by id in process:    %8.1f µs per call (%s)\n" "$LOOKUP_US" "$LOOKUP_OUT"
[[ $SQLITE == n/a ]] || printf "the same query, sqlite3:    %8.1f µs per call (one sqlite3 process; lookup / sqlite3 = %.1f)\n" \
    "$SQLITE" "$(python3 -c "print($LOOKUP_US / $SQLITE)")"
