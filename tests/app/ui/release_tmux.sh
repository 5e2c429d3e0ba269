#!/bin/sh
# The full-screen view of an official release (--latest against a loopback
# release page): while the package downloads, the package panel names the
# version and date being fetched and its first changes, and the log lists
# them all. The package link stalls, so the screen can be read; q stops the
# download (exit 3, as in batch mode).
. "$top_srcdir/tests/lib/tap.sh"
command -v python3 >/dev/null 2>&1 || tap_skip_all "no python3 (it runs the test web server)"
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"

utf=LC_ALL=C.UTF-8
files=$ui_dir/files
mkdir -p "$files" "$ui_dir/cache"
"$top_builddir/tools/mkpkg" "$ui_dir/ok.zip" >/dev/null || { echo "mkpkg failed"; exit 99; }
{
    echo '<html><body><table>'
    echo '<tr><td>1.18.0</td><td>1/9/2026</td><td><a href="/stall/distingNT_1.18.0.zip">z</a></td><td>Old</td></tr>'
    echo '<tr><td>1.19.0</td><td>14/10/2026</td><td><a href="/stall/distingNT_1.19.0.zip">z</a></td>'
    echo '<td><ul><li>New algorithm: Foo</li><li>Fixed bar</li><li>Faster boot</li></ul></td></tr>'
    echo '</table></body></html>'
} >"$files/page.html"

python3 "$top_srcdir/tests/httpd.py" --port-file "$ui_dir/port" --ok-file "$ui_dir/ok.zip" \
    --files "$files" --stall 60 --lifetime 120 >/dev/null 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; ui_cleanup' EXIT
n=0
while [ ! -s "$ui_dir/port" ] && [ $n -lt 300 ]; do sleep 0.05; n=$((n + 1)); done
port=$(cat "$ui_dir/port" 2>/dev/null)
[ -n "$port" ] || { echo "cannot start the server"; exit 99; }

t_release() {
    ui_start rel 100 30 $utf XDG_CACHE_HOME="$ui_dir/cache" -- "$NT_FLASH" --simulate=speed=0 --latest \
        --release-page "http://127.0.0.1:$port/files/page.html"
    check "version and date being fetched" ui_wait rel "Fetching firmware 1.19.0 of 14/10/2026..." 20
    check "first change in the package panel" screen_has rel "- New algorithm: Foo"
    check "more changes pointed to the log" screen_has rel "- Fixed bar (more in the log)"
    check "log lists every change" screen_has rel "- Faster boot"
    tm send-keys -t rel q
    check "q stops the download, exit 3" ui_exits rel 3
    check "terminal restored" tty_restored rel
}
tap_case release

finish
