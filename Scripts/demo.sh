#!/usr/bin/env bash
# The main job on the bundled demo archive: install what is needed, build, then on a copy of
# Assets/demo-archive (the committed one stays as it is) bring the index up to date, write the
# missing QR assets, and verify every share footer.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
swift build -c release
bin=.build/release/sharemark
demo=out/demo-archive
rm -rf "$demo" && mkdir -p out && cp -R Assets/demo-archive "$demo"

echo "== sharemark index $demo"
"$bin" index "$demo"
echo "== sharemark regen $demo"
"$bin" regen "$demo"
echo "== sharemark verify $demo"
# The demo keeps pages written under the repository's old name: those are warnings, not errors.
"$bin" verify "$demo"
echo "== sharemark lookup n10000056 $demo"
"$bin" lookup n10000056 "$demo"
