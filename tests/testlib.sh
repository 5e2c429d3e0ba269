# Shared helpers for the shell tests that run nt_flash as a user would:
# a scratch directory in the build tree, package generation, running the
# binary with its stdout, stderr and exit code captured, and assertions that
# count cases and print "ok"/"FAIL" lines.
: "${NT_FLASH:?run through make check}"
: "${top_builddir:?run through make check}"
: "${TMPDIR:?run through make check}"

MKPKG="$top_builddir/tools/mkpkg"
T=$(mktemp -d "$TMPDIR/$(basename "$0" .sh).XXXXXX")
tl_cases=0
tl_failed=0

tl_fail() {
    echo "FAIL - $tl_case: $*"
    tl_failed=$((tl_failed + 1))
    tl_case_ok=0
}

# begin NAME: start a case
begin() {
    tl_case=$1
    tl_case_ok=1
    tl_cases=$((tl_cases + 1))
}

# end: report the case
end() {
    [ "$tl_case_ok" = 1 ] && echo "ok - $tl_case"
    return 0
}

finish() {
    echo "$tl_cases cases, $tl_failed failed"
    [ "$tl_failed" = 0 ] && rm -rf "$T"
    [ "$tl_failed" = 0 ]
    exit $?
}

# mkpkg OUT [mkpkg options...]: a synthetic package
mkpkg() {
    out=$1; shift
    "$MKPKG" "$@" "$out" >/dev/null || { echo "mkpkg $* failed" >&2; exit 99; }
}

# run ARGS...: run nt_flash with stdin closed; sets $rc, files $T/out, $T/err
run() {
    "$NT_FLASH" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
}

expect_rc() {
    [ "$rc" = "$1" ] || tl_fail "exit code $rc, expected $1 (stderr: $(head -c 400 "$T/err"))"
}

# expect_last_line PATTERN: the last stdout line matches a grep -E pattern
expect_last_line() {
    last=$(tail -n 1 "$T/out")
    printf '%s\n' "$last" | grep -Eq -- "$1" || tl_fail "last line '$last' does not match '$1'"
}

# expect_out PATTERN / expect_err PATTERN: some line matches
expect_out() { grep -Eq -- "$1" "$T/out" || tl_fail "stdout has no line matching '$1'"; }
expect_err() { grep -Eq -- "$1" "$T/err" || tl_fail "stderr has no line matching '$1'"; }
expect_no_out() { ! grep -Eq -- "$1" "$T/out" || tl_fail "stdout has a line matching '$1'"; }

# expect_stderr_lines N: stderr has exactly N lines
expect_stderr_lines() {
    n=$(wc -l <"$T/err")
    [ "$n" = "$1" ] || tl_fail "stderr has $n lines, expected $1: $(cat "$T/err")"
}
