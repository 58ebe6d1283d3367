#!/usr/bin/env bash
# Builds the Debian package: .build-release/deb/sharemark_VERSION_ARCH.deb (path printed last).
#
#   Scripts/package.sh
#
# A release build with the Swift standard library and Foundation linked statically, so the
# binary runs with no Swift toolchain (checked with ldd); Depends from dpkg-shlibdeps. Contents:
#   /usr/bin/sharemark
#   /usr/share/man/man1/sharemark.1.gz               (swift-argument-parser's generate-manual,
#                                                     a section per subcommand)
#   /usr/share/bash-completion/completions/sharemark
#   /usr/share/zsh/vendor-completions/_sharemark
#   /usr/share/fish/vendor_completions.d/sharemark.fish
#   /lib/systemd/system/sharemark-serve@.service      (Assets/debian/)
#   /usr/share/doc/sharemark/{README.md,copyright,changelog.Debian.gz}
#   /usr/share/doc/sharemark/examples/{sharemark-serve.conf,nginx/sharemark.conf}
#                                                     (Assets/debian/, Assets/deploy/nginx/)
# Installs what it needs (the build libraries through Scripts/bootstrap.sh; dpkg-dev, lintian, groff)
# with apt-get, as root with no terminal. Then runs lintian: any error fails the build.
#
# lintian warnings left, and why (lintian 2.116, Debian 12):
#   - initial-upload-closes-no-bugs: the changelog's first entry closes no Debian bug; the
#     package is not uploaded to Debian, so there is no ITP bug to close.
# Fixed here rather than left: bash-completion-with-hashbang (the #! line is dropped) and
# groff-message "Empty input line" (generate-manual's blank lines become .Pp).
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-release
out="$scratch/deb"

label=package
# shellcheck source=Scripts/apt-common.sh
. Scripts/apt-common.sh

Scripts/bootstrap.sh
apt_install dpkg-dev lintian binutils file groff-base

# --- the binary ------------------------------------------------------------------------------
echo "package: release build (static Swift standard library)"
# A build description left by a build with other flags (a release build without
# --static-swift-stdlib in the same folder) can be reused as it is, linking the standard
# library dynamically: remove it so that this build's flags take effect (the ldd check below
# catches it otherwise).
rm -f "$scratch/release.yaml"
swift build -c release --static-swift-stdlib --product sharemark --scratch-path "$scratch"
bin_dir=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
version=$("$bin_dir/sharemark" --version | head -n 1)
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "package: unexpected version '$version'" >&2; exit 1; }
deb_version="$version-1"
arch=$(dpkg --print-architecture)
# Dates in the package come from the last commit, so that the same commit gives the same files.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
install -d -m 755 "$root/usr/bin"
install -m 755 "$bin_dir/sharemark" "$root/usr/bin/sharemark"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/sharemark"

# No Swift toolchain needed: nothing from /opt/swift (or any libswift*/libFoundation*) is loaded.
deps=$(env -u LD_LIBRARY_PATH ldd "$root/usr/bin/sharemark")
if grep -Eq '/opt/swift|libswift|libFoundation|libdispatch|libBlocksRuntime|not found' <<<"$deps"; then
    echo "package: the binary needs the Swift toolchain or a missing library:" >&2
    echo "$deps" >&2
    exit 1
fi
env -i PATH=/usr/bin:/bin "$root/usr/bin/sharemark" --version >/dev/null

# --- manual page and completions --------------------------------------------------------------
# swift-argument-parser's generate-manual plugin: one page with every subcommand's options. It
# builds all products first, with its own build parameters; in .build-release those differ
# from the static build above and would compile everything again, so it runs on the debug
# build in .build (the one Scripts/test.sh has made already); the help text is the same.
echo "package: manual page (swift package plugin generate-manual)"
manual_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
manual_out=".build/plugins/GenerateManual/outputs/sharemark"
rm -rf "$manual_out"
swift package plugin generate-manual --configuration debug \
    --date "$manual_date" --authors "Sharemark maintainers" >/dev/null
install -d -m 755 "$root/usr/share/man/man1"
page="$root/usr/share/man/man1/sharemark.1"
# generate-manual keeps the blank lines between paragraphs of a command's discussion, which
# groff warns about in mdoc: each becomes a paragraph break (.Pp).
# It also lists the subcommands as items of the DESCRIPTION's list (.It Em NAME, each with its
# abstract, discussion and its own list of arguments and options); the plugin has no option
# for anything else but one page per subcommand (--multi-page). The awk makes each subcommand
# a section of its own, `.Sh "sharemark NAME"`: it closes DESCRIPTION's list (the tool's own
# options) before the first subcommand, turns each subcommand item of that list into a
# section heading, and drops the list's closing .El. Nested lists are counted, not touched.
sed 's/^$/.Pp/' "$manual_out/sharemark.1" | awk '
    /^\.Bl / { depth++; print; next }
    /^\.El$/ { depth--; if (depth == 0 && subcommands) next; print; next }
    /^\.Sh / { section = $0 }
    section == ".Sh DESCRIPTION" && depth == 1 && /^\.It Em / {
        if (!subcommands) print ".El"
        subcommands++
        print ".Sh \"sharemark " substr($0, 8) "\""
        next
    }
    { print }' >"$page"
sections=$(grep -c '^\.Sh "sharemark ' "$page" || true)
[ "$sections" -ge 2 ] || { echo "package: the manual page has $sections subcommand sections: has generate-manual's layout changed?" >&2; exit 1; }
groff_warnings=$(groff -mandoc -Tutf8 -ww -z "$page" 2>&1)
[ -z "$groff_warnings" ] || { echo "package: groff warns about the manual page:" >&2; echo "$groff_warnings" >&2; exit 1; }
echo "package: manual page with $sections subcommand sections"
chmod 644 "$page"
gzip -9n "$page"

install -d -m 755 "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
# bash-completion sources the file: no #! line (lintian: bash-completion-with-hashbang).
"$root/usr/bin/sharemark" --generate-completion-script bash | sed '1{/^#!/d}' \
    >"$root/usr/share/bash-completion/completions/sharemark"
"$root/usr/bin/sharemark" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_sharemark"
"$root/usr/bin/sharemark" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/sharemark.fish"
chmod 644 "$root"/usr/share/bash-completion/completions/sharemark "$root"/usr/share/zsh/vendor-completions/_sharemark \
    "$root"/usr/share/fish/vendor_completions.d/sharemark.fish

# --- service unit and documentation -----------------------------------------------------------
install -d -m 755 "$root/lib/systemd/system"
install -m 644 Assets/debian/sharemark-serve@.service "$root/lib/systemd/system/sharemark-serve@.service"

doc="$root/usr/share/doc/sharemark"
install -d -m 755 "$doc/examples"
install -m 644 README.md "$doc/README.md"
install -m 644 Assets/debian/copyright "$doc/copyright"
install -m 644 Assets/debian/sharemark-serve.conf "$doc/examples/sharemark-serve.conf"
install -d -m 755 "$doc/examples/nginx"
install -m 644 Assets/deploy/nginx/sharemark.conf "$doc/examples/nginx/sharemark.conf"
sed -e "s/@VERSION@/$deb_version/g" -e "s/@UPSTREAM@/$version/g" \
    -e "s/@DATE@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/g" Assets/debian/changelog >"$doc/changelog.Debian"
gzip -9n "$doc/changelog.Debian"
chmod 644 "$doc/changelog.Debian.gz"

# --- control file: Depends from dpkg-shlibdeps -------------------------------------------------
# dpkg-shlibdeps wants to run in a source tree: a debian/control stub in a folder of its own.
mkdir -p "$stage/src/debian"
printf 'Source: sharemark\n\nPackage: sharemark\nArchitecture: any\n' >"$stage/src/debian/control"
depends=$(cd "$stage/src" && dpkg-shlibdeps -O "$root/usr/bin/sharemark" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
installed_size=$(du -sk --apparent-size "$root" | cut -f1)
install -d -m 755 "$root/DEBIAN"
sed -e "s/@VERSION@/$deb_version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    -e "s/@DEPENDS@/$depends/" Assets/debian/control >"$root/DEBIAN/control"
chmod 644 "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 755 {} +

mkdir -p "$out"
deb="$out/sharemark_${deb_version}_${arch}.deb"
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "package: Depends: $depends"

# --- lintian: errors fail the build; warnings are listed at the top of this file ---------------
echo "package: lintian"
lintian --fail-on error --suppress-tags-from-file /dev/null "$deb" || {
    echo "package: lintian found errors" >&2
    exit 1
}
realpath "$deb"
