#!/bin/sh
# tests/cross.sh ARCH [--full]: nt_flash for the Raspberry Pi, proven on a
# PC. ARCH is arm64 (64-bit Raspberry Pi OS) or armhf (32-bit, ARMv7: Pi 2
# to 5 and Zero 2 W; Debian's armhf does not run on the ARMv6 Pi 1 or Zero).
#
# On Debian 12 (as root) it adds ARCH to dpkg's architectures and installs
# the cross compiler, the -dev:ARCH libraries and qemu-user-static; then it
# cross-builds from a clean copy of the sources in _build/cross-ARCH with
# --enable-werror, runs the C unit tests under qemu and a smoke flash of the
# cross-built nt_flash (--version, --dry-run, --list --simulate, --machine,
# a --batch flash to COMPLETE, also on the Pi's CPU model). --full runs the
# whole `make check` instead of the C unit tests (it needs binfmt_misc).
#
# The output is TAP, one line per case ("ok N - ..."), the plan last, then
# "N passed, N failed" (skipped cases counted apart, as tests/run-all.sh
# does); tests/run-all.sh folds the cases into its count.
# Exit status 0 when nothing failed.
#
# Notes:
# - apt-get upgrades some amd64 packages (about 40 on an older Debian 12
#   image: libc, systemd, ...) to the versions of the ARCH packages, which
#   must match; it removes nothing. Fine in CI; on your own machine it is
#   an ordinary upgrade.
# - The umockdev tests are left out: libumockdev-dev:ARCH cannot be
#   installed beside the amd64 one (configure finds no umockdev for ARCH).
#   README "Raspberry Pi" describes the occasional check in an ARCH chroot
#   that runs them.
# - Programs of ARCH run under qemu-user: registered with binfmt_misc by
#   this script when it can (root; no systemd needed), so tools/mkpkg and
#   the shell tests run them as they are; otherwise the C unit tests run
#   through LOG_COMPILER=qemu-ARCH-static and --full is not possible.
# - NT_CROSS_INSTALL=no skips the apt-get step; NT_SRCDIR names an already
#   autoreconf'ed clean source tree (tests/run-all.sh passes its copy).
set -u
arch=${1:-}
full=no
[ "${2:-}" = --full ] && full=yes
case $arch in
arm64) triplet=aarch64-linux-gnu qarch=aarch64 elf_machine=183 pi_cpu=cortex-a72 ;;
armhf) triplet=arm-linux-gnueabihf qarch=arm elf_machine=40 pi_cpu=cortex-a7 ;;
*)
    echo "usage: tests/cross.sh arm64|armhf [--full]" >&2
    exit 1
    ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${JOBS:-2}
qemu=qemu-$qarch-static
dir=$top/_build/cross-$arch
n=0
failed=0
passed=0
skipped=0

# case_result OK|SKIP|FAIL NAME [DETAIL]: one TAP line.
case_result() {
    n=$((n + 1))
    if [ "$1" = OK ]; then
        echo "ok $n - $arch: $2"
        passed=$((passed + 1))
    elif [ "$1" = SKIP ]; then
        echo "ok $n - $arch: $2 # SKIP"
        skipped=$((skipped + 1))
    else
        echo "not ok $n - $arch: $2"
        [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
        failed=$((failed + 1))
    fi
}
finish() {
    echo "1..$n"
    echo "# skipped: $skipped"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

# --- the toolchain, libraries and emulator ------------------------------
# The libraries are those configure requires (its "not found: install the
# Debian package X" messages, so a new dependency needs no second list).
devs=$(sed -n 's/.*not found: install the Debian package \([a-z0-9.+-]*\).*/\1/p' configure.ac | sort -u |
    sed "s/\$/:$arch/" | tr '\n' ' ')
[ -n "$devs" ] || devs="libusb-1.0-0-dev:$arch libzip-dev:$arch libcjson-dev:$arch libcurl4-openssl-dev:$arch
    libxml2-dev:$arch libncurses-dev:$arch"
pkgs="gcc-$triplet libc6-dev:$arch pkgconf:$arch $devs qemu-user-static"
# shellcheck disable=SC2086
if ! dpkg -s $pkgs >/dev/null 2>&1 && [ "${NT_CROSS_INSTALL:-yes}" != no ]; then
    echo "# installing the $arch cross toolchain and libraries"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        { dpkg --add-architecture "$arch" && apt-get update -q && \
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs; } \
            >"$top/_build/cross-$arch-apt.log" 2>&1 ||
            { tail -20 "$top/_build/cross-$arch-apt.log" | sed 's/^/# /'; }
    else
        echo "# not root: cannot install; as root: dpkg --add-architecture $arch && apt-get install" $pkgs
    fi
fi
command -v "$triplet-gcc" >/dev/null 2>&1 || { case_result FAIL "toolchain: $triplet-gcc not installed"; finish; }
command -v "$qemu" >/dev/null 2>&1 || { case_result FAIL "emulator: $qemu not installed"; finish; }

# binfmt_misc: the kernel hands programs of ARCH to qemu. Registered here
# from qemu-user-static's own entry (the F flag loads the emulator now,
# so it also works in a chroot) when this process may; CI has no systemd
# to do it at boot.
binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/qemu-$qarch" ] && [ "$(id -u)" = 0 ]; then
    [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null
    if [ -e "$binfmt/register" ] && [ -f "/usr/lib/binfmt.d/qemu-$qarch.conf" ]; then
        cat "/usr/lib/binfmt.d/qemu-$qarch.conf" >"$binfmt/register" 2>/dev/null
    fi
fi
[ -e "$binfmt/qemu-$qarch" ] && grep -qx enabled "$binfmt/qemu-$qarch" 2>/dev/null &&
    [ "$(cat "$binfmt/status" 2>/dev/null)" = enabled ] && have_binfmt=yes || have_binfmt=no
echo "# binfmt_misc for $qarch: $have_binfmt"

# --- a clean copy of the sources, then the cross build -------------------
src=${NT_SRCDIR:-}
if [ -z "$src" ]; then
    src=$top/_build/cross-src
    rm -rf "$src" && mkdir -p "$src"
    if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$top" ls-files -z --cached --others --exclude-standard |
            (cd "$top" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$src"
    else
        (cd "$top" && tar --exclude=./_build -cf - .) | tar -xf - -C "$src"
        (cd "$src" && { [ ! -f Makefile ] || make distclean >/dev/null 2>&1; })
    fi
    (cd "$src" && autoreconf -fi >/dev/null 2>&1) || { case_result FAIL "autoreconf"; finish; }
fi
rm -rf "$dir" && mkdir -p "$dir"
start=$(date +%s)
if (cd "$dir" && "$src/configure" -q --host="$triplet" --enable-werror >configure.out 2>&1 &&
    make -j"$jobs" >build.out 2>&1); then
    case_result OK "cross build --host=$triplet --enable-werror ($(($(date +%s) - start)) s)"
else
    case_result FAIL "cross build --host=$triplet --enable-werror" \
        "$(tail -5 "$dir/configure.out" 2>/dev/null; tail -30 "$dir/build.out" 2>/dev/null)"
    finish
fi
cd "$dir" || exit 1

# The binary is really one for ARCH (ELF e_machine, little-endian, at 18).
machine=$(od -An -tu2 -j18 -N2 nt_flash | tr -d ' ')
if [ "$machine" = "$elf_machine" ]; then
    case_result OK "nt_flash is an $arch ELF program"
else
    case_result FAIL "nt_flash is an $arch ELF program" "e_machine $machine, expected $elf_machine"
fi

# --- unit tests under qemu ----------------------------------------------
# The C tests (TESTS without an extension); with binfmt they run as they
# are, without it through LOG_COMPILER. --full: the whole suite.
ctests=$(printf 'print-tests:\n\t@echo $(TESTS)\n' | make -s -f Makefile -f - print-tests |
    tr ' ' '\n' | grep -v '\.sh$' | tr '\n' ' ')
start=$(date +%s)
if [ "$full" = yes ] && [ "$have_binfmt" = yes ]; then
    what="make check"
    make -j"$jobs" check >check.out 2>&1
elif [ "$have_binfmt" = yes ]; then
    what="the C unit tests"
    make -j"$jobs" check TESTS="$ctests" >check.out 2>&1
else
    what="the C unit tests (LOG_COMPILER=$qemu)"
    [ "$full" = yes ] && echo "# --full needs binfmt_misc: running the C unit tests only"
    make -j"$jobs" check TESTS="$ctests" LOG_COMPILER="$qemu" >check.out 2>&1
fi
echo "# $what under qemu: $(($(date +%s) - start)) s"
# One case per TAP result the driver logged (as tests/run-all.sh counts
# the .trs results), named by the test and its case.
for f in $(find . -name '*.trs' | sort); do
    sed -n 's/^\(PASS\|SKIP\|XFAIL\|FAIL\|XPASS\|ERROR\): \(.*\)/\1 \2/p' "${f%.trs}.log" |
        while read -r r desc; do
            case $r in
            PASS | XFAIL) echo "ok - $desc" ;;
            SKIP) echo "ok - $desc # SKIP" ;;
            *) echo "not ok - $desc" ;;
            esac
        done
done >unit.tap
[ -s unit.tap ] || echo "not ok - no unit test ran: $(tail -5 check.out)" >unit.tap
while read -r line; do
    case $line in
    "not ok - "*) case_result FAIL "${line#not ok - }" ;;
    "ok - "*" # SKIP") line=${line#ok - }; case_result SKIP "${line% \# SKIP}" ;;
    "ok - "*) case_result OK "${line#ok - }" ;;
    esac
done <unit.tap
[ -f test-suite.log ] && grep -q '^FAIL\|^ERROR' test-suite.log &&
    grep -A20 -E '^(FAIL|ERROR):' test-suite.log | head -60 | sed 's/^/# /'

# --- smoke flash: the cross-built program as a user runs it --------------
# Always through $qemu itself, so these cases need no binfmt_misc.
run() {
    "$qemu" ./nt_flash "$@" >smoke.out 2>smoke.err
    rc=$?
}
# smoke NAME TEST: a case from a shell test (in single quotes, evaluated
# after the run) on rc, smoke.out, smoke.err
# shellcheck disable=SC2016,SC2317
smoke() {
    name=$1
    shift
    if eval "$*"; then
        case_result OK "$name"
    else
        case_result FAIL "$name" "$(echo "rc=$rc"; tail -3 smoke.out; tail -3 smoke.err)"
    fi
}
rc=
pkg=$dir/smoke.zip
"$qemu" tools/mkpkg --kind plain --fw-size 1048576 --version 1.0.0-demo "$pkg" >/dev/null 2>smoke.err
rc=$?
smoke "tools/mkpkg writes a package" '[ $rc = 0 ] && [ -s "$pkg" ]'

run --version
smoke "--version" '[ $rc = 0 ] && grep -q "^nt_flash [0-9]" smoke.out'
run --dry-run "$pkg"
smoke "--dry-run" '[ $rc = 0 ] && grep -qx "version: 1.0.0-demo" smoke.out'
run --list --simulate=modules=2
smoke "--list --simulate" '[ $rc = 0 ] && grep -q "^sim-2 .*1fc9:0135  sdp" smoke.out'
run --machine --simulate=speed=0 "$pkg"
smoke "--machine flash" '[ $rc = 0 ] && grep -qx "STATUS:COMPLETE:100:Flash complete" smoke.out'
run --batch --simulate=speed=0,dump="$dir/flash.bin" "$pkg"
# The firmware is in the virtual module's flash at 0x60001000 (offset 4096).
fw_written() {
    unzip -p "$pkg" bootable_images/disting_NT.bin >fw.bin 2>/dev/null &&
        tail -c +4097 flash.bin | head -c "$(wc -c <fw.bin)" | cmp -s - fw.bin
}
smoke "--batch flash to COMPLETE" '[ $rc = 0 ] && grep -qx COMPLETE smoke.out && fw_written'
QEMU_CPU=$pi_cpu
export QEMU_CPU
run --batch --simulate=speed=0 "$pkg"
unset QEMU_CPU
smoke "--batch flash on the Pi's CPU ($pi_cpu)" '[ $rc = 0 ] && grep -qx COMPLETE smoke.out'
finish
