#!/bin/sh
# tests/deb.sh: the Debian package, built, checked and used as an admin
# would. From a clean copy of the sources in _build/deb/ (never the source
# tree: dpkg-buildpackage builds in place), `dpkg-buildpackage -us -uc -b`
# builds nt-flash_VERSION_ARCH.deb, running `make check` as Debian builds
# do; lintian must report nothing but the note that an initial upload
# closes no bug (expected outside Debian); then, as root, `dpkg -i`
# installs it, the installed nt_flash runs (--version, a simulated flash)
# and the package is removed again.
#
# As root it installs what the build needs first (dpkg-dev, debhelper,
# lintian; the libraries come from the README's Quick start). The output
# is TAP, the plan last, then "N passed, N failed"; tests/run-all.sh folds
# the cases into its count. NT_SRCDIR names a clean source tree to copy
# (tests/run-all.sh passes its own copy).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
n=0
passed=0
failed=0
skipped=0
work=$top/_build/deb

# result OK|SKIP|FAIL NAME [DETAIL]: one TAP line.
result() {
    n=$((n + 1))
    case $1 in
    OK) echo "ok $n - deb: $2"; passed=$((passed + 1)) ;;
    SKIP) echo "ok $n - deb: $2 # SKIP ${3:-}"; skipped=$((skipped + 1)) ;;
    *)
        echo "not ok $n - deb: $2"
        [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
        failed=$((failed + 1))
        ;;
    esac
}
finish() {
    echo "1..$n"
    echo "# skipped: $skipped"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

tools="dpkg-dev debhelper lintian"
# shellcheck disable=SC2086
if ! dpkg -s $tools >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && [ "${NT_DEB_INSTALL:-yes}" != no ]; then
    mkdir -p "$top/_build"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $tools \
        >"$top/_build/deb-apt.log" 2>&1 ||
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $tools; } \
            >>"$top/_build/deb-apt.log" 2>&1
fi
command -v dpkg-buildpackage >/dev/null 2>&1 && command -v dh >/dev/null 2>&1 ||
    { result FAIL "dpkg-buildpackage and debhelper installed" "as root: apt-get install $tools"; finish; }

# --- build from a clean copy --------------------------------------------
rm -rf "$work" && mkdir -p "$work/src"
if [ -n "${NT_SRCDIR:-}" ]; then
    (cd "$NT_SRCDIR" && tar -cf - .) | tar -xf - -C "$work/src"
elif git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$top" ls-files -z --cached --others --exclude-standard |
        (cd "$top" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/src"
else
    (cd "$top" && tar --exclude=./_build -cf - .) | tar -xf - -C "$work/src"
    (cd "$work/src" && { [ ! -f Makefile ] || make distclean >/dev/null 2>&1; })
fi
start=$(date +%s)
if (cd "$work/src" && DEB_BUILD_OPTIONS="parallel=${JOBS:-2} ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
    result OK "dpkg-buildpackage -us -uc -b ($(($(date +%s) - start)) s)"
else
    result FAIL "dpkg-buildpackage -us -uc -b" "$(grep -E '^(FAIL|ERROR):' "$work/build.log" | head -20; tail -30 "$work/build.log")"
    finish
fi
deb=$(ls "$work"/nt-flash_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$work"/nt-flash_*.changes 2>/dev/null | head -n 1)
[ -n "$deb" ] || { result FAIL "the .deb was written" "$(ls "$work")"; finish; }

# The package holds the program, its man page, the udev rule, the AppStream
# metadata naming the USB devices, and the bash completion.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/contents"
missing=
for f in /usr/bin/nt_flash /usr/share/man/man1/nt_flash.1.gz /lib/udev/rules.d/60-nt-flash.rules \
    /usr/share/metainfo/nt_flash.metainfo.xml /usr/share/bash-completion/completions/nt_flash; do
    grep -qx "$f" "$work/contents" || missing="$missing $f"
done
if [ -z "$missing" ]; then
    result OK "the package holds the program, man page, udev rule, metainfo and completion"
else
    result FAIL "the package holds the program, man page, udev rule, metainfo and completion" "missing:$missing"
fi
if dpkg-deb -f "$deb" Recommends | grep -q ca-certificates; then
    result OK "Recommends: ca-certificates (https downloads)"
else
    result FAIL "Recommends: ca-certificates (https downloads)"
fi

# --- lintian: nothing but the initial-upload note ------------------------
if command -v lintian >/dev/null 2>&1; then
    lintian --suppress-tags initial-upload-closes-no-bugs "$changes" >"$work/lintian.out" 2>&1
    if grep -E '^[EW]: ' "$work/lintian.out" >"$work/lintian.bad"; [ -s "$work/lintian.bad" ]; then
        result FAIL "lintian: no errors or warnings" "$(cat "$work/lintian.bad")"
    else
        result OK "lintian: no errors or warnings"
    fi
else
    result FAIL "lintian: no errors or warnings" "lintian is not installed"
fi

# --- install it, use it, remove it ---------------------------------------
if [ "$(id -u)" != 0 ]; then
    result SKIP "dpkg -i" "not root"
    finish
fi
# (a copy of the package installed before stays installed afterwards)
was=$(dpkg-query -W -f='${Status}' nt-flash 2>/dev/null)
if dpkg -i "$deb" >"$work/install.log" 2>&1; then
    result OK "dpkg -i $(basename "$deb")"
else
    result FAIL "dpkg -i $(basename "$deb")" "$(tail -10 "$work/install.log")"
    finish
fi
version=$(dpkg-deb -f "$deb" Version)
out=$(/usr/bin/nt_flash --version 2>&1)
if [ "$out" = "nt_flash $version" ]; then
    result OK "installed nt_flash --version"
else
    result FAIL "installed nt_flash --version" "got '$out', wanted 'nt_flash $version'"
fi
pkg=$(ls "$work"/src/demo/*.zip 2>/dev/null | head -n 1)
if [ -n "$pkg" ]; then
    out=$(cd "$work" && /usr/bin/nt_flash --batch --simulate=speed=0 "$pkg" 2>&1)
    rc=$?
    if [ $rc = 0 ] && printf '%s\n' "$out" | grep -qx COMPLETE; then
        result OK "installed nt_flash: a simulated flash to COMPLETE"
    else
        result FAIL "installed nt_flash: a simulated flash to COMPLETE" "rc=$rc; $(printf '%s\n' "$out" | tail -3)"
    fi
else
    result FAIL "installed nt_flash: a simulated flash to COMPLETE" "no demo package in the build tree"
fi
if [ "$was" = "install ok installed" ]; then
    result SKIP "dpkg -r nt-flash" "it was installed before"
elif dpkg -r nt-flash >>"$work/install.log" 2>&1 && [ ! -e /usr/bin/nt_flash ]; then
    result OK "dpkg -r nt-flash"
else
    result FAIL "dpkg -r nt-flash" "$(tail -5 "$work/install.log")"
fi
finish
