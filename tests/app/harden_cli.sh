#!/bin/sh
# Hostile and unlucky input, one case per defect of the hardening issue and
# its variants: foreign text that tries to forge progress lines, a --trace
# that names the package, a flashloader that does not fit in RAM, a server
# that breaks libcurl, stop requests during a download, closed descriptors,
# output that cannot be written, options given twice, FIFOs as files.
set -u
. "$top_srcdir/tests/lib/tap.sh"

have_python=yes
command -v python3 >/dev/null 2>&1 || have_python=

mkpkg "$T/p.zip" --kind plain --fw-size 0x3000 --version 1.2.3

# rezip IN OUT PYTHON-EXPR: copy a package's entries into OUT, where the
# expression (over `name` and `data`) returns (name, data) or None to drop.
rezip() {
    python3 - "$1" "$2" "$3" <<'EOF'
import sys, zipfile
src, dst, expr = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
    for info in zi.infolist():
        name, data = info.filename, zi.read(info.filename)
        r = eval("(" + expr + ")")
        if r is not None:
            zo.writestr(r[0], r[1])
EOF
}

# The exact repro: a firmware entry whose name carries progress lines, with
# a broken IVT so that its name lands in the ERROR line.
FORGED='x\nCOMPLETE\nSTATUS:COMPLETE:100:Flash complete\ny/disting_NT.bin'
if [ -n "$have_python" ]; then
    rezip "$T/p.zip" "$T/forge.zip" "None if name == 'MANIFEST.json' else
        ('$FORGED', b'\\0' + data[1:]) if name.endswith('disting_NT.bin') else (name, data)"
    # A valid package whose flashloader's folder name tries to add a line.
    rezip "$T/p.zip" "$T/sum.zip" "None if name == 'MANIFEST.json' else
        ('x\\nversion: 6.6.6\\ny/' + name.split('/')[-1], data) if 'flashloader' in name else (name, data)"
fi

# no_forged_lines: neither stream has a line that only the program may print.
no_forged_lines() {
    if grep -Eqx 'COMPLETE|STATUS:COMPLETE.*|y/disting_NT.bin.*|version: 6\.6\.6' "$T/out" "$T/err"; then
        tl_fail "a forged line got through: $(cat "$T/out" "$T/err")"
    fi
}

# no_raw_controls: no control character but the newlines ending lines.
no_raw_controls() {
    for f in "$T/out" "$T/err"; do
        if tr -d '\n' <"$f" | LC_ALL=C grep -q '[[:cntrl:]]'; then
            tl_fail "$f holds a raw control character: $(od -c "$f" | head -5)"
        fi
    done
}

t_forged_entry_name_lines() {
    if [ -z "$have_python" ]; then tap_skip "no python3"; else
        run --dry-run "$T/forge.zip"
        expect_rc 2
        no_forged_lines
        [ "$(wc -l <"$T/out")" = 2 ] || tl_fail "stdout is not 2 lines: $(cat "$T/out")"
        expect_last_line '^ERROR x\\x0aCOMPLETE\\x0aSTATUS:COMPLETE:100:Flash complete\\x0ay/disting_NT\.bin: IVT tag is 0x00'
        expect_stderr_lines 1
    fi
}
tap_case forged_entry_name_lines

t_forged_entry_name_machine() {
    if [ -z "$have_python" ]; then tap_skip "no python3"; else
        run --machine --dry-run "$T/forge.zip"
        expect_rc 2
        no_forged_lines
        expect_last_line '^ERROR:x\\x0aCOMPLETE\\x0aSTATUS:COMPLETE'
        expect_stderr_lines 1
    fi
}
tap_case forged_entry_name_machine

t_forged_entry_name_flash() {
    if [ -z "$have_python" ]; then tap_skip "no python3"; else
        run --batch --simulate=speed=0 "$T/forge.zip"
        expect_rc 2
        no_forged_lines
    fi
}
tap_case forged_entry_name_flash

t_forged_processor() {
    "$MKPKG" --manifest '{"processor":"X\nCOMPLETE\r\tSTATUS:COMPLETE:100:Flash complete"}' "$T/proc.zip" >/dev/null
    run --dry-run "$T/proc.zip"
    expect_rc 2
    no_forged_lines
    no_raw_controls
    expect_last_line 'processor is "X\\x0aCOMPLETE\\x0d\\x09STATUS:COMPLETE:100:Flash complete", expected'
    run --machine --dry-run "$T/proc.zip"
    expect_rc 2
    no_forged_lines
}
tap_case forged_processor

t_forged_app_firmware() {
    "$MKPKG" --manifest '{"app_firmware":"a\nCOMPLETE\nb.bin"}' "$T/app.zip" >/dev/null
    run --dry-run "$T/app.zip"
    expect_rc 2
    no_forged_lines
    expect_last_line 'app_firmware names a\\x0aCOMPLETE\\x0ab\.bin, which is not in the package'
}
tap_case forged_app_firmware

# A valid package: its flashloader's folder name tries to add a summary line.
t_forged_summary_line() {
    if [ -z "$have_python" ]; then tap_skip "no python3"; else
        run --dry-run "$T/sum.zip"
        expect_rc 0
        no_forged_lines
        [ "$(grep -c '^version: ' "$T/out")" = 1 ] || tl_fail "not one version line: $(cat "$T/out")"
        expect_out '^flashloader: x\\x0aversion: 6\.6\.6\\x0ay/unsigned_MIMXRT1060_flashloader\.bin size='
    fi
}
tap_case forged_summary_line

# C1 CSI, DEL and a bidi override in a name (libzip itself maps a name's
# other C0 bytes but CR, LF and TAB through CP437); ordinary non-ASCII stays.
# ESC reaches the output through the manifest.
t_other_control_characters() {
    if [ -z "$have_python" ]; then tap_skip "no python3"; else
        rezip "$T/p.zip" "$T/ctl.zip" "None if name == 'MANIFEST.json' else
            ('\\x9b1m\\x7f\\u202e\\u00e9/disting_NT.bin', b'\\0' + data[1:]) if name.endswith('disting_NT.bin') else (name, data)"
        run --dry-run "$T/ctl.zip"
        expect_rc 2
        no_raw_controls
        expect_last_line '^ERROR \\xc2\\x9b1m\\x7f\\xe2\\x80\\xae.{1,2}/disting_NT\.bin: IVT tag'
        grep -q "$(printf '\303\251')/disting_NT" "$T/out" || tl_fail "the e-acute was not kept"
    fi
    "$MKPKG" --manifest '{"processor":"\u001b[2J\u009b\u2028"}' "$T/esc.zip" >/dev/null
    run --machine --dry-run "$T/esc.zip"
    expect_rc 2
    no_raw_controls
    expect_last_line '^ERROR:MANIFEST.json: processor is "\\x1b\[2J\\xc2\\x9b\\xe2\\x80\\xa8", expected'
}
tap_case other_control_characters

# Every line on stdout and stderr is one write(2) of exactly one line, also
# when a name tried to add lines and with -v detail interleaved.
t_one_write_per_line() {
    command -v strace >/dev/null 2>&1 || { tap_skip "no strace"; return; }
    [ -n "$have_python" ] || { tap_skip "no python3"; return; }
    for args in "--dry-run $T/forge.zip" "--machine --dry-run $T/forge.zip" \
        "-v --batch --simulate=speed=0 $T/p.zip" "--dry-run $T/sum.zip"; do
        # shellcheck disable=SC2086
        # One file per thread (-ff): the session runs on a thread of its
        # own, and a write interleaved with another thread's would be split.
        rm -f "$T"/strace.*
        strace -ff -s 8192 -e trace=write -o "$T/strace" "$NT_FLASH" $args >/dev/null 2>&1 </dev/null
        cat "$T"/strace.* >"$T/strace" 2>/dev/null
        grep -Eq '^write\([12], ' "$T/strace" || { tap_skip "strace cannot trace here"; return; }
        # The string argument must end in \n and hold no other newline.
        bad=$(grep -E '^write\([12], ' "$T/strace" |
            sed -E 's/^write\([12], "(.*)", [0-9]+\) += [0-9]+$/\1/' |
            sed 's/\\\\//g' | grep -Ev '^[^\\]*(\\[^n][^\\]*)*\\n$' | head -3)
        [ -z "$bad" ] || tl_fail "$args: writes that are not one whole line: $bad"
    done
}
tap_case one_write_per_line

# --- servers ----------------------------------------------------------------
srv_pid=
start_server() {
    [ -n "$have_python" ] || return 1
    [ -n "$srv_pid" ] && return 0
    python3 "$top_srcdir/tests/httpd.py" --port-file "$T/port" --ok-file "$T/p.zip" --files "$T" \
        --lifetime 120 --stall 30 >/dev/null 2>&1 &
    srv_pid=$!
    i=0
    while [ ! -s "$T/port" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$T/port" ] || return 1
    base=http://127.0.0.1:$(cat "$T/port")
}
stop_server() { [ -z "$srv_pid" ] || { kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; }; }
trap stop_server EXIT

t_forged_entry_name_url() {
    if ! start_server; then tap_skip "no python3 server"; else
        run --batch --dry-run --url "$base/files/forge.zip"
        expect_rc 2
        no_forged_lines
        run --machine --dry-run --url "$base/files/forge.zip"
        expect_rc 2
        no_forged_lines
    fi
}
tap_case forged_entry_name_url

t_oversized_header_is_a_download_error() {
    if ! start_server; then tap_skip "no python3 server"; else
        run --batch --dry-run --url "$base/bigheader"
        expect_rc 3
        expect_err "cannot download $base/bigheader: the server's response could not be handled"
        expect_stderr_lines 1
        run --machine --simulate=speed=0 --url "$base/bigheader"
        expect_rc 3
        expect_last_line '^ERROR:cannot download .*server'
    fi
}
tap_case oversized_header_is_a_download_error

# run_stopped SIGNAL ARGS...: start nt_flash, send SIGNAL once it is
# downloading (the server stalls), and wait for it.
run_stopped() {
    sig=$1; shift
    "$NT_FLASH" "$@" >"$T/out" 2>"$T/err" </dev/null &
    pid=$!
    i=0
    while ! grep -q 'DOWNLOAD' "$T/out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    sleep 0.3
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
}

t_interrupted_download() {
    if ! start_server; then tap_skip "no python3 server"; else
        run_stopped INT --batch --dry-run --url "$base/stall"
        expect_rc 3
        expect_err "download interrupted \($base/stall\); nothing was flashed"
        run_stopped TERM --batch --simulate=speed=0 --url "$base/stall"
        expect_rc 3
        expect_last_line '^ERROR download interrupted'
        run_stopped INT --machine --simulate=speed=0 --url "$base/stall"
        expect_rc 3
        expect_last_line '^ERROR:download interrupted'
    fi
}
tap_case interrupted_download

# The release list comes from a web page: its text is escaped field by
# field in --releases (the tabs between fields are the format's).
t_release_list_text() {
    if ! start_server; then tap_skip "no python3 server"; return; fi
    mkdir -p "$T/cache"
    {
        printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Firmware</title></head><body>\n'
        printf '<table>\n<tr><th>Version</th><th>Date</th><th>File</th><th>Changes</th></tr>\n'
        printf '<tr><td>1.19.0</td><td>2025-01-02</td><td><a href="p.zip">download</a></td>'
        printf '<td><ul><li>fix &#155;31m red &#8238;rtl</li></ul></td></tr>\n'
        printf '</table></body></html>\n'
    } >"$T/rel.html"
    XDG_CACHE_HOME=$T/cache run --releases -v --refresh --release-page "$base/files/rel.html"
    expect_rc 0
    if tr -d '\n\t' <"$T/out" | LC_ALL=C grep -q '[[:cntrl:]]'; then
        tl_fail "a raw control character: $(od -c "$T/out" | head -5)"
    fi
    # (libxml2 itself drops the C0 controls a page writes as &#27; or &#7;)
    expect_out "$(printf '^1\\.19\\.0\t2025-01-02\tfix \\\\xc2\\\\x9b31m red \\\\xe2\\\\x80\\\\xaertl$')"
}
tap_case release_list_text

# --- --trace ------------------------------------------------------------------
t_trace_never_overwrites_the_package() {
    cp "$T/p.zip" "$T/keep.zip"
    run --batch --simulate=speed=0 --trace "$T/keep.zip" "$T/keep.zip"
    expect_rc 1
    expect_err "the trace file '$T/keep.zip' is the package itself"
    cmp -s "$T/p.zip" "$T/keep.zip" || tl_fail "the package was changed"
    run --dry-run --trace "$T/keep.zip" "$T/keep.zip"
    expect_rc 1
    cmp -s "$T/p.zip" "$T/keep.zip" || tl_fail "the package was changed by --dry-run"
}
tap_case trace_never_overwrites_the_package

t_trace_through_links() {
    cp "$T/p.zip" "$T/keep2.zip"
    ln -sf "$T/keep2.zip" "$T/sym.log"
    ln -f "$T/keep2.zip" "$T/hard.log"
    run --batch --simulate=speed=0 --trace "$T/sym.log" "$T/keep2.zip"
    expect_rc 1
    expect_err 'is the package itself'
    run --batch --simulate=speed=0 --trace "$T/hard.log" "$T/keep2.zip"
    expect_rc 1
    (cd "$T" && "$NT_FLASH" --batch --simulate=speed=0 --trace ./sym.log keep2.zip >/dev/null 2>&1)
    [ $? = 1 ] || tl_fail "a relative symlink to the package was accepted"
    cmp -s "$T/p.zip" "$T/keep2.zip" || tl_fail "the package was changed"
}
tap_case trace_through_links

t_trace_created_only_when_a_device_is_talked_to() {
    rm -f "$T/new.log"
    mkpkg "$T/bad.zip" --kind fw-tag
    run --batch --simulate=speed=0 --trace "$T/new.log" "$T/bad.zip"
    expect_rc 2
    [ ! -e "$T/new.log" ] || tl_fail "a bad package created the trace"
    run --batch --simulate=speed=0,start=none -t 0 --trace "$T/new.log" "$T/p.zip"
    expect_rc 4
    [ ! -e "$T/new.log" ] || tl_fail "a run that found no module created the trace"
    echo "old trace" >"$T/old.log"
    run --batch --simulate=speed=0 --trace "$T/old.log" "$T/bad.zip"
    expect_rc 2
    [ "$(cat "$T/old.log")" = "old trace" ] || tl_fail "an existing trace was changed by a run that wrote none"
    run --batch --simulate=speed=0 --trace "$T/old.log" "$T/p.zip"
    expect_rc 0
    grep -q 'old trace' "$T/old.log" && tl_fail "the old trace was not replaced"
    grep -Eq '^[0-9]+\.[0-9]{3} (OUT|IN) sdp ' "$T/old.log" || tl_fail "no trace lines: $(head -3 "$T/old.log")"
}
tap_case trace_created_only_when_a_device_is_talked_to

t_not_a_regular_file() {
    mkfifo "$T/fifo"
    for opt in --trace --cacert; do
        timeout 20 "$NT_FLASH" --batch --simulate=speed=0 "$opt" "$T/fifo" "$T/p.zip" >"$T/out" 2>"$T/err" </dev/null
        rc=$?
        expect_rc 1
        expect_err "'$T/fifo' is not a regular file"
    done
    run --batch --simulate=speed=0 --trace /dev/null "$T/p.zip"
    expect_rc 1
    run --batch --simulate=speed=0 --trace "$T" "$T/p.zip"
    expect_rc 1
    run --batch --dry-run --cacert "$T" --url http://127.0.0.1:9/p.zip
    expect_rc 1
    expect_err 'is not a regular file'
}
tap_case not_a_regular_file

# --- descriptors and write errors ---------------------------------------------
t_closed_stdout_and_stderr() {
    rm -f "$T/t1.log" "$T/t2.log"
    "$NT_FLASH" --batch --simulate=speed=0 --trace "$T/t1.log" "$T/p.zip" >&- 2>/dev/null </dev/null
    rc=$?
    expect_rc 0
    grep -q 'EXTRACTING\|COMPLETE' "$T/t1.log" && tl_fail "stdout went into the trace"
    "$NT_FLASH" -v --batch --simulate=speed=0 --trace "$T/t2.log" "$T/p.zip" 2>&- >/dev/null </dev/null
    rc=$?
    expect_rc 0
    grep -q 'nt_flash' "$T/t2.log" && tl_fail "stderr went into the trace"
    grep -Evq '^[0-9]+\.[0-9]{3} (OUT|IN) ' "$T/t1.log" "$T/t2.log" && tl_fail "the traces hold other lines"
}
tap_case closed_stdout_and_stderr

t_write_errors() {
    if [ ! -w /dev/full ]; then tap_skip "no /dev/full"; else
        for args in --version --help "--dry-run $T/p.zip" "--machine --dry-run $T/p.zip" \
            "--batch --simulate=speed=0 $T/p.zip"; do
            # shellcheck disable=SC2086
            "$NT_FLASH" $args >/dev/full 2>"$T/err" </dev/null
            rc=$?
            [ "$rc" = 1 ] || tl_fail "$args >/dev/full: exit $rc"
            expect_err 'cannot write the output'
        done
        run --batch --simulate=speed=0 --trace /dev/full "$T/p.zip"
        expect_rc 1
    fi
    run --batch --simulate=speed=0,dump=/nonexistent/d.bin "$T/p.zip"
    expect_rc 1
    expect_err "cannot create the dump file '/nonexistent/d.bin'"
    run --batch --simulate=speed=0,stats=/nonexistent/s.json "$T/p.zip"
    expect_rc 1
    expect_err "cannot write the stats file '/nonexistent/s.json'"
    # A trace that fills up: the file size limit makes its writes fail.
    rm -f "$T/big.log"
    (trap '' XFSZ; ulimit -f 8; exec "$NT_FLASH" --batch --simulate=speed=0 --trace "$T/big.log" "$T/p.zip" \
        >"$T/out" 2>"$T/err" </dev/null)
    rc=$?
    expect_rc 1
    expect_err "cannot write the trace file '$T/big.log': it is incomplete"
    expect_out '^COMPLETE$'
}
tap_case write_errors

# --- options --------------------------------------------------------------------
t_value_option_given_twice() {
    run --batch --simulate=fault=unplug@write --simulate=speed=0 "$T/p.zip"
    expect_rc 1
    expect_err "option '--simulate' given twice"
    [ -s "$T/out" ] && tl_fail "something ran: $(cat "$T/out")"
    run --batch --simulate --simulate=speed=0 "$T/p.zip"
    expect_rc 1
    for o in "--url=http://a/b.zip --url=http://a/c.zip" "-t 1 --timeout=2 $T/p.zip" \
        "--trace a.log --trace b.log $T/p.zip" \
        "--cacert a.pem --cacert=b.pem --url=http://a/b.zip"; do
        # shellcheck disable=SC2086
        run $o
        expect_rc 1
        expect_err "given twice: give it once"
    done
}
tap_case value_option_given_twice

# --- a flashloader that does not fit: refused before any device ----------------
t_flashloader_past_ram_touches_nothing() {
    for k in fl-past-dtcm fl-past-ocram fl-entry-even; do
        mkpkg "$T/$k.zip" --kind "$k"
        run --dry-run "$T/$k.zip"
        expect_rc 2
        run --batch --simulate=speed=0,stats="$T/$k.json" "$T/$k.zip"
        expect_rc 2
        expect_no_out 'WAITING_BOOTLOADER'
        grep -q '"reports_out":[[:space:]]*0' "$T/$k.json" || tl_fail "$k: reports were sent: $(cat "$T/$k.json")"
    done
}
tap_case flashloader_past_ram_touches_nothing

finish
