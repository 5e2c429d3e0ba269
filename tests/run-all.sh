#!/bin/sh
# The whole test suite, as CI runs it: a -Werror gcc build with `make check`,
# the same tests under ASan+UBSan, a -Werror clang build, `make distcheck`,
# and a short libFuzzer run of each fuzz target; in CI (or when asked, see
# below) also the arm64 cross build under qemu and the Debian package. Every
# step builds out of tree under _build/ from a clean copy of the sources
# (_build/src), so it works after the Quick start's in-tree `./configure &&
# make`, on its own, and when run again. The last line is "N passed, N
# failed", counting test cases (each TAP case of each `make check` and of
# those scripts) plus one case for each build-only step.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${JOBS:-2}
mkdir -p _build
summary=_build/summary.txt
: >"$summary"

# The sources to build: the files git knows (tracked, or new and not
# ignored) in a checkout; the tree itself in a release tarball.
src=$top/_build/src
rm -rf "$src"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    # (a tracked file deleted in the work tree is skipped: --ignore-failed-read)
    git -C "$top" ls-files -z --cached --others --exclude-standard |
        (cd "$top" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$src"
else
    (cd "$top" && tar --exclude=./_build -cf - .) | tar -xf - -C "$src"
    (cd "$src" && { [ ! -f Makefile ] || make distclean >/dev/null 2>&1; })
fi
(cd "$src" && autoreconf -fi >/dev/null 2>&1) || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }

# step NAME TARGET CONFIGURE-ARGS... : configure and build in _build/NAME, then make TARGET
step() {
    name=$1; target=$2; shift 2
    dir=_build/$name
    rm -rf "$dir"; mkdir -p "$dir"
    echo "=== $name: configure $* && make $target"
    if (cd "$dir" && "$src/configure" -q "$@" >configure.out 2>&1 && make -j"$jobs" >build.out 2>&1 \
            && make -j"$jobs" $target); then
        echo "=== $name: ok"
    else
        echo "=== $name: FAILED"
        [ -f "$dir/configure.out" ] && tail -20 "$dir/configure.out"
        [ -f "$dir/build.out" ] && tail -40 "$dir/build.out"
        echo "$name FAILED" >>"$summary"
    fi
    # Count the cases this step ran: one :test-result: line per TAP case.
    find "$dir" -name '*.trs' | sort | while read -r f; do
        sed -n 's/^:test-result: \([A-Z]*\).*/\1/p' "$f" | while read -r r; do
            echo "$name $(basename "$f" .trs) $r" >>"$summary"
        done
    done
}

step gcc check --enable-werror
step sanitizers check --enable-sanitizers CC=gcc
if command -v clang >/dev/null 2>&1; then
    step clang all --enable-werror CC=clang
    grep -q '^clang FAILED' "$summary" || echo "clang build PASS" >>"$summary"
fi
step dist distcheck
grep -q '^dist FAILED' "$summary" || echo "dist distcheck PASS" >>"$summary"

# Short libFuzzer runs, one case per target (fuzz/fuzz.am; `make fuzz` runs
# longer), skipped with the reason when clang or its libFuzzer is missing.
fuzz_targets="pkg pkgzip mboot sdp spec cli header releases sysex"
fuzz_seconds=${FUZZ_SECONDS:-25}
fuzz_skip=
if ! command -v clang >/dev/null 2>&1; then
    fuzz_skip="no clang"
else
    mkdir -p _build/fuzz-probe
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >_build/fuzz-probe/probe.c
    clang -fsanitize=fuzzer _build/fuzz-probe/probe.c -o _build/fuzz-probe/probe >/dev/null 2>&1 ||
        fuzz_skip="clang cannot link libFuzzer (install libclang-rt-14-dev)"
    rm -rf _build/fuzz-probe
fi
if [ -n "$fuzz_skip" ]; then
    echo "=== fuzz: SKIPPED: $fuzz_skip"
    for t in $fuzz_targets; do echo "fuzz fuzz_$t SKIP" >>"$summary"; done
else
    dir=_build/fuzz
    rm -rf "$dir"; mkdir -p "$dir"
    echo "=== fuzz: configure CC=clang --enable-fuzzing, $fuzz_seconds s per target"
    if (cd "$dir" && "$src/configure" -q CC=clang --enable-fuzzing >configure.out 2>&1 &&
            make -j"$jobs" $(for t in $fuzz_targets; do printf 'fuzz/fuzz_%s ' "$t"; done) >build.out 2>&1); then
        for t in $fuzz_targets; do
            if (cd "$dir" && make fuzz FUZZ_TARGETS="$t" FUZZ_SECONDS="$fuzz_seconds" >"fuzz_$t.out" 2>&1); then
                echo "=== fuzz_$t: ok ($(grep -o 'Done [0-9]* runs' "$dir/fuzz_$t.out"))"
                echo "fuzz fuzz_$t PASS" >>"$summary"
            else
                echo "=== fuzz_$t: FAILED"
                tail -40 "$dir/fuzz_$t.out"
                echo "fuzz fuzz_$t FAIL" >>"$summary"
            fi
        done
    else
        echo "=== fuzz: build FAILED"
        tail -20 "$dir/configure.out" "$dir/build.out" 2>/dev/null
        echo "fuzz FAILED" >>"$summary"
    fi
fi

# tap_step NAME SCRIPT ARGS...: a script that prints TAP (tests/cross.sh,
# tests/deb.sh), its output kept in _build/NAME.out; each case counted.
tap_step() {
    name=$1; shift
    echo "=== $name: $*"
    NT_SRCDIR=$src sh "$@" >"_build/$name.out" 2>&1
    st=$?
    grep -E '^not ok |^# ' "_build/$name.out" | head -60
    sed -n -e 's/^ok [0-9]* - \(.*# SKIP.*\)/\1 SKIP/p' -e 's/^ok [0-9]* - \(.*\)/\1 PASS/p' \
        -e 's/^not ok [0-9]* - \(.*\)/\1 FAIL/p' "_build/$name.out" | sed "s/^/$name /" >>"$summary"
    if [ $st -ne 0 ] && ! grep -q '^not ok ' "_build/$name.out"; then
        tail -20 "_build/$name.out"
        echo "$name FAILED" >>"$summary"
    fi
    echo "=== $name: $(tail -n 1 "_build/$name.out")"
}

# The Raspberry Pi and the Debian package, in CI (CI=true) or when asked:
# NT_CROSS=1 cross-builds for arm64 and runs the unit tests and a smoke
# flash under qemu (tests/cross.sh; it installs the toolchain as root);
# NT_DEB=1 builds the .deb, runs lintian, installs it and runs it
# (tests/deb.sh). Together they add about 5 minutes on 2 cores.
if [ "${CI:-}" = true ] || [ "${NT_CROSS:-}" = 1 ]; then
    tap_step cross-arm64 tests/cross.sh arm64
fi
if [ "${CI:-}" = true ] || [ "${NT_DEB:-}" = 1 ]; then
    tap_step deb tests/deb.sh
fi

for d in gcc sanitizers; do
    if [ -f "_build/$d/test-suite.log" ] && grep -q '^FAIL\|^ERROR' "_build/$d/test-suite.log"; then
        echo "--- failures in $d:"
        grep -A30 -E '^(FAIL|ERROR):' "_build/$d/test-suite.log" | head -150
    fi
done
passed=$(grep -c ' PASS$' "$summary")
skipped=$(grep -c ' SKIP$' "$summary")
failed=$(grep -c -E ' (FAIL|ERROR|XPASS)$|FAILED$' "$summary")
echo "skipped test cases: $skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
