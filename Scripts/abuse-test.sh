#!/usr/bin/env bash
# Abuse of a live `sharemark serve` on 127.0.0.1: oversized query strings and headers,
# thousands of idle connections, slow clients sending a byte a second, malformed HTTP and
# pipelined floods. Each answer is checked (status, connection closed where the request cannot
# be framed, no file content in a body); after each, the server must be up, answer a fresh
# client within seconds, and keep its memory bounded. Prints what held. Every loop is bounded in count and time.
# Usage: Scripts/abuse-test.sh   (SHAREMARK=path picks another binary; IDLE=n idle connections, default 2000)
set -euo pipefail
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"

python3 Scripts/make-archive.py "$work/archive" --pages 300 --seed 5 --png none >/dev/null
"$bin" index "$work/archive" >/dev/null
# Room for the idle connections on both sides (the server inherits this limit).
hard=$(ulimit -Hn)
want=$(( ${IDLE:-2000} + 512 ))
if [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ]; then ulimit -n "$want"; else ulimit -n "$hard"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
up() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5).read()' "http://127.0.0.1:$port/healthz" 2>/dev/null; }
"$bin" serve "$work/archive" --host 127.0.0.1 --port "$port" > "$work/serve.log" 2>&1 & server=$!
for _ in $(seq 1 200); do
  up && break
  kill -0 "$server" 2>/dev/null || { echo "abuse-test: serve exited: $(tail -20 "$work/serve.log")" >&2; exit 1; }
  sleep 0.1
done

python3 - "$port" "$server" "${IDLE:-2000}" "$work/archive/manifest.json" <<'PY'
import json, os, resource, socket, sys, threading, time
port, pid, idle_wanted, manifest = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
entry = next(e for e in json.load(open(manifest))["entries"] if "nofooter" not in e["quirks"])
cat, ident = entry["path"].split("/")[1], entry["path"].split("/")[2][:-3]
results, failures = [], []

def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) // 1024
    return -1

def alive():
    try: os.kill(pid, 0); return True
    except OSError: return False

def exchange(data, timeout=5.0, chunks=None):
    """Sends raw bytes; returns the status line (or what happened) within the timeout."""
    try: s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as e: return f"cannot connect: {e}"
    note = ""
    try:
        try:
            if chunks:
                for c in chunks: s.sendall(c)
            else: s.sendall(data)
        except (BrokenPipeError, ConnectionResetError): note = " (closed while the client was sending)"
        except TimeoutError: note = " (stopped reading while the client was sending)"
        s.settimeout(timeout)
        buf = b""
        deadline = time.time() + timeout
        while b"\r\n" not in buf and time.time() < deadline:
            try: got = s.recv(65536)
            except TimeoutError: return "no answer in %.0f s" % timeout + note
            except ConnectionResetError: return ("reset" if not buf else buf.split(b"\r\n")[0].decode("latin1")) + note
            if not got: return ("closed" if not buf else buf.split(b"\r\n")[0].decode("latin1")) + note
            buf += got
        return (buf.split(b"\r\n")[0].decode("latin1") if buf else "no answer") + note
    finally: s.close()

def full_answer(data, timeout=5.0):
    """Sends raw bytes; reads until the server closes or `timeout` passes (at most 1 MiB).
    Returns (status line or what happened, body bytes, whether the server closed)."""
    try: s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as e: return f"cannot connect: {e}", b"", False
    buf, closed = b"", False
    try:
        try: s.sendall(data)
        except (BrokenPipeError, ConnectionResetError): pass
        deadline = time.time() + timeout
        while len(buf) < (1 << 20) and time.time() < deadline:
            s.settimeout(max(0.01, deadline - time.time()))
            try: got = s.recv(65536)
            except TimeoutError: break
            except ConnectionResetError: closed = True; break
            if not got: closed = True; break
            buf += got
    finally: s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].decode("latin1") if buf else ("closed" if closed else "no answer")
    return status, body, closed

def healthy(label):
    """A fresh client gets the article within 5 s; the process is up."""
    t = time.time()
    answer = "server gone" if not alive() else exchange(f"GET /v1/articles/{cat}/{ident} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    ok = answer.startswith("HTTP/1.1 200")
    line = f"{label} | then a fresh client: {answer} in {time.time() - t:.2f} s, RSS {rss_mb()} MB"
    results.append(("held" if ok else "FAILED") + "  " + line)
    if not ok: failures.append(line)
    return ok

base = rss_mb()
results.append(f"start: RSS {base} MB")
req = lambda target, extra=b"": b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"Connection: close\r\n\r\n"

# 1. Oversized query strings and headers: refused with 400 (a 16 KiB header is within the
#    limit and served), then a fresh client is served.
def expect(label, got, status):
    if not got.startswith(status):
        failures.append(f"{label} -> {got}: expected {status}")
        results.append(f"FAILED  {label} -> {got}: expected {status}")
for size in (8 << 10, 64 << 10, 1 << 20, 8 << 20):
    got = exchange(req(b"/v1/search?q=" + b"a" * size), timeout=10)
    expect(f"query string of {size >> 10} KiB", got, "HTTP/1.1 400")
    healthy(f"query string of {size >> 10} KiB -> {got}")
for size, status in ((16 << 10, "HTTP/1.1 200"), (1 << 20, "HTTP/1.1 400"), (8 << 20, "HTTP/1.1 400")):
    got = exchange(req(b"/healthz", b"X-Big: " + b"b" * size + b"\r\n"), timeout=10)
    expect(f"one header of {size >> 10} KiB", got, status)
    healthy(f"one header of {size >> 10} KiB -> {got}")
got = exchange(req(b"/healthz", b"".join(b"X-H%d: v\r\n" % i for i in range(20000))), timeout=10)
expect("20,000 headers", got, "HTTP/1.1 400")
healthy(f"20,000 headers -> {got}")

# 2. Malformed HTTP: each answer is what it must be (status; the connection closed after a
#    request that cannot be framed; no file content in a body), and a fresh client is served.
CLOSED, OPEN = True, False
for name, data, status, must_close in [
    ("garbage", os.urandom(4096), "HTTP/1.1 400", CLOSED), ("NUL bytes", b"GET /\x00\x00 HTTP/1.1\r\n\r\n", "HTTP/1.1 400", CLOSED),
    ("no version", b"GET /healthz\r\n\r\n", "HTTP/1.1 400", CLOSED),
    ("HTTP/9.9", b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 400", CLOSED),
    ("bad method", b"G\x01T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400", CLOSED),
    ("header without colon", b"GET / HTTP/1.1\r\nHost x\r\n\r\n", "HTTP/1.1 400", CLOSED),
    ("negative Content-Length", b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "HTTP/1.1 400", CLOSED),
    ("Content-Length and chunked", b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\nZZZZ\r\n", "HTTP/1.1 400", CLOSED),
    # Framed heads to routes without POST: answered 404. No route reads a body, so a request
    # that declares one is answered with Connection: close and its connection closed, however
    # long the body it announced (UnreadBodyHandler).
    ("bad chunk size", b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n", "HTTP/1.1 404", CLOSED),
    ("huge declared body", b"POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nabc", "HTTP/1.1 404", CLOSED),
    ("bad percent-encoding", req(b"/v1/search?q=%E4%ZZ%FF%"), "HTTP/1.1 400", CLOSED),
    ("path traversal", req(b"/v1/articles/../../etc/passwd/qr.png"), "HTTP/1.1 404", CLOSED),
    ("encoded traversal", req(b"/v1/articles/%2e%2e/%2e%2e%2fetc%2fpasswd/qr.png"), "HTTP/1.1 404", CLOSED),
    # The path of an absolute URI is served (the search page), like any Host.
    ("absolute URI", b"GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200", OPEN),
    # Blank lines are no request: nothing to answer, and the idle timeout closes the connection later.
    ("only CRLFs", b"\r\n" * 5000, "no answer", OPEN),
    ("LF only", b"GET /healthz HTTP/1.1\nHost: x\n\n", "HTTP/1.1 400", CLOSED),
]:
    got, body, closed = full_answer(data, timeout=3.0 if must_close is OPEN else 10.0)
    problems = []
    if not got.startswith(status): problems.append(f"expected {status}")
    if must_close and not closed: problems.append("the connection was left open")
    if b"root:" in body or b"/bin/" in body: problems.append("a file's content in the body")
    if got.startswith("HTTP/1.1 4") and body and b'"status"' not in body: problems.append("a 4xx body that is not problem details")
    line = f"{name} -> {got}{' (closed)' if closed else ''}"
    if problems:
        failures.append(f"{line}: {'; '.join(problems)}")
        results.append(f"FAILED  {line}: {'; '.join(problems)}")
    healthy(line)

# 3. A flood of pipelined requests on one connection.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 2000)
got, deadline = b"", time.time() + 20
while got.count(b"HTTP/1.1 200") < 2000 and time.time() < deadline:
    try: chunk = s.recv(1 << 20)
    except socket.timeout: break
    if not chunk: break
    got += chunk
s.close()
answered = got.count(b'HTTP/1.1 200')
if answered != 2000: failures.append(f"2,000 pipelined requests: {answered} answered")
healthy(f"2,000 pipelined requests -> {answered} answered, in order")

# 3b. The largest ad-hoc codes (2,953 bytes, scale 20: 3,700 pixels a side), 64 at once: each
#     answered 200 or, beyond the render queue, 503 with Retry-After; nothing else.
largest = req(b"/v1/qr?scale=20&data=" + b"a" * 2953)
statuses = []
def ask_largest():
    statuses.append(exchange(largest, timeout=60))
askers = [threading.Thread(target=ask_largest) for _ in range(64)]
for t in askers: t.start()
for t in askers: t.join()
odd = [a for a in statuses if not (a.startswith("HTTP/1.1 200") or a.startswith("HTTP/1.1 503"))]
if odd or len(statuses) != 64: failures.append(f"64 largest /v1/qr codes at once: {odd[:3]}")
healthy(f"64 largest /v1/qr codes at once -> {sum(a.startswith('HTTP/1.1 200') for a in statuses)} made, "
        f"{sum(a.startswith('HTTP/1.1 503') for a in statuses)} refused with 503, {len(odd)} other")

# 4. Slow clients: a byte a second, for at most 6 s, while others are served.
def slow(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = req(b"/healthz")
    try:
        for i in range(6):
            s.sendall(data[i:i + 1]); time.sleep(1)
    except OSError: pass
    finally: s.close()
threads = [threading.Thread(target=slow, args=(n,)) for n in range(50)]
for t in threads: t.start()
time.sleep(2)
healthy("50 clients sending a byte a second (while they send)")
for t in threads: t.join()

# 5. Thousands of idle connections, held open while a fresh client asks.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
count = max(0, min(idle_wanted, soft - 200))
idle = []
for i in range(count):
    try:
        c = socket.socket(); c.settimeout(5); c.connect(("127.0.0.1", port)); idle.append(c)
    except OSError as e:
        results.append(f"note: idle connection {i} failed: {e}"); break
healthy(f"{len(idle)} idle connections open (fd limit {soft})")
half = [c for c in idle[: len(idle) // 2]]
for c in half:
    try: c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # a started request, never finished
    except OSError: pass
healthy(f"{len(half)} of them with a request started and never finished")
for c in idle: c.close()
time.sleep(1)
healthy("after closing them all")

end = rss_mb()
bounded = end - base < 300
results.append(f"{'held' if bounded else 'FAILED'}  memory: RSS {base} MB at start, {end} MB at the end (bound: +300 MB)")
if not bounded: failures.append("RSS grew too much")
print("\n".join("abuse-test: " + r for r in results))
print(f"abuse-test: {len([r for r in results if r.startswith('held')])} held, {len(failures)} failed")
sys.exit(1 if failures else 0)
PY
