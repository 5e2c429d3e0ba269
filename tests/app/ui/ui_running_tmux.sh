# The full-screen view and a module running its firmware (doc/running.md),
# on a terminal (tmux) against the virtual module: the prompt "Reboot the
# module at PORT into bootloader mode? [y/N]", y (app -> ROM -> flashloader
# -> app, the row then shows the new version), n (the run waits as without
# --enter-bootloader), and the device monitor's row with the version.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"

utf=LC_ALL=C.UTF-8
mkpkg "$ui_dir/p.zip" --version 1.16.0
prompt="Reboot the module at sim-1 into bootloader mode? [y/N]"

# Started side by side (those whose case is selected).
tap_selected yes && ui_start yes 80 40 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=app "$ui_dir/p.zip"
tap_selected no && ui_start no 80 40 $utf -- "$NT_FLASH" -t 2 --simulate=speed=0.05,start=app "$ui_dir/p.zip"
tap_selected monitor && ui_start mon 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=app,app_version=1.17.0

t_yes() {
    check "the prompt" ui_wait yes "$prompt" 20
    check "the running row with its version" screen_has yes "3773:0001  running 1.15.0"
    tm send-keys -t yes y
    check "prompt gone" ui_wait_gone yes "$prompt" 10
    check "flashed" ui_wait yes "DONE:" 60
    check "running the new version" ui_wait yes "running 1.16.0" 20
    check "RUNNING in the log" screen_has yes "RUNNING 1.16.0"
    check "the final summary says it" screen_has yes "Running firmware 1.16.0."
    tm send-keys -t yes x
    check "exit 0" ui_exits yes 0
}
tap_case yes

t_no() {
    check "the prompt" ui_wait no "$prompt" 20
    tm send-keys -t no n
    check "says it waits" ui_wait no "Not rebooting the module at sim-1" 10
    check "waited in vain" ui_wait no "FAILED:" 20
    tm send-keys -t no x
    check "exit 4 as in batch mode" ui_exits no 4
}
tap_case no

t_monitor() {
    check "the running row with its version" ui_wait mon "3773:0001  running 1.17.0" 20
    tm send-keys -t mon q
    check "q exits 0" ui_exits mon 0
}
tap_case monitor

finish
