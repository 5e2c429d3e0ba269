#!/bin/sh
# The real nt_flash binary against emulated USB modules, out of process
# (tests/app/usb_harness owns the umockdev testbed): --list, the refusal to
# guess between two modules, --port, and a whole flash checked in the NOR;
# several modules flashed in parallel (--all) through the one libusb context.
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

# check_nor FILE: FCB at 0, the firmware at 0x1000, erased after it
check_nor() {
    [ -f "$1" ] || { tl_fail "no dump $1"; return; }
    [ "$(head -c 4 "$1")" = "FCFB" ] || tl_fail "$1: no FCFB tag at flash offset 0"
    tail -c +4097 "$1" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
        tl_fail "$1: flash at 0x1000 differs from disting_NT.bin"
    n=$(tail -c +$((4097 + FW_BYTES)) "$1" | tr -d '\377' | wc -c)
    [ "$n" = 0 ] || tl_fail "$1: $n non-erased bytes after the firmware"
}

# Three modules on different hub ports, flashed at once through the real
# libusb (one context, one event thread); with FAULT the one at 1-1.3 has it.
three_modules() {
    rm -f "$T"/u-*.bin
    hrun -m "1-1.2:sdp:dump=$T/u-1.bin" -m "1-1.3:sdp:dump=$T/u-2.bin${1:+,fault=$1}" \
        -m "1-2:sdp:dump=$T/u-3.bin" -- "$NT_FLASH" --batch --all -t 10 "$PKG"
}

t_three_in_parallel() {
    three_modules
    expect_rc 0
    for p in 1-1.2 1-1.3 1-2; do
        [ "$(grep -c "^RESULT $p OK 1.0.0 " "$T/out")" = 1 ] || tl_fail "no single RESULT OK for $p"
        [ "$(grep -c "^$p COMPLETE$" "$T/out")" = 1 ] || tl_fail "no $p COMPLETE"
    done
    check_nor "$T/u-1.bin"
    check_nor "$T/u-2.bin"
    check_nor "$T/u-3.bin"
    # All three were started together, before any finished.
    awk '/^RESULT/ && !r { r = NR } /^1-(1\.2|1\.3|2) DEVICE_DETECTED sdp/ { s++; if (r) bad = 1 } END { exit bad || s != 3 }' \
        "$T/out" || tl_fail "the modules were not flashed in parallel"
}
tap_case three_in_parallel

t_one_unplugged_fails_alone() {
    three_modules unplug@write:50
    expect_rc 5
    expect_out "^RESULT 1-1\.3 FAILED 5 .*left the bus"
    expect_out "^RESULT 1-1\.2 OK 1\.0\.0 "
    expect_out "^RESULT 1-2 OK 1\.0\.0 "
    check_nor "$T/u-1.bin"
    check_nor "$T/u-3.bin"
    [ "$(grep -c '^RESULT ' "$T/out")" = 3 ] || tl_fail "not 3 RESULT lines"
}
tap_case one_unplugged_fails_alone

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

# Verify through libusb: a byte the module corrupts is named at its address.
begin verify_catches_a_corrupt_byte
hrun -m "1-1.2:sdp:fault=corrupt@write:30,stats=$T/st.json" -- "$NT_FLASH" --batch -t 10 "$PKG"
expect_rc 5
addr=$(python3 -c 'import json,sys; print("0x%08x" % json.load(open(sys.argv[1]))["corrupt_addr"])' "$T/st.json")
expect_last_line "^ERROR verify failed: 1 byte\\(s\\) read back differ from the image, the first at $addr "
end

# Only what changed through libusb: the same image again erases and writes nothing.
begin same_image_again_only_reads
rm -f "$T/kept.bin"
hrun -m "1-1.2:sdp:nor=$T/kept.bin" -- "$NT_FLASH" --batch -t 10 "$PKG"
expect_rc 0
hrun -m "1-1.2:sdp:nor=$T/kept.bin" -- "$NT_FLASH" -v --batch -t 10 --trace "$T/trace" "$PKG"
expect_rc 0
expect_err 'only what changed: ([0-9]+) of \1 sectors already hold the new content'
grep -q ' OUT mboot 1016 01 00 10 00 02 ' "$T/trace" && tl_fail "an erase command on an unchanged flash"
tail -c +4097 "$T/kept.bin" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
    tl_fail "flash at 0x1000 differs from disting_NT.bin"
end

# The right chip through libusb: a running flashloader on an RT1010 is refused.
begin running_flashloader_on_another_chip_is_refused
hrun -m "1-1.2:mboot:chip=rt1010" -d "$T/nor1010.bin" -- "$NT_FLASH" --batch -t 10 "$PKG"
expect_rc 5
expect_last_line '^ERROR the running flashloader is not on an i\.MX RT1060'
end

# An unzipped package folder through libusb, and --sha256 refusing a ZIP.
begin folder_package_and_sha256_pin
rm -rf "$T/unz" && mkdir "$T/unz" && (cd "$T/unz" && unzip -q "$PKG")
hrun -m 1-1.2:sdp -d "$T/nor_dir.bin" -- "$NT_FLASH" --batch -t 10 "$T/unz"
expect_rc 0
tail -c +4097 "$T/nor_dir.bin" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
    tl_fail "flash at 0x1000 differs from the folder's disting_NT.bin"
hrun -m 1-1.2:sdp -- "$NT_FLASH" --batch -t 10 --sha256 "$(printf '%064d' 0)" "$PKG"
expect_rc 2
expect_last_line '^ERROR .*SHA-256 .* is not the 0{64} given with --sha256'
end

# --backup through libusb: the firmware on the module becomes a package.
begin backup_only
hrun -m "1-1.2:sdp:nor=$T/bk_nor.bin" -- "$NT_FLASH" --batch -t 10 "$PKG"
expect_rc 0
hrun -m "1-1.2:sdp:nor=$T/bk_nor.bin" -- "$NT_FLASH" --batch -t 10 --backup "$T/bk.zip" --flashloader-from "$PKG"
expect_rc 0
unzip -p "$T/bk.zip" bootable_images/disting_NT.bin | cmp -s - "$T/fw.bin" ||
    tl_fail "the backup's firmware differs from what was flashed"
end

finish
