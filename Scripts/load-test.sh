#!/usr/bin/env bash
# Load test of `sharemark serve` against nginx serving the same PNG files, all on 127.0.0.1.
#   Scripts/load-test.sh [ARCHIVE]          (default Assets/demo-archive)
# Environment: DURATION (wrk seconds per case, default 30), CONNECTIONS (default 64),
# THREADS (wrk threads, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

archive=$(realpath "${1:-Assets/demo-archive}")
duration=${DURATION:-30}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
port=${PORT:-18432}
nginx_port=${NGINX_PORT:-18433}

[ -d "$archive" ] || { echo "no archive at $archive: give one as the first argument" >&2; exit 2; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
# The package starts its own service; this test runs its own nginx only.
if [ ${#missing[@]} -gt 0 ] && command -v systemctl >/dev/null; then systemctl stop nginx 2>/dev/null || true; fi

swift build -c release --product sharemark >/dev/null
binary="$(swift build -c release --show-bin-path)/sharemark"

work=$(mktemp -d)
server=""; nginx_pid=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# One article with a PNG asset next to its page.
asset=$(cd "$archive" && find pages -name '*.md.png' | sort | while read -r png; do
    [ -f "${png%.png}" ] && { echo "$png"; break; }; done)
[ -n "$asset" ] || { echo "no page with a PNG asset in $archive" >&2; exit 2; }
rel=${asset#pages/}; category=${rel%%/*}; id=${rel#*/}; id=${id%.md.png}

"$binary" serve "$archive" --host 127.0.0.1 --port "$port" --index "$work/index.sqlite" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

cat >"$work/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    types { image/png png; }
    server {
        listen 127.0.0.1:$nginx_port;
        root $archive;
        location / { etag on; add_header Cache-Control "public, max-age=300"; }
    }
}
CONF
"$nginx_bin" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
nginx_pid=$!
for _ in $(seq 1 50); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/$asset" 2>/dev/null && break; sleep 0.1; done

cat >"$work/varied.lua" <<'LUA'
local counter = 0
request = function()
    counter = counter + 1
    local data = "https%3A%2F%2Fexample.com%2Fpages%2F" .. counter .. "-" .. math.random(1, 1000000000) .. ".md"
    return wrk.format("GET", "/v1/qr?data=" .. data)
end
LUA

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
declare -A rps
run_case() {  # name url [lua]
    local name=$1 url=$2 script=${3:-}
    local out="$work/$name.txt"
    wrk -t"$threads" -c"$connections" -d"${duration}s" --latency ${script:+-s "$script"} "$url" >"$out"
    local r p99 non2xx sock
    r=$(awk '/^Requests\/sec/ {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out"); non2xx=${non2xx:-0}
    sock=$(awk '/Socket errors/ {sub(/.*Socket errors: /, ""); print}' "$out"); sock=${sock:-none}
    rps[$name]=$r
    printf '%-16s %12s req/s   p99 %9s   non-2xx %s   socket errors: %s\n' "$name" "$r" "$p99" "$non2xx" "$sock"
}

# Warm-up, then the server's memory before the runs.
curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/articles/$category/$id/qr.png"
curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/qr?data=warm-up"
rss_before=$(rss "$server")

echo "archive: $archive   article: $category/$id   wrk: -t$threads -c$connections -d${duration}s"
run_case nginx-static "http://127.0.0.1:$nginx_port/$asset"
run_case article-qr "http://127.0.0.1:$port/v1/articles/$category/$id/qr.png"
run_case adhoc-qr "http://127.0.0.1:$port/v1/qr" "$work/varied.lua"
run_case article-json "http://127.0.0.1:$port/v1/articles/$category/$id"
rss_after=$(rss "$server")

ratio=$(awk -v a="${rps[article-qr]}" -v b="${rps[nginx-static]}" 'BEGIN { printf "%.2f", a / b }')
growth=$(awk -v a="$rss_after" -v b="$rss_before" 'BEGIN { printf "%.1f", (a - b) * 100 / b }')
echo "article QR / nginx static throughput: $ratio (target >= 0.50)"
echo "server RSS: ${rss_before} kB before, ${rss_after} kB after (${growth}%, target < 10%)"
