#!/usr/bin/env bash
# Builds the Debian package (Scripts/package.sh), installs it with apt-get, runs the installed
# /usr/bin/sharemark on a copy of the demo archive, checks the manual page, the completions and
# the service unit, then purges it and checks that the machine is as it was: no sharemark files,
# and the same set of installed packages (the tools this script installed are purged too; set
# KEEP_TOOLS=1 to keep them for the next run). Runs as root with no terminal (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

label=package-test
# shellcheck source=Scripts/apt-common.sh
. Scripts/apt-common.sh

fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
ok() { echo "package-test: ok: $*"; }

if dpkg-query -W -f='${Status}' sharemark 2>/dev/null | grep -q 'installed'; then
    fail "the sharemark package is installed already; this test installs and purges it: remove it first"
fi
[ ! -e /usr/bin/sharemark ] || fail "/usr/bin/sharemark exists and belongs to no package"

work=$(mktemp -d)
before="$work/packages-before"
installed_packages >"$before"
server=""
cleanup() {
    local status=$?
    [ -z "$server" ] || { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
    if dpkg-query -W -f='${Status}' sharemark 2>/dev/null | grep -q 'installed'; then
        $sudo apt-get remove --purge -y -qq sharemark >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT

# --- build and install -------------------------------------------------------------------------
# The build's output is shown on stderr through the inherited descriptor: `tee /dev/stderr`
# would open the file anew and truncate it when stderr is a log file.
Scripts/package.sh | tee "$work/package.out" >&2
deb=$(tail -n 1 "$work/package.out")
[ -f "$deb" ] || fail "Scripts/package.sh printed no package path"
ok "built $deb"
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' | grep -v '/$' >"$work/files"
# Packages present after building (the build's tools included): what installing the .deb adds
# on top of this is removed with it.
installed_packages >"$work/packages-built"

$sudo apt-get install -y -qq "$(realpath "$deb")" >/dev/null || fail "apt-get install $deb"
[ "$(command -v sharemark)" = /usr/bin/sharemark ] || fail "sharemark on PATH is $(command -v sharemark || echo nothing)"
ok "installed: $(dpkg-query -W -f='${Package} ${Version}' sharemark)"

# --- the installed binary, with no Swift toolchain in sight ----------------------------------
if ldd /usr/bin/sharemark | grep -Eq '/opt/swift|libswift|libFoundation|not found'; then
    ldd /usr/bin/sharemark >&2
    fail "/usr/bin/sharemark needs the Swift toolchain or a missing library"
fi
ok "ldd: nothing from a Swift toolchain"
run() { env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8 /usr/bin/sharemark "$@"; }

version=$(run --version) || fail "sharemark --version failed"
for lib in libqrencode libpng zlib SQLite; do
    grep -Eq "^$lib [0-9]+(\.[0-9]+)+$" <<<"$version" || fail "--version names no $lib version: $version"
done
ok "--version: $(tr '\n' ' ' <<<"$version")"

archive="$work/archive"
cp -a Assets/demo-archive "$archive"
rm -rf "$archive/.sharemark"
# The demo archive lacks three PNGs: verify reports them (exit 1), regen writes exactly them,
# and verify then passes.
set +e
run verify "$archive" >"$work/verify1" 2>&1; status=$?
set -e
[ $status -eq 1 ] || { cat "$work/verify1" >&2; fail "verify on the demo archive exited $status, not 1"; }
grep -q 'asset-missing' "$work/verify1" || fail "verify did not report the missing PNGs: $(cat "$work/verify1")"
ok "verify: exit 1, $(grep -E '^[0-9]+ errors' "$work/verify1")"
status=0
run regen "$archive" >"$work/regen" 2>&1 || status=$?
[ $status -eq 0 ] || { cat "$work/regen" >&2; fail "regen exited $status"; }
grep -q '^written: 3 ' "$work/regen" || fail "regen did not write the 3 missing PNGs: $(cat "$work/regen")"
ok "regen: $(head -n 1 "$work/regen")"
status=0
run verify "$archive" >"$work/verify2" 2>&1 || status=$?
[ $status -eq 0 ] || { cat "$work/verify2" >&2; fail "verify after regen exited $status"; }
grep -q '^0 errors' "$work/verify2" || fail "verify after regen: $(cat "$work/verify2")"
ok "verify after regen: exit 0"

# A real page of the demo archive, from its manifest: one with no quirks whose id no other
# page has; the manifest also gives the mirror URL its footer prints.
read -r page payload < <(python3 -c '
import collections, json, os, sys
entries = json.load(open(sys.argv[1]))["entries"]
ids = collections.Counter(os.path.basename(e["path"])[:-3] for e in entries)
e = next(e for e in entries if not e["quirks"] and ids[os.path.basename(e["path"])[:-3]] == 1)
print(e["path"], e["payload"])' "$archive/manifest.json")
id=$(basename "$page" .md)
category=$(basename "$(dirname "$page")")
for query in "$id" "$category/$id"; do
    status=0
    run lookup "$query" "$archive" >"$work/lookup" 2>&1 || status=$?
    [ $status -eq 0 ] || { cat "$work/lookup" >&2; fail "lookup $query exited $status"; }
    grep -q "($page)" "$work/lookup" || fail "lookup $query does not name $page: $(cat "$work/lookup")"
    grep -qF "mirror URL:  $payload" "$work/lookup" \
        || fail "lookup $query shows no mirror URL: $(cat "$work/lookup")"
    ok "lookup $query: $page"
done
set +e
run lookup no-such-page "$archive" >/dev/null 2>&1; status=$?
set -e
[ $status -eq 1 ] || fail "lookup of an unknown id exited $status, not 1"
ok "lookup of an unknown id: exit 1"

# serve as the unit runs it: index in a state folder, reload on SIGHUP, stop on SIGTERM.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 /usr/bin/sharemark serve "$archive" --index "$work/state/index.sqlite" \
    --host 127.0.0.1 --port "$port" >"$work/serve.log" 2>&1 &
server=$!
healthy() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read()' \
    "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; }
for _ in $(seq 1 100); do healthy && break; sleep 0.2; done
healthy || { cat "$work/serve.log" >&2; fail "sharemark serve did not answer /healthz"; }
kill -HUP "$server"
sleep 1
healthy || { cat "$work/serve.log" >&2; fail "sharemark serve stopped answering after SIGHUP"; }
kill -TERM "$server"
wait "$server" || fail "sharemark serve exited $? on SIGTERM"
server=""
ok "serve: /healthz answers, survives SIGHUP, stops on SIGTERM"

# --- manual page -------------------------------------------------------------------------------
if grep -rqs '^path-exclude=/usr/share/man' /etc/dpkg/dpkg.cfg.d; then
    echo "package-test: skip: dpkg on this machine excludes /usr/share/man (no manual pages installed)"
else
    command -v man >/dev/null || { $sudo apt-get install -y -qq --no-install-recommends man-db >/dev/null 2>&1 \
        || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends man-db >/dev/null; }; }
    manpath=$(man -w sharemark) || fail "man -w sharemark found no manual page"
    [ "$manpath" = /usr/share/man/man1/sharemark.1.gz ] || fail "man -w sharemark: $manpath"
    text=$(MANPAGER=cat MANWIDTH=100 man sharemark 2>/dev/null) || fail "man sharemark does not render"
    roff=$(zcat "$manpath")
    for sub in index lookup search regen verify serve qr export init fix; do
        grep -Fxq ".Sh \"sharemark $sub\"" <<<"$roff" || fail "the manual page has no section (.Sh) for '$sub'"
        grep -Fxq "sharemark $sub" <<<"$text" || fail "the rendered manual page has no heading 'sharemark $sub'"
    done
    ok "man -w sharemark: $manpath (a section per subcommand)"
fi

# --- completions -------------------------------------------------------------------------------
completions=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || true)
completions=${completions:-/usr/share/bash-completion/completions}
[ -f "$completions/sharemark" ] || fail "no bash completion in $completions (where bash-completion looks)"
bash -c "source '$completions/sharemark' && complete -p sharemark" >/dev/null \
    || fail "the bash completion does not register for sharemark"
ok "bash completion: $completions/sharemark"
[ -f /usr/share/zsh/vendor-completions/_sharemark ] || fail "no zsh completion"
[ -f /usr/share/fish/vendor_completions.d/sharemark.fish ] || fail "no fish completion"
ok "zsh and fish completions"

# --- service unit ------------------------------------------------------------------------------
unit=/lib/systemd/system/sharemark-serve@.service
[ -f "$unit" ] || fail "no $unit"
if command -v systemd-analyze >/dev/null; then
    # A template is verified through an instance: a link named like one.
    mkdir -p "$work/units"
    ln -s "$unit" "$work/units/sharemark-serve@demo.service"
    systemd-analyze verify --man=no "$work/units/sharemark-serve@demo.service" >"$work/analyze" 2>&1 \
        || { cat "$work/analyze" >&2; fail "systemd-analyze verify $unit"; }
    # Complaints about the machine (no systemd running) are not the unit's.
    if grep -i 'sharemark-serve' "$work/analyze" | grep -v 'AssertPathExists\|/etc/sharemark' >&2; then
        fail "systemd-analyze verify complains about the unit"
    fi
    ok "systemd-analyze verify: $unit"
else
    echo "package-test: skip: systemd-analyze is not installed; the unit was not verified"
fi

# --- purge: the machine as it was ---------------------------------------------------------------
$sudo apt-get remove --purge -y -qq sharemark >/dev/null || fail "apt-get remove --purge sharemark"
! dpkg-query -W -f='${Status}' sharemark 2>/dev/null | grep -q 'installed' || fail "sharemark is still installed"
[ ! -e /usr/bin/sharemark ] || fail "/usr/bin/sharemark is still there"
while read -r file; do
    [ ! -e "$file" ] || fail "$file is left after the purge"
done <"$work/files"
[ ! -e /usr/share/doc/sharemark ] || fail "/usr/share/doc/sharemark is left after the purge"
# What installing the .deb pulled in goes with it.
added=$(installed_packages | LC_ALL=C comm -13 "$work/packages-built" -)
[ -z "$added" ] || $sudo apt-get purge -y -qq $added >/dev/null
ok "purged: no sharemark file left ($(wc -l <"$work/files") files checked)"

# The tools this script installed (dpkg-dev, lintian, man-db, and what they pulled in).
purge_tools_installed_since "$before"
echo "package-test: all checks passed"
