#!/usr/bin/env bash
# Concurrency of the built `sharemark` binary on one archive, with real processes:
#   1. two `regen` runs started together: one writes, the other refuses with exit code 75
#      naming the holder (or, with --wait, waits); the result verifies clean;
#   2. `serve` answering share QR requests while `regen --all` rewrites every PNG: every
#      response is a whole PNG (chunks, CRCs, image data of the declared size);
#   3. `serve` under many parallel clients while the index is updated and then rebuilt from
#      nothing: no 5xx, no dropped connection, answers stay right.
# Talks to 127.0.0.1 only; every loop is bounded in count and time.
# Usage: Scripts/concurrency-test.sh   (SHAREMARK=path picks another binary; PAGES=n, default 3000)
set -euo pipefail
source "$(dirname "$0")/e2e-common.sh"
pages=${PAGES:-3000}
fail() { echo "concurrency-test: FAIL: $*" >&2; exit 1; }
say() { echo "concurrency-test: $*"; }

a=$work/archive
python3 Scripts/make-archive.py "$a" --pages "$pages" --seed 11 --png none >/dev/null
"$bin" index "$a" >/dev/null

# 1. Two regens at once, without and with --wait.
"$bin" regen "$a" > "$work/r1.out" 2> "$work/r1.err" & p1=$!
"$bin" regen "$a" > "$work/r2.out" 2> "$work/r2.err" & p2=$!
set +e; wait $p1; c1=$?; wait $p2; c2=$?; set -e
say "two regens together: exit codes $c1 and $c2"
case "$c1 $c2" in
  "0 75") grep -q "another sharemark regen or fix is running" "$work/r2.err" || fail "refusal does not say why: $(cat "$work/r2.err")" ;;
  "75 0") grep -q "another sharemark regen or fix is running" "$work/r1.err" || fail "refusal does not say why: $(cat "$work/r1.err")" ;;
  "0 0") ;;  # the second started after the first had finished
  *) fail "exit codes $c1 and $c2: $(cat "$work/r1.err" "$work/r2.err")" ;;
esac
"$bin" regen --all --wait "$a" > /dev/null 2>&1 & p1=$!
"$bin" regen --all --wait "$a" > /dev/null 2> "$work/w2.err" & p2=$!
wait $p1 || fail "regen --wait (first) failed"
wait $p2 || fail "regen --wait (second) failed: $(cat "$work/w2.err")"
"$bin" verify "$a" > "$work/verify.txt" || fail "verify after concurrent regens: $(tail -20 "$work/verify.txt")"
[ -z "$(find "$a" -name '*.sharemark-tmp-*' -print -quit)" ] || fail "temporary files left"
say "two regens with --wait: both succeeded; verify clean; no temporary files"

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
import http.client, json, os, random, struct, sys, threading, time, zlib
port, manifest, mode, threads, seconds, flag = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
entries = [e for e in json.load(open(manifest))["entries"] if "nofooter" not in e["quirks"]]
stats = {"requests": 0, "png": 0, "bad": [], "errors": []}
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
        cat, ident = e["path"].split("/")[1], e["path"].split("/")[2][:-3]
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
            elif kind == "article":
                if json.loads(body).get("path", e["path"]) != e["path"] and e["path"] not in body.decode(): stats["bad"].append(f"{path}: wrong article")
    conn.close()

ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
print(f"{stats['requests']} requests ({stats['png']} PNGs), {len(stats['bad'])} bad answers, {len(stats['errors'])} connection errors")
for line in (stats["bad"] + stats["errors"])[:10]: print("  " + line)
sys.exit(1 if stats["bad"] or stats["errors"] or stats["requests"] == 0 else 0)
PY
}

# 2. Share QRs while regen --all rewrites every PNG under them (twice).
touch "$work/flag"
load qr 6 60 "$work/flag" > "$work/load2.txt" & loader=$!
for round in 1 2; do "$bin" regen --all --wait "$a" > /dev/null || fail "regen --all during load"; done
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
