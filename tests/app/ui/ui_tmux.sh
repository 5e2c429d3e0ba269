# nt_flash itself on a terminal (tmux), against the virtual module: the
# full-screen UI through a whole flash, a module arriving late, several
# modules and the picker, the device monitor, a resize mid-flash, q during
# write, Ctrl-C, the ASCII fallback, and exit codes equal to batch mode's.
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"
: "${NT_FLASH:?run through make check}"

mkpkg=$top_builddir/tools/mkpkg
utf=LC_ALL=C.UTF-8
"$mkpkg" --fw-size 4194304 "$ui_dir/p4.zip" >/dev/null &&
"$mkpkg" --fw-size 2097152 "$ui_dir/p2.zip" >/dev/null &&
"$mkpkg" "$ui_dir/small.zip" >/dev/null &&
"$mkpkg" --kind not-zip "$ui_dir/bad.zip" >/dev/null || { echo "mkpkg failed"; exit 99; }
# Fast erase, realistic write: a 2 MiB write lasts seconds, long enough to act in.
slow_write=--simulate=speed=1,sector_ms=1,block_ms=2

# Runs checked only at their end start now, side by side.
ui_start bad 80 24 $utf -- "$NT_FLASH" --simulate "$ui_dir/bad.zip"
ui_start nodev 80 24 $utf -- "$NT_FLASH" -t 1 --simulate=start=none,arrive=never "$ui_dir/small.zip"
ui_start ascii 80 24 LC_ALL=C -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"
ui_start dry 80 24 $utf -- "$NT_FLASH" -n "$ui_dir/small.zip"
ui_start missing 80 24 $utf -- "$NT_FLASH" --simulate "$ui_dir/no-such.zip"
# Terminals the UI cannot drive: progress lines instead (spec.md §4).
ui_start dumb 80 24 $utf TERM=dumb -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"
ui_start unknown 80 24 $utf TERM=no-such-terminal-xyz -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"

# A whole 4 MiB flash at 80x24.
ui_start flash 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/p4.zip"
check "flash: gauges show rate and time left" ui_wait flash "s left" 30
check "flash: package version" screen_has flash "Version 9.9.9   Processor MIMXRT1060"
check "flash: firmware line" screen_has flash "firmware    disting_NT.bin"
check "flash: firmware size and hash" screen_has flash "4.00 MiB  sha256 "
check "flash: device flashing" screen_has flash "sim-1          "
check "flash: result" ui_wait flash "DONE: Flashing complete in" 60
check "flash: write gauge full" screen_has flash "write     ██████████████ 100% 4.00 MiB"
check "flash: phase durations" screen_has flash "reset     ██████████████ 100% done in"
# The virtual module reboots into its firmware: it leaves the bootloader list.
check "flash: module left after reset" ui_wait flash "Device left: sim-1 mboot" 10
check "flash: waits for a key" screen_has flash "Press any key to exit."
tm send-keys -t flash Enter
check "flash: exit 0" expect_rc flash 0
check "flash: terminal restored" tty_restored flash
check "flash: a summary stays after exit" \
    final_has flash "nt_flash: flashed firmware 9.9.9 to the module at sim-1 in "

# A module that is not there yet: the UI waits, then flashes it on arrival.
ui_start late 80 40 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=none,arrive=40 "$ui_dir/small.zip"
check "late: waiting" ui_wait late "Waiting for the module in bootloader mode" 20
check "late: no device yet" screen_has late "Devices (0)"
check "late: arrival" ui_wait late "Device arrived: sim-1 sdp 1fc9:0135" 30
check "late: flashed" ui_wait late "DONE:" 60
tm send-keys -t late x
check "late: exit 0" expect_rc late 0

# The waiting screen: what to do, which port, and the countdown of -t;
# without -t it waits until q.
ui_start waitt 80 30 $utf -- "$NT_FLASH" -t 30 -p sim-1 --simulate=start=none,arrive=never "$ui_dir/small.zip"
check "waiting: a countdown of -t" ui_wait waitt "Waiting for the module in bootloader mode: 2" 20
check "waiting: ... in seconds left" screen_has waitt "s left"
check "waiting: the menu path" screen_has waitt "On the module choose Menu > Misc > Enter bootloader mode."
check "waiting: the cable and --list" screen_has waitt "Use a USB data cable"
check "waiting: the port expected" screen_has waitt "Waiting for the module at port sim-1 in bootloader mode."
tm send-keys -t waitt q
check "waiting: q stops at once, exit 4" expect_rc waitt 4 5
check "waiting: the reason stays after exit" final_has waitt "nt_flash: interrupted while waiting for the module"
ui_start waitq 80 24 $utf -- "$NT_FLASH" --simulate=start=none,arrive=never "$ui_dir/small.zip"
check "waiting without -t: counts up" ui_wait waitq "s so far" 20
sleep 1.5
check "waiting without -t: still waiting past a second" screen_has waitq "Waiting for the module in bootloader mode: "
tm send-keys -t waitq q
check "waiting without -t: q exits 4" expect_rc waitq 4 5

# Unplugged mid-write: the module leaves, the failure is explained, exit 5.
ui_start unplug 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,fault=unplug@write "$ui_dir/small.zip"
check "unplug: failure" ui_wait unplug "FAILED: " 60
check "unplug: named in the log" screen_has unplug "left the bus"
check "unplug: how to recover, in full at 80x24" screen_has unplug "stopped in the write phase. The"
check "unplug: ... to its last words" screen_has unplug "can always be reflashed."
check "unplug: the advice is for an unplugged module" screen_has unplug "module left the USB bus with its"
check "unplug: device gone from the list" ui_wait unplug "Devices (0)" 10
tm send-keys -t unplug x
check "unplug: exit 5" expect_rc unplug 5
check "unplug: the error stays after exit" final_has unplug "nt_flash: writing firmware at 0x6001"
check "unplug: ... and the recovery, as --batch says it" \
    final_has unplug "nt_flash: the module at sim-1 stopped in the write phase. The module left the USB bus with its firmware half written, so it will not start it. Unplug the module and plug it in again"

# The terminal goes away mid-write (an SSH link drops): SIGHUP is ignored,
# the flash finishes, and the program ends instead of waiting for a key.
ui_start hup 80 24 $utf -- "$NT_FLASH" "$slow_write,dump=$ui_dir/hup.bin" "$ui_dir/p2.zip"
check "hangup: writing" ui_wait hup "s left" 30
# (the program itself, not the wrapper shell, whose arguments are the same)
hup_pid=$(pgrep -f "^$NT_FLASH .*dump=$ui_dir/hup.bin" | head -n 1)
tm kill-session -t hup
hup_gone() {
    n=0
    while kill -0 "$hup_pid" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
    ! kill -0 "$hup_pid" 2>/dev/null
}
check "hangup: the program ends by itself" hup_gone
hup_flashed() {
    unzip -p "$ui_dir/p2.zip" bootable_images/disting_NT.bin >"$ui_dir/hup.fw" &&
        tail -c +4097 "$ui_dir/hup.bin" | head -c "$(wc -c <"$ui_dir/hup.fw")" | cmp -s - "$ui_dir/hup.fw"
}
check "hangup: the whole firmware was written" hup_flashed

# Several modules: the picker, then the chosen one is flashed.
ui_start pick 80 40 $utf -- "$NT_FLASH" --simulate=speed=0.05,modules=3 "$ui_dir/small.zip"
check "pick: asks" ui_wait pick "Several modules attached: choose one" 20
check "pick: three listed" screen_has pick "Devices (3)"
tm send-keys -t pick Down Down
check "pick: cursor" ui_wait pick "> sim-3" 10
tm send-keys -t pick Enter
check "pick: the chosen module" ui_wait pick "Flashing the module at sim-3" 20
check "pick: flashed" ui_wait pick "DONE:" 60
check "pick: the others stay idle" screen_has pick "sim-1          sdp    1fc9:0135  idle"
check "pick: ... both of them" screen_has pick "sim-2          sdp    1fc9:0135  idle"
tm send-keys -t pick x
check "pick: exit 0" expect_rc pick 0

# Many modules and --port: the one being flashed stays in view.
ui_start many 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,modules=8 -p sim-7 "$ui_dir/p4.zip"
check "many: the module being flashed in view" ui_wait many "sim-7          mboot  15a2:0073  flashing" 30
check "many: the hidden ones counted" screen_has many "... and 6 more"
check "many: result" ui_wait many "DONE:" 60
tm send-keys -t many x
check "many: exit 0" expect_rc many 0

# The device monitor: no package on a terminal.
ui_start mon 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=none,arrive=20
check "monitor: opens" ui_wait mon "Device monitor: 0 NXP bootloader devices" 20
check "monitor: arrival" ui_wait mon "Device arrived: sim-1 sdp 1fc9:0135" 20
check "monitor: listed idle" screen_has mon "1fc9:0135  idle"
check "monitor: the HAB column, as --list has it" ui_wait mon "idle           hab=open" 10
tm send-keys -t mon q
check "monitor: q exits 0" expect_rc mon 0

# The monitor with flashloaders running: their version column; the empty
# state says what to do.
ui_start monv 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=mboot,modules=2
check "monitor: the version column" ui_wait monv "sim-2          mboot  15a2:0073  idle           version=M1.0.0" 20
tm send-keys -t monv q
check "monitor: q exits 0" expect_rc monv 0
ui_start mone 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=none,arrive=never
check "monitor: the empty state says what to do" ui_wait mone "None in bootloader mode: on the module choose Menu > Misc >" 20
tm send-keys -t mone q
check "monitor: q exits 0 (empty)" expect_rc mone 0

# A resize in the middle of the write: wider, too small, back; the flash goes on.
ui_start resize 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
ui_wait resize "Writing the firmware" 30
check_resizes resize
check "resize: flash completes" ui_wait resize "DONE:" 60
tm send-keys -t resize x
check "resize: exit 0" expect_rc resize 0

# q during write asks, a second q stops after the current command: exit 5.
ui_start quit 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
ui_wait quit "Writing the firmware" 30
tm send-keys -t quit q
check "quit: asks first" ui_wait quit "Press q again to stop after the current command" 10
tm send-keys -t quit q
check "quit: exit 5" expect_rc quit 5 20
check "quit: terminal restored" tty_restored quit
check "quit: the error stays after exit" final_has quit "nt_flash: stopped by request during the write"
check "quit: ... with the state and the recovery" final_has quit "nt_flash: the module at sim-1 stopped in the w"

# Ctrl-C during write: the same safe-point stop, no question.
ui_start intr 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
ui_wait intr "Writing the firmware" 30
tm send-keys -t intr C-c
check "ctrl-c: exit 5" expect_rc intr 5 20
check "ctrl-c: terminal restored" tty_restored intr
check "ctrl-c: the recovery stays after exit" final_has intr "the module at sim-1 stopped in the write phase."

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
# within_100ms WHAT MS: one case; the measurement goes to the log.
within_100ms() { echo "# $1: answered in $2 ms"; check "slow erase: $1 answered within 100 ms ($2 ms)" test "$2" -le 100; }
ui_start slowerase 80 24 $utf -- "$NT_FLASH" --simulate=speed=1,start=mboot,block_ms=6000,sector_ms=375 \
    "$ui_dir/small.zip"
check "slow erase: the command in flight has a moving clock" ui_wait slowerase "command 1." 20
slow1=$(ui_capture slowerase); sleep 0.3; slow2=$(ui_capture slowerase)
check "slow erase: the screen keeps changing" test "$slow1" != "$slow2"
within_100ms "? (help)" "$(latency slowerase "?          close this help" tm send-keys -t slowerase '?')"
within_100ms "? again (help closed)" \
    "$(latency slowerase "-?          close this help" tm send-keys -t slowerase '?')"
within_100ms "resize to 100x30" \
    "$(latency slowerase "└$(rep 98 ─)┘" tm resize-window -t slowerase -x 100 -y 30)"
within_100ms "q" "$(latency slowerase "Press q again to stop" tm send-keys -t slowerase q)"
within_100ms "Ctrl-C" "$(latency slowerase "Stopping after the current command" tm send-keys -t slowerase C-c)"
check "slow erase: still in the same command" screen_has slowerase "0 B / "
check "slow erase: stops after the command, exit 5" expect_rc slowerase 5 20
check "slow erase: terminal restored" tty_restored slowerase
check "slow erase: the stop and the recovery stay after exit" \
    final_has slowerase "nt_flash: stopped by request during the erase at 0x60010000"
check "slow erase: ... the state of the module" final_has slowerase "stopped in the erase phase. The firmware in"
check "slow erase: ... and how to recover" final_has slowerase "so the module can always be reflashed."

# --log under the full-screen view: the same record as in batch mode.
ui_start logui 80 24 $utf -- "$NT_FLASH" --log "$ui_dir/ui.log" --simulate=speed=0.05 "$ui_dir/small.zip"
check "log: flashed" ui_wait logui "DONE:" 60
check "log: written as it happens (before the key)" grep -q "finished: every step acknowledged" "$ui_dir/ui.log"
tm send-keys -t logui x
check "log: exit 0" expect_rc logui 0
check "log: the exit code last" sh -c "tail -n 1 '$ui_dir/ui.log' | grep -q ' exit 0\$'"

# The runs started first.
# Before any device is touched, errors are plain command-line errors.
check "bad package: exit 2 without a key" expect_rc bad 2
check "bad package: a command-line error" final_has bad "nt_flash: $ui_dir/bad.zip"
check "missing package: exit 2" expect_rc missing 2
check "missing package: a command-line error naming it" final_has missing "nt_flash: "
check "missing package: ... the file" final_has missing "no-such.zip"
check "no device: shown" ui_wait nodev "FAILED: " 30
tm send-keys -t nodev x
check "no device: exit 4" expect_rc nodev 4
check "ascii: done" ui_wait ascii "DONE:" 30
check "ascii: ASCII frames" screen_has ascii "+- Phases -"
check "ascii: ASCII gauges" screen_has ascii "write     ############## 100%"
check "ascii: not one non-ASCII byte" screen_ascii ascii
tm send-keys -t ascii x
check "ascii: exit 0" expect_rc ascii 0
check "dry run: exit 0 without a key" expect_rc dry 0
check "dry run: the text summary" final_has dry "version: 9.9.9"
check "dry run: ... to its last line" final_has dry "write: 0x60001000-0x"
for t in dumb unknown; do
    check "$t terminal: exit 0" expect_rc $t 0
done
# The session has ended by now and the pane keeps the last lines written:
# lines for a person (not the token lines of pipes), and why.
check "TERM=dumb: says why there is no full-screen view" \
    final_has dumb "nt_flash: no full-screen view: TERM=dumb cannot move the cursor; showing progress lines instead"
check "TERM=dumb: one line per phase, finished" final_has dumb "Writing the firmware         100%"
check "TERM=dumb: a summary line" final_has dumb "nt_flash: flashed firmware 9.9.9 to the module at sim-1 in "
check "TERM=dumb: no token lines" sh -c "! tmux -S '$ui_sock' capture-pane -p -S -50 -t dumb | grep -q '^COMPLETE\|^WRITING'"
check "TERM=dumb: no frames" screen_lacks dumb "Phases"
check "unknown TERM: says why" final_has unknown "no terminfo entry for TERM=no-such-terminal-xyz"
check "unknown TERM: progress lines" final_has unknown "Erasing                      100%"
check "unknown TERM: a summary line" final_has unknown "nt_flash: flashed firmware 9.9.9 to the module at sim-1 in "

ui_finish
