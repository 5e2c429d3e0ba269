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
# Terminals the UI cannot drive: progress lines instead (README, "Progress lines").
if tap_selected plain_terminals; then
    ui_start dumb 80 24 $utf TERM=dumb -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"
    ui_start unknown 80 24 $utf TERM=no-such-terminal-xyz -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/small.zip"
fi

# A whole 4 MiB flash at 80x24.
t_flash() {
    ui_start flash 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05 "$ui_dir/p4.zip"
    check "gauges show rate and time left" ui_wait flash "s left" 30
    check "package version" screen_has flash "Version 9.9.9   Processor MIMXRT1060"
    check "firmware line" screen_has flash "firmware    disting_NT.bin"
    check "firmware size and hash" screen_has flash "4.00 MiB  sha256 "
    check "device flashing" screen_has flash "sim-1          "
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
    check "... to its last words" screen_has unplug "so the module can always be reflashed."
    check "device gone from the list" ui_wait unplug "Devices (0)" 10
    tm send-keys -t unplug x
    check "exit 5" ui_exits unplug 5
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
    check "the hidden ones counted" screen_has many "... and 7 more"
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
    tm send-keys -t mon q
    check "q exits 0" ui_exits mon 0
}
tap_case monitor

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
}
tap_case quit

# Ctrl-C during write: the same safe-point stop, no question.
t_ctrl_c() {
    ui_start intr 80 24 $utf -- "$NT_FLASH" $slow_write "$ui_dir/p2.zip"
    ui_wait intr "Writing the firmware" 30
    tm send-keys -t intr C-c
    check "exit 5" ui_exits intr 5 20
    check "terminal restored" tty_restored intr
}
tap_case ctrl_c

# The runs started first.
t_bad_package() {
    check "shown" ui_wait bad "FAILED: " 20
    tm send-keys -t bad x
    check "exit 2" ui_exits bad 2
}
tap_case bad_package

# Text from a package reaches the screen escaped: no line break, no
# terminal control.
t_forged_text() {
    check "shown" ui_wait forged "FAILED: " 20
    check "escaped" screen_has forged 'processor is "X\x0aCOMPLETE\x1b[2J"'
    check "the screen was not cleared" screen_has forged "FAILED: "
    tm send-keys -t forged x
    check "exit 2" ui_exits forged 2
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
    check "says nothing was flashed" ui_wait dry "DONE: The package is valid; nothing was flashed" 20
    check "package shown" screen_has dry "Version 9.9.9"
    tm send-keys -t dry x
    check "exit 0" ui_exits dry 0
}
tap_case dry_run

t_plain_terminals() {
    check "TERM=dumb: exit 0" ui_exits dumb 0
    check "unknown TERM: exit 0" ui_exits unknown 0
    # The session has ended by now and the pane keeps the last lines written.
    check "TERM=dumb: progress lines" screen_has dumb "COMPLETE"
    check "TERM=dumb: no frames" screen_lacks dumb "Phases"
    check "unknown TERM: progress lines" screen_has unknown "COMPLETE"
}
tap_case plain_terminals

finish
