#!/bin/sh
# The module in its running state, whole-binary with the virtual module
# (doc/running.md): rebooting it into bootloader mode with --enter-bootloader
# (app -> ROM -> flashloader -> app), waiting without it, firmware before
# 1.15, a module that never comes back, a wrong SysEx ID, the version check
# after the flash, --list, --machine and the new options' usage errors.
. "$top_srcdir/tests/lib/tap.sh"

FW_BYTES=65536
PKG="$T/distingNT_1.16.0.zip"
mkpkg "$PKG" --kind plain --fw-size $FW_BYTES --version 1.16.0
unzip -p "$PKG" bootable_images/disting_NT.bin >"$T/fw.bin" || exit 99

skeleton() {
    sed -E 's/^([A-Z_]+) [0-9]+%$/\1 %/' "$T/out" | uniq
}

t_enter_bootloader_app_rom_flashloader_app() {
    run --batch --enter-bootloader --simulate=speed=0,start=app,dump="$T/dump.bin" "$PKG"
    expect_rc 0
    cat >"$T/expected" <<'EOT'
EXTRACTING
PACKAGE_INFO 1.16.0
WAITING_BOOTLOADER
DEVICE_DETECTED sdp
UPLOADING_FLASHLOADER %
DEVICE_DETECTED mboot
CONFIGURING_MEMORY
ERASING %
WRITING %
VERIFYING %
RESETTING
COMPLETE
RUNNING 1.16.0
EOT
    skeleton | diff -u "$T/expected" - >"$T/diff" || tl_fail "stdout differs: $(cat "$T/diff")"
    expect_err '^nt_flash: asked the module at port sim-1 \(firmware 1.15.0\) to reboot into bootloader mode \(SysEx ID 0\)$'
    tail -c +4097 "$T/dump.bin" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
        tl_fail "flash at 0x1000 differs from disting_NT.bin"
}
tap_case enter_bootloader_app_rom_flashloader_app

t_without_option_waits_and_says_why() {
    run --batch -t 0.5 --simulate=speed=0,start=app "$PKG"
    expect_rc 4
    expect_last_line '^ERROR no Disting NT in bootloader mode found'
    expect_err '^nt_flash: warning: a Disting NT running firmware 1.15.0 is at port sim-1, not in bootloader mode: run again with --enter-bootloader to reboot it into bootloader mode, or on the module choose Menu > Misc > Enter bootloader mode$'
    expect_no_out '^DEVICE_DETECTED'
}
tap_case without_option_waits_and_says_why

t_firmware_1_14_gets_the_menu_instructions() {
    run --batch -t 0.5 --enter-bootloader --simulate=speed=0,start=app,app_version=1.14.0 "$PKG"
    expect_rc 4
    expect_err 'warning: the module at port sim-1 runs firmware 1.14.0, which cannot be rebooted into bootloader mode over USB \(firmware 1.15 and later can\): on the module choose Menu > Misc > Enter bootloader mode$'
    ! grep -q 'asked the module' "$T/err" || tl_fail "the bootloader message was sent to 1.14 firmware"
}
tap_case firmware_1_14_gets_the_menu_instructions

t_module_that_never_comes_back_is_exit_0_with_warning() {
    run --batch --simulate=speed=0,app_boot=never "$PKG"
    expect_rc 0
    expect_last_line '^COMPLETE$'
    expect_no_out '^RUNNING'
    expect_err 'warning: the firmware was written \(every step acknowledged\), but the module did not come back running on port sim-1 within'
}
tap_case module_that_never_comes_back_is_exit_0_with_warning

t_wrong_sysex_id_is_never_answered() {
    run --batch -t 0.5 --enter-bootloader --simulate=speed=0,start=app,sysex_id=5 "$PKG"
    expect_rc 4
    expect_err 'asked the module at port sim-1 \(firmware of unknown version\) to reboot into bootloader mode \(SysEx ID 0\)'
    expect_last_line '^ERROR the module at port sim-1 did not reboot into bootloader mode within 0.5 s of the SysEx message: check its SysEx ID \(--sysex-id\)'
}
tap_case wrong_sysex_id_is_never_answered

t_right_sysex_id_reboots_and_reports() {
    run --batch --enter-bootloader --sysex-id 5 --simulate=speed=0,start=app,sysex_id=5 "$PKG"
    expect_rc 0
    expect_last_line '^RUNNING 1.16.0$'
    expect_err 'to reboot into bootloader mode \(SysEx ID 5\)'
}
tap_case right_sysex_id_reboots_and_reports

# A marker that starts inside the version models firmware that declares
# another version than the package's manifest.
t_other_version_after_flash_warns() {
    run --batch --simulate=speed=0,app_marker=NTVER:1. "$PKG"
    expect_rc 0
    expect_last_line '^RUNNING 16.0$'
    expect_err 'warning: the module at port sim-1 runs firmware 16.0, not the package.s version 1.16.0'
}
tap_case other_version_after_flash_warns

t_unknown_version_after_flash() {
    run --batch --simulate=speed=0,app_marker=NOSUCH: "$PKG"
    expect_rc 0
    expect_last_line '^RUNNING unknown$'
    expect_err 'runs its firmware again but did not say which version'
}
tap_case unknown_version_after_flash

t_no_wait_restart_ends_at_complete() {
    run --batch --no-wait-restart --simulate=speed=0 "$PKG"
    expect_rc 0
    expect_last_line '^COMPLETE$'
    expect_no_out '^RUNNING'
    expect_stderr_lines 0
}
tap_case no_wait_restart_ends_at_complete

t_machine_running_stage() {
    run --machine --enter-bootloader --simulate=speed=0,start=app "$PKG"
    expect_rc 0
    grep '^STATUS:' "$T/out" | tail -n 2 >"$T/last2"
    printf 'STATUS:COMPLETE:100:Flash complete\nSTATUS:RUNNING:100:Module running firmware 1.16.0\n' |
        diff -u - "$T/last2" >"$T/diff" || tl_fail "last STATUS lines differ: $(cat "$T/diff")"
}
tap_case machine_running_stage

t_list_shows_running_modules() {
    run --list --simulate=speed=0,start=app,app_version=1.17.1
    expect_rc 0
    printf '%-14s 3773:0001  %-13s %-5s version=1.17.1\n' sim-1 app 480M >"$T/want"
    cmp -s "$T/out" "$T/want" || tl_fail "--list printed: $(cat "$T/out")"
    run --list --simulate=speed=0,start=app,app_version=
    expect_rc 0
    expect_out '^sim-1 +3773:0001  app +480M  running, version unknown$'
    run --list --sysex-id 3 --simulate=speed=0,start=app,sysex_id=3
    expect_out 'version=1.15.0$'
}
tap_case list_shows_running_modules

t_udev_rule_covers_the_running_module() {
    grep -q 'ATTRS{idVendor}=="3773", ATTRS{idProduct}=="0001", TAG+="uaccess", GROUP="plugdev", MODE="0660"' \
        "$top_srcdir/doc/60-nt-flash.rules" || tl_fail "doc/60-nt-flash.rules has no line for 3773:0001"
}
tap_case udev_rule_covers_the_running_module

t_sysex_id_usage_errors() {
    for bad in 127 -1 x 1.5 ''; do
        run --sysex-id "$bad" --simulate=speed=0 "$PKG"
        expect_rc 1
        expect_err "invalid --sysex-id '$bad': give the module's SysEx ID, a number from 0 to 126"
    done
}
tap_case sysex_id_usage_errors

finish
