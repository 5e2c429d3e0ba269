# The shell test vocabulary, for tests that run nt_flash as a user would:
# cases that print TAP for automake's TAP driver ("ok 3 - name", "not ok 4 -
# name", "ok 5 - name # SKIP why", the plan "1..N" last), a scratch
# directory in the build tree, package generation, and running the binary
# with its stdout, stderr and exit code captured. doc/testing.md tells how
# to run one case by name.
#
# A case is a function, run by name:
#
#   t_list_none() { run --list; expect_rc 0; ...; }
#   tap_case list_none                  # runs t_list_none as the case list_none
#   tap_case fault_unplug fault unplug  # runs `fault unplug` as the case fault_unplug
#
# NT_TEST_ONLY=name[,name...] runs only those cases: tap_case does not call
# the others at all (setup outside the cases still runs). In a case,
# tl_fail marks it failed, tap_skip REASON marks it skipped, and
# `check DESC COMMAND...` reports one TAP line "NAME: DESC" of its own from
# COMMAND's success; a case made of checks prints no line of its own unless
# something outside its checks failed or it was skipped.
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
tl_checks=0

# tap_selected NAME: NT_TEST_ONLY is unset or names NAME.
tap_selected() {
    [ -z "${NT_TEST_ONLY:-}" ] && return 0
    case ",$NT_TEST_ONLY," in *",$1,"*) return 0 ;; esac
    return 1
}

# tl_fail MESSAGE: the current case fails; the message goes to the log.
tl_fail() {
    echo "# ${tl_case:-$(basename "$0")}: $*"
    tl_case_ok=0
}

# tap_skip REASON: the current case is skipped (said at its end); the case
# returns after calling it.
tap_skip() { tl_skip=$1; }

# tl_line STATUS NAME [DIRECTIVE]: one TAP line, counted.
tl_line() {
    tl_cases=$((tl_cases + 1))
    [ "$1" = ok ] || tl_failed=$((tl_failed + 1))
    echo "$1 $tl_cases - $2${3:+ # $3}"
}

# begin NAME / end: the start and the report of the case tap_case runs.
begin() {
    tl_case=$1
    tl_case_ok=1
    tl_skip=
    tl_checks=0
}
end() {
    # (an inline begin/end pair still ran its lines: at least keep it out of
    # a report that did not ask for it)
    tap_selected "$tl_case" || { tl_case=; return 0; }
    if [ "$tl_case_ok" != 1 ]; then
        tl_line "not ok" "$tl_case"
    elif [ -n "$tl_skip" ]; then
        tl_line ok "$tl_case" "SKIP $tl_skip"
    elif [ "$tl_checks" = 0 ]; then
        tl_line ok "$tl_case"
    fi
    tl_case=
    return 0
}

# tap_case NAME [COMMAND ARGS...]: run COMMAND ARGS (by default the
# function t_NAME) as the case NAME, if NT_TEST_ONLY selects it.
tap_case() {
    tap_selected "$1" || return 0
    begin "$1"
    if [ $# -gt 1 ]; then
        shift
        "$@"
    else
        "t_$1"
    fi
    end
}

# check DESC COMMAND...: in a case, one TAP line "CASE: DESC" from COMMAND's
# success (its output goes to the log); outside a case, a case of its own.
check() {
    d_=$1
    shift
    if [ -z "$tl_case" ]; then
        tap_case "$d_" check_cmd_ "$@"
        return 0
    fi
    tl_checks=$((tl_checks + 1))
    if "$@"; then
        tl_line ok "$tl_case: $d_"
    else
        echo "# $tl_case: $d_: failed: $*"
        tl_line "not ok" "$tl_case: $d_"
    fi
}
check_cmd_() { "$@" || tl_fail "failed: $*"; }

# tap_skip_all REASON: nothing here can run; one TAP line says why.
tap_skip_all() {
    echo "1..0 # SKIP $1"
    rm -rf "$T"
    exit 0
}

# finish: the plan; exit 1 when a case failed. The scratch directory stays
# for a look when one did.
finish() {
    if [ "$tl_cases" = 0 ] && [ -n "${NT_TEST_ONLY:-}" ]; then
        echo "1..0 # SKIP NT_TEST_ONLY=$NT_TEST_ONLY names no case here"
    else
        echo "1..$tl_cases"
    fi
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
