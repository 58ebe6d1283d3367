#!/usr/bin/env bash
# Runs the GitHub Action of Assets/ci/action as a runner would, on this machine: action.yml's
# step (its env from the inputs, `bash --noprofile --norc -eo pipefail`) through
# Scripts/action-runner.py, with a GITHUB_WORKSPACE that is a git checkout of a copy of the demo
# archive with faults planted, a RUNNER_TEMP, a GITHUB_OUTPUT, a GITHUB_STEP_SUMMARY that does
# not exist yet, and the release's assets (the .deb and its SHA256SUMS) served by a loopback
# HTTP server or as file:// URLs. Checks: a wrong checksum, a SHA256SUMS without the package's
# line and a runner that is not Linux stop it before anything is installed; then it installs the
# package with apt-get, and verify and fix --check give the annotations, the summary's tables,
# the outputs and exit status 1; regen --stale commits and pushes exactly the PNGs it wrote;
# verify on the repaired archive exits 0 (1 with strict), its shards add up, a regen failure is
# annotated. Then it purges the package and checks that the machine is as it was.
#
#   Scripts/action-test.sh                         # builds the .deb with Scripts/package.sh
#   SHAREMARK_DEB=path/to/sharemark_V-1_amd64.deb Scripts/action-test.sh
#
# Runs as root with no terminal (CI), as Scripts/package-test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

label=action-test
# shellcheck source=Scripts/apt-common.sh
. Scripts/apt-common.sh

fail() { echo "action-test: FAIL: $*" >&2; exit 1; }
ok() { echo "action-test: ok: $*"; }
sharemark_installed() { dpkg-query -W -f='${Status}' sharemark 2>/dev/null | grep -q 'installed'; }

if sharemark_installed; then
    fail "the sharemark package is installed already; this test installs and purges it: remove it first"
fi
[ ! -e /usr/bin/sharemark ] || fail "/usr/bin/sharemark exists and belongs to no package"

work=$(mktemp -d)
chmod 755 "$work"
installed_packages >"$work/packages-before"
server=""
cleanup() {
    local status=$?
    [ -z "$server" ] || { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
    if sharemark_installed; then
        $sudo apt-get remove --purge -y -qq sharemark >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT

# Python with PyYAML for Scripts/action-runner.py (Debian's python3-yaml when no python3 has it).
python=""
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import yaml' 2>/dev/null; then
        python=$(command -v "$candidate")
        break
    fi
done
if [ -z "$python" ]; then
    $sudo apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null 2>&1 \
        || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null; }
    python=/usr/bin/python3
fi

# --- the release: the .deb and SHA256SUMS -------------------------------------------------------
if [ -n "${SHAREMARK_DEB:-}" ]; then
    deb=$(realpath "$SHAREMARK_DEB")
else
    Scripts/package.sh | tee "$work/package.out" >&2
    deb=$(tail -n 1 "$work/package.out")
fi
[ -f "$deb" ] || fail "no package at '$deb'"
installed_packages >"$work/packages-built"
deb_version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
version=${deb_version%-*}
name="sharemark_${deb_version}_${arch}.deb"
[ "$(basename "$deb")" = "$name" ] || fail "the package is named $(basename "$deb"), not $name as Scripts/package.sh names it"
ok "package $name"

# As GitHub serves a release's assets: SERVER/OWNER/NAME/releases/download/vVERSION/FILE, and
# the latest release under releases/latest/download/.
release="$work/www/acme/sharemark/releases/download/v$version"
mkdir -p "$release" "$work/www/acme/sharemark/releases/latest"
cp "$deb" "$release/"
(cd "$release" && sha256sum "$name" >SHA256SUMS)
ln -s "../download/v$version" "$work/www/acme/sharemark/releases/latest/download"
# A release whose SHA256SUMS holds a wrong checksum for the package.
mkdir -p "$work/bad-sum"
cp "$deb" "$work/bad-sum/"
printf '%s  %s\n' "$(printf 'another file' | sha256sum | cut -d ' ' -f 1)" "$name" >"$work/bad-sum/SHA256SUMS"
# A release whose SHA256SUMS has no line for the package (only another architecture's).
mkdir -p "$work/no-line"
cp "$deb" "$work/no-line/"
other_arch=$([ "$arch" = arm64 ] && echo amd64 || echo arm64)
(cd "$work/no-line" && sha256sum "$name" | sed "s/_${arch}\.deb\$/_${other_arch}.deb/" >SHA256SUMS)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$port" >"$work/http.log" 2>&1 &
server=$!
answers() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read()' \
    "http://127.0.0.1:$port/acme/sharemark/releases/download/v$version/SHA256SUMS" >/dev/null 2>&1; }
for _ in $(seq 1 50); do answers && break; sleep 0.1; done
answers || fail "the loopback HTTP server does not answer"

# --- the archive's repository: a checkout of a bare repository ----------------------------------
git init -q --bare -b main "$work/origin.git"
git clone -q "$work/origin.git" "$work/workspace" 2>/dev/null
ws="$work/workspace"
git -C "$ws" symbolic-ref HEAD refs/heads/main
cp -a Assets/demo-archive "$ws/archive"
rm -rf "$ws/archive/.sharemark"
printf '.sharemark/\n' >"$ws/.gitignore"
# Faults on top of the demo archive's own (3 PNGs missing, 8 warnings): a PNG that encodes
# another page's URL, and one that is no PNG.
cp "$ws/archive/pages/tech/n10000204.md.png" "$ws/archive/pages/tech/n10000143.md.png"
printf 'not a png\n' >"$ws/archive/pages/tech/n10000267.md.png"
git -C "$ws" add -A
git -C "$ws" -c user.name=Archivist -c user.email=archivist@example.org commit -q -m "The archive"
git -C "$ws" push -q origin main

# The action where a runner puts it: .../_actions/OWNER/NAME/REF/Assets/ci/action.
actions="$work/runner/_actions/acme/sharemark"
mkdir -p "$actions/v$version/Assets/ci" "$actions/v1/Assets/ci"
ln -s "$repo/Assets/ci/action" "$actions/v$version/Assets/ci/action"
ln -s "$repo/Assets/ci/action" "$actions/v1/Assets/ci/action"

# run_action NAME ACTION_PATH [INPUT=VALUE...]: one use of the action in a job of its own, with
# the runner's environment and nothing else of this shell's. Leaves $work/NAME.log (the step's
# output), NAME.outputs (the action's outputs), NAME/summary.md; sets $status.
run_action() {
    local name=$1 action_path=$2
    shift 2
    local with=()
    for input in "$@"; do with+=(--with "$input"); done
    mkdir -p "$work/$name/temp"
    status=0
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/home" LANG=C.UTF-8 \
        CI=true GITHUB_ACTIONS=true RUNNER_OS="${RUNNER_OS_OVERRIDE:-Linux}" RUNNER_ARCH=X64 \
        GITHUB_SERVER_URL="http://127.0.0.1:$port" GITHUB_WORKSPACE="$ws" RUNNER_TEMP="$work/$name/temp" \
        GITHUB_STEP_SUMMARY="$work/$name/summary.md" \
        "$python" "$repo/Scripts/action-runner.py" run "$repo/Assets/ci/action" --action-path "$action_path" \
        --outputs "$work/$name.outputs" "${with[@]}" >"$work/$name.log" 2>&1 || status=$?
}
output() { sed -n "s/^$2=//p" "$work/$1.outputs"; }
expect_output() {
    local got
    got=$(output "$1" "$2")
    [ "$got" = "$3" ] || { cat "$work/$1.log" >&2; fail "$1: output $2 is '$got', not '$3'"; }
}
expect_log() { grep -Eq -- "$2" "$work/$1.log" || { cat "$work/$1.log" >&2; fail "$1: no line matching '$2' in the step's output"; }; }
expect_summary() { grep -Fxq -- "$2" "$work/$1/summary.md" || { cat "$work/$1/summary.md" >&2; fail "$1: the summary has no line '$2'"; }; }
not_installed() {
    ! sharemark_installed || fail "$1: the sharemark package was installed"
    [ ! -e /usr/bin/sharemark ] || fail "$1: /usr/bin/sharemark exists"
}
# The step stopped with one error line saying why, and installed nothing.
expect_refusal() {
    [ "$status" -eq 1 ] || { cat "$work/$1.log" >&2; fail "$1: exit status $status, not 1"; }
    local errors
    errors=$(grep -c '^::error' "$work/$1.log" || true)
    [ "$errors" -eq 1 ] || { cat "$work/$1.log" >&2; fail "$1: $errors error lines, not 1"; }
    expect_log "$1" "^::error title=sharemark::.*$2"
    expect_summary "$1" '### sharemark: stopped'
    not_installed "$1"
    ok "$1: exit 1, $(grep '^::error' "$work/$1.log")"
}
here="$actions/v$version/Assets/ci/action"

# --- refusals: nothing is installed -------------------------------------------------------------
run_action wrong-checksum "$here" release-url="file://$work/bad-sum"
expect_refusal wrong-checksum "$name from file://$work/bad-sum does not match its checksum in SHA256SUMS: not installed"

run_action no-line "$here" release-url="file://$work/no-line"
expect_refusal no-line "lists no sharemark package of version $version for $arch \\(it lists: sharemark_${version}-[^ ]*_${other_arch}\\.deb\\)"

run_action wrong-sha256 "$here" release-url="file://$work/www/acme/sharemark/releases/download/v$version" \
    sha256="$(printf 'another file' | sha256sum | cut -d ' ' -f 1)"
expect_refusal wrong-sha256 "$name has the SHA-256 [0-9a-f]{64}, not the input sha256"

RUNNER_OS_OVERRIDE=macOS run_action macos "$here"
expect_refusal macos "cannot install sharemark on a macOS runner"

run_action no-such-version "$here" version=9.9.9
expect_refusal no-such-version "cannot download http://127.0.0.1:$port/acme/sharemark/releases/download/v9.9.9/SHA256SUMS: .*404"

# A package this system cannot install (a dependency no Debian release has), with a true checksum.
mkdir -p "$work/unmet/root/DEBIAN" "$work/unmet/release"
printf 'Package: sharemark\nVersion: %s\nArchitecture: %s\nMaintainer: Sharemark maintainers <sharemark-maintainers@example.org>\nDepends: sharemark-no-such-library\nDescription: a package whose dependency does not exist\n' \
    "$deb_version" "$arch" >"$work/unmet/root/DEBIAN/control"
dpkg-deb --root-owner-group --build "$work/unmet/root" "$work/unmet/release/$name" >/dev/null
(cd "$work/unmet/release" && sha256sum "$name" >SHA256SUMS)
run_action unmet "$here" release-url="file://$work/unmet/release"
expect_refusal unmet "apt-get cannot install $name on .*: sharemark : Depends: sharemark-no-such-library but it is not installable"

run_action bad-command "$here" commands="verify, lint"
expect_refusal bad-command "unknown command 'lint' in the input commands"

# --- install, then verify and fix --check with faults planted ------------------------------------
# The release URL from the action's own place and tag (acme/sharemark, v$version) and
# GITHUB_SERVER_URL, as for `uses: acme/sharemark/Assets/ci/action@v$version`.
run_action faults "$here" archive=archive
[ "$status" -eq 1 ] || { cat "$work/faults.log" >&2; fail "faults: exit status $status, not 1"; }
sharemark_installed || fail "faults: the package is not installed"
[ "$(dpkg-query -W -f='${Version}' sharemark)" = "$deb_version" ] || fail "faults: another version is installed"
expect_log faults "^sharemark action: $name: checksum verified \\(SHA256SUMS\\)\$"
ok "faults: $name downloaded over HTTP from the action's own release (v$version), checksum verified, installed"
for page in pages/tech/n10000054.md:20 pages/tech/n10000172.md:28 pages/world/n10000279.md:17; do
    expect_log faults "^::error file=archive/${page%:*},line=${page#*:},title=sharemark asset-missing::the QR image ${page%:*}\\.png does not exist"
done
expect_log faults '^::error file=archive/pages/tech/n10000143\.md,line=25,title=sharemark payload-mismatch::the QR image pages/tech/n10000143\.md\.png encodes https://github\.com/example-org/mirror/blob/master/pages/tech/n10000204\.md, not'
expect_log faults '^::error file=archive/pages/tech/n10000267\.md,line=31,title=sharemark asset-not-png::'
expect_log faults '^::warning file=archive/pages/world/n10000015\.md,line=25,title=sharemark alias-mirror-url::'
expect_log faults '^::error file=archive/pages/culture/n10000034\.md,line=20,title=sharemark footer-missing::a share footer is added'
expect_log faults '^sharemark verify: 40 pages, 5 errors, 8 warnings; repair: sharemark fix --remove-orphans archive$'
expect_log faults '^sharemark fix --check: 12 files would change; repair: sharemark fix archive$'
ok "faults: annotations on the pages' footer lines (5 errors, 8 warnings; fix --check: 12 pages)"
[ -f "$work/faults/summary.md" ] || fail "faults: no summary file"
expect_summary faults '### sharemark verify: 5 errors, 8 warnings in 40 pages'
expect_summary faults '| kind | severity | count |'
expect_summary faults '| `asset-missing` | error | 3 |'
expect_summary faults '| `payload-mismatch` | error | 1 |'
expect_summary faults '| `asset-not-png` | error | 1 |'
expect_summary faults '| `alias-mirror-url` | warning | 2 |'
expect_summary faults '| `orphan-asset` | warning | 1 |'
expect_summary faults 'Repair: `sharemark fix --remove-orphans archive`'
expect_summary faults '### sharemark fix --check: 12 files would change'
ok "faults: the summary file was made, with verify's and fix --check's tables"
expect_output faults version "$version"
expect_output faults pages 40
expect_output faults errors 5
expect_output faults warnings 8
expect_output faults would-change 12
expect_output faults repair "sharemark fix --remove-orphans archive"
ok "faults: outputs version, pages, errors, warnings, would-change, repair"

# --- regen --stale with commit, from the latest release --------------------------------------------
# The action at a branch-like ref (v1) and version latest: releases/latest/download. The package
# is installed already, so only SHA256SUMS is read.
run_action regen "$actions/v1/Assets/ci/action" archive=archive commands="regen --stale" commit=true version=latest
[ "$status" -eq 0 ] || { cat "$work/regen.log" >&2; fail "regen: exit status $status, not 0"; }
grep -q "GET /acme/sharemark/releases/latest/download/SHA256SUMS" "$work/http.log" \
    || fail "regen: SHA256SUMS was not read from releases/latest/download"
expect_log regen "^sharemark action: sharemark $deb_version is installed already\$"
expect_log regen '^sharemark regen: 5 PNGs written \(3 missing, 2 stale\), 0 failed$'
expect_output regen written 5
expect_output regen failed 0
committed=$(output regen committed)
[ "$(git -C "$work/origin.git" rev-parse main)" = "$committed" ] || fail "regen: origin's main is not the commit $committed"
changed=$(git -C "$work/origin.git" show --name-only --format= "$committed" | LC_ALL=C sort | tr '\n' ' ')
expected="archive/pages/tech/n10000054.md.png archive/pages/tech/n10000143.md.png archive/pages/tech/n10000172.md.png archive/pages/tech/n10000267.md.png archive/pages/world/n10000279.md.png "
[ "$changed" = "$expected" ] || fail "regen: the commit holds $changed, not $expected"
[ "$(git -C "$work/origin.git" log -1 --format=%s main)" = "Write the missing QR code PNGs (sharemark regen)" ] \
    || fail "regen: the commit's message is $(git -C "$work/origin.git" log -1 --format=%s main)"
expect_summary regen '### sharemark regen: 5 PNGs written, 0 failed'
expect_summary regen '| `missing` | 3 |'
expect_summary regen '| `stale` | 2 |'
expect_summary regen "Committed 5 PNGs to \`main\`: $committed"
ok "regen: latest release, 5 PNGs written, committed and pushed ($committed), nothing else in the commit"

# --- the repaired archive -----------------------------------------------------------------------
run_action clean "$here" archive=archive commands=verify
[ "$status" -eq 0 ] || { cat "$work/clean.log" >&2; fail "clean: exit status $status, not 0"; }
expect_output clean errors 0
expect_output clean warnings 8
expect_summary clean '### sharemark verify: 0 errors, 8 warnings in 40 pages'
! grep -q '^::error' "$work/clean.log" || fail "clean: an error annotation"
ok "clean: exit 0, 0 errors, 8 warnings"

run_action strict "$here" archive=archive commands=verify strict=true
[ "$status" -eq 1 ] || { cat "$work/strict.log" >&2; fail "strict: exit status $status, not 1"; }
expect_output strict warnings 8
ok "strict: exit 1 on warnings"

pages=0 warnings=0
for shard in 1/2 2/2; do
    run_action "shard-${shard%/*}" "$here" archive=archive commands=verify shard="$shard"
    [ "$status" -eq 0 ] || { cat "$work/shard-${shard%/*}.log" >&2; fail "shard $shard: exit status $status"; }
    pages=$((pages + $(output "shard-${shard%/*}" pages)))
    warnings=$((warnings + $(output "shard-${shard%/*}" warnings)))
done
[ "$pages" -eq 40 ] && [ "$warnings" -eq 8 ] || fail "shards 1/2 and 2/2: $pages pages and $warnings warnings, not 40 and 8"
ok "shards 1/2 and 2/2: 40 pages and 8 warnings between them"

# A page whose footer names another page: regen leaves it to fix and fails, annotated.
sed -i '24,25s#pages/tech/n10000143\.md#pages/tech/n10000204.md#g' "$ws/archive/pages/tech/n10000143.md"
run_action regen-failure "$here" archive=archive commands=regen
[ "$status" -eq 1 ] || { cat "$work/regen-failure.log" >&2; fail "regen-failure: exit status $status, not 1"; }
expect_log regen-failure "^::error file=archive/pages/tech/n10000143\\.md,title=sharemark regen::its footer's mirror URL names another page; run sharemark fix\$"
expect_output regen-failure failed 1
expect_summary regen-failure '### sharemark regen: 0 PNGs written, 1 failed'
ok "regen-failure: exit 1, the page annotated"

echo "action-test: the job summary of the run with faults planted:"
sed 's/^/    /' "$work/faults/summary.md"
echo "action-test: its outputs:"
sed 's/^/    /' "$work/faults.outputs"

# --- purge: the machine as it was ---------------------------------------------------------------
$sudo apt-get remove --purge -y -qq sharemark >/dev/null || fail "apt-get remove --purge sharemark"
not_installed purge
added=$(installed_packages | LC_ALL=C comm -13 "$work/packages-built" -)
[ -z "$added" ] || $sudo apt-get purge -y -qq $added >/dev/null
purge_tools_installed_since "$work/packages-before"
echo "action-test: all checks passed"
