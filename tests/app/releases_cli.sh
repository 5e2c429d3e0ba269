#!/bin/sh
# Official firmware by name, as a user runs it against loopback servers
# (tests/httpd.py serving release pages and packages this test writes):
# --releases, --latest, a version number, --release-page, and the cache
# under $XDG_CACHE_HOME/nt_flash (doc/releases.md). Every run happens in an
# empty folder with HOME and TMPDIR pointing at empty folders, and each is
# checked to have written nothing outside the cache folder.
. "$top_srcdir/tests/lib/tap.sh"
command -v python3 >/dev/null 2>&1 || tap_skip_all "no python3"
command -v openssl >/dev/null 2>&1 || tap_skip_all "no openssl"

srv=$T/srv
files=$T/files
mkdir -p "$srv" "$files" "$T/cwd" "$T/home" "$T/tmp"
sh "$top_srcdir/tests/fetch_certs.sh" "$srv" || exit 99
mkpkg "$srv/ok.zip" --kind plain --version 9.9.9
for v in 1.18.0 1.19.0 1.13.0beta 1.20.0 1.21.0; do
    mkpkg "$files/distingNT_$v.zip" --kind plain --fw-size 8192 --version "$v"
done

pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# start NAME [tls]: a server for $files in the background; its pid in
# $started_pid and its port in $started_port.
start() {
    name=$1
    tls=
    [ $# -gt 1 ] && tls="--cert $srv/server.pem --key $srv/server.key"
    # shellcheck disable=SC2086
    python3 "$top_srcdir/tests/httpd.py" --port-file "$srv/$name.port" --ok-file "$srv/ok.zip" \
        --files "$files" --lifetime 300 $tls >/dev/null 2>&1 &
    started_pid=$!
    pids="$pids $started_pid"
    i=0
    while [ ! -s "$srv/$name.port" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
    started_port=$(cat "$srv/$name.port" 2>/dev/null)
    [ -n "$started_port" ] || { echo "cannot start the $name server"; exit 99; }
}
start http
base=http://127.0.0.1:$started_port
start https tls
sbase=https://127.0.0.1:$started_port

# row VERSION DATE HREF CHANGE...: one table row, the changes as a list.
row() {
    printf '<tr><td>%s</td><td>%s</td><td><a href="%s">download</a></td><td><ul>' "$1" "$2" "$3"
    shift 3
    for c in "$@"; do printf '<li>%s</li>' "$c"; done
    printf '</ul></td></tr>\n'
}
# page FILE ROWS: a release page around the rows on stdin.
page() {
    {
        printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Firmware</title></head><body>\n'
        printf '<h1>disting NT firmware</h1>\n<table>\n<tr><th>Version</th><th>Date</th><th>File</th><th>Changes</th></tr>\n'
        cat
        printf '</table></body></html>\n'
    } >"$files/$1"
}

# Oldest first, a beta, relative and absolute links.
{
    row 1.13.0beta 2/2/2026 "distingNT_1.13.0beta.zip" "Beta of the new thing"
    row 1.18.0 1/9/2026 "distingNT_1.18.0.zip" "Fixed the old thing"
    row 1.19.0 14/10/2026 "$base/files/distingNT_1.19.0.zip" "New algorithm: Foo" "Fixed bar"
} | page oldest.html
# Newest first, with an extra column.
{
    printf '<tr><td>1.19.0</td><td>extra</td><td>14/10/2026</td><td><a href="/files/distingNT_1.19.0.zip">z</a></td><td>Newest</td></tr>\n'
    printf '<tr><td>1.18.0</td><td>extra</td><td>1/9/2026</td><td><a href="distingNT_1.18.0.zip">z</a></td><td>Older</td></tr>\n'
} | page newest.html
printf '<html><body><p>No firmware today. <a href="distingNT_1.19.0.zip">zip</a></p></body></html>\n' \
    >"$files/notable.html"

# nt RC ARGS...: run nt_flash in the empty folder with the cache in $cache;
# check the exit code and that HOME, TMPDIR and the folder stay empty.
cache=$T/cache
nt() {
    want=$1; shift
    (cd "$T/cwd" && HOME=$T/home TMPDIR=$T/tmp XDG_CACHE_HOME=$cache "$NT_FLASH" "$@" \
        >"$T/out" 2>"$T/err" </dev/null)
    rc=$?
    expect_rc "$want"
    for d in "$T/cwd" "$T/home" "$T/tmp"; do
        [ -z "$(ls -A "$d")" ] || tl_fail "nt_flash $* wrote outside the cache: $d: $(ls -A "$d")"
    done
    ! find "$cache" -name '*tmp*' 2>/dev/null | grep -q . || tl_fail "temporary files left in the cache"
}
fresh_cache() { rm -rf "$cache"; cache=$T/cache$1; }
list_file() { ls "$cache"/nt_flash/releases-*.html 2>/dev/null | head -n 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

t_releases_oldest_first_page_listed_newest_first() {
    fresh_cache 1
    nt 0 --releases --release-page "$base/files/oldest.html"
    printf '1.19.0\t14/10/2026\tNew algorithm: Foo\n1.18.0\t1/9/2026\tFixed the old thing\n1.13.0beta\t2/2/2026\tBeta of the new thing\n' >"$T/want"
    cmp -s "$T/out" "$T/want" || tl_fail "stdout: $(cat "$T/out")"
    [ -s "$T/err" ] && tl_fail "stderr: $(cat "$T/err")"
}
tap_case releases_oldest_first_page_listed_newest_first

t_releases_verbose_lists_every_change() {
    fresh_cache 2
    nt 0 --releases -v --release-page "$base/files/oldest.html"
    printf '\tNew algorithm: Foo\n\tFixed bar\n' >"$T/want"
    sed -n 2,3p "$T/out" | cmp -s - "$T/want" || tl_fail "stdout: $(cat "$T/out")"
    [ "$(wc -l <"$T/out")" = 7 ] || tl_fail "not 7 lines: $(cat "$T/out")"
}
tap_case releases_verbose_lists_every_change

t_releases_newest_first_page_extra_column() {
    fresh_cache 3
    nt 0 --releases --release-page "$base/files/newest.html"
    printf '1.19.0\t14/10/2026\tNewest\n1.18.0\t1/9/2026\tOlder\n' >"$T/want"
    cmp -s "$T/out" "$T/want" || tl_fail "stdout: $(cat "$T/out")"
}
tap_case releases_newest_first_page_extra_column

t_latest_picks_the_highest_version() {
    fresh_cache 4
    nt 0 --batch --dry-run --latest -v --release-page "$base/files/oldest.html"
    expect_out '^PACKAGE_INFO 1\.19\.0$'
    expect_out '^DOWNLOADING 100%$'
    expect_err "firmware 1\.19\.0 \(14/10/2026\) from $base/files/distingNT_1\.19\.0\.zip"
}
tap_case latest_picks_the_highest_version

t_version_argument_relative_link() {
    fresh_cache 5
    nt 0 --batch --dry-run 1.18.0 --release-page "$base/files/oldest.html"
    expect_out '^PACKAGE_INFO 1\.18\.0$'
    nt 0 --batch --dry-run --firmware 1.13.0beta --release-page "$base/files/oldest.html"
    expect_out '^PACKAGE_INFO 1\.13\.0beta$'
}
tap_case version_argument_relative_link

t_latest_flashes_the_virtual_module() {
    fresh_cache 6
    nt 0 --batch --simulate=speed=0 --latest --release-page "$base/files/newest.html"
    expect_out '^PACKAGE_INFO 1\.19\.0$'
    expect_out '^COMPLETE$'
    expect_last_line '^RUNNING 1\.19\.0$'
}
tap_case latest_flashes_the_virtual_module

t_unknown_version_is_a_usage_error_naming_the_nearest() {
    fresh_cache 7
    nt 1 --batch --dry-run 1.18.5 --release-page "$base/files/oldest.html"
    expect_err '^nt_flash: firmware 1\.18\.5 is not on the release page .*; the nearest there: 1\.18\.0 or 1\.19\.0'
    expect_no_out 'DOWNLOADING'
}
tap_case unknown_version_is_a_usage_error_naming_the_nearest

t_page_without_table_is_a_download_error() {
    fresh_cache 8
    nt 3 --releases --release-page "$base/files/notable.html"
    expect_err 'lists no firmware release'
    expect_stderr_lines 1
    nt 3 --batch --dry-run --latest --release-page "$base/files/notable.html"
    expect_err 'lists no firmware release'
    [ -z "$(list_file)" ] || tl_fail "a page without releases was cached"
}
tap_case page_without_table_is_a_download_error

t_page_404_is_a_download_error() {
    fresh_cache 9
    nt 3 --releases --release-page "$base/files/missing.html"
    expect_err 'HTTP 404'
    expect_stderr_lines 1
}
tap_case page_404_is_a_download_error

t_redirected_page_links_resolve_against_the_final_url() {
    fresh_cache 10
    # /goto/files/oldest.html answers 302 to /files/oldest.html: the relative
    # link to 1.18.0 is relative to where the page really is.
    nt 0 --batch --dry-run -v 1.18.0 --release-page "$base/goto/files/oldest.html"
    expect_out '^PACKAGE_INFO 1\.18\.0$'
    expect_err "from $base/files/distingNT_1\.18\.0\.zip"
}
tap_case redirected_page_links_resolve_against_the_final_url

t_https_page_verified() {
    fresh_cache 11
    nt 3 --releases --release-page "$sbase/files/oldest.html"
    expect_err 'not trusted'
    nt 0 --releases --cacert "$srv/ca.pem" --release-page "$sbase/files/oldest.html"
    expect_out '^1\.19\.0'
}
tap_case https_page_verified

t_bad_release_options_are_usage_errors() {
    fresh_cache 12
    nt 1 --releases --latest
    nt 1 --latest 1.19.0
    nt 1 --firmware 1.19
    expect_err "invalid --firmware '1.19'"
    nt 1 --release-page ftp://x/y --releases
    nt 1 --offline --refresh --releases
    nt 1 --offline "$T/some.zip"
}
tap_case bad_release_options_are_usage_errors

t_no_cache_folder_without_home_or_xdg() {
    (cd "$T/cwd" && env -u HOME -u XDG_CACHE_HOME TMPDIR="$T/tmp" "$NT_FLASH" --releases \
        --release-page "$base/files/newest.html" >"$T/out" 2>"$T/err" </dev/null)
    rc=$?
    expect_rc 0
    expect_err '^nt_flash: warning: no cache: set XDG_CACHE_HOME or HOME'
    expect_out '^1\.19\.0'
    for d in "$T/cwd" "$T/tmp" "$T/home"; do
        [ -z "$(ls -A "$d")" ] || tl_fail "written without a cache folder: $d: $(ls -A "$d")"
    done
}
tap_case no_cache_folder_without_home_or_xdg

t_stop_while_reading_the_page_is_a_download_error() {
    fresh_cache 14
    # /stall sends a few bytes and then nothing: SIGTERM must end the run as a
    # failed download (exit 3), not as "no device" (4).
    (cd "$T/cwd" && HOME=$T/home TMPDIR=$T/tmp XDG_CACHE_HOME=$cache exec "$NT_FLASH" --releases \
        --release-page "$base/stall" >"$T/out" 2>"$T/err" </dev/null) &
    p=$!
    sleep 1
    kill -TERM "$p"
    wait "$p"
    rc=$?
    expect_rc 3
    expect_err 'interrupted'
}
tap_case stop_while_reading_the_page_is_a_download_error

# ---- the cache: one server that this part stops, one cache folder ----------
# These cases run in order and build on each other (each starts from the
# cache the one before left): select them together with NT_TEST_ONLY.
start cachesrv
cbase=http://127.0.0.1:$started_port
cpid=$started_pid
cp "$files/oldest.html" "$files/c.html"
fresh_cache 20
cpage="--release-page $cbase/files/c.html"

t_cache_list_reused_while_fresh() {
    # shellcheck disable=SC2086
    nt 0 --releases $cpage
    [ -n "$(list_file)" ] || tl_fail "no cached release list in $cache/nt_flash"
    { row 1.20.0 1/11/2026 distingNT_1.20.0.zip "Twenty"; cat "$files/oldest.html"; } | page c.html
    # shellcheck disable=SC2086
    nt 0 --releases $cpage
    [ "$(head -n 1 "$T/out" | cut -f1)" = 1.19.0 ] || tl_fail "a fresh list was not reused: $(head -n 1 "$T/out")"
    # shellcheck disable=SC2086
    nt 0 --releases --refresh $cpage
    [ "$(head -n 1 "$T/out" | cut -f1)" = 1.20.0 ] || tl_fail "--refresh did not ask the site: $(head -n 1 "$T/out")"
}
tap_case cache_list_reused_while_fresh

t_cache_list_refreshed_after_30_minutes() {
    { row 1.21.0 1/12/2026 distingNT_1.21.0.zip "Twenty-one"; row 1.20.0 1/11/2026 distingNT_1.20.0.zip "Twenty"; } |
        page c.html
    touch -d '-29 minutes' "$(list_file)"
    # shellcheck disable=SC2086
    nt 0 --releases $cpage
    [ "$(head -n 1 "$T/out" | cut -f1)" = 1.20.0 ] || tl_fail "refreshed before 30 minutes: $(head -n 1 "$T/out")"
    touch -d '-31 minutes' "$(list_file)"
    # shellcheck disable=SC2086
    nt 0 --releases $cpage
    [ "$(head -n 1 "$T/out" | cut -f1)" = 1.21.0 ] || tl_fail "not refreshed after 31 minutes: $(head -n 1 "$T/out")"
}
tap_case cache_list_refreshed_after_30_minutes

pkgdir=$cache/nt_flash/packages
t_cache_package_stored_with_its_sha256() {
    # shellcheck disable=SC2086
    nt 0 --batch --dry-run 1.20.0 $cpage
    [ -f "$pkgdir/distingNT_1.20.0.zip" ] || tl_fail "package not cached"
    cmp -s "$pkgdir/distingNT_1.20.0.zip" "$files/distingNT_1.20.0.zip" || tl_fail "cached package differs"
    [ "$(cat "$pkgdir/distingNT_1.20.0.zip.sha256")" = "$(sha "$files/distingNT_1.20.0.zip")  distingNT_1.20.0.zip" ] ||
        tl_fail "record: $(cat "$pkgdir/distingNT_1.20.0.zip.sha256")"
    (cd "$pkgdir" && sha256sum -c --quiet distingNT_1.20.0.zip.sha256) || tl_fail "sha256sum -c fails"
}
tap_case cache_package_stored_with_its_sha256

t_cache_changed_sha256_refused() {
    old=$(sha "$files/distingNT_1.20.0.zip")
    mkpkg "$files/distingNT_1.20.0.zip" --kind plain --fw-size 12288 --version 1.20.0
    new=$(sha "$files/distingNT_1.20.0.zip")
    rm -f "$pkgdir/distingNT_1.20.0.zip"
    # shellcheck disable=SC2086
    nt 3 --batch --dry-run 1.20.0 $cpage
    expect_err "refused firmware 1\.20\.0 .*SHA-256 is $new, but the copy first downloaded had $old"
    expect_err -- '--refresh'
    expect_no_out '^PACKAGE_INFO'
    [ ! -e "$pkgdir/distingNT_1.20.0.zip" ] || tl_fail "the refused package was cached"
    grep -q "^$old " "$pkgdir/distingNT_1.20.0.zip.sha256" || tl_fail "the record changed"
}
tap_case cache_changed_sha256_refused

t_cache_refresh_accepts_a_changed_package() {
    # shellcheck disable=SC2086
    nt 0 --batch --dry-run --refresh 1.20.0 $cpage
    expect_out '^PACKAGE_INFO 1\.20\.0$'
    grep -q "^$new " "$pkgdir/distingNT_1.20.0.zip.sha256" || tl_fail "the record was not renewed"
    cmp -s "$pkgdir/distingNT_1.20.0.zip" "$files/distingNT_1.20.0.zip" || tl_fail "cached package not renewed"
}
tap_case cache_refresh_accepts_a_changed_package

t_cache_truncated_package_discarded() {
    head -c 1000 "$files/distingNT_1.20.0.zip" >"$pkgdir/distingNT_1.20.0.zip"
    # shellcheck disable=SC2086
    nt 0 --batch --dry-run 1.20.0 $cpage
    expect_err 'warning: discarded the cached package .*distingNT_1\.20\.0\.zip: its SHA-256 is not the one recorded'
    expect_out '^PACKAGE_INFO 1\.20\.0$'
    cmp -s "$pkgdir/distingNT_1.20.0.zip" "$files/distingNT_1.20.0.zip" || tl_fail "not downloaded again"
}
tap_case cache_truncated_package_discarded

t_cache_offline_truncated_package_never_flashed() {
    head -c 1000 "$files/distingNT_1.20.0.zip" >"$pkgdir/distingNT_1.20.0.zip"
    # shellcheck disable=SC2086
    nt 3 --batch --simulate=speed=0 --offline 1.20.0 $cpage
    expect_err 'warning: discarded the cached package'
    expect_err -- '--offline: firmware 1\.20\.0 is not in the cache'
    expect_no_out '^PACKAGE_INFO'
    # shellcheck disable=SC2086
    nt 0 --batch --dry-run 1.20.0 $cpage
}
tap_case cache_offline_truncated_package_never_flashed

# From here on the site cannot be reached.
kill "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null

t_cache_second_run_without_network() {
    # shellcheck disable=SC2086
    nt 0 --batch --simulate=speed=0 1.20.0 $cpage
    expect_out '^PACKAGE_INFO 1\.20\.0$'
    expect_out '^COMPLETE$'
    expect_last_line '^RUNNING 1\.20\.0$'
    [ -s "$T/err" ] && tl_fail "stderr: $(cat "$T/err")"
}
tap_case cache_second_run_without_network

t_cache_offline_uses_only_the_cache() {
    # shellcheck disable=SC2086
    nt 0 --batch --dry-run --offline 1.20.0 $cpage
    expect_out '^PACKAGE_INFO 1\.20\.0$'
}
tap_case cache_offline_uses_only_the_cache

t_cache_offline_missing_package_is_a_download_error() {
    # shellcheck disable=SC2086
    nt 3 --batch --dry-run --offline --latest $cpage
    expect_err -- '--offline: firmware 1\.21\.0 is not in the cache'
}
tap_case cache_offline_missing_package_is_a_download_error

t_cache_stale_list_used_with_a_warning_when_offline() {
    touch -d '-2 hours' "$(list_file)"
    # shellcheck disable=SC2086
    nt 0 --releases $cpage
    expect_err '^nt_flash: warning: cannot download .*; using the release list cached 120 minutes ago$'
    [ "$(head -n 1 "$T/out" | cut -f1)" = 1.21.0 ] || tl_fail "stdout: $(cat "$T/out")"
}
tap_case cache_stale_list_used_with_a_warning_when_offline

t_cache_corrupt_list_discarded() {
    # Truncated: the page no longer has the SHA-256 its header records.
    f=$(list_file)
    head -c $(($(wc -c <"$f") - 40)) "$f" >"$T/trunc" && cat "$T/trunc" >"$f"
    # shellcheck disable=SC2086
    nt 3 --releases --offline $cpage
    expect_err 'warning: discarded the cached release list .*: the page is not the one recorded in its header \(truncated or altered\)'
    expect_err -- '--offline: no release list'
    expect_no_out '^1\.'
    [ -z "$(list_file)" ] || tl_fail "the truncated list was kept"
    # Not written by nt_flash at all.
    printf '<html><body><table><tr><td>1.0.0</td><td><a href="x.zip">z</a></td></tr></table>' \
        >"$cache/nt_flash/$(basename "$f")"
    # shellcheck disable=SC2086
    nt 3 --releases --offline $cpage
    expect_err 'warning: discarded the cached release list .*: it has no header'
    [ -z "$(list_file)" ] || tl_fail "the headerless list was kept"
}
tap_case cache_corrupt_list_discarded

t_cache_nothing_outside_the_cache_folder() {
    [ "$(cd "$cache" && find . -type f | sort | tr '\n' ' ')" = "$(printf './nt_flash/packages/distingNT_1.20.0.zip ./nt_flash/packages/distingNT_1.20.0.zip.sha256 ')" ] ||
        tl_fail "cache holds: $(cd "$cache" && find . -type f)"
}
tap_case cache_nothing_outside_the_cache_folder

# The device monitor, on a terminal, compares a running module's firmware
# with the newest release the cache holds (no network for that).
t_monitor_says_a_running_module_is_older() {
    command -v tmux >/dev/null 2>&1 || { tap_skip "tmux is not installed"; return; }
    fresh_cache monitor
    nt 0 --releases --release-page "$base/files/oldest.html"
    sock=$T/tmux.sock
    tmux -S "$sock" new-session -d -x 100 -y 30 \
        "cd '$T/cwd' && HOME='$T/home' TMPDIR='$T/tmp' XDG_CACHE_HOME='$cache' TERM=xterm \
         '$NT_FLASH' --simulate=start=app,app_version=1.16.0 --release-page '$base/files/oldest.html'"
    n=0
    while [ $n -lt 100 ] && ! tmux -S "$sock" capture-pane -p | grep -q 'running 1.16.0'; do
        sleep 0.1; n=$((n + 1))
    done
    tmux -S "$sock" capture-pane -p >"$T/screen"
    tmux -S "$sock" send-keys q
    sleep 0.3
    tmux -S "$sock" kill-server 2>/dev/null
    grep -q 'running 1.16.0, 1.19.0 out' "$T/screen" || tl_fail "the monitor shows: $(cat "$T/screen")"
}
tap_case monitor_says_a_running_module_is_older

finish
