# Helpers for the tmux-driven UI tests (sourced after tests/lib/tap.sh, whose
# cases and checks they report through): a private tmux server whose socket
# lives in $TMPDIR, commands run through a wrapper that records the exit
# status, and polling screen captures (never fixed sleeps as assertions).

command -v tmux >/dev/null 2>&1 || tap_skip_all "tmux is not installed (it drives the UI on a real terminal)"
: "${TMPDIR:?TMPDIR must point inside the build tree}"

ui_dir=$(mktemp -d "$TMPDIR/ui_tmux.XXXXXX") || exit 1
# A relative socket path from inside ui_dir: a deep build tree (distcheck)
# would overflow the 108 bytes a Unix socket path may have.
cd "$ui_dir" || exit 1
ui_sock=./sock
# Some history: when a pane dies tmux scrolls it by one line to say
# so, and the first lines a program left on the normal screen go there.
printf 'set -g default-terminal screen\nset -g status off\nset -g history-limit 50\nset -g remain-on-exit on\n' > "$ui_dir/tmux.conf"

tm() { tmux -S "$ui_sock" -f "$ui_dir/tmux.conf" "$@"; }

ui_cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$ui_dir"; }
trap ui_cleanup EXIT
trap "exit 1" INT TERM HUP  # so the EXIT trap stops the tmux server

# ui_start NAME COLS ROWS ENV... -- CMD...: run CMD in a detached session of
# that size; its exit status lands in $ui_dir/NAME.rc.
ui_start() {
    name=$1 cols=$2 rows=$3; shift 3
    envs=""
    while [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    shift
    rm -f "$ui_dir/$name.rc" "$ui_dir/$name.cmdpid"
    # The terminal modes before and after: the program must restore them.
    {
        echo '#!/bin/sh'
        echo "trap : INT  # the wrapper outlives a Ctrl-C meant for the program (caught, not inherited)"
        echo "stty -g > '$ui_dir/$name.stty0'"
        # The program's pid, written by the shell that then becomes it
        # (exec, and env execs too): under an emulator (qemu-user) the
        # process's command line names the emulator, so pgrep cannot find it.
        echo "sh -c 'echo \$\$ > \"\$0\"; exec \"\$@\"' '$ui_dir/$name.cmdpid' env -u NO_COLOR TERM=screen UI_FAKE_PIDFILE='$ui_dir/$name.pid' $envs \"\$@\""
        echo "r=\$?"
        echo "stty -g > '$ui_dir/$name.stty1'"
        echo "echo \$r > '$ui_dir/$name.rc.tmp' && mv '$ui_dir/$name.rc.tmp' '$ui_dir/$name.rc'"
    } > "$ui_dir/$name.sh"
    tm new-session -d -s "$name" -x "$cols" -y "$rows" sh "$ui_dir/$name.sh" "$@"
}

ui_capture() { tm capture-pane -p -t "$1" 2>/dev/null; }
# The screen with its attributes as escape sequences.
ui_capture_attrs() { tm capture-pane -e -p -t "$1" 2>/dev/null; }
# Any foreground or background colour (SGR 30-37, 40-47) on the screen.
screen_colored() { ui_capture_attrs "$1" | grep -q '\[3[0-7]m\|\[4[0-7]m\|;4[0-7]m\|;3[0-7]m'; }
screen_reverse() { ui_capture_attrs "$1" | grep -q '\[7m\|;7m'; }

# ui_poll NAME TEXT SECONDS WANT: poll the screen until TEXT is shown
# (WANT=shown) or has gone (WANT=gone).
ui_poll() {
    n=0 limit=$(( $3 * 10 ))
    while [ $n -lt $limit ]; do
        if ui_capture "$1" | grep -F -q -- "$2"; then [ "$4" = shown ] && return 0
        else [ "$4" = gone ] && return 0; fi
        # The program has ended: its last screen will not change any more.
        [ -f "$ui_dir/$1.rc" ] && [ $n -gt 0 ] && break
        sleep 0.1; n=$((n + 1))
    done
    echo "gave up waiting for '$2' to be $4 on $1; screen was:"; ui_capture "$1"
    return 1
}
# ui_wait NAME TEXT [SECONDS], ui_wait_gone NAME TEXT [SECONDS]
ui_wait() { ui_poll "$1" "$2" "${3:-30}" shown; }
ui_wait_gone() { ui_poll "$1" "$2" "${3:-30}" gone; }

# check_resizes NAME: mid-run, widen to 120x30, shrink to 60x20 and 40x10
# (the gauges stay), to 30x8 (a plain notice), come back to 80x24; each
# screen checked.
check_resizes() {
    tm resize-window -t "$1" -x 120 -y 30
    check "redrawn at 120 columns" ui_wait "$1" "└$(rep 118 ─)┘" 10
    tm resize-window -t "$1" -x 60 -y 20
    check "60x20 keeps the gauges" ui_wait "$1" "└$(rep 58 ─)┘" 10
    check "... every one of them" screen_has "$1" "│ reset     "
    tm resize-window -t "$1" -x 40 -y 10
    check "40x10 keeps the gauges" ui_wait "$1" "┌─ Phases $(rep 29 ─)┐" 10
    check "... every one of them at 40x10" screen_has "$1" "│ reset     "
    check "... and the footer" sh -c "tmux -S '$ui_sock' capture-pane -p -t '$1' | tail -n 1 | grep -q '[a-z]'"
    tm resize-window -t "$1" -x 30 -y 8
    check "too small said plainly" ui_wait "$1" "Terminal is 30x8:" 10
    check "... with the size needed" screen_has "$1" "nt_flash needs at least 40x10."
    tm resize-window -t "$1" -x 80 -y 24
    check "panels back at 80x24" ui_wait "$1" "┌─ Phases ─" 10
}

# ui_rc NAME [SECONDS]: the exit status once the program has ended.
ui_rc() {
    n=0 limit=$(( ${2:-30} * 10 ))
    while [ ! -f "$ui_dir/$1.rc" ] && [ $n -lt $limit ]; do sleep 0.1; n=$((n + 1)); done
    cat "$ui_dir/$1.rc" 2>/dev/null || echo "none"
}

# ui_exits NAME CODE [SECONDS]: the program ended with exit status CODE.
ui_exits() { r=$(ui_rc "$1" "${3:-30}"); [ "$r" = "$2" ] || { echo "$1 exited $r, expected $2"; return 1; }; }
# The program left the terminal's modes as it found them.
tty_restored() { cmp -s "$ui_dir/$1.stty0" "$ui_dir/$1.stty1"; }
# ui_pid NAME: the pid the program wrote to UI_FAKE_PIDFILE.
ui_pid() {
    n=0
    while [ ! -s "$ui_dir/$1.pid" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    cat "$ui_dir/$1.pid"
}
# ui_cmd_pid NAME: the pid of the command ui_start ran (the program itself).
ui_cmd_pid() {
    n=0
    while [ ! -s "$ui_dir/$1.cmdpid" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    cat "$ui_dir/$1.cmdpid"
}
screen_has() { ui_capture "$1" | grep -F -q -- "$2"; }
# After the program ended: the whole normal screen it left, the line tmux
# scrolled away included, wrapped lines joined (final_has NAME TEXT).
ui_capture_final() { tm capture-pane -p -J -S -50 -t "$1" 2>/dev/null; }
final_has() {
    ui_capture_final "$1" | grep -F -q -- "$2" && return 0
    echo "'$2' is not on the screen $1 left:"; ui_capture_final "$1"; return 1
}
# screen_has_re NAME ERE: a line of the screen matches the extended regex.
screen_has_re() { ui_capture "$1" | grep -E -q -- "$2"; }
screen_lacks() { ! ui_capture "$1" | grep -F -q -- "$2"; }
# N copies of a (possibly multi-byte) string: `rep 3 ─`.
rep() { printf "%${1}s" '' | sed "s/ /$2/g"; }
# Nothing but printable ASCII on the screen (the ASCII fallback).
screen_ascii() { ! ui_capture "$1" | LC_ALL=C grep -q '[^ -~]'; }
