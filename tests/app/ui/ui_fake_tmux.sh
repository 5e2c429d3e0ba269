# The real full-screen UI driven in tmux with a scripted session and bus
# (tests/app/ui/ui_fake): panels and gauges at 80x24, the picker, the monitor with a
# device coming and going, resizes, the too-small notice, q during write,
# failures, the ASCII fallback and NO_COLOR, and the exit codes. Each run is
# a case (NT_TEST_ONLY=flash runs one); each check in it is a TAP line.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"

fake=$top_builddir/tests/app/ui/ui_fake
utf=LC_ALL=C.UTF-8

# Runs whose screens are only checked once they end start now, side by side
# (those whose case is selected).
tap_selected fail && ui_start fail 80 24 $utf -- "$fake" fail 3
tap_selected color && ui_start color 80 24 $utf -- "$fake" flash 1
tap_selected color && ui_start nocolor 80 24 $utf NO_COLOR=1 -- "$fake" flash 1
tap_selected pick_quit && ui_start pickq 80 24 $utf -- "$fake" pick 2

# A whole flash at 80x24 in UTF-8: every panel, the gauges, the result screen.
t_flash() {
    ui_start flash 80 24 $utf -- "$fake" flash 2
    check "write gauge shows bytes, rate and time left" ui_wait flash "s left" 20
    check "package panel" screen_has flash "Version 1.9.0   Processor MIMXRT1062"
    check "firmware size and hash" screen_has flash "4.00 MiB  sha256 abaaa9a8"
    check "device listed as flashing" screen_has flash "sim-1          "
    check "panels framed in UTF-8" screen_has flash "┌─ Phases ─"
    check "result stays on screen" ui_wait flash "DONE: Flashing complete" 30
    check "device done" screen_has flash "done   "
    check "finished phases show duration" screen_has flash "done in"
    check "key hint" screen_has flash "Press any key to exit."
    check "still running until a key" test ! -f "$ui_dir/flash.rc"
    tm send-keys -t flash x
    check "exit 0" ui_exits flash 0
    check "terminal modes restored" tty_restored flash
}
tap_case flash

# q during write asks first, then stops after the current command: exit 5.
t_quit() {
    ui_start quit 80 24 $utf -- "$fake" flash 10
    ui_wait quit "write     " 30 && ui_wait quit "Writing the firmware" 30
    tm send-keys -t quit q
    check "asks during write" ui_wait quit "Press q again to stop after the current command" 10
    tm send-keys -t quit q
    check "exit 5" ui_exits quit 5
}
tap_case quit

# Ctrl-C stops at the next safe point without asking: exit 5, no key wait.
t_ctrl_c() {
    ui_start intr 80 24 $utf -- "$fake" flash 10
    ui_wait intr "Writing the firmware" 30
    tm send-keys -t intr C-c
    check "exit 5" ui_exits intr 5 10
    check "terminal modes restored" tty_restored intr
}
tap_case ctrl_c

# SIGTERM likewise, and the terminal comes back.
t_sigterm() {
    ui_start term 80 24 $utf -- "$fake" flash 10
    ui_wait term "Erasing" 30
    kill -TERM "$(ui_pid term)"
    check "exit 5" ui_exits term 5 10
    check "terminal modes restored" tty_restored term
}
tap_case sigterm

# q while waiting quits at once... here: during the upload (not destructive).
t_quit_before_erase() {
    ui_start quit2 80 24 $utf -- "$fake" flash 20
    ui_wait quit2 "Uploading the flashloader" 30
    tm send-keys -t quit2 q
    check "no question, exit 5" ui_exits quit2 5 10
}
tap_case quit_before_erase

# 80x23 (80x24 under a tmux or screen status line) shows every panel and
# gauge; 40x10 keeps the gauges, the title and the footer.
t_small_sizes() {
    ui_start s8023 80 23 $utf -- "$fake" flash 4
    check "80x23: gauges" ui_wait s8023 "│ write     " 20
    check "80x23: ... all of them" screen_has s8023 "│ reset     "
    check "80x23: package" ui_wait s8023 "Version 1.9.0" 10
    check "80x23: log" screen_has s8023 "┌─ Log "
    check "80x23: result" ui_wait s8023 "DONE: Flashing complete" 30
    tm send-keys -t s8023 x
    check "80x23: exit 0" ui_exits s8023 0
    ui_start s4010 40 10 $utf -- "$fake" flash 4
    check "40x10: the write gauge with its time left" ui_wait s4010 "s left" 20
    check "40x10: ... every gauge" screen_has s4010 "│ reset     "
    check "40x10: title" screen_has s4010 " nt_flash "
    check "40x10: result" ui_wait s4010 "DONE: " 30
    tm send-keys -t s4010 x
    check "40x10: exit 0" ui_exits s4010 0
}
tap_case small_sizes

# The job at a glance: overall percent and time left in the title and in
# the tmux pane title; a bell when the result arrives; help that lists the
# mode's keys above the gauges and, on the result screen, closes instead of
# exiting.
pane_title() { tm display-message -p -t "$1" '#{pane_title}'; }
title_has() { pane_title "$1" | grep -q -- "$2" || { echo "pane title: $(pane_title "$1")"; return 1; }; }
t_glance() {
    ui_start glance 80 24 $utf -- "$fake" flash 6
    tm pipe-pane -t glance -o "cat >> '$ui_dir/glance.raw'"
    check "overall percent and time left in the title" ui_wait glance "s left - Writing the firmware" 20
    check "the pane title follows" title_has glance "^nt_flash [0-9]*% write .*s left$"
    tm send-keys -t glance '?'
    check "help lists this mode's keys" ui_wait glance "Ctrl-C     stop after the command in flight" 10
    check "... not the picker's" screen_lacks glance "Enter      flash"
    check "... and leaves the gauges in view" screen_has glance "│ write     "
    tm send-keys -t glance '?'
    check "result" ui_wait glance "DONE: Flashing complete" 30
    check "the pane title says done" title_has glance "^nt_flash: done$"
    check "one bell with the result" sh -c "[ \"\$(tr -cd '\\007' < '$ui_dir/glance.raw' | wc -c)\" = 1 ]"
    check "DONE on green" sh -c "tmux -S '$ui_sock' capture-pane -e -p -t glance | head -n 1 | grep -q '42m'"
    tm send-keys -t glance '?'
    check "help on the result screen" ui_wait glance "any key    close nt_flash" 10
    tm send-keys -t glance x
    check "the key closes the help, not nt_flash" ui_wait_gone glance "any key    close nt_flash" 10
    check "... still running" test ! -f "$ui_dir/glance.rc"
    tm send-keys -t glance x
    check "exit 0" ui_exits glance 0
}
tap_case glance

# A failure: title, log and exit code.
t_fail() {
    check "title names the error" ui_wait fail "FAILED: erasing 0x60000000" 30
    check "FAILED on red, unlike DONE" sh -c "tmux -S '$ui_sock' capture-pane -e -p -t fail | head -n 1 | grep -q '41m'"
    check "error in the log" screen_has fail "error: erasing 0x60000000"
    check "device failed" screen_has fail "failed"
    tm send-keys -t fail Enter
    check "exit 5" ui_exits fail 5
}
tap_case fail

# Resizes mid-flash: wider, too small (a plain notice), back.
t_resize() {
    ui_start resize 80 24 $utf -- "$fake" flash 6
    ui_wait resize "erase     " 30
    tm resize-window -t resize -x 120 -y 30
    check "gauges widen" ui_wait resize "upload    $(rep 54 █) 100%" 10
    check_resizes resize
    check "completes" ui_wait resize "DONE:" 30
    tm send-keys -t resize q
    check "exit 0" ui_exits resize 0
}
tap_case resize

# Several modules: pick the second with Down and Enter.
t_pick() {
    ui_start pick 80 24 $utf -- "$fake" pick 2
    check "prompt" ui_wait pick "choose one with" 10
    check "cursor on the first" screen_has pick "> sim-1"
    tm send-keys -t pick Down
    check "cursor moves" ui_wait pick "> sim-2" 10
    tm send-keys -t pick Enter
    check "chosen module flashed" ui_wait pick "Chosen: the module at sim-2" 10
    ui_wait pick "DONE:" 30
    tm send-keys -t pick x
    check "exit 0" ui_exits pick 0
}
tap_case pick

# Quitting the picker is batch mode's "several modules and no --port": exit 1.
t_pick_quit() {
    ui_wait pickq "choose one with" 10
    check "other NXP devices listed" screen_has pickq "usb-9          other  15a2:0145"
    tm send-keys -t pickq Down Down Down Enter
    check "a device that is not a module is refused" ui_wait pickq "no module in bootloader mode at port usb-9" 10
    check "still choosing" screen_has pickq "> usb-9"
    tm send-keys -t pickq q
    check "q exits 1" ui_exits pickq 1
}
tap_case pick_quit

# The device monitor: a module arrives and leaves; help; q quits with 0.
t_monitor() {
    ui_start mon 80 24 $utf -- "$fake" monitor
    check "title" ui_wait mon "Device monitor: 1 NXP bootloader device" 10
    check "arrival" ui_wait mon "sim-7" 10
    check "arrival logged" screen_has mon "Device arrived: sim-7 sdp 1fc9:0135"
    check "removal" ui_wait mon "Device left: sim-7 sdp" 10
    check "list updated" ui_wait mon "Devices (1)" 10
    tm send-keys -t mon '?'
    check "help" ui_wait mon "?          close this help" 10
    check "... only the monitor's keys" screen_lacks mon "Enter"
    tm send-keys -t mon x
    check "help closes" ui_wait_gone mon "?          close this help" 10
    tm send-keys -t mon q
    check "exit 0" ui_exits mon 0
}
tap_case monitor

# ASCII under LANG=C: frames and gauges without a single non-ASCII byte.
t_ascii() {
    ui_start ascii 80 24 LC_ALL=C -- "$fake" flash 2
    check "ASCII gauges" ui_wait ascii "upload    ############## 100%" 30
    check "ASCII frames" screen_has ascii "+- Phases -"
    check "pending gauges in dots" screen_has ascii "reset     ..............  "
    check "no UTF-8 on screen" screen_ascii ascii
    ui_wait ascii "DONE:" 30
    check "still ASCII at the end" screen_ascii ascii
    tm send-keys -t ascii x
    check "exit 0" ui_exits ascii 0
}
tap_case ascii

# Colour by default, none with NO_COLOR (capture with attributes).
t_color() {
    ui_wait color "DONE:" 30
    check "colours by default" screen_colored color
    tm send-keys -t color x
    ui_exits color 0 >/dev/null
    ui_wait nocolor "DONE:" 30
    check "none with NO_COLOR" eval '! screen_colored nocolor'
    check "reverse title instead" screen_reverse nocolor
    tm send-keys -t nocolor x
    check "NO_COLOR run exits 0" ui_exits nocolor 0
}
tap_case color

finish
