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

# A module that is not there yet: the UI waits, then flashes it on arrival.
ui_start late 80 40 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=none,arrive=40 "$ui_dir/small.zip"
check "late: waiting" ui_wait late "Waiting for the module in bootloader mode" 20
check "late: no device yet" screen_has late "Devices (0)"
check "late: arrival" ui_wait late "Device arrived: sim-1 sdp 1fc9:0135" 30
check "late: flashed" ui_wait late "DONE:" 60
tm send-keys -t late x
check "late: exit 0" expect_rc late 0

# Unplugged mid-write: the module leaves, the failure is explained, exit 5.
ui_start unplug 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,fault=unplug@write "$ui_dir/small.zip"
check "unplug: failure" ui_wait unplug "FAILED: " 60
check "unplug: named in the log" screen_has unplug "left the bus"
check "unplug: how to recover, in full at 80x24" screen_has unplug "stopped in the write phase. The"
check "unplug: ... to its last words" screen_has unplug "so the module can always be reflashed."
check "unplug: device gone from the list" ui_wait unplug "Devices (0)" 10
tm send-keys -t unplug x
check "unplug: exit 5" expect_rc unplug 5

# The terminal goes away mid-write (an SSH link drops): SIGHUP is ignored,
# the flash finishes, and the program ends instead of waiting for a key.
ui_start hup 80 24 $utf -- "$NT_FLASH" "$slow_write,dump=$ui_dir/hup.bin" "$ui_dir/p2.zip"
check "hangup: writing" ui_wait hup "s left" 30
# (the program itself, not the wrapper shell)
hup_pid=$(ui_cmd_pid hup)
tm kill-session -t hup
hup_gone() {
    [ -n "$hup_pid" ] || { echo "no pid for the program"; return 1; }
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
tm send-keys -t mon q
check "monitor: q exits 0" expect_rc mon 0

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

# Ctrl-C during write: the same safe-point stop, no question.
ui_start intr 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
ui_wait intr "Writing the firmware" 30
tm send-keys -t intr C-c
check "ctrl-c: exit 5" expect_rc intr 5 20
check "ctrl-c: terminal restored" tty_restored intr

# The runs started first.
check "bad package: shown" ui_wait bad "FAILED: " 20
tm send-keys -t bad x
check "bad package: exit 2" expect_rc bad 2
check "no device: shown" ui_wait nodev "FAILED: " 30
tm send-keys -t nodev x
check "no device: exit 4" expect_rc nodev 4
check "ascii: done" ui_wait ascii "DONE:" 30
check "ascii: ASCII frames" screen_has ascii "+- Phases -"
check "ascii: ASCII gauges" screen_has ascii "write     ############## 100%"
check "ascii: not one non-ASCII byte" screen_ascii ascii
tm send-keys -t ascii x
check "ascii: exit 0" expect_rc ascii 0
check "dry run: says nothing was flashed" ui_wait dry "DONE: The package is valid; nothing was flashed" 20
check "dry run: package shown" screen_has dry "Version 9.9.9"
tm send-keys -t dry x
check "dry run: exit 0" expect_rc dry 0
for t in dumb unknown; do
    check "$t terminal: exit 0" expect_rc $t 0
done
# The session has ended by now and the pane keeps the last lines written.
check "TERM=dumb: progress lines" screen_has dumb "COMPLETE"
check "TERM=dumb: no frames" screen_lacks dumb "Phases"
check "unknown TERM: progress lines" screen_has unknown "COMPLETE"

ui_finish
