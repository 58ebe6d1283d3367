#!/usr/bin/env bash
# `sharemark index` from nothing against grep pulling the footer URLs out of the same tree, the
# index's write phase per row, the floor (sqlite3 writing the same rows with nothing to read or
# parse), a warm re-run with nothing changed, and lookups by id against the sqlite3 shell running
# the same query on the same index.
#
#   Scripts/bench-index.sh [PAGES] [SEED]        (default 100000 pages, seed 1; ROUNDS=5)
#
# The archive is made once and kept in /var/tmp/sharemark-bench-cache/ (making 100,000 pages
# takes minutes); each run copies it to a fresh file system on the ordinary disk
# (Scripts/bench-common.sh: BENCH_TMPFS=1 for /dev/shm, BENCH_DIR=/path for another folder).
# Targets: index from nothing at most 1.3x the floor and 2.5x grep; write phase at most 15 µs per row; lookups at
# most 30 µs per call where sqlite3 takes 19 µs, that is at most about 1.6x the sqlite3 shell.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/bench-common.sh
pages=${1:-100000}
seed=${2:-1}
Scripts/bootstrap.sh >/dev/null
bin=$(bench_binary)
# Lookups are timed from outside the shipped command, by a benchmark executable of the separate
# Benchmarks/ package (never shipped) that calls ArchiveIndex.lookup.
swift build -c release --package-path Benchmarks --product lookup-bench 2>&1 | tail -1 >&2
lookup_bin=$(swift build -c release --package-path Benchmarks --show-bin-path)/lookup-bench

cache=/var/tmp/sharemark-bench-cache/archive-$pages-$seed
if [[ ! -f $cache/manifest.json ]]; then
    echo "making a $pages-page archive in $cache (once) ..."
    python3 Scripts/make-archive.py "$cache" --pages "$pages" --seed "$seed" --png none --force >/dev/null
fi
work=$(bench_workdir)
trap 'bench_cleanup "$work"' EXIT
cp -r "$cache" "$work/archive"
archive=$work/archive
index=$work/index.sqlite
sync
echo "archive: $pages pages"
bench_context "$work"

# Both sides read the pages from memory: the copy left them in the page cache, and grep runs once
# before it is timed. The machine is noisy (one run of either side varies by a tenth and more):
# grep, the index from nothing and the floor run in turn, ROUNDS times (default 5), and each
# ratio is the median of the rounds' ratios.
grep -rhoE "https?://[^ '\"<>]+" "$archive/pages" >/dev/null
count=$(grep -rhoE "https?://[^ '\"<>]+" "$archive/pages" | wc -l)
[ "$count" -gt "$pages" ] || { echo "grep found only $count URLs" >&2; exit 1; }
rounds=${ROUNDS:-5}
# What SQLite alone takes to write the same rows, with no page read or parsed: the rows copied
# from the index just built into a fresh database file of the same schema the way sharemark
# builds a new index (no journal, no waiting for the disk per commit), the indexes made after
# the rows (its fastest way), the titles' full-text index filled, the file marked for WAL and
# flushed to the disk (sync FILE). No index of these rows can be written faster than this.
floor=$work/floor.sqlite
floor_sql() {
    echo "PRAGMA journal_mode = OFF;"
    echo "PRAGMA synchronous = OFF;"
    sqlite3 "$index" "SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL AND type = 'table'
                      AND name NOT GLOB 'sqlite_*' AND name NOT GLOB 'title_fts_*'"
    echo "ATTACH '$index' AS source;"
    echo "BEGIN;"
    for table in $(sqlite3 "$index" "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'
                                     AND name NOT GLOB 'sqlite_*' AND name NOT GLOB 'title_fts_*'
                                     ORDER BY name = 'pages'"); do
        echo "INSERT INTO main.$table SELECT * FROM source.$table;"
    done
    sqlite3 "$index" "SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL AND type = 'index'"
    echo "INSERT INTO title_fts (rowid, title) SELECT rowid, title FROM main.pages;"
    echo "COMMIT;"
    echo "DETACH source;"
    echo "PRAGMA journal_mode = WAL;"
}
: >"$work/rounds.txt"
for round in $(seq 1 "$rounds"); do
    # Each round starts with nothing of the last one's files left to write back.
    sync
    bench_measure "round $round: grep -rhoE URLs (baseline)" grep -rhoE "https?://[^ '\"<>]+" "$archive/pages"
    grep_wall=$wall
    rm -f "$index" "$index-wal" "$index-shm"
    SHAREMARK_TIMING=1 bench_measure "round $round: sharemark index, from nothing" "$bin" index "$archive" --index "$index" 2>"$work/timing.txt"
    cold_wall=$wall
    indexed=$(sqlite3 "$index" "SELECT COUNT(*) FROM pages")
    [ "$indexed" = "$pages" ] || { echo "the index holds $indexed pages, not $pages" >&2; exit 1; }
    # The write transaction runs from the known rows read and the scan to the rows written; the pages are
    # parsed on other threads while it inserts the rows already parsed, so its time includes
    # the parsing it waited for. After the last insert it makes the deferred indexes, the
    # titles' index and the inference: the part no parsing overlaps.
    marks=$(python3 - "$work/timing.txt" <<'PY'
import re, sys
marks = {}
for line in open(sys.argv[1]):
    m = re.match(r"\[([0-9.]+) s\] (.+)", line)
    if m: marks.setdefault(m.group(2).split(" ")[0], float(m.group(1)))
start = max(marks["read"], marks["scanned"])  # the scan and the known rows come first, in either order
print(marks["rows"] - start, marks["rows"] - marks["parsed"])
PY
)
    rm -f "$floor"
    floor_sql >"$work/floor.sql"
    bench_measure "round $round: sqlite3 writing the same rows, nothing parsed (the floor)" \
        bash -c 'sqlite3 -bail "$1" < "$2" >/dev/null && sync "$1"' floor "$floor" "$work/floor.sql"
    floor_wall=$wall
    copied=$(sqlite3 "$floor" "SELECT COUNT(*) FROM pages")
    [ "$copied" = "$pages" ] || { echo "the floor copy holds $copied pages, not $pages" >&2; exit 1; }
    echo "$grep_wall $cold_wall $floor_wall $marks" >>"$work/rounds.txt"
done
python3 - "$work/rounds.txt" "$pages" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
pages = int(sys.argv[2])
def median(values): return statistics.median(values)
def verdict(value, bound): return f"(target <={bound}: {'met' if value <= bound else 'NOT met'})"
def spread(values, unit=""): return " ".join(f"{v:.2f}{unit}" for v in values)
grep, cold, floor = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
vs_grep = [c / g for g, c, *_ in rows]
vs_floor = [c / f for _, c, f, *_ in rows]
floor_grep = [f / g for g, _, f, *_ in rows]
per_row = [r[3] / pages * 1e6 for r in rows]
after = [r[4] for r in rows]
n = len(rows)
print(f"median of {n} rounds: grep {median(grep):.3f} s, index from nothing {median(cold):.3f} s, floor {median(floor):.3f} s")
print(f"index from nothing / grep: {median(vs_grep):.2f}x {verdict(median(vs_grep), 2.5)} (rounds: {spread(vs_grep)})")
print(f"  write transaction per row, parsing overlapped: {median(per_row):.1f} µs {verdict(median(per_row), 15)} "
      f"(rounds: {spread(per_row)}); after the last insert {median(after):.2f} s")
print(f"floor / grep: {median(floor_grep):.2f}x (rounds: {spread(floor_grep)})")
print(f"index from nothing / floor: {median(vs_floor):.2f}x {verdict(median(vs_floor), 1.3)} (rounds: {spread(vs_floor)})")
PY
bench_measure "sharemark index, warm (nothing changed)" "$bin" index "$archive" --index "$index"

# 1,000 ids that name one page each (an id in two categories is ambiguous), spread over the archive.
ids=$work/ids.txt
python3 - "$archive/manifest.json" "$ids" <<'PY'
import collections, json, sys
paths = [e["path"] for e in json.load(open(sys.argv[1]))["entries"]]
ids = [p.split("/")[-1][:-3] for p in paths]
counts = collections.Counter(ids)
unique = [i for i in ids if counts[i] == 1]
step = max(1, len(unique) // 1000)
open(sys.argv[2], "w").write("\n".join(unique[::step][:1000]) + "\n")
PY
rounds=20
lookups=$((rounds * $(wc -l < "$ids")))
python3 - "$ids" "$rounds" >"$work/lookups.sql" <<'PY'
import sys
print(".output /dev/null")
ids = open(sys.argv[1]).read().split()
for _ in range(int(sys.argv[2])):
    for i in ids: print(f"SELECT * FROM pages WHERE id = '{i}' ORDER BY path;")
PY
echo "lookups by id, $lookups of them, each side pinned to core 1:"
lookup_out=$(taskset -c 1 "$lookup_bin" "$archive" "$index" "$ids" "$rounds") \
    || { echo "lookup-bench failed: $lookup_out" >&2; exit 1; }
echo "  $lookup_out"
lookup_us=$(echo "$lookup_out" | grep -oE '[0-9.]+ µs per call' | grep -oE '^[0-9.]+')
bench_measure "  sqlite3 shell, the same query" taskset -c 1 sqlite3 "$index" < "$work/lookups.sql"
sqlite_us=$(python3 -c "print($wall * 1e6 / $lookups)")
printf "  lookup %.1f µs per call, sqlite3 %.1f µs per query\n" "$lookup_us" "$sqlite_us"
bench_ratio "lookup / sqlite3" "$lookup_us" "$sqlite_us" "<=1.6"
bench_load
