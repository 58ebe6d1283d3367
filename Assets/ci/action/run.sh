#!/usr/bin/env bash
# The Sharemark action: installs the released sharemark Debian package, runs the commands asked
# for on the archive, writes the job summary and sets the step's outputs. action.yml runs this
# file and nothing else; Scripts/action-test.sh runs it the same way, as a runner would.
#
# Inputs (action.yml maps each input to one of these):
#   INPUT_ARCHIVE          the archive folder, relative to GITHUB_WORKSPACE (default .)
#   INPUT_COMMANDS         commands to run, in order, separated by commas or new lines:
#                          verify, fix --check, regen, regen --stale (default: verify, fix --check)
#   INPUT_STRICT           true: verify fails on warnings too
#   INPUT_SHARD            I/N: only shard I of N (every command), for a matrix
#   INPUT_MAX_ANNOTATIONS  annotations per kind (default 10)
#   INPUT_COMMIT           true: after regen, commit the archive's PNGs and push the commit
#   INPUT_COMMIT_MESSAGE   the commit's message
#   INPUT_VERSION          the Sharemark version (0.1.0 or v0.1.0); default: the action's own
#                          tag when it is vX.Y.Z, else the latest release
#   INPUT_REPOSITORY       OWNER/NAME whose releases hold the package; default: the action's own
#   INPUT_RELEASE_URL      the base URL of the release's assets (https://, http:// or file://);
#                          default SERVER/REPOSITORY/releases/download/vVERSION
#                          (SERVER/REPOSITORY/releases/latest/download for the latest release)
#   INPUT_SHA256           the package's SHA-256, checked on top of the release's SHA256SUMS
#   INPUT_INSTALL          false: install nothing, use the sharemark on the PATH
#
# The release's assets: sharemark_VERSION-REVISION_ARCH.deb as Scripts/package.sh names it
# (sharemark_0.1.0-1_amd64.deb), and SHA256SUMS, `sha256sum` output ("HASH  FILE" lines). The
# package is the one whose line names this runner's architecture (dpkg --print-architecture),
# and it is installed only when its line's checksum matches (sha256sum -c on that line).
#
# Outputs (GITHUB_OUTPUT): version; errors, warnings, pages and repair (verify); would-change
# (fix --check); written and failed (regen); committed (the commit regen's PNGs went into).
# repair is the one command that repairs what verify found (else what fix --check would do).
#
# Exit status: 1 when a command failed (verify found errors, or warnings with strict; fix --check
# would change a page; regen failed on a page) or sharemark could not be installed, 0 otherwise.
# Every command asked for runs, whatever an earlier one found.
set -uo pipefail

# --- workflow commands --------------------------------------------------------------------------
# A message of a workflow command: % and line breaks escaped.
escape_data() { local s=${1//%/%25}; s=${s//$'\r'/%0D}; printf '%s' "${s//$'\n'/%0A}"; }
# A property of a workflow command: also : and , escaped.
escape_property() { local s; s=$(escape_data "$1"); s=${s//:/%3A}; printf '%s' "${s//,/%2C}"; }
# Stops with one error line that says why (and says it in the job summary too).
die() {
    echo "::error title=sharemark::$(escape_data "$*")"
    add_summary "### sharemark: stopped" "" "$*" "" 2>/dev/null || true
    exit 1
}
say() { echo "sharemark action: $*"; }
set_output() {
    [ -n "${GITHUB_OUTPUT:-}" ] || return 0
    if [[ $2 == *$'\n'* ]]; then
        local delimiter="sharemark_$RANDOM$RANDOM"
        printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$GITHUB_OUTPUT"
    else
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}
add_summary() { [ -z "${GITHUB_STEP_SUMMARY:-}" ] || printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"; }
is_true() { case ${1,,} in true | yes | 1 | on) return 0 ;; *) return 1 ;; esac; }
is_bool() { case ${1,,} in true | yes | 1 | on | false | no | 0 | off | '') return 0 ;; *) return 1 ;; esac; }

# --- inputs -------------------------------------------------------------------------------------
archive=${INPUT_ARCHIVE:-.}
strict=${INPUT_STRICT:-false}
shard=${INPUT_SHARD:-}
max_annotations=${INPUT_MAX_ANNOTATIONS:-10}
commit=${INPUT_COMMIT:-false}
commit_message=${INPUT_COMMIT_MESSAGE:-Write the missing QR code PNGs (sharemark regen)}
install=${INPUT_INSTALL:-true}
workspace=${GITHUB_WORKSPACE:-$PWD}

for flag in strict commit install; do
    is_bool "${!flag}" || die "the input $flag is '${!flag}': use true or false"
done
[ -z "$shard" ] || [[ $shard =~ ^[1-9][0-9]*/[1-9][0-9]*$ ]] || die "the input shard is '$shard': use I/N, such as 1/4"
[[ $max_annotations =~ ^[0-9]+$ ]] || die "the input max-annotations is '$max_annotations': use a number"

commands=()
while IFS= read -r item; do
    item=$(echo "$item" | tr -s ' \t' ' ' | sed 's/^ //; s/ $//')
    case $item in
        '') ;;
        verify | 'fix --check' | regen | 'regen --stale') commands+=("$item") ;;
        *) die "unknown command '$item' in the input commands: use verify, fix --check, regen or regen --stale" ;;
    esac
done < <(printf '%s\n' "${INPUT_COMMANDS:-verify, fix --check}" | tr ',' '\n')
[ ${#commands[@]} -gt 0 ] || die "the input commands names no command: use verify, fix --check, regen or regen --stale"
if is_true "$commit" && ! printf '%s\n' "${commands[@]}" | grep -q '^regen'; then
    die "the input commit is true, but the commands have no regen: commit saves what regen writes"
fi

cd "$workspace" || die "the workspace $workspace is not a folder"
[ -d "$archive" ] || die "the archive folder '$archive' does not exist in $workspace"

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/sharemark-action.XXXXXX") || die "cannot make a temporary folder"
trap 'rm -rf "$work"' EXIT
# sharemark appends its Markdown to the summary file only when the file exists.
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    mkdir -p "$(dirname "$GITHUB_STEP_SUMMARY")" && : >>"$GITHUB_STEP_SUMMARY" \
        || die "cannot write the job summary $GITHUB_STEP_SUMMARY"
fi

# --- install ------------------------------------------------------------------------------------
sudo=()
apt_get() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

# fetch URL FILE: file://, or http(s) with curl or wget (curl installed with apt-get if neither is).
fetch() {
    local url=$1 out=$2
    case $url in
        file://*)
            cp -- "${url#file://}" "$out" 2>"$work/fetch.err" || return 1
            return 0 ;;
    esac
    if ! command -v curl >/dev/null && ! command -v wget >/dev/null; then
        apt_get install -y -qq --no-install-recommends curl ca-certificates >/dev/null 2>&1 \
            || { apt_get update -qq >/dev/null 2>&1 && apt_get install -y -qq --no-install-recommends curl ca-certificates >/dev/null 2>&1; } \
            || die "cannot download the sharemark package: this runner has neither curl nor wget, and apt-get could not install curl"
    fi
    if command -v curl >/dev/null; then
        curl -fsSL --retry 3 --retry-connrefused -o "$out" "$url" 2>"$work/fetch.err"
    else
        wget -q -O "$out" "$url" 2>"$work/fetch.err"
    fi
}
fetch_or_die() {
    fetch "$1" "$2" && return 0
    local why
    why=$(grep -v '^\s*$' "$work/fetch.err" 2>/dev/null | tail -n 1)
    die "cannot download $1${why:+: $why}"
}

# The base URL of the release's assets and the version wanted ("" for the newest listed).
resolve_release() {
    version=${INPUT_VERSION:-}
    version=${version#v}
    local repository=${INPUT_REPOSITORY:-} ref=""
    # The action's own repository and tag, from where the runner put it:
    # .../_actions/OWNER/NAME/REF/Assets/ci/action (github.action_repository and
    # github.action_ref are empty inside a composite action).
    local path=${GITHUB_ACTION_PATH:-}
    path=${path%/}
    path=${path%/Assets/ci/action}
    if [[ $path =~ /_actions/([^/]+)/([^/]+)/([^/]+)$ ]]; then
        [ -n "$repository" ] || repository=${BASH_REMATCH[1]}/${BASH_REMATCH[2]}
        ref=${BASH_REMATCH[3]}
    fi
    if [ -z "$version" ] && [[ $ref =~ ^v([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then version=${BASH_REMATCH[1]}; fi
    [ "$version" != latest ] || version=""
    [ -z "$version" ] || [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
        || die "the input version is '${INPUT_VERSION:-}': use a release's version, such as 0.1.0, or latest"
    if [ -n "${INPUT_RELEASE_URL:-}" ]; then
        release_url=${INPUT_RELEASE_URL%/}
        return
    fi
    [ -n "$repository" ] || die "cannot tell which repository's releases hold the sharemark package: set the input repository (OWNER/NAME) or release-url"
    local server=${GITHUB_SERVER_URL:-https://github.com}
    if [ -n "$version" ]; then
        release_url="$server/$repository/releases/download/v$version"
    else
        release_url="$server/$repository/releases/latest/download"
    fi
}

install_sharemark() {
    if ! is_true "$install"; then
        command -v sharemark >/dev/null || die "the input install is false, and there is no sharemark on the PATH"
        say "using $(command -v sharemark) (install: false)"
        return
    fi
    local os=${RUNNER_OS:-$(uname -s)}
    [ "$os" = Linux ] || die "cannot install sharemark on a $os runner: its package is for Debian 12 or Ubuntu 22.04 and later (runs-on: ubuntu-latest, or container: debian:bookworm)"
    command -v apt-get >/dev/null && command -v dpkg >/dev/null \
        || die "cannot install sharemark on this runner: it has no apt-get; the package is for Debian 12 or Ubuntu 22.04 and later (elsewhere, build sharemark from source and set install: false)"
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null && sudo -n true 2>/dev/null \
            || die "cannot install sharemark on this runner: apt-get needs root, and the job runs as $(id -un) without sudo"
        sudo=(sudo)
    fi
    local arch
    arch=$(dpkg --print-architecture)
    resolve_release

    # The release's SHA256SUMS names the package: the line of this architecture (and version).
    local download="$work/download"
    mkdir -p "$download" && chmod 755 "$download"
    fetch_or_die "$release_url/SHA256SUMS" "$download/SHA256SUMS"
    local pattern names line deb deb_version
    local version_re='[0-9]+\.[0-9]+\.[0-9]+'
    [ -z "$version" ] || version_re=${version//./\\.}
    pattern="^sharemark_${version_re}-[0-9A-Za-z.+~]+_${arch}\\.deb\$"
    names=$(awk '{ f = $2; sub(/^\*/, "", f); print f }' "$download/SHA256SUMS" | grep -E "$pattern" | sort -V)
    if [ -z "$names" ]; then
        local listed
        listed=$(awk '{ f = $2; sub(/^\*/, "", f); if (f ~ /\.deb$/) print f }' "$download/SHA256SUMS" | tr '\n' ' ')
        die "the release's SHA256SUMS ($release_url) lists no sharemark package${version:+ of version $version} for $arch${listed:+ (it lists: ${listed% })}"
    fi
    deb=$(tail -n 1 <<<"$names")
    line=$(awk -v f="$deb" '$2 == f || $2 == "*" f' "$download/SHA256SUMS" | head -n 1)
    deb_version=${deb#sharemark_}
    deb_version=${deb_version%_"$arch".deb}

    if [ "$(dpkg-query -W -f='${Status} ${Version}' sharemark 2>/dev/null)" = "install ok installed $deb_version" ]; then
        say "sharemark $deb_version is installed already"
    else
        fetch_or_die "$release_url/$deb" "$download/$deb"
        chmod 644 "$download/$deb"
        (cd "$download" && printf '%s\n' "$line" | sha256sum -c --status --strict -) \
            || die "$deb from $release_url does not match its checksum in SHA256SUMS: not installed"
        if [ -n "${INPUT_SHA256:-}" ]; then
            local sum
            sum=$(sha256sum "$download/$deb" | cut -d ' ' -f 1)
            [ "$sum" = "${INPUT_SHA256,,}" ] || die "$deb has the SHA-256 $sum, not the input sha256 ${INPUT_SHA256}: not installed"
        fi
        say "$deb: checksum verified (SHA256SUMS${INPUT_SHA256:+ and the input sha256})"
        echo "::group::apt-get install $deb"
        local status=0
        apt_get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "$download/$deb" >"$work/apt.log" 2>&1 || status=$?
        if [ $status -ne 0 ]; then
            # Package lists that are missing or out of date are the usual cause: update, try again.
            apt_get update -q >>"$work/apt.log" 2>&1 || true
            status=0
            apt_get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "$download/$deb" >>"$work/apt.log" 2>&1 || status=$?
        fi
        cat "$work/apt.log"
        echo "::endgroup::"
        if [ $status -ne 0 ]; then
            local why system
            why=$(grep -E 'Depends:|^E: ' "$work/apt.log" | head -n 1 | sed 's/^ *//')
            system=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
            die "apt-get cannot install $deb on ${system:-this runner}${why:+: $why}"
        fi
    fi
    command -v sharemark >/dev/null || die "$deb is installed, but there is no sharemark on the PATH"
}

install_sharemark
installed_version=$(sharemark --version 2>/dev/null | head -n 1) || die "sharemark --version failed"
say "sharemark $installed_version"
set_output version "$installed_version"

# --- the commands -------------------------------------------------------------------------------
shard_args=()
[ -z "$shard" ] || shard_args=(--shard "$shard")

# A file of the archive as GitHub names it: relative to the repository root (as sharemark's
# annotations are).
repository_path() {
    local base=$archive
    while [[ $base == */ && ${#base} -gt 1 ]]; do base=${base%/}; done
    base=${base#./}
    if [ "$base" = . ] || [ -z "$base" ]; then printf '%s' "$1"; else printf '%s/%s' "$base" "$1"; fi
}

failed=0
verify_repair=""
fix_repair=""

run_verify() {
    local args=(verify --format github --max-annotations "$max_annotations" "${shard_args[@]}")
    is_true "$strict" && args+=(--strict)
    args+=("$archive")
    echo "\$ sharemark ${args[*]}"
    sharemark "${args[@]}" | tee "$work/verify.out"
    local status=${PIPESTATUS[0]} line
    # The last line: "sharemark verify: P pages, E errors, W warnings[; repair: COMMAND]".
    line=$(grep -E '^sharemark verify: [0-9]+ pages, ' "$work/verify.out" | tail -n 1)
    if [[ $line =~ ^sharemark\ verify:\ ([0-9]+)\ pages,\ ([0-9]+)\ errors,\ ([0-9]+)\ warnings(\;\ repair:\ (.*))?$ ]]; then
        set_output pages "${BASH_REMATCH[1]}"
        set_output errors "${BASH_REMATCH[2]}"
        set_output warnings "${BASH_REMATCH[3]}"
        verify_repair=${BASH_REMATCH[5]}
    elif [ "$status" -ne 0 ]; then
        echo "::error title=sharemark verify::$(escape_data "sharemark verify exited $status before it could check the archive")"
    fi
    [ "$status" -eq 0 ] || failed=1
}

run_fix_check() {
    local args=(fix --check --format github --max-annotations "$max_annotations" "${shard_args[@]}" "$archive")
    echo "\$ sharemark ${args[*]}"
    sharemark "${args[@]}" | tee "$work/fix.out"
    local status=${PIPESTATUS[0]} line
    # The last line: "sharemark fix --check: N files would change[; repair: COMMAND]".
    line=$(grep -E '^sharemark fix --check: [0-9]+ files would change' "$work/fix.out" | tail -n 1)
    if [[ $line =~ ^sharemark\ fix\ --check:\ ([0-9]+)\ files\ would\ change(\;\ repair:\ (.*))?$ ]]; then
        set_output would-change "${BASH_REMATCH[1]}"
        fix_repair=${BASH_REMATCH[3]}
    elif [ "$status" -ne 0 ]; then
        echo "::error title=sharemark fix::$(escape_data "sharemark fix --check exited $status before it could check the archive")"
    fi
    [ "$status" -eq 0 ] || failed=1
}

# A top-level number of regen's JSON summary (pretty-printed, one key a line).
json_number() { sed -n "s/^  \"$1\" : \\([0-9][0-9]*\\),\\{0,1\\}\$/\\1/p" "$2" | head -n 1; }
# JSON string escapes, undone for \/ \" and \\.
json_unescape() { local s=${1//\\\//\/}; s=${s//\\\"/\"}; printf '%s' "${s//\\\\/\\}"; }

run_regen() {
    local args=(regen --json "${shard_args[@]}")
    [ "$1" != stale ] || args+=(--stale)
    args+=("$archive")
    echo "\$ sharemark ${args[*]}"
    local status=0
    sharemark "${args[@]}" >"$work/regen.json" || status=$?
    local written failures
    written=$(json_number written "$work/regen.json")
    if [ -z "$written" ]; then
        echo "::error title=sharemark regen::$(escape_data "sharemark regen exited $status$( [ "$status" -ne 75 ] || echo ': another regen of the archive holds its lock')")"
        failed=1
        return
    fi
    # Each failure is an object with a page, maybe an asset, and a reason.
    awk '
        /^  "failures" : \[/ { inside = 1; next }
        inside && /^  \]/ { inside = 0 }
        inside && /^      "page" : "/ { page = $0; sub(/^      "page" : "/, "", page); sub(/",?$/, "", page) }
        inside && /^      "reason" : "/ { reason = $0; sub(/^      "reason" : "/, "", reason); sub(/",?$/, "", reason) }
        inside && /^    }/ { print page "\t" reason; page = ""; reason = "" }
    ' "$work/regen.json" >"$work/regen.failures"
    failures=$(wc -l <"$work/regen.failures")
    local reasons
    reasons=$(awk '
        /^  "writtenByReason" : \{/ { inside = 1; next }
        inside && /^  \}/ { inside = 0 }
        inside { gsub(/[",]/, ""); print $1 "\t" $3 }
    ' "$work/regen.json")
    echo "sharemark regen: $written PNGs written$( [ -z "$reasons" ] || echo " ($(awk -F '\t' '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }' <<<"$reasons"))"), $failures failed"
    local page reason
    while IFS=$'\t' read -r page reason; do
        page=$(json_unescape "$page")
        reason=$(json_unescape "$reason")
        echo "::error file=$(escape_property "$(repository_path "$page")"),title=sharemark regen::$(escape_data "$reason")"
    done <"$work/regen.failures"
    set_output written "$written"
    set_output failed "$failures"
    add_summary "### sharemark regen: $written PNGs written, $failures failed" ""
    if [ -n "$reasons" ]; then
        add_summary "| reason | PNGs |" "|---|---:|"
        local count
        while IFS=$'\t' read -r reason count; do add_summary "| \`$reason\` | $count |"; done <<<"$reasons"
        add_summary ""
    fi
    if [ "$failures" -gt 0 ]; then
        while IFS=$'\t' read -r page reason; do
            add_summary "- \`$(json_unescape "$page")\` $(json_unescape "$reason" | sed 's/|/\\|/g; s/</\&lt;/g')"
        done <"$work/regen.failures"
        add_summary ""
    fi
    [ "$status" -eq 0 ] || failed=1
    if is_true "$commit"; then commit_pngs; fi
}

# Commits the archive's new and changed PNGs on the checked-out branch and pushes the commit.
commit_pngs() {
    git_ws() { git -c safe.directory="$workspace" -C "$workspace" "$@"; }
    git_ws rev-parse --git-dir >/dev/null 2>&1 || die "the input commit is true, but $workspace is no git checkout"
    local branch
    branch=$(git_ws symbolic-ref --quiet --short HEAD) \
        || die "the input commit is true, but the checkout is on no branch (a pull request's checkout is not): commit regen's PNGs on push or on a schedule"
    local prefix
    prefix=$(repository_path "")
    local pathspec=":(glob)${prefix}**/*.png"
    git_ws add --all -- "$pathspec" || die "git add of the archive's PNGs failed"
    if git_ws diff --cached --quiet -- "$pathspec"; then
        say "no PNG changed: nothing to commit"
        add_summary "No PNG changed: nothing committed." ""
        return
    fi
    local count identity=()
    count=$(git_ws diff --cached --name-only -- "$pathspec" | wc -l)
    git_ws config user.email >/dev/null || identity+=(-c "user.email=41898282+github-actions[bot]@users.noreply.github.com")
    git_ws config user.name >/dev/null || identity+=(-c "user.name=github-actions[bot]")
    git_ws "${identity[@]}" commit -q -m "$commit_message" -- "$pathspec" || die "git commit of $count PNGs failed"
    local sha
    sha=$(git_ws rev-parse HEAD)
    git_ws push -q origin "HEAD:refs/heads/$branch" \
        || die "git push of the commit of $count PNGs to $branch failed (does the job have permissions: contents: write, and has $branch moved on?)"
    say "committed $count PNGs to $branch: $sha"
    set_output committed "$sha"
    add_summary "Committed $count PNGs to \`$branch\`: $sha" ""
}

for command in "${commands[@]}"; do
    case $command in
        verify) run_verify ;;
        'fix --check') run_fix_check ;;
        regen) run_regen missing ;;
        'regen --stale') run_regen stale ;;
    esac
done
set_output repair "${verify_repair:-$fix_repair}"
exit $failed
