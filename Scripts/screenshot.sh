#!/usr/bin/env bash
# Takes a screenshot of the search page as a browser shows it.
#   Scripts/screenshot.sh [ARCHIVE] [OUTPUT.png] [QUERY]
# ARCHIVE defaults to Assets/demo-archive; OUTPUT to /tmp/sharemark-search.png.
set -euo pipefail
cd "$(dirname "$0")/.."

archive=${1:-Assets/demo-archive}
output=${2:-/tmp/sharemark-search.png}
query=${3:-${QUERY:-}}
port=${PORT:-18431}

if [ ! -d "$archive" ]; then
    echo "no archive at $archive: give one as the first argument" >&2
    exit 2
fi
if ! command -v chromium >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# Chinese titles need a CJK font, or the browser draws them as boxes.
if ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null 2>&1 \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null; }
fi

swift build --product sharemark >/dev/null
binary="$(swift build --show-bin-path)/sharemark"
workdir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$workdir"' EXIT

"$binary" serve "$archive" --host 127.0.0.1 --port "$port" --index "$workdir/index.sqlite" 2>"$workdir/server.log" &
server=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }

if [ -z "$query" ]; then
    # A word of the first title in the index, so that the page shows results.
    query=$(curl -fsS "http://127.0.0.1:$port/v1/search?q=a" | python3 -c '
import json, sys
r = json.load(sys.stdin)["results"]
print((r[0]["title"] or "")[:3] if r else "a")' 2>/dev/null || echo a)
fi
encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$query")

chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1300 \
    --screenshot="$output" "http://127.0.0.1:$port/?q=$encoded" >/dev/null 2>&1
echo "screenshot of /?q=$query: $output"
