#!/bin/sh
# The real nt_flash binary against emulated USB modules, out of process
# (tests/app/usb_harness owns the umockdev testbed): --list, the refusal to
# guess between two modules, --port, and a whole flash checked in the NOR.
. "$top_srcdir/tests/lib/tap.sh"

HARNESS="$top_builddir/tests/app/usb_harness"
"$HARNESS" -- true
case $? in
    0) ;;
    77) tap_skip_all "umockdev cannot emulate USB here" ;;
    *) echo "usb_harness does not run"; exit 99 ;;
esac

# hrun HARNESS_ARGS... -- NT_FLASH_ARGS...: like run, under the harness
hrun() {
    "$HARNESS" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
}

FW_BYTES=131072
PKG="$T/distingNT_1.0.0.zip"
mkpkg "$PKG" --kind plain --fw-size $FW_BYTES --version 1.0.0
unzip -p "$PKG" bootable_images/disting_NT.bin >"$T/fw.bin" || exit 99

t_list() {
    hrun -m 1-3:mboot -m 1-1.2:sdp:hab=closed -- "$NT_FLASH" --list
    expect_rc 0
    printf '%s\n' \
        "1-1.2          1fc9:0135  sdp           480M  hab=closed" \
        "1-3            15a2:0073  mboot         480M  version=M1.0.0" >"$T/want"
    cmp -s "$T/out" "$T/want" || tl_fail "--list printed: $(cat "$T/out")"
    expect_stderr_lines 0
}
tap_case list

t_list_none() {
    hrun -- "$NT_FLASH" --list
    expect_rc 0
    [ "$(cat "$T/out")" = "# no NXP bootloader devices found" ] || tl_fail "printed: $(cat "$T/out")"
}
tap_case list_none

t_refuses_to_guess() {
    hrun -m 1-1.2:sdp -m 1-1.3:sdp -- "$NT_FLASH" --batch -t 5 "$PKG"
    expect_rc 1
    expect_err "1-1\.2 \(sdp\), 1-1\.3 \(sdp\)"
    expect_err "--port"
}
tap_case refuses_to_guess

t_port_selects_and_flashes() {
    hrun -m 1-1.3:sdp:flash=2M -m 1-1.2:sdp -d "$T/nor.bin" -- \
        "$NT_FLASH" --batch -t 10 --port 1-1.3 "$PKG"
    expect_rc 0
    [ "$(head -c 4 "$T/nor.bin")" = "FCFB" ] || tl_fail "no FCFB tag at flash offset 0"
    tail -c +4097 "$T/nor.bin" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
        tl_fail "flash at 0x1000 differs from disting_NT.bin"
}
tap_case port_selects_and_flashes

# A running module over USB-MIDI: app -> ROM -> flashloader -> app on one port.
t_running_module_enter_bootloader_flash_and_back() {
    hrun -m 1-2:app:app_version=1.15.3 -d "$T/nor.bin" -- "$NT_FLASH" --batch -t 10 --enter-bootloader "$PKG"
    expect_rc 0
    expect_err 'asked the module at port 1-2 \(firmware 1.15.3\) to reboot into bootloader mode'
    expect_out '^DEVICE_DETECTED sdp$'
    expect_last_line '^RUNNING 1.0.0$'
    tail -c +4097 "$T/nor.bin" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
        tl_fail "flash at 0x1000 differs from disting_NT.bin"
}
tap_case running_module_enter_bootloader_flash_and_back

t_running_module_listed() {
    hrun -m 1-2:app:app_version=1.15.3 -- "$NT_FLASH" --list
    expect_rc 0
    printf '%-14s 3773:0001  %-13s %-5s version=1.15.3\n' 1-2 app 480M >"$T/want"
    cmp -s "$T/out" "$T/want" || tl_fail "--list printed: $(cat "$T/out")"
}
tap_case running_module_listed

t_unknown_port_waits_then_gives_up() {
    hrun -m 1-1.2:sdp -- "$NT_FLASH" --batch -t 1 --port 9-9 "$PKG"
    expect_rc 4
}
tap_case unknown_port_waits_then_gives_up

finish
