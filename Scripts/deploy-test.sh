#!/usr/bin/env bash
# The nginx example of Assets/deploy/ in front of a live `sharemark serve`, all on 127.0.0.1:
#   1. nginx -t accepts the site file as shipped, with only its addresses and cache folders
#      changed for this test (upstream and listen ports, cache paths: checked line by line);
#   2. through nginx, an article's qr.png is a MISS and then a HIT, byte for byte what sharemark
#      serves directly, image/png with sharemark's ETag and Cache-Control; If-None-Match gets a
#      304 (from the cache, and on a miss); a query string bypasses the cache; a 404 is never
#      stored; /v1/qr is stored once asked for twice; a JSON lookup is passed through unchanged;
#      nginx keeps its connection to sharemark open (upstream keepalive);
#   3. the PNG decodes (zbarimg) to the article's mirror URL.
# Runs as root with no terminal (CI) on Debian: installs nginx (and curl) with apt-get when
# missing. That package stays installed, like the other Debian packages the tests install;
# nothing else is left: its post-installation script is kept from starting the default site
# on port 80 (a policy-rc.d for the length of the install, when the machine has none), and
# this test's nginx runs from a private configuration, prefix and pid file in a temporary
# folder, not as the system's service. On a machine with systemd the package still enables
# nginx.service for the next boot (`systemctl disable nginx` if that is not wanted).
# Usage: Scripts/deploy-test.sh   (SHAREMARK=path picks another binary)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=Scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"

fail() { echo "deploy-test: FAIL: $*" >&2; exit 1; }
ok() { echo "deploy-test: ok: $*"; }

site=Assets/deploy/nginx/sharemark.conf
[ -f "$site" ] || fail "no $site"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
policy=/usr/sbin/policy-rc.d
made_policy=""   # the policy-rc.d this script wrote, removed again
nginx_pid=""
deploy_cleanup() {
    local status=$?
    if [ -n "$nginx_pid" ]; then kill -TERM "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
    if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; fi
    e2e_cleanup
    exit "$status"
}
trap deploy_cleanup EXIT
trap 'exit 130' INT TERM

# --- nginx (and curl) from Debian's packages ----------------------------------------------------
need=()
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need+=(nginx)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    listening_80_before=$(ss -Hltn 'sport = :80' | wc -l)
    # invoke-rc.d and deb-systemd-invoke ask policy-rc.d before starting a service: 101 denies.
    # A machine that has one (a container's) keeps it.
    if [ ! -e "$policy" ]; then
        made_policy=1
        printf '#!/bin/sh\n# Written by Sharemark'\''s Scripts/deploy-test.sh for one apt-get install.\nexit 101\n' \
            | $sudo tee "$policy" >/dev/null
        $sudo chmod 755 "$policy"
    fi
    if ! $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; made_policy=""; fi
    echo "deploy-test: installed ${need[*]}"
    # Had the package started its default site after all, stop it: this test leaves no server.
    if [ "$(ss -Hltn 'sport = :80' | wc -l)" -gt "$listening_80_before" ] && ss -Hltnp 'sport = :80' | grep -q nginx; then
        echo "deploy-test: the nginx package started its service on port 80; stopping it"
        if [ -d /run/systemd/system ]; then
            $sudo systemctl stop nginx
        elif [ -s /run/nginx.pid ]; then
            $sudo kill -QUIT "$(cat /run/nginx.pid)"
        fi
        for _ in $(seq 1 50); do ss -Hltnp 'sport = :80' | grep -q nginx || break; sleep 0.1; done
        ! ss -Hltnp 'sport = :80' | grep -q nginx || fail "the nginx package's service still listens on port 80"
    fi
fi
nginx_bin=/usr/sbin/nginx
[ -x "$nginx_bin" ] || nginx_bin=$(command -v nginx)
ok "$("$nginx_bin" -v 2>&1)"

# --- sharemark serve on a copy of the demo archive ------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
archive=$work/archive
cp -a Assets/demo-archive "$archive"
rm -rf "$archive/.sharemark"
direct=http://127.0.0.1:$port
"$bin" serve "$archive" --index "$work/index.sqlite" --host 127.0.0.1 --port "$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "$direct/healthz" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || fail "sharemark serve exited: $(tail -n 20 "$work/serve.log")"
    sleep 0.1
done
curl -fsS -o /dev/null "$direct/healthz" || fail "sharemark serve did not answer /healthz in 20 s: $(tail -n 20 "$work/serve.log")"
ok "sharemark serve on 127.0.0.1:$port"

# --- nginx with the site file as shipped, its addresses and cache folders changed -------------------
nginx_port=$(free_port)
while [ "$nginx_port" = "$port" ]; do nginx_port=$(free_port); done
n=$work/nginx
mkdir -p "$n"
# When root, nginx's workers run as another user (www-data): they need to reach the cache and
# temporary folders it makes under $n.
chmod 711 "$work"
chmod 755 "$n"
# Each changed line must be in the shipped file exactly as expected, so that a change to the
# file that this test would miss fails here instead.
expect() {  # count fixed-string
    local found
    found=$(grep -cF -- "$2" "$site" || true)
    [ "$found" -eq "$1" ] || fail "$site: expected $1 line(s) with '$2', found $found"
}
expect 1 'server 127.0.0.1:8080;'
expect 1 'listen 80;'
expect 1 'listen [::]:80;'
expect 2 'proxy_cache_path /var/cache/nginx-sharemark-'
sed -e "s|server 127\.0\.0\.1:8080;|server 127.0.0.1:$port;|" \
    -e "s|listen 80;|listen 127.0.0.1:$nginx_port;|" \
    -e '\|listen \[::\]:80;|d' \
    -e "s|proxy_cache_path /var/cache/nginx-sharemark-|proxy_cache_path $n/cache-|" \
    "$site" >"$n/sharemark.conf"
changed=$(diff "$site" "$n/sharemark.conf" | grep -c '^<' || true)
[ "$changed" -eq 5 ] || fail "expected 5 lines of $site changed for the test, $changed were"
cat >"$n/nginx.conf" <<CONF
# Scripts/deploy-test.sh: a private nginx around $site.
worker_processes 1;
daemon off;
pid $n/nginx.pid;
error_log $n/error.log notice;
events { worker_connections 256; }
http {
    access_log $n/access.log;
    client_body_temp_path $n/body;
    proxy_temp_path $n/proxy;
    fastcgi_temp_path $n/fastcgi;
    uwsgi_temp_path $n/uwsgi;
    scgi_temp_path $n/scgi;
    include $n/sharemark.conf;
}
CONF
"$nginx_bin" -t -p "$n" -c "$n/nginx.conf" -e "$n/error.log" >"$n/test.out" 2>&1 \
    || fail "nginx -t rejects $site: $(cat "$n/test.out")"
if grep -E '\[(warn|error|crit|alert|emerg)\]' "$n/test.out" >&2; then fail "nginx -t warns about $site"; fi
ok "nginx -t: $site ($(grep -c . "$site") lines, 5 changed for the test)"
"$nginx_bin" -p "$n" -c "$n/nginx.conf" -e "$n/error.log" >"$n/stdout" 2>&1 &
nginx_pid=$!
proxy=http://127.0.0.1:$nginx_port
for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$proxy/healthz" 2>/dev/null && break
    kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited: $(cat "$n/stdout" "$n/error.log")"
    sleep 0.1
done
curl -fsS -o /dev/null "$proxy/healthz" || fail "nginx did not pass /healthz through: $(tail -n 20 "$n/error.log")"
ok "nginx on 127.0.0.1:$nginx_port, upstream 127.0.0.1:$port"

# --- requests ---------------------------------------------------------------------------------------
# get NAME URL [curl options]: body in $work/NAME.body, headers in $work/NAME.head; prints the status.
get() {
    local name=$1 url=$2; shift 2
    curl -sS -o "$work/$name.body" -D "$work/$name.head" -w '%{http_code}' "$@" "$url" \
        || fail "curl $url failed"
}
# header NAME FIELD: the field's value in $work/NAME.head (empty when absent).
header() { grep -i "^$2:" "$work/$1.head" | head -n 1 | cut -d' ' -f2- | tr -d '\r' || true; }
expect_status() {  # name got want what
    [ "$2" = "$3" ] || fail "$4: status $2, not $3 ($(head -c 300 "$work/$1.body"))"
}
expect_cache() {  # name want what
    local got
    got=$(header "$1" X-Cache-Status)
    [ "$got" = "$2" ] || fail "$3: X-Cache-Status '$got', not '$2'"
}

# An article with a PNG next to its page and no quirks, whose id no other page has: the
# manifest gives its mirror URL, the payload of its QR code.
read -r page payload < <(python3 -c '
import collections, json, os, sys
root = sys.argv[1]
entries = json.load(open(os.path.join(root, "manifest.json")))["entries"]
ids = collections.Counter(os.path.basename(e["path"])[:-3] for e in entries)
e = next(e for e in entries if not e["quirks"] and ids[os.path.basename(e["path"])[:-3]] == 1
         and os.path.isfile(os.path.join(root, e["path"] + ".png")))
print(e["path"], e["payload"])' "$archive") || fail "no article with a PNG and no quirks in the demo archive's manifest"
id=$(basename "$page" .md)
category=$(basename "$(dirname "$page")")
qr=/v1/articles/$category/$id/qr.png

status=$(get direct "$direct$qr"); expect_status direct "$status" 200 "direct $qr"
etag=$(header direct ETag)
[ -n "$etag" ] || fail "sharemark sent no ETag with $qr"
cache_control=$(header direct Cache-Control)
cmp -s "$work/direct.body" "$archive/$page.png" || fail "sharemark's $qr is not the archive's $page.png"

status=$(get first "$proxy$qr"); expect_status first "$status" 200 "first $qr through nginx"
expect_cache first MISS "first $qr"
status=$(get second "$proxy$qr"); expect_status second "$status" 200 "second $qr through nginx"
expect_cache second HIT "second $qr"
for name in first second; do
    cmp -s "$work/$name.body" "$work/direct.body" || fail "$name $qr through nginx differs from sharemark's"
    [ "$(header $name Content-Type)" = image/png ] || fail "$name $qr: Content-Type '$(header $name Content-Type)'"
    [ "$(header $name ETag)" = "$etag" ] || fail "$name $qr: ETag '$(header $name ETag)', sharemark's is '$etag'"
    [ "$(header $name Cache-Control)" = "$cache_control" ] \
        || fail "$name $qr: Cache-Control '$(header $name Cache-Control)', sharemark's is '$cache_control'"
done
ok "$qr: MISS then HIT, $(wc -c <"$work/direct.body") bytes as sharemark sends them, ETag $etag, Cache-Control: $cache_control"

status=$(get conditional "$proxy$qr" -H "If-None-Match: $etag"); expect_status conditional "$status" 304 "$qr with If-None-Match"
expect_cache conditional HIT "$qr with If-None-Match"
[ ! -s "$work/conditional.body" ] || fail "the 304 for $qr has a body"
[ "$(header conditional ETag)" = "$etag" ] || fail "the 304 for $qr has ETag '$(header conditional ETag)'"
status=$(get other "$proxy$qr" -H 'If-None-Match: "another"'); expect_status other "$status" 200 "$qr with another ETag"
cmp -s "$work/other.body" "$work/direct.body" || fail "$qr with another ETag: not the image"
ok "$qr: If-None-Match with its ETag: 304 from the cache; with another: 200"

# A conditional request on a miss: nginx fetches the whole image, stores it and answers 304.
svg=/v1/articles/$category/$id/qr.svg
status=$(get svg-direct "$direct$svg"); expect_status svg-direct "$status" 200 "direct $svg"
svg_etag=$(header svg-direct ETag)
status=$(get svg-conditional "$proxy$svg" -H "If-None-Match: $svg_etag")
expect_status svg-conditional "$status" 304 "$svg with If-None-Match, first through nginx"
expect_cache svg-conditional MISS "$svg with If-None-Match, first through nginx"
status=$(get svg-after "$proxy$svg"); expect_status svg-after "$status" 200 "$svg after the 304"
expect_cache svg-after HIT "$svg after the 304"
cmp -s "$work/svg-after.body" "$work/svg-direct.body" || fail "$svg through nginx differs from sharemark's"
ok "$svg: If-None-Match on a miss: 304, then a HIT with sharemark's bytes"

status=$(get query "$proxy$qr?v=1"); expect_status query "$status" 200 "$qr?v=1"
expect_cache query BYPASS "$qr?v=1"
cmp -s "$work/query.body" "$work/direct.body" || fail "$qr?v=1 through nginx is not the image"
ok "$qr?v=1: BYPASS (a query string is never stored)"

missing=/v1/articles/$category/no-such-article/qr.png
for round in 1 2; do
    status=$(get missing "$proxy$missing"); expect_status missing "$status" 404 "$missing (round $round)"
    expect_cache missing MISS "$missing (round $round): a 404 must not be stored"
done
[ "$(header missing Content-Type)" = application/problem+json ] || fail "$missing: Content-Type '$(header missing Content-Type)'"
ok "$missing: 404, MISS twice (errors are not stored)"

adhoc="/v1/qr?data=deploy-test"
for want in MISS MISS HIT; do
    status=$(get adhoc "$proxy$adhoc"); expect_status adhoc "$status" 200 "$adhoc"
    expect_cache adhoc "$want" "$adhoc (stored from the second request on)"
done
status=$(get adhoc-direct "$direct$adhoc"); expect_status adhoc-direct "$status" 200 "direct $adhoc"
cmp -s "$work/adhoc.body" "$work/adhoc-direct.body" || fail "$adhoc through nginx differs from sharemark's"
ok "$adhoc: MISS, MISS, HIT (proxy_cache_min_uses 2), sharemark's bytes"

for path in "/v1/articles/$category/$id" "/v1/articles/$id"; do
    status=$(get json-direct "$direct$path"); expect_status json-direct "$status" 200 "direct $path"
    status=$(get json "$proxy$path"); expect_status json "$status" 200 "$path through nginx"
    cmp -s "$work/json.body" "$work/json-direct.body" || fail "$path through nginx differs from sharemark's: $(cat "$work/json.body")"
    [ -z "$(header json X-Cache-Status)" ] || fail "$path went through a cache: X-Cache-Status $(header json X-Cache-Status)"
    [ "$(header json Content-Type)" = "$(header json-direct Content-Type)" ] || fail "$path: Content-Type '$(header json Content-Type)'"
done
mirror=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["mirrorURL"])' "$work/json.body")
[ "$mirror" = "$payload" ] || fail "/v1/articles/$id: mirrorURL '$mirror', the manifest says '$payload'"
ok "/v1/articles/$category/$id and /v1/articles/$id: the same JSON as sharemark's, not cached"

# Upstream keepalive: nginx's connection to sharemark outlives the requests.
kept=$(ss -Htn state established "( dport = :$port )" | wc -l)
[ "$kept" -ge 1 ] || fail "nginx keeps no connection to sharemark open (upstream keepalive)"
ok "upstream keepalive: $kept connection(s) from nginx to sharemark kept open"

if command -v zbarimg >/dev/null; then
    decoded=$(zbarimg -q --raw --nodbus "$work/second.body") || fail "zbarimg found no QR code in $qr through nginx"
    [ "$decoded" = "$payload" ] || fail "$qr through nginx decodes to '$decoded', not '$payload'"
    ok "zbarimg: $qr through nginx decodes to $payload"
else
    echo "deploy-test: skip: zbarimg is not installed (Scripts/bootstrap.sh installs zbar-tools); the PNG was not decoded"
fi

if grep -E '\[(error|crit|alert|emerg)\]' "$n/error.log" >&2; then fail "nginx logged errors ($n/error.log above)"; fi
kill -QUIT "$nginx_pid"
wait "$nginx_pid" || fail "nginx exited $? on SIGQUIT"
nginx_pid=""
kill -TERM "$server"
wait "$server" || fail "sharemark serve exited $? on SIGTERM"
server=""
echo "deploy-test: all checks passed"
