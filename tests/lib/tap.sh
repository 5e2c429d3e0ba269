# The shell test vocabulary, for tests that run nt_flash as a user would:
# cases that print TAP for automake's TAP driver ("ok 3 - name", "not ok 4 -
# name", "ok 5 - name # SKIP why", the plan "1..N" last), a scratch
# directory in the build tree, package generation, and running the binary
# with its stdout, stderr and exit code captured.
#
# A case is either a function t_NAME run by `tap_case NAME`, or the lines
# between `begin NAME` and `end`. NT_TEST_ONLY=name[,name...] runs only
# those cases: tap_case does not call the others, and begin/end report only
# the selected ones.
: "${NT_FLASH:?run through make check}"
: "${top_builddir:?run through make check}"
: "${TMPDIR:?run through make check}"

MKPKG="$top_builddir/tools/mkpkg"
T=$(mktemp -d "$TMPDIR/$(basename "$0" .sh).XXXXXX")
tl_cases=0
tl_failed=0
tl_case=
tl_case_ok=1
tl_skip=

# tap_selected NAME: NT_TEST_ONLY is unset or names NAME.
tap_selected() {
    [ -z "${NT_TEST_ONLY:-}" ] && return 0
    case ",$NT_TEST_ONLY," in *",$1,"*) return 0 ;; esac
    return 1
}

# tl_fail MESSAGE: the current case fails; the message goes to the log.
tl_fail() {
    echo "# $tl_case: $*"
    tl_case_ok=0
}

# tap_skip REASON: the current case is skipped (report it at end).
tap_skip() { tl_skip=$1; }

# begin NAME ... end: a case written inline.
begin() {
    tl_case=$1
    tl_case_ok=1
    tl_skip=
}
end() {
    tap_selected "$tl_case" || return 0
    tl_cases=$((tl_cases + 1))
    if [ "$tl_case_ok" != 1 ]; then
        echo "not ok $tl_cases - $tl_case"
        tl_failed=$((tl_failed + 1))
    elif [ -n "$tl_skip" ]; then
        echo "ok $tl_cases - $tl_case # SKIP $tl_skip"
    else
        echo "ok $tl_cases - $tl_case"
    fi
    return 0
}

# tap_case NAME: run the function t_NAME as one case.
tap_case() {
    tap_selected "$1" || return 0
    begin "$1"
    "t_$1"
    end
}

# tap_check NAME COMMAND...: one case from a command's success.
tap_check() {
    n_=$1; shift
    begin "$n_"
    "$@" || tl_fail "failed: $*"
    end
}

# tap_skip_all REASON: nothing here can run; one TAP line says why.
tap_skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

# finish: the plan; exit 1 when a case failed.
finish() {
    echo "1..$tl_cases"
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
