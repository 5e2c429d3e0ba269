#!/bin/sh
# The whole test suite, as CI runs it: a -Werror gcc build with `make check`,
# the same tests under ASan+UBSan, a -Werror clang build, and `make distcheck`.
# Builds live under _build/; the last line is "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${JOBS:-2}
[ -x configure ] || autoreconf -fi || exit 1
mkdir -p _build
summary=_build/summary.txt
: > "$summary"

# step NAME CONFIGURE-ARGS... : configure and build in _build/NAME, then run TARGET
step() {
    name=$1; target=$2; shift 2
    dir=_build/$name
    rm -rf "$dir"; mkdir -p "$dir"
    echo "=== $name: configure $* && make $target"
    if (cd "$dir" && "$top/configure" -q "$@" >configure.out 2>&1 && make -j"$jobs" >build.out 2>&1 \
            && make -j"$jobs" $target); then
        echo "=== $name: ok"
    else
        echo "=== $name: FAILED"
        [ -f "$dir/configure.out" ] && tail -20 "$dir/configure.out"
        [ -f "$dir/build.out" ] && tail -40 "$dir/build.out"
        echo "$name FAILED" >> "$summary"
    fi
    # Count the tests this step ran, from automake's own results.
    if [ -f "$dir/test-suite.log" ]; then
        for f in $(find "$dir" -name '*.trs'); do
            r=$(sed -n 's/^:test-result: //p' "$f")
            echo "$name $(basename "$f" .trs) $r" >> "$summary"
        done
    fi
}

step gcc check --enable-werror
step sanitizers check --enable-sanitizers CC=gcc
CC_CLANG=$(command -v clang || true)
if [ -n "$CC_CLANG" ]; then
    step clang all --enable-werror CC=clang
    grep -q '^clang FAILED' "$summary" || echo "clang build PASS" >> "$summary"
fi
step dist distcheck
grep -q '^dist FAILED' "$summary" || echo "dist distcheck PASS" >> "$summary"

for d in gcc sanitizers; do
    if [ -f "_build/$d/test-suite.log" ] && grep -q '^FAIL\|^ERROR' "_build/$d/test-suite.log"; then
        echo "--- failures in $d:"; grep -A30 -E '^(FAIL|ERROR):' "_build/$d/test-suite.log" | head -150
    fi
done
passed=$(grep -c ' PASS$' "$summary")
skipped=$(grep -c ' SKIP$' "$summary")
failed=$(grep -c -E ' (FAIL|ERROR|XPASS)$|FAILED$' "$summary")
echo "skipped tests: $skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
