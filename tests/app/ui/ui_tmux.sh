# nt_flash itself on a terminal (tmux), against the virtual module: the
# full-screen UI through a whole flash, a module arriving late, several
# modules and the picker, the device monitor, a resize mid-flash, q during
# write, Ctrl-C, the ASCII fallback, and exit codes equal to batch mode's.
# Each run is a case (NT_TEST_ONLY=flash runs one); each check in it is a
# TAP line.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"

utf=LC_ALL=C.UTF-8
mkpkg "$ui_dir/p4.zip" --fw-size 4194304
mkpkg "$ui_dir/p2.zip" --fw-size 2097152
mkpkg "$ui_dir/small.zip"
mkpkg "$ui_dir/bad.zip" --kind not-zip
# Fast erase, realistic write: a 2 MiB write lasts seconds, long enough to act in.
slow_write=--simulate=speed=1,sector_ms=1,block_ms=2

# Runs checked only at their end start now, side by side (those whose case
# is selected).
tap_selected bad_package && ui_start bad 80 24 $utf -- "$NT_FLASH" --simulate "$ui_dir/bad.zip"
# Package text with a line break and a clear-screen sequence.
mkpkg "$ui_dir/forged.zip" --manifest '{"processor":"X\nCOMPLETE\u001b[2J"}'
tap_selected forged_text && ui_start forged 100 30 $utf -- "$NT_FLASH" --simulate "$ui_dir/forged.zip"
tap_selected no_device &&
    ui_start nodev 80 24 $utf -- "$NT_FLASH" -t 1 --simulate=start=none,arrive=never "$ui_dir/small.zip"
tap_selected ascii && ui_start ascii 80 24 LC_ALL=C -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"
tap_selected dry_run && ui_start dry 80 24 $utf -- "$NT_FLASH" -n "$ui_dir/small.zip"
tap_selected missing_package &&
    ui_start missing 80 24 $utf -- "$NT_FLASH" --simulate "$ui_dir/no-such.zip"
# Terminals the UI cannot drive: human progress lines instead (README, "Usage").
if tap_selected plain_terminals; then
    ui_start dumb 80 24 $utf TERM=dumb -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"
    ui_start unknown 80 24 $utf TERM=no-such-terminal-xyz -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"
fi

# A whole 4 MiB flash at 80x24.
t_flash() {
    ui_start flash 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/p4.zip"
    check "gauges show rate and time left" ui_wait flash "B/s  " 30
    check "package version" screen_has flash "Version 9.9.9   Processor MIMXRT1060"
    check "firmware line" screen_has flash "firmware    disting_NT.bin"
    check "firmware size and hash" screen_has flash "4.00 MiB  sha256 "
    check "device flashing" ui_wait flash "sim-1          " 10
    check "result" ui_wait flash "DONE: Flashing complete in" 60
    check "write gauge full" screen_has flash "write     ██████████████ 100% 4.00 MiB"
    check "verify gauge full" screen_has flash "verify    ██████████████ 100% 4.00 MiB"
    check "phase durations" screen_has flash "reset     ██████████████ 100% done in"
    # The virtual module reboots into its firmware: it leaves the bootloader list.
    check "module left after reset" ui_wait flash "Device left: sim-1 mboot" 10
    check "waits for a key" ui_wait flash "Press any key to exit." 10
    tm send-keys -t flash Enter
    check "exit 0" ui_exits flash 0
    check "terminal restored" tty_restored flash
    check "a summary stays after exit" \
        final_has flash "nt_flash: flashed firmware 9.9.9 to the module at sim-1 in "
    check "the summary says what was verified" final_has flash " bytes read back and verified"
}
tap_case flash

# A module that is not there yet: the UI waits, then flashes it on arrival.
t_late() {
    ui_start late 80 40 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=none,arrive=40 "$ui_dir/small.zip"
    check "waiting" ui_wait late "Waiting for the module in bootloader mode" 20
    check "no device yet" screen_has late "Devices (0)"
    check "arrival" ui_wait late "Device arrived: sim-1 sdp 1fc9:0135" 30
    check "flashed" ui_wait late "DONE:" 60
    tm send-keys -t late x
    check "exit 0" ui_exits late 0
}
tap_case late

# Unplugged mid-write: the module leaves, the failure is explained, exit 5.
t_unplug() {
    ui_start unplug 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,fault=unplug@write "$ui_dir/small.zip"
    check "failure" ui_wait unplug "FAILED: " 60
    check "named in the log" screen_has unplug "left the bus"
    check "how to recover, in full at 80x24" screen_has unplug "stopped in the write phase. The"
    check "... to its last words" screen_has unplug "can always be reflashed."
    check "the advice is for an unplugged module" screen_has unplug "module left the USB bus with its"
    check "device gone from the list" ui_wait unplug "Devices (0)" 10
    tm send-keys -t unplug x
    check "exit 5" ui_exits unplug 5
    check "the error stays after exit" final_has unplug "nt_flash: writing firmware at 0x6001"
    check "... and the recovery, as --batch says it" \
        final_has unplug "nt_flash: the module at sim-1 stopped in the write phase. The module left the USB bus with its firmware half written, so it will not start it. Unplug the module and plug it in again"
}
tap_case unplug

# The terminal goes away mid-write (an SSH link drops): SIGHUP is ignored,
# the flash finishes, and the program ends instead of waiting for a key.
hup_gone() {
    [ -n "$hup_pid" ] || { echo "no pid for the program"; return 1; }
    n=0
    while kill -0 "$hup_pid" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
    ! kill -0 "$hup_pid" 2>/dev/null
}
hup_flashed() {
    unzip -p "$ui_dir/p2.zip" bootable_images/disting_NT.bin >"$ui_dir/hup.fw" &&
        tail -c +4097 "$ui_dir/hup.bin" | head -c "$(wc -c <"$ui_dir/hup.fw")" | cmp -s - "$ui_dir/hup.fw"
}
t_hangup() {
    ui_start hup 80 24 $utf -- "$NT_FLASH" "$slow_write,dump=$ui_dir/hup.bin" "$ui_dir/p2.zip"
    check "writing" ui_wait hup "s left" 30
    # (the program itself, not the wrapper shell)
    hup_pid=$(ui_cmd_pid hup)
    tm kill-session -t hup
    check "the program ends by itself" hup_gone
    check "the whole firmware was written" hup_flashed
}
tap_case hangup

# Several modules: the picker, then the chosen one is flashed.
t_pick() {
    ui_start pick 80 40 $utf -- "$NT_FLASH" --simulate=speed=0.05,modules=3 "$ui_dir/small.zip"
    check "asks" ui_wait pick "Several modules attached: choose one" 20
    check "three listed" screen_has pick "Devices (3)"
    tm send-keys -t pick Down Down
    check "cursor" ui_wait pick "> sim-3" 10
    tm send-keys -t pick Enter
    check "the chosen module" ui_wait pick "Flashing the module at sim-3" 20
    check "flashed" ui_wait pick "DONE:" 60
    check "the others stay idle" screen_has pick "sim-1          sdp    1fc9:0135  idle"
    check "... both of them" screen_has pick "sim-2          sdp    1fc9:0135  idle"
    tm send-keys -t pick x
    check "exit 0" ui_exits pick 0
}
tap_case pick

# Many modules and --port: the one being flashed stays in view.
t_many() {
    ui_start many 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,modules=8 -p sim-7 "$ui_dir/p4.zip"
    check "the module being flashed in view" ui_wait many "sim-7          mboot  15a2:0073  flashing" 30
    check "the hidden ones counted, on their side" screen_has many "... and 6 more above, 1 below"
    check "result" ui_wait many "DONE:" 60
    tm send-keys -t many x
    check "exit 0" ui_exits many 0
}
tap_case many

# The device monitor: no package on a terminal.
t_monitor() {
    ui_start mon 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=none,arrive=20
    check "opens" ui_wait mon "Device monitor: 0 NXP bootloader devices" 20
    check "arrival" ui_wait mon "Device arrived: sim-1 sdp 1fc9:0135" 20
    check "listed idle" screen_has mon "1fc9:0135  idle"
    check "the HAB column, as --list has it" ui_wait mon "idle           hab=open" 10
    tm send-keys -t mon q
    check "q exits 0" ui_exits mon 0
}
tap_case monitor

# The monitor with flashloaders running: their version column; the empty
# state says what to do.
t_monitor_columns() {
    ui_start monv 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=mboot,modules=2
    check "the version column" ui_wait monv "sim-2          mboot  15a2:0073  idle           version=M1.0.0" 20
    tm send-keys -t monv q
    check "q exits 0" ui_exits monv 0
    ui_start mone 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=none,arrive=never
    check "the empty state says what to do" ui_wait mone "None in bootloader mode: on the module choose Menu > Misc >" 20
    tm send-keys -t mone q
    check "q exits 0 (empty)" ui_exits mone 0
}
tap_case monitor_columns

# The waiting screen: what to do, which port, and the countdown of -t;
# without -t it waits until q.
t_waiting() {
    ui_start waitt 80 30 $utf -- "$NT_FLASH" -t 30 -p sim-1 --simulate=start=none,arrive=never "$ui_dir/small.zip"
    check "a countdown of -t" ui_wait waitt "Waiting for the module in bootloader mode: 2" 20
    check "... in seconds left" screen_has waitt "s left"
    check "the menu path" ui_wait waitt "On the module choose Menu > Misc > Enter bootloader mode." 10
    check "the cable and --list" screen_has waitt "Use a USB data cable"
    check "the port expected" screen_has waitt "Waiting for the module at port sim-1 in bootloader mode."
    tm send-keys -t waitt q
    check "q stops at once, exit 4" ui_exits waitt 4 5
    check "the reason stays after exit" final_has waitt "nt_flash: interrupted while waiting for the module"
    ui_start waitq 80 24 $utf -- "$NT_FLASH" --simulate=start=none,arrive=never "$ui_dir/small.zip"
    check "without -t: counts up" ui_wait waitq "s so far" 20
    tm send-keys -t waitq q
    check "without -t: q exits 4" ui_exits waitq 4 5
}
tap_case waiting

# A resize in the middle of the write: wider, too small, back; the flash goes on.
t_resize() {
    ui_start resize 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
    ui_wait resize "Writing the firmware" 30
    check_resizes resize
    check "flash completes" ui_wait resize "DONE:" 60
    tm send-keys -t resize x
    check "exit 0" ui_exits resize 0
}
tap_case resize

# q during write asks, a second q stops after the current command: exit 5.
t_quit() {
    ui_start quit 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
    ui_wait quit "Writing the firmware" 30
    tm send-keys -t quit q
    check "asks first" ui_wait quit "Press q again to stop after the current command" 10
    tm send-keys -t quit q
    check "exit 5" ui_exits quit 5 20
    check "terminal restored" tty_restored quit
    check "the error stays after exit" final_has quit "nt_flash: stopped by request during the write"
    check "... with the state and the recovery" final_has quit "nt_flash: the module at sim-1 stopped in the w"
}
tap_case quit

# Ctrl-C during write: the same safe-point stop, no question.
t_ctrl_c() {
    ui_start intr 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
    ui_wait intr "Writing the firmware" 30
    tm send-keys -t intr C-c
    check "exit 5" ui_exits intr 5 20
    check "terminal restored" tty_restored intr
    check "the recovery stays after exit" final_has intr "the module at sim-1 stopped in the write phase."
}
tap_case ctrl_c

# Timing while one device command is in flight (issue 11): a 6 s erase of
# the first 64 KiB. Measured from the outside: the time from just before
# tmux is asked to send a key (or resize) until the screen shows the answer.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# latency NAME TEXT COMMAND...: run COMMAND, then poll the screen until
# TEXT shows (TEXT "-X": until X is gone); prints the milliseconds (9999:
# not within 5 s).
latency() {
    ln=$1 lt=$2 lwant=0; shift 2
    case $lt in -*) lt=${lt#-} lwant=1 ;; esac
    l0=$(now_ms)
    "$@"
    while :; do
        ui_capture "$ln" | grep -F -q -- "$lt"
        if [ $? = $lwant ]; then echo $(( $(now_ms) - l0 )); return; fi
        [ $(( $(now_ms) - l0 )) -gt 5000 ] && { echo 9999; return; }
    done
}
# within_100ms WHAT MS: one check; the measurement goes to the log.
within_100ms() { echo "# $1: answered in $2 ms"; check "$1 answered within 100 ms ($2 ms)" test "$2" -le 100; }
t_slow_erase() {
    ui_start slowerase 80 24 $utf -- "$NT_FLASH" --simulate=speed=1,start=mboot,block_ms=6000,sector_ms=375 \
        "$ui_dir/small.zip"
    check "the command in flight has a moving clock" ui_wait slowerase "command 1." 20
    slow1=$(ui_capture slowerase); sleep 0.6; slow2=$(ui_capture slowerase)
    check "the screen keeps changing" test "$slow1" != "$slow2"
    within_100ms "? (help)" "$(latency slowerase "?          close this help" tm send-keys -t slowerase '?')"
    within_100ms "? again (help closed)" \
        "$(latency slowerase "-?          close this help" tm send-keys -t slowerase '?')"
    within_100ms "resize to 100x30" \
        "$(latency slowerase "└$(rep 98 ─)┘" tm resize-window -t slowerase -x 100 -y 30)"
    within_100ms "q" "$(latency slowerase "Press q again to stop" tm send-keys -t slowerase q)"
    within_100ms "Ctrl-C" "$(latency slowerase "Stopping after the current command" tm send-keys -t slowerase C-c)"
    check "still in the same command" screen_has slowerase "0 B / "
    check "stops after the command, exit 5" ui_exits slowerase 5 20
    check "terminal restored" tty_restored slowerase
    check "the stop and the recovery stay after exit" \
        final_has slowerase "nt_flash: stopped by request during the erase at 0x60010000"
    check "... the state of the module" final_has slowerase "stopped in the erase phase. The firmware in"
    check "... and how to recover" final_has slowerase "so the module can always be reflashed."
}
tap_case slow_erase

# --log under the full-screen view: the same record as in batch mode.
t_log() {
    ui_start logui 80 24 $utf -- "$NT_FLASH" --log "$ui_dir/ui.log" --simulate=speed=0.05 "$ui_dir/small.zip"
    check "flashed" ui_wait logui "DONE:" 60
    check "written as it happens (before the key)" grep -q "finished: every step acknowledged" "$ui_dir/ui.log"
    tm send-keys -t logui x
    check "exit 0" ui_exits logui 0
    check "the exit code last" sh -c "tail -n 1 '$ui_dir/ui.log' | grep -q ' exit 0\$'"
}
tap_case log

# The runs started first.
# Before any device is touched, errors are plain command-line errors.
t_bad_package() {
    check "exit 2 without a key" ui_exits bad 2
    check "a command-line error" final_has bad "nt_flash: $ui_dir/bad.zip"
}
tap_case bad_package

t_missing_package() {
    check "exit 2" ui_exits missing 2
    check "a command-line error naming the file" final_has missing "no-such.zip"
}
tap_case missing_package

# Text from a package reaches the terminal escaped: no line break, no
# terminal control. (A package error is a command-line error: it is
# printed, escaped, without the full-screen view.)
t_forged_text() {
    check "exit 2 without a key" ui_exits forged 2
    check "escaped" final_has forged 'processor is "X\x0aCOMPLETE\x1b[2J"'
    check "no forged line" sh -c "! tmux -S '$ui_sock' capture-pane -p -S -50 -t forged | grep -q '^COMPLETE'"
}
tap_case forged_text

t_no_device() {
    check "shown" ui_wait nodev "FAILED: " 30
    tm send-keys -t nodev x
    check "exit 4" ui_exits nodev 4
}
tap_case no_device

t_ascii() {
    check "done" ui_wait ascii "DONE:" 30
    check "ASCII frames" screen_has ascii "+- Phases -"
    check "ASCII gauges" screen_has ascii "write     ############## 100%"
    check "not one non-ASCII byte" screen_ascii ascii
    tm send-keys -t ascii x
    check "exit 0" ui_exits ascii 0
}
tap_case ascii

t_dry_run() {
    check "exit 0 without a key" ui_exits dry 0
    check "the text summary" final_has dry "version: 9.9.9"
    check "... to its last line" final_has dry "write: 0x60001000-0x"
}
tap_case dry_run

t_plain_terminals() {
    check "TERM=dumb: exit 0" ui_exits dumb 0
    check "unknown TERM: exit 0" ui_exits unknown 0
    # The session has ended by now and the pane keeps the last lines
    # written: lines for a person (not the token lines of pipes), and why.
    check "TERM=dumb: says why there is no full-screen view" \
        final_has dumb "nt_flash: no full-screen view: TERM=dumb cannot move the cursor; showing progress lines instead"
    check "TERM=dumb: one line per phase, finished" final_has dumb "Writing the firmware         100%"
    check "TERM=dumb: a summary line" final_has dumb "nt_flash: flashed firmware 9.9.9 to the module at sim-1 in "
    check "TERM=dumb: the summary says what was verified" final_has dumb " bytes read back and verified"
    check "TERM=dumb: no token lines" sh -c "! tmux -S '$ui_sock' capture-pane -p -S -50 -t dumb | grep -q '^COMPLETE\|^WRITING'"
    check "TERM=dumb: no frames" screen_lacks dumb "Phases"
    check "unknown TERM: says why" final_has unknown "no terminfo entry for TERM=no-such-terminal-xyz"
    check "unknown TERM: progress lines" final_has unknown "Erasing                      100%"
    check "unknown TERM: a summary line" final_has unknown "nt_flash: flashed firmware 9.9.9 to the module at sim-1 in "
}
tap_case plain_terminals

finish
