#!/bin/sh
# nt_flash --url as a user runs it, against loopback http and https servers
# (tests/httpd.py): progress lines and exit codes (README, "Progress lines"
# and "Exit codes"), one-line errors, --cacert, and no file left behind. One case per server
# scenario; the servers start once for all of them.
set -u
. "$top_srcdir/tests/lib/tap.sh"
command -v python3 >/dev/null 2>&1 || tap_skip_all "no python3 to run the test server (tests/httpd.py)"
command -v openssl >/dev/null 2>&1 || tap_skip_all "no openssl to make the test server's certificate"

srv=$T/srv
client=$T/client
mkdir -p "$srv" "$client"
pids=
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkpkg "$srv/ok.zip" --kind plain --version 9.9.9
sh "$top_srcdir/tests/fetch_certs.sh" "$srv" || exit 99

# start NAME [tls]: a server in the background, its port in $started_port.
# Not in $(...): the server stops when its parent process goes away.
start() {
    if [ $# -gt 1 ]; then set -- "$1" --cert "$srv/server.pem" --key "$srv/server.key"; fi
    name=$1
    shift
    python3 "$top_srcdir/tests/httpd.py" --port-file "$srv/$name.port" --ok-file "$srv/ok.zip" \
        --lifetime 60 "$@" >/dev/null &
    pids="$pids $!"
    i=0
    while [ ! -s "$srv/$name.port" ] && [ $i -lt 300 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    started_port=$(cat "$srv/$name.port" 2>/dev/null)
    [ -n "$started_port" ] || { echo "cannot start the $name server"; exit 99; }
}
start http
port=$started_port
start https tls
sport=$started_port
base=http://127.0.0.1:$port
sbase=https://127.0.0.1:$sport

# frun CODE ARGS...: run nt_flash in the client directory, check the exit
# code and that it left no file there; stdout in $out, stderr in $err.
out=$T/out
err=$T/err
frun() {
    want=$1
    shift
    (cd "$client" && TMPDIR=$client "$NT_FLASH" "$@" >"$out" 2>"$err" </dev/null)
    got=$?
    [ "$got" -eq "$want" ] || tl_fail "nt_flash $* exited $got, not $want; stderr: $(cat "$err")"
    [ -z "$(ls -A "$client")" ] || tl_fail "nt_flash $* left files: $(ls -A "$client")"
}
one_stderr_line() {
    [ "$(wc -l <"$err")" -eq 1 ] || tl_fail "stderr is not one line: $(cat "$err")"
}

# Success: 0% first, rising integers, 100% last, then the package lines.
t_download_progress_then_package() {
    frun 0 --batch --dry-run --url "$base/ok.zip"
    [ "$(head -n 1 "$out")" = "DOWNLOADING 0%" ] || tl_fail "first line: $(head -n 1 "$out")"
    grep '^DOWNLOADING' "$out" | sed 's/^DOWNLOADING \([0-9]*\)%$/\1/' | awk '
      NR > 1 && $1 <= prev { exit 1 } { prev = $1 } END { if (prev != 100) exit 1 }' ||
        tl_fail "DOWNLOADING lines not rising to 100%: $(grep DOWNLOADING "$out" | tr '\n' ' ')"
    grep -qx EXTRACTING "$out" || tl_fail "no EXTRACTING line"
    grep -qx 'PACKAGE_INFO 9.9.9' "$out" || tl_fail "no PACKAGE_INFO 9.9.9 line"
}
tap_case download_progress_then_package

# --sha256 pins the download: the right digest passes, another is exit 2.
t_sha256_pins_the_download() {
    sum=$(sha256sum "$srv/ok.zip" | cut -c1-64)
    frun 0 --batch --dry-run --sha256 "$sum" --url "$base/ok.zip"
    grep -qx 'PACKAGE_INFO 9.9.9' "$out" || tl_fail "no PACKAGE_INFO with the right digest"
    other=$(printf '%064d' 0)
    frun 2 --batch --dry-run --sha256 "$other" --url "$base/ok.zip"
    one_stderr_line
    grep -q "SHA-256 $sum is not the $other given with --sha256" "$err" || tl_fail "stderr: $(cat "$err")"
}
tap_case sha256_pins_the_download

# No Content-Length: still 0% first and 100% last.
t_no_content_length() {
    frun 0 --batch --dry-run --url "$base/nolength"
    [ "$(grep '^DOWNLOADING' "$out" | head -n 1)" = "DOWNLOADING 0%" ] || tl_fail "no 0%"
    [ "$(grep '^DOWNLOADING' "$out" | tail -n 1)" = "DOWNLOADING 100%" ] || tl_fail "no 100%"
}
tap_case no_content_length

t_http_404() {
    frun 3 --batch --dry-run --url "$base/404"
    one_stderr_line
    grep -q "$base/404" "$err" || tl_fail "URL not named: $(cat "$err")"
    grep -q 'HTTP 404' "$err" || tl_fail "no 'HTTP 404': $(cat "$err")"
    tail -n 1 "$out" | grep -q '^ERROR .*HTTP 404' || tl_fail "last stdout line: $(tail -n 1 "$out")"
}
tap_case http_404

t_download_not_a_zip() {
    frun 2 --batch --dry-run --url "$base/notzip"
}
tap_case download_not_a_zip

t_untrusted_https() {
    frun 3 --batch --dry-run --url "$sbase/ok.zip"
    one_stderr_line
    grep -q 'not trusted' "$err" && grep -q -- '--cacert' "$err" || tl_fail "stderr: $(cat "$err")"
}
tap_case untrusted_https

t_https_with_cacert() {
    frun 0 --batch --dry-run --cacert "$srv/ca.pem" --url "$sbase/ok.zip"
    grep -qx 'PACKAGE_INFO 9.9.9' "$out" || tl_fail "no PACKAGE_INFO"
}
tap_case https_with_cacert

t_too_many_redirects() {
    frun 3 --batch --dry-run --url "$base/redirect/6"
    grep -q 'too many redirects' "$err" || tl_fail "stderr: $(cat "$err")"
}
tap_case too_many_redirects

t_stalled_download() {
    NT_FLASH_LOW_SPEED_TIME=1  # test-only: a short stall window
    export NT_FLASH_LOW_SPEED_TIME
    frun 3 --batch --dry-run --url "$base/stall"
    unset NT_FLASH_LOW_SPEED_TIME
    grep -q 'too slow' "$err" || tl_fail "stderr: $(cat "$err")"
}
tap_case stalled_download

# Not http(s): a usage error (exit 1), refused before any connection.
t_ftp_refused() {
    frun 1 --batch --dry-run --url "ftp://127.0.0.1:$port/ok.zip"
    grep -q 'ftp' "$err" || tl_fail "stderr: $(cat "$err")"
}
tap_case ftp_refused

finish
