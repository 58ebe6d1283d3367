#!/usr/bin/env bash
# Concurrency of the built `sharemark` binary on one archive, with real processes:
#   1. two `regen` runs at once: while the first holds the lock (stopped with SIGSTOP, so
#      the contention is certain), a second refuses with exit code 75 naming the holder's pid,
#      and a second with --wait waits until the first is done; the result verifies clean;
#   2. `serve` answering share QR requests while `regen --all` rewrites every PNG: every
#      response is a whole PNG (chunks, CRCs, image data of the declared size);
#   3. `serve` under many parallel clients while the index is updated and then rebuilt from
#      nothing: no 5xx, no dropped connection, answers stay right (the asked article, its
#      mirror URL; search and page answers list the articles whose titles match, all of them
#      up to the limit).
# Talks to 127.0.0.1 only; every loop is bounded in count and time.
# Usage: Scripts/concurrency-test.sh   (SHAREMARK=path picks another binary; PAGES=n, default 3000)
set -euo pipefail
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"
pages=${PAGES:-3000}
stopped=""  # a regen stopped with SIGSTOP: never left behind
fail() { echo "concurrency-test: FAIL: $*" >&2; [ -z "$stopped" ] || kill -KILL "$stopped" 2>/dev/null || true; exit 1; }
say() { echo "concurrency-test: $*"; }

a=$work/archive
python3 Scripts/make-archive.py "$a" --pages "$pages" --seed 11 --png none >/dev/null
"$bin" index "$a" >/dev/null

# 1. Two regens at once, without and with --wait. The first is stopped (SIGSTOP) once its pid
#    is in the lock file, so the second certainly finds the lock held.
lock=$a/.sharemark/regen.lock
holding() { grep -q "^pid $1 " "$lock" 2>/dev/null; }
hold_stopped() {  # waits until pid $1 holds the lock, then stops it
  for _ in $(seq 1 1000); do
    holding "$1" && break
    kill -0 "$1" 2>/dev/null || fail "regen $1 ended before it held the lock"
    sleep 0.01
  done
  holding "$1" || fail "regen $1 did not take the lock within 10 s"
  kill -STOP "$1"; stopped=$1
}
resume() { kill -CONT "$1"; stopped=""; }
"$bin" regen "$a" > "$work/r1.out" 2> "$work/r1.err" & p1=$!
hold_stopped $p1
set +e; "$bin" regen "$a" > "$work/r2.out" 2> "$work/r2.err"; c2=$?; set -e
resume $p1
set +e; wait $p1; c1=$?; set -e
say "two regens together: the holder exited $c1, the second $c2"
[ "$c1" -eq 0 ] || fail "the regen holding the lock exited $c1: $(cat "$work/r1.err")"
[ "$c2" -eq 75 ] || fail "the second regen exited $c2, not 75: $(cat "$work/r2.err")"
grep -q "another sharemark regen or fix is running" "$work/r2.err" || fail "refusal does not say why: $(cat "$work/r2.err")"
grep -q "pid $p1 " "$work/r2.err" || fail "refusal does not name the holder (pid $p1): $(cat "$work/r2.err")"
"$bin" regen --all --wait "$a" > /dev/null 2> "$work/w1.err" & p1=$!
hold_stopped $p1
"$bin" regen --all --wait "$a" > /dev/null 2> "$work/w2.err" & p2=$!
sleep 1
kill -0 $p2 2>/dev/null || fail "regen --wait did not wait for the holder: $(cat "$work/w2.err")"
holding $p1 || fail "the lock changed hands while its holder was stopped: $(cat "$lock")"
resume $p1
wait $p1 || fail "regen --wait (first) failed: $(cat "$work/w1.err")"
wait $p2 || fail "regen --wait (second) failed: $(cat "$work/w2.err")"
"$bin" verify "$a" > "$work/verify.txt" || fail "verify after concurrent regens: $(tail -20 "$work/verify.txt")"
[ -z "$(find "$a" -name '*.sharemark-tmp-*' -print -quit)" ] || fail "temporary files left"
say "two regens with --wait: the second waited for the first, both succeeded; verify clean; no temporary files"

# The service, on a free port of 127.0.0.1.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
up() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5).read()' "http://127.0.0.1:$port/healthz" 2>/dev/null; }
"$bin" serve "$a" --host 127.0.0.1 --port "$port" > "$work/serve.log" 2>&1 & server=$!
for _ in $(seq 1 200); do
  up && break
  kill -0 "$server" 2>/dev/null || fail "serve exited: $(tail -20 "$work/serve.log")"
  sleep 0.1
done
up || fail "serve did not come up"

# The load: N threads for at most S seconds, or until the flag file goes away.
load() {  # $1 = mode (qr | mixed), $2 = threads, $3 = seconds, $4 = flag file
  python3 - "$port" "$a/manifest.json" "$@" <<'PY'
import http.client, json, os, random, re, struct, sys, threading, time, zlib
port, manifest, mode, threads, seconds, flag = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
everything = json.load(open(manifest))["entries"]
entries = [e for e in everything if "nofooter" not in e["quirks"]]
stats = {"requests": 0, "png": 0, "bad": [], "errors": []}
LIMIT = 50  # the service's default search limit

def key(e):
    return e["path"].split("/")[1], e["path"].split("/")[2][:-3]

# What a title search must find: every article whose title holds the words (titles only grow
# while the test runs, by a suffix), all of them up to the limit.
SEARCHES = {w: {key(e) for e in everything if w in e["title"]} for w in ("发布", "数据")}
for w, found in SEARCHES.items():
    assert found, f"no title holds {w}: pick other words"

def wrong_article(body, e):
    a = json.loads(body)
    cat, ident = key(e)
    if (a.get("category"), a.get("id")) != (cat, ident): return f"another article: {a.get('category')}/{a.get('id')}"
    if a.get("mirrorURL") != e["payload"]: return f"mirrorURL {a.get('mirrorURL')!r}, the footer prints {e['payload']!r}"
    if not (a.get("title") or "").startswith(e["title"]): return f"title {a.get('title')!r}, the page's is {e['title']!r}"
    return None

def wrong_search(body, words):
    r = json.loads(body)
    expected = SEARCHES[words]
    found = [(x.get("category"), x.get("id")) for x in r.get("results", [])]
    if r.get("query") != words: return f"query {r.get('query')!r}"
    if r.get("count") != len(found): return f"count {r.get('count')} for {len(found)} results"
    if len(found) != min(len(expected), LIMIT): return f"{len(found)} results, {min(len(expected), LIMIT)} expected"
    if not set(found) <= expected or len(set(found)) != len(found): return f"results that do not match or repeat: {sorted(set(found) - expected)[:5]}"
    if not all(words in (x.get("title") or "") for x in r["results"]): return "a result's title lacks the words"
    return None

def wrong_page(body, words):
    html = body.decode("utf-8", "replace")
    n = min(len(SEARCHES[words]), LIMIT)
    if f'<p class="count">{n} result' not in html: return f"no count line of {n} results"
    shown = re.findall(r'<p class="meta">([^<]*?) / ([^< ]*)', html)
    if len(shown) != n or not set(shown) <= SEARCHES[words]: return f"{len(shown)} articles shown, {n} expected, or not matching"
    return None
lock = threading.Lock()

def whole_png(b):
    """Signature, every chunk's CRC, IHDR first, IEND last, and image data of the declared size."""
    if b[:8] != b"\x89PNG\r\n\x1a\n": return "no PNG signature"
    i, idat, ihdr, end = 8, b"", None, False
    while i + 12 <= len(b):
        n, t = struct.unpack(">I4s", b[i:i + 8])
        data = b[i + 8:i + 8 + n]
        if len(data) != n or i + 12 + n > len(b): return "chunk runs past the end"
        if zlib.crc32(t + data) != struct.unpack(">I", b[i + 8 + n:i + 12 + n])[0]: return "bad CRC in " + t.decode("latin1")
        if t == b"IHDR": ihdr = struct.unpack(">IIBBBBB", data)
        elif t == b"IDAT": idat += data
        elif t == b"IEND": end = True; i += 12 + n; break
        i += 12 + n
    if not ihdr or not end or i != len(b): return "no IHDR or IEND, or bytes after IEND"
    w, h, depth, colour, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(idat)
    if interlace == 0 and len(raw) != h * (1 + (w * channels * depth + 7) // 8): return "image data of the wrong size"
    return None

def worker(seed):
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    deadline = time.time() + seconds
    while time.time() < deadline and os.path.exists(flag):
        e = rnd.choice(entries)
        cat, ident = key(e)
        kind = "qr" if mode == "qr" else rnd.choice(["qr", "article", "search", "page"])
        path = {"qr": f"/v1/articles/{cat}/{ident}/qr.png", "article": f"/v1/articles/{cat}/{ident}",
                "search": "/v1/search?q=" + "%E5%8F%91%E5%B8%83", "page": "/?q=" + "%E6%95%B0%E6%8D%AE"}[kind]
        try:
            conn.request("GET", path)
            r = conn.getresponse(); body = r.read()
        except Exception as ex:
            with lock: stats["errors"].append(f"{path}: {ex!r}")
            conn.close(); conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20); continue
        with lock:
            stats["requests"] += 1
            if r.status != 200: stats["bad"].append(f"{path}: HTTP {r.status} {body[:200]!r}")
            elif kind == "qr":
                problem = whole_png(body)
                stats["png"] += 1
                if problem: stats["bad"].append(f"{path}: {problem}")
            else:
                try:
                    problem = {"article": lambda: wrong_article(body, e), "search": lambda: wrong_search(body, "发布"),
                               "page": lambda: wrong_page(body, "数据")}[kind]()
                except ValueError as ex:
                    problem = f"not JSON: {ex}"
                if problem: stats["bad"].append(f"{path}: {problem}")
                stats["checked"] = stats.get("checked", 0) + 1
    conn.close()

ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
print(f"{stats['requests']} requests ({stats['png']} PNGs, {stats.get('checked', 0)} articles, searches and pages checked), "
      f"{len(stats['bad'])} bad answers, {len(stats['errors'])} connection errors")
for line in (stats["bad"] + stats["errors"])[:10]: print("  " + line)
sys.exit(1 if stats["bad"] or stats["errors"] or stats["requests"] == 0 or (mode == "mixed" and not stats.get("checked")) else 0)
PY
}

# 2. Share QRs while regen --all rewrites every PNG under them (twice).
touch "$work/flag"
load qr 6 60 "$work/flag" > "$work/load2.txt" & loader=$!
for _ in 1 2; do "$bin" regen --all --wait "$a" > /dev/null || fail "regen --all during load"; done
rm -f "$work/flag"
wait $loader || fail "share QRs during regen: $(cat "$work/load2.txt")"
say "share QRs during two full regens: $(head -1 "$work/load2.txt")"

# 3. Many clients while the index is updated (500 pages changed) and rebuilt from nothing.
touch "$work/flag"
load mixed 32 90 "$work/flag" > "$work/load3.txt" & loader=$!
sleep 1
find "$a/pages" -name '*.md' | sort > "$work/pages.txt"
head -500 "$work/pages.txt" | while read -r f; do sed -i '1s/$/ (更新)/' "$f"; done
"$bin" index "$a" > /dev/null || fail "index update during load"
sleep 1
rm -f "$a/.sharemark/index.sqlite" "$a/.sharemark/index.sqlite-wal" "$a/.sharemark/index.sqlite-shm"
"$bin" index "$a" > /dev/null || fail "index rebuild during load"
sleep 3
rm -f "$work/flag"
wait $loader || fail "clients during index rebuild: $(cat "$work/load3.txt")"
kill -0 "$server" || fail "serve died: $(tail -20 "$work/serve.log")"
up || fail "serve stopped answering"
say "32 clients during index update and rebuild: $(head -1 "$work/load3.txt")"
say "all held"
