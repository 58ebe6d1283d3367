#!/usr/bin/env bash
# Installs what Sharemark needs to build and test on Debian: the C libraries it wraps and the
# independent oracles its tests compare against. Idempotent; works as root with no terminal.
set -euo pipefail

packages=(
  libqrencode-dev libpng-dev libsqlite3-dev libzbar-dev pkg-config  # build
  qrencode zbar-tools netpbm                                        # test oracles (netpbm: pngtopnm)
  git                                                               # the hostile-archive test's checkout
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet: update once before installing.
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "bootstrap: installed ${missing[*]}"
