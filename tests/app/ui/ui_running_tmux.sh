# The full-screen view and a module running its firmware (doc/running.md),
# on a terminal (tmux) against the virtual module: the prompt "Reboot the
# module at PORT into bootloader mode? [y/N]", y (app -> ROM -> flashloader
# -> app, the row then shows the new version), n (the run waits as without
# --enter-bootloader), and the device monitor's row with the version.
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"
: "${NT_FLASH:?run through make check}"

mkpkg=$top_builddir/tools/mkpkg
utf=LC_ALL=C.UTF-8
"$mkpkg" --version 1.16.0 "$ui_dir/p.zip" >/dev/null || { echo "mkpkg failed"; exit 99; }
prompt="Reboot the module at sim-1 into bootloader mode? [y/N]"

ui_start yes 80 40 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=app "$ui_dir/p.zip"
ui_start no 80 40 $utf -- "$NT_FLASH" -t 2 --simulate=speed=0.05,start=app "$ui_dir/p.zip"
ui_start mon 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,start=app,app_version=1.17.0

check "yes: the prompt" ui_wait yes "$prompt" 20
check "yes: the running row with its version" screen_has yes "3773:0001  running 1.15.0"
tm send-keys -t yes y
check "yes: prompt gone" ui_wait_gone yes "$prompt" 10
check "yes: flashed" ui_wait yes "DONE:" 60
check "yes: running the new version" ui_wait yes "running 1.16.0" 20
check "yes: RUNNING in the log" screen_has yes "RUNNING 1.16.0"
check "yes: the final summary says it" screen_has yes "Running firmware 1.16.0."
tm send-keys -t yes x
check "yes: exit 0" expect_rc yes 0

check "no: the prompt" ui_wait no "$prompt" 20
tm send-keys -t no n
check "no: says it waits" ui_wait no "Not rebooting the module at sim-1" 10
check "no: waited in vain" ui_wait no "FAILED:" 20
tm send-keys -t no x
check "no: exit 4 as in batch mode" expect_rc no 4

check "monitor: the running row with its version" ui_wait mon "3773:0001  running 1.17.0" 20
tm send-keys -t mon q
check "monitor: q exits 0" expect_rc mon 0

ui_finish
