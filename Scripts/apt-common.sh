# shellcheck shell=bash
# Debian package helpers shared by the scripts that install what they need (sourced, not run).
# The sourcing script sets `label` (its name, for the lines printed) and, for
# purge_tools_installed_since, defines `ok` and `fail`.

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

# Installs the Debian packages named that are not installed yet (as Scripts/bootstrap.sh does).
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    echo "${label:?}: installed ${missing[*]}"
}

# Every installed package, one name:arch a line, sorted.
installed_packages() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}:${Architecture}\n' | awk '$1 == "ii" { print $2 }' | LC_ALL=C sort; }

# Purges the packages installed since the list in file $1 was taken (the tools a test pulled in),
# unless KEEP_TOOLS=1, and checks that the machine's packages are those of $1 again.
purge_tools_installed_since() {
    local before=$1 tools
    tools=$(installed_packages | LC_ALL=C comm -13 "$before" -)
    if [ -n "$tools" ] && [ "${KEEP_TOOLS:-0}" != 1 ]; then
        # shellcheck disable=SC2086  # one word per package
        $sudo apt-get purge -y -qq $tools >/dev/null
        echo "$label: purged the tools it installed: $(tr '\n' ' ' <<<"$tools")"
    fi
    if [ "${KEEP_TOOLS:-0}" != 1 ]; then
        diff <(installed_packages) "$before" >&2 || fail "the installed packages differ from before the test"
        ok "installed packages are those before the test"
    fi
}
