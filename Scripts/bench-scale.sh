#!/usr/bin/env bash
# How Sharemark scales with the archive: `index` from nothing and warm, `verify`, `regen` (every
# PNG missing) and a `lookup`, at each size given, with the time per page and the peak resident
# memory of each command (GNU time's maximum RSS).
#
#   Scripts/bench-scale.sh [PAGES ...]        (default 10000 100000 300000)
#
# Archives are made once by Scripts/make-archive.py (no PNGs) and kept in
# /var/tmp/sharemark-bench-cache/; each size runs on a fresh copy on the ordinary disk
# (Scripts/bench-common.sh). Every command must succeed (verify exits 0 or 1: findings are its
# answer) and regen must write a PNG for every page with a footer, else no figure is printed.
# Targets: time per page flat within 25% from the smallest size to the largest, and peak RSS under
# 300 MiB at the largest.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/bench-common.sh
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 300000)
Scripts/bootstrap.sh >/dev/null
bin=$(bench_binary)
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

# Room for the largest archive on the fresh file system: two inodes a page (the page and its PNG)
# at mkfs's 16 KiB of space per inode, and the index; 4 GiB, the default, has inodes for 130,000.
largest=$(printf '%s\n' "${sizes[@]}" | sort -n | tail -n 1)
export BENCH_FS_SIZE=${BENCH_FS_SIZE:-$(( largest / 25000 + 2 ))G}
work=$(bench_workdir)
trap 'bench_cleanup "$work"' EXIT
bench_context "$work"

# run LABEL PAGES OKCODES COMMAND...: one timed command; prints its row and leaves $wall, $rss_kb.
run() {
    local label=$1 pages=$2 ok=$3 code=0; shift 3
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" || code=$?
    if [[ " $ok " != *" $code "* ]]; then
        echo "$label: exit $code; no figures from a failed run" >&2; tail -5 "$work/err.txt" >&2; exit 1
    fi
    read -r wall rss_kb < <(tail -n 1 "$work/time.txt")  # GNU time puts a line before it on a failure
    printf '%8d pages  %-14s %8.2f s  %8.1f µs/page  peak RSS %6.1f MiB\n' "$pages" "$label" "$wall" \
        "$(python3 -c "print($wall / $pages * 1e6)")" "$(python3 -c "print($rss_kb / 1024)")"
    echo "$pages $label $wall $rss_kb" >>"$work/rows.txt"
}

for pages in "${sizes[@]}"; do
    cache=/var/tmp/sharemark-bench-cache/archive-$pages-1
    if [[ ! -f $cache/manifest.json ]]; then
        echo "making a $pages-page archive in $cache (once) ..."
        python3 Scripts/make-archive.py "$cache" --pages "$pages" --seed 1 --png none --force >/dev/null
    fi
    archive=$work/archive-$pages
    cp -r "$cache" "$archive"
    rm -rf "$archive/.sharemark"
    sync
    run "index (cold)" "$pages" 0 "$bin" index "$archive"
    run "index (warm)" "$pages" 0 "$bin" index "$archive"
    run "verify" "$pages" "0 1" "$bin" verify "$archive"
    run "regen" "$pages" 0 "$bin" regen --json "$archive"
    python3 - "$work/out.txt" "$archive/manifest.json" <<'PY' || { echo "regen did not write every page's PNG" >&2; exit 1; }
import json, sys
written = json.load(open(sys.argv[1]))["written"]
expected = sum(1 for e in json.load(open(sys.argv[2]))["entries"] if e["payload"])
sys.exit(0 if written >= expected else f"regen wrote {written} PNGs, {expected} pages have a footer")
PY
    # category/id: a bare id may name pages in several categories (exit 2).
    key=$(python3 -c 'import json, sys; p = json.load(open(sys.argv[1]))["entries"][0]["path"].split("/"); print(p[1] + "/" + p[2][:-3])' "$archive/manifest.json")
    run "lookup" "$pages" 0 "$bin" lookup "$key" "$archive"
    rm -rf "$archive"
done

python3 - "$work/rows.txt" <<'PY'
import collections, sys
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    pages, *label, wall, rss = line.split()
    rows[" ".join(label)][int(pages)] = (float(wall), int(rss))
sizes = sorted({p for r in rows.values() for p in r})
if len(sizes) < 2:
    sys.exit(0)
small, large = sizes[0], sizes[-1]
print(f"\ntime per page at {large} pages / at {small} pages (target: within 1.25; a lookup is one page, not per page):")
for label, r in rows.items():
    if label == "lookup":
        continue
    ratio = (r[large][0] / large) / (r[small][0] / small)
    print(f"  {label:14} {ratio:.2f} ({'met' if ratio <= 1.25 else 'NOT met'})")
peak = max(r[large][1] for r in rows.values()) / 1024
print(f"peak RSS at {large} pages: {peak:.1f} MiB (target < 300: {'met' if peak < 300 else 'NOT met'})")
PY
bench_load
