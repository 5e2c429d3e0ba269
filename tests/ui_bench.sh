# How many bytes the full-screen UI writes to the terminal for a whole 4 MiB
# flash at 80x24 (what an SSH link carries). Usage, from the build tree:
#   sh tests/ui_bench.sh [CMD ARGS...]
# CMD defaults to the scripted 4 MiB flash (tests/app/ui/ui_fake flash 10, ten
# seconds); e.g. `sh tests/ui_bench.sh ./nt_flash --simulate=speed=0.05 PKG.zip`.
# Prints "ui_bench: N bytes in S s (R bytes/s), exit E"; exits 0 when the
# flash succeeded.
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
TMPDIR=${TMPDIR:-$top_builddir/tests/tmp}
mkdir -p "$TMPDIR"
export TMPDIR
here=$(pwd)
NT_FLASH=${NT_FLASH:-$top_builddir/nt_flash}
export top_builddir top_srcdir NT_FLASH
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"
rm -rf "$T"  # (the tmux helpers keep their files in $ui_dir)

[ $# -gt 0 ] || set -- "$top_builddir/tests/app/ui/ui_fake" flash 10
out=$ui_dir/terminal.bytes
: > "$out"
# The program waits for the pipe to be in place, so its first byte is counted.
# Relative paths in CMD are the caller's.
printf 'while [ ! -f "%s/go" ]; do sleep 0.05; done\ncd "%s" || exit 1\nexec "$@"\n' "$ui_dir" "$here" \
    > "$ui_dir/gate.sh"
ui_start bench 80 24 LC_ALL=C.UTF-8 -- sh "$ui_dir/gate.sh" "$@"
tm pipe-pane -t bench -o "cat >> '$out'"
t0=$(date +%s.%N)
touch "$ui_dir/go"
ui_wait bench "Press any key to exit." 600 >/dev/null || { echo "ui_bench: the flash did not end"; exit 1; }
t1=$(date +%s.%N)
tm send-keys -t bench x
rc=$(ui_rc bench 10)
bytes=$(wc -c < "$out" | tr -d ' ')
awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v rc="$rc" \
    'BEGIN { s = t1 - t0; printf "ui_bench: %d bytes in %.1f s (%.0f bytes/s), exit %s\n", b, s, b / s, rc }'
[ "$rc" = 0 ]
