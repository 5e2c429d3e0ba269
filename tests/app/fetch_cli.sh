#!/bin/sh
# nt_flash --url as a user runs it, against loopback http and https servers
# (tests/httpd.py): progress lines and exit codes of the README's "Progress lines" and "Exit codes",
# one-line errors, --cacert, and no file left behind.
# Needs main.c to wire --url to fetch_url; skips without python3 or openssl.
set -u
: "${NT_FLASH:?}" "${top_srcdir:?}"
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP no python3"; exit 0; }
command -v openssl >/dev/null 2>&1 || { echo "1..0 # SKIP no openssl"; exit 0; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch_cli.XXXXXX") || exit 1
srv=$work/srv
client=$work/client
mkdir -p "$srv" "$client"
pids=
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail=0
bad() { echo "# FAIL: $*"; fail=1; }

"$top_builddir/tools/mkpkg" --kind plain --version 9.9.9 "$srv/ok.zip" >/dev/null || exit 1
sh "$top_srcdir/tests/fetch_certs.sh" "$srv" || exit 1

# start NAME [tls]: a server in the background, its port in $started_port.
# Not in $(...): the server stops when its parent process goes away.
start() {
  if [ $# -gt 1 ]; then set -- "$1" --cert "$srv/server.pem" --key "$srv/server.key"; fi
  name=$1; shift
  python3 "$top_srcdir/tests/httpd.py" --port-file "$srv/$name.port" --ok-file "$srv/ok.zip" \
    --lifetime 60 "$@" >/dev/null &
  pids="$pids $!"
  i=0
  while [ ! -s "$srv/$name.port" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
  started_port=$(cat "$srv/$name.port" 2>/dev/null)
  [ -n "$started_port" ] || { echo "cannot start the $name server"; exit 1; }
}
start http; port=$started_port
start https tls; sport=$started_port
base=http://127.0.0.1:$port
sbase=https://127.0.0.1:$sport

# run CODE ARGS...: run nt_flash in the client directory, check the exit code
# and that it left no file there; stdout in $out, stderr in $err.
run() {
  want=$1; shift
  out=$work/out; err=$work/err
  (cd "$client" && TMPDIR=$client "$NT_FLASH" "$@" >"$out" 2>"$err")
  got=$?
  [ "$got" -eq "$want" ] || { bad "nt_flash $* exited $got, not $want"; sed 's/^/  stderr: /' "$err"; }
  [ -z "$(ls -A "$client")" ] || bad "nt_flash $* left files: $(ls -A "$client")"
}
one_stderr_line() { # what
  [ "$(wc -l <"$err")" -eq 1 ] || bad "$1: stderr is not one line: $(cat "$err")"
}

# Success: 0% first, rising integers, 100% last, then the package lines.
run 0 --batch --dry-run --url "$base/ok.zip"
[ "$(head -n 1 "$out")" = "DOWNLOADING 0%" ] || bad "first line: $(head -n 1 "$out")"
grep '^DOWNLOADING' "$out" | sed 's/^DOWNLOADING \([0-9]*\)%$/\1/' | awk '
  NR > 1 && $1 <= prev { exit 1 } { prev = $1 } END { if (prev != 100) exit 1 }' ||
  bad "DOWNLOADING lines not rising to 100%: $(grep DOWNLOADING "$out" | tr '\n' ' ')"
grep -qx EXTRACTING "$out" || bad "no EXTRACTING line"
grep -qx 'PACKAGE_INFO 9.9.9' "$out" || bad "no PACKAGE_INFO 9.9.9 line"

# No Content-Length: still 0% first and 100% last.
run 0 --batch --dry-run --url "$base/nolength"
[ "$(grep '^DOWNLOADING' "$out" | head -n 1)" = "DOWNLOADING 0%" ] || bad "nolength: no 0%"
[ "$(grep '^DOWNLOADING' "$out" | tail -n 1)" = "DOWNLOADING 100%" ] || bad "nolength: no 100%"

run 3 --batch --dry-run --url "$base/404"
one_stderr_line 404
grep -q "$base/404" "$err" || bad "404: URL not named: $(cat "$err")"
grep -q 'HTTP 404' "$err" || bad "404: no 'HTTP 404': $(cat "$err")"
tail -n 1 "$out" | grep -q '^ERROR .*HTTP 404' || bad "404: last stdout line: $(tail -n 1 "$out")"

run 2 --batch --dry-run --url "$base/notzip"

run 3 --batch --dry-run --url "$sbase/ok.zip"
one_stderr_line "untrusted https"
grep -q 'not trusted' "$err" && grep -q -- '--cacert' "$err" || bad "untrusted: $(cat "$err")"

run 0 --batch --dry-run --cacert "$srv/ca.pem" --url "$sbase/ok.zip"
grep -qx 'PACKAGE_INFO 9.9.9' "$out" || bad "https with --cacert: no PACKAGE_INFO"

run 3 --batch --dry-run --url "$base/redirect/6"
grep -q 'too many redirects' "$err" || bad "redirects: $(cat "$err")"

NT_FLASH_LOW_SPEED_TIME=1; export NT_FLASH_LOW_SPEED_TIME  # test-only: a short stall window
run 3 --batch --dry-run --url "$base/stall"
unset NT_FLASH_LOW_SPEED_TIME
grep -q 'too slow' "$err" || bad "stall: $(cat "$err")"

# Not http(s): a usage error (exit 1), refused before any connection.
run 1 --batch --dry-run --url "ftp://127.0.0.1:$port/ok.zip"
grep -q 'ftp' "$err" || bad "ftp: $(cat "$err")"

if [ "$fail" = 0 ]; then echo "ok 1 - fetch_cli"; else echo "not ok 1 - fetch_cli"; fi
echo "1..1"
exit $fail
