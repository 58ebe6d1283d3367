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
# The framework's ceiling: a bare Hummingbird route returning the same bytes from memory, from
# the separate Benchmarks/ package (never shipped).
swift build -c release --package-path Benchmarks --product bare-route >/dev/null
bare_binary="$(swift build -c release --package-path Benchmarks --show-bin-path)/bare-route"
bare_port=${BARE_PORT:-18434}

work=$(mktemp -d)
server=""; nginx_pid=""; bare=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [ -n "$bare" ] && kill "$bare" 2>/dev/null && wait "$bare" 2>/dev/null || true
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
# nginx again: the machine is noisy; the ratio uses nginx's better run.
run_case nginx-static-2 "http://127.0.0.1:$nginx_port/$asset"
rps[nginx-static]=$(awk -v a="${rps[nginx-static]}" -v b="${rps[nginx-static-2]}" 'BEGIN { print (a > b ? a : b) }')

ratio=$(awk -v a="${rps[article-qr]}" -v b="${rps[nginx-static]}" 'BEGIN { printf "%.2f", a / b }')
growth=$(awk -v a="$rss_after" -v b="$rss_before" 'BEGIN { printf "%.1f", (a - b) * 100 / b }')
echo "article QR / nginx static throughput: $ratio (target >= 0.50)"
echo "server RSS: ${rss_before} kB before, ${rss_after} kB after (${growth}%, target < 10%)"

# The service against the framework's ceiling: the article's qr.png and JSON, each against a
# bare route returning the very same bytes from memory. Pinned: server (or bare route) on core
# 0, wrk on core 1; unpinned: no affinity. Every answer checked: a run with errors prints no ratio.
[ "$(nproc)" -ge 2 ] || { echo "fewer than 2 cores: no pinned comparison" >&2; exit 0; }
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; server=""
curl_bytes() { curl -fsS -o "$2" "$1"; }
start_server() {  # pin-prefix...
    "$@" "$binary" serve "$archive" --host 127.0.0.1 --port "$port" --index "$work/index.sqlite" 2>>"$work/server.log" &
    server=$!
    for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
}
start_bare() {  # file content-type pin-prefix...
    local file=$1 type=$2; shift 2
    "$@" "$bare_binary" "$file" "$type" "$bare_port" 2>>"$work/bare.log" &
    bare=$!
    for _ in $(seq 1 150); do curl -fsS -o /dev/null "http://127.0.0.1:$bare_port/bytes" 2>/dev/null && break; sleep 0.1; done
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }
check_clean() {  # name: the wrk run must have no non-2xx answer and no socket error
    local out="$work/$1.txt"
    ! grep -q "Non-2xx" "$out" && ! grep -q "Socket errors" "$out"
}
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in pinned unpinned; do
    if [ "$mode" = pinned ]; then serve_pin=(taskset -c 0); wrk_pin=(taskset -c 1); else serve_pin=(); wrk_pin=(); fi
    start_server "${serve_pin[@]}"
    curl_bytes "http://127.0.0.1:$port/v1/articles/$category/$id/qr.png" "$work/article.png"
    curl_bytes "http://127.0.0.1:$port/v1/articles/$category/$id" "$work/article.json"
    for kind in png json; do
        if [ $kind = png ]; then url="http://127.0.0.1:$port/v1/articles/$category/$id/qr.png"; type=image/png; file=$work/article.png
        else url="http://127.0.0.1:$port/v1/articles/$category/$id"; type="application/json; charset=utf-8"; file=$work/article.json; fi
        # The ceiling serves the same bytes as the service.
        start_bare "$file" "$type" "${serve_pin[@]}"
        curl -fsS "http://127.0.0.1:$bare_port/bytes" | cmp -s - "$file" || { echo "bare route does not serve the same bytes" >&2; exit 1; }
        "${wrk_pin[@]}" wrk -t1 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$bare_port/bytes" >"$work/bare-$kind-$mode.txt"
        stop "$bare"; bare=""
        "${wrk_pin[@]}" wrk -t1 -c"$connections" -d"${duration}s" --latency "$url" >"$work/service-$kind-$mode.txt"
        if ! check_clean "bare-$kind-$mode" || ! check_clean "service-$kind-$mode"; then
            echo "$mode $kind: errors during the run; no ratio" >&2; cat "$work/service-$kind-$mode.txt" "$work/bare-$kind-$mode.txt" >&2; exit 1
        fi
        b=$(awk '/^Requests\/sec/ {print $2}' "$work/bare-$kind-$mode.txt")
        v=$(awk '/^Requests\/sec/ {print $2}' "$work/service-$kind-$mode.txt")
        printf 'article %-4s %-8s service %10s req/s   bare route %10s req/s   ratio %s (target >= 0.90)\n' \
            "$kind" "$mode" "$v" "$b" "$(awk -v a="$v" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
    done
    stop "$server"; server=""
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
