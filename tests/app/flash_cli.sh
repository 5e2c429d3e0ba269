#!/bin/sh
# Whole-binary runs of `nt_flash --batch --simulate=...`, as a user or a
# script would run them: progress lines, exit codes, the flash contents the
# virtual module ends with, every fault kind in every phase, signals, the
# --machine format and the --trace file.
. "$top_srcdir/tests/lib/tap.sh"

FW_BYTES=262144
PKG="$T/distingNT_2.3.4.zip"
mkpkg "$PKG" --kind plain --fw-size $FW_BYTES --version 2.3.4
unzip -p "$PKG" bootable_images/disting_NT.bin >"$T/fw.bin" || exit 99
printf 'not a zip' >"$T/bad.zip"

# check_percent LABEL: that phase's lines start at 0%, end at 100% and
# strictly increase (one line per integer change).
check_percent() {
    grep -E "^$1 [0-9]+%$" "$T/out" | sed 's/.* \([0-9]*\)%/\1/' >"$T/pct"
    [ -s "$T/pct" ] || { tl_fail "no $1 lines"; return; }
    [ "$(head -n 1 "$T/pct")" = 0 ] || tl_fail "$1 does not start at 0%"
    [ "$(tail -n 1 "$T/pct")" = 100 ] || tl_fail "$1 does not end at 100%"
    awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' "$T/pct" ||
        tl_fail "$1 percentages do not strictly increase"
}

# skeleton: stdout with the percentage runs folded into one line each
skeleton() {
    sed -E 's/^([A-Z_]+) [0-9]+%$/\1 %/' "$T/out" | uniq
}

# check_dump FILE: FCB at 0, firmware at 0x1000, 0xFF in the rest of the erase
check_dump() {
    dump=$1
    erase_end=$(( (4096 + FW_BYTES + 4095) / 4096 * 4096 ))
    size=$(wc -c <"$dump")
    [ "$size" = "$erase_end" ] || tl_fail "dump is $size bytes, expected $erase_end"
    [ "$(head -c 4 "$dump")" = "FCFB" ] || tl_fail "no FCFB tag at flash offset 0"
    n=$(head -c 4096 "$dump" | tail -c +513 | tr -d '\377' | wc -c)
    [ "$n" = 0 ] || tl_fail "$n non-erased bytes between the FCB and 0x1000"
    tail -c +4097 "$dump" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
        tl_fail "flash at 0x1000 differs from disting_NT.bin"
    n=$(tail -c +$((4097 + FW_BYTES)) "$dump" | tr -d '\377' | wc -c)
    [ "$n" = 0 ] || tl_fail "$n non-erased bytes after the firmware"
}

t_success_lines_and_flash_contents() {
    run --batch --simulate=speed=0,dump="$T/dump.bin",stats="$T/stats.json" "$PKG"
    expect_rc 0
    cat >"$T/expected" <<'EOF'
EXTRACTING
PACKAGE_INFO 2.3.4
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
RUNNING 2.3.4
EOF
    skeleton | diff -u "$T/expected" - >"$T/diff" || tl_fail "stdout differs: $(cat "$T/diff")"
    check_percent UPLOADING_FLASHLOADER
    check_percent ERASING
    check_percent WRITING
    check_percent VERIFYING
    check_dump "$T/dump.bin"
    grep -q '"device_busy_s"' "$T/stats.json" || tl_fail "stats has no device_busy_s"
    expect_stderr_lines 0
}
tap_case success_lines_and_flash_contents

t_flashloader_already_running() {
    run --batch --simulate=speed=0,start=mboot,dump="$T/dump2.bin" "$PKG"
    expect_rc 0
    sed -n '3,4p' "$T/out" >"$T/two"
    printf 'WAITING_BOOTLOADER\nDEVICE_DETECTED mboot\n' | diff - "$T/two" >/dev/null ||
        tl_fail "DEVICE_DETECTED mboot does not follow WAITING_BOOTLOADER: $(cat "$T/two")"
    expect_no_out '^UPLOADING_FLASHLOADER'
    expect_last_line '^RUNNING 2.3.4$'
    check_dump "$T/dump2.bin"
}
tap_case flashloader_already_running

t_verbose_detail_on_stderr() {
    run --batch -v --simulate=speed=0 "$PKG"
    expect_rc 0
    expect_err 'using .* at sim-1'
    expect_err 'erase done in'
    expect_err '0x20001c00'
}
tap_case verbose_detail_on_stderr

t_list_virtual_modules() {
    run --list --simulate=modules=2,start=mboot
    expect_rc 0
    printf 'sim-1          15a2:0073  mboot         480M  version=M1.0.0\nsim-2          15a2:0073  mboot         480M  version=M1.0.0\n' |
        diff - "$T/out" >/dev/null || tl_fail "--list output: $(cat "$T/out")"
}
tap_case list_virtual_modules

# (the no_usb cases need a machine without /sys/bus/usb, a container)
NO_USB_SKIP="this machine has a USB subsystem (/sys/bus/usb)"
t_list_on_a_machine_without_usb() {
    [ ! -d /sys/bus/usb ] || { tap_skip "$NO_USB_SKIP"; return; }
    run --list
    expect_rc 0
    [ "$(cat "$T/out")" = "# no NXP bootloader devices found" ] || tl_fail "stdout: $(cat "$T/out")"
    expect_err 'no USB subsystem'
}
tap_case list_on_a_machine_without_usb

t_exit_1_bad_arguments() {
    run --batch -t abc "$PKG"
    expect_rc 1
    expect_err "invalid timeout 'abc'"
    expect_err "Try 'nt_flash --help'"
}
tap_case exit_1_bad_arguments

t_exit_1_bad_simulate_spec() {
    run --batch --simulate=speed=fast "$PKG"
    expect_rc 1
    expect_err 'speed'
}
tap_case exit_1_bad_simulate_spec

t_exit_2_bad_package() {
    run --batch --simulate=speed=0 "$T/bad.zip"
    expect_rc 2
    expect_last_line '^ERROR '
}
tap_case exit_2_bad_package

t_package_is_an_empty_directory() {
    mkdir -p "$T/folder.zip"
    run --batch -n "$T/folder.zip"
    expect_rc 2
    expect_last_line '^ERROR .*folder\.zip: the folder holds no package files'
}
tap_case package_is_an_empty_directory

t_exit_3_download_refused() {
    run --batch --simulate=speed=0 --url http://127.0.0.1:9/distingNT_1.0.0.zip
    expect_rc 3
    expect_last_line '^ERROR .*127\.0\.0\.1'
}
tap_case exit_3_download_refused

t_exit_4_no_module() {
    run --batch -t 0.3 --simulate=speed=0,start=none "$PKG"
    expect_rc 4
    expect_last_line '^ERROR no Disting NT in bootloader mode'
    expect_out '^WAITING_BOOTLOADER$'
}
tap_case exit_4_no_module

t_module_arrives_while_waiting() {
    run --batch -t 5 --simulate=speed=0,start=none,arrive=0.2 "$PKG"
    expect_rc 0
    expect_last_line '^RUNNING 2.3.4$'
}
tap_case module_arrives_while_waiting

t_exit_1_several_modules_without_port() {
    run --batch --simulate=speed=0,modules=2 "$PKG"
    expect_rc 1
    expect_last_line '^ERROR 2 modules are in bootloader mode.*sim-1.*sim-2.*--port'
}
tap_case exit_1_several_modules_without_port

t_port_selects_one_of_several() {
    run --batch --simulate=speed=0,modules=2 --port sim-2 -v "$PKG"
    expect_rc 0
    expect_err 'using .* at sim-2'
}
tap_case port_selects_one_of_several

t_port_not_present() {
    run --batch -t 0.3 --simulate=speed=0 --port 9-9 "$PKG"
    expect_rc 4
    expect_last_line 'at port 9-9'
}
tap_case port_not_present

# A --port with no module while others are attached: the error names them.
t_port_wrong_lists_the_attached_modules() {
    run --batch -t 0.3 --simulate=speed=0,modules=2 --port 9-9 "$PKG"
    expect_rc 4
    expect_last_line 'at port 9-9 .*attached at: sim-1, sim-2 .pass one of them to --port'
}
tap_case port_wrong_lists_the_attached_modules

# --log FILE: the run with times, as it happens; the failure and its advice.
t_log_file_records_the_run() {
    run --batch --log "$T/run.log" --simulate=speed=0 "$PKG"
    expect_rc 0
    grep -q '^[0-9-]* [0-9:.]* nt_flash .*: .* --log ' "$T/run.log" || tl_fail "no header line"
    grep -q '^[0-9-]* [0-9:.]* *[0-9.]*s write 100% (262144 of 262144)$' "$T/run.log" ||
        tl_fail "no timed write 100% line"
    grep -q 'using sim-1 mboot 15a2:0073' "$T/run.log" || tl_fail "the module is not named"
    grep -q 'finished: every step acknowledged$' "$T/run.log" || tl_fail "no finished line"
    [ "$(tail -n 1 "$T/run.log" | sed 's/^[0-9-]* [0-9:.]* //')" = "exit 0" ] ||
        tl_fail "the last line is not the exit code"
}
tap_case log_file_records_the_run

t_log_file_records_a_failure() {
    run --batch --log "$T/fail.log" --simulate=speed=0,fault=unplug@write "$PKG"
    expect_rc 5
    grep -q 'failed in the write phase$' "$T/fail.log" || tl_fail "no failure line"
    grep -q '^  the module at sim-1 stopped in the write phase. The module left the USB bus' "$T/fail.log" ||
        tl_fail "no recovery advice"
    [ "$(tail -n 1 "$T/fail.log" | sed 's/^[0-9-]* [0-9:.]* //')" = "exit 5" ] || tl_fail "no exit 5 line"
}
tap_case log_file_records_a_failure

t_log_file_unwritable() {
    run --batch --log "$T/no/such/dir/x.log" --simulate=speed=0 "$PKG"
    expect_rc 1
    expect_err "cannot write the log file '$T/no/such/dir/x.log'"
}
tap_case log_file_unwritable

t_log_file_not_with_all() {
    run --batch --all --log "$T/all.log" --simulate=speed=0 "$PKG"
    expect_rc 1
    expect_err "cannot be combined with --all or --loop"
    [ ! -e "$T/all.log" ] || tl_fail "a log file was written"
}
tap_case log_file_not_with_all

t_firmware_larger_than_reported_flash() {
    BIG="$T/distingNT_big.zip"
    mkpkg "$BIG" --kind plain --fw-size 5242880 --version 9.9.9
    run --batch --simulate=speed=0,flash=4M "$BIG"
    expect_rc 5
    expect_last_line '^ERROR '
}
tap_case firmware_larger_than_reported_flash

t_hab_closed() {
    run --batch --simulate=speed=0,hab=closed "$PKG"
    expect_rc 5
    expect_last_line 'secured'
    expect_err 'a package with a signed flashloader is needed'
    grep -q 'run nt_flash again now' "$T/err" && tl_fail "HAB closed: advises a rerun that fails the same way"
}
tap_case hab_closed

# fault KIND@PHASE expected-rc last-line-pattern [extra simulate keys]: the
# case fault_KIND_PHASE[_KEYS]
fault() {
    tap_case "fault_$(echo "$1" | tr '@:' '__')${4:+_$(echo "$4" | tr '=,' '__')}" fault_run "$@"
}
fault_run() {
    # `timeout` turns a hang into a failure instead of a stuck test run.
    timeout 60 "$NT_FLASH" --batch -t 5 --simulate="speed=0,fault=$1${4:+,$4}" "$PKG" \
        >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    expect_rc "$2"
    expect_last_line "$3"
    if [ "$2" = 5 ]; then
        expect_err 'stopped in the .* phase'
    fi
}

for ph in upload configure erase write; do
    fault "unplug@$ph" 5 '^ERROR '
    fault "silent@$ph" 5 '^ERROR '
done
fault "status@upload" 5 '^ERROR .*0x'
fault "status@configure" 5 '^ERROR .*kStatus_'
fault "status@erase" 5 '^ERROR .*kStatus_'
fault "status@write" 5 '^ERROR .*kStatus_'
fault "status@reset" 5 '^ERROR .*kStatus_'
fault "unplug@upload:1" 5 '^ERROR '
fault "unplug@erase:10" 5 '^ERROR '
fault "unplug@erase:95" 5 '^ERROR '
fault "unplug@write:5" 5 '^ERROR '
fault "unplug@write:99" 5 '^ERROR '
fault "silent@write:10" 5 '^ERROR '
fault "silent@erase:90" 5 '^ERROR '
fault "unplug@write" 5 '^ERROR ' start=mboot
fault "status@write" 5 '^ERROR .*kStatus_' start=mboot
fault "badjump" 5 '^ERROR '
fault "noenum" 5 '^ERROR .*flashloader did not appear'
fault "stale" 0 '^RUNNING 2.3.4$'
fault "stale" 0 '^RUNNING 2.3.4$' start=mboot

t_fault_unplug_at_reset_is_success_with_warning() {
    run --batch --simulate=speed=0,fault=unplug@reset "$PKG"
    expect_rc 0
    expect_last_line '^COMPLETE$'
    expect_err 'warning: .*reset'
}
tap_case fault_unplug_at_reset_is_success_with_warning

t_fault_silent_at_reset_is_success_with_warning() {
    run --batch --simulate=speed=0,fault=silent@reset "$PKG"
    expect_rc 0
    expect_last_line '^COMPLETE$'
    expect_err 'warning: .*reset'
}
tap_case fault_silent_at_reset_is_success_with_warning

# Signals: a write slow enough to interrupt (page program 2 ms, real time),
# an erase fast enough not to matter.
SLOW="speed=1,sector_ms=0.01,block_ms=0.01,page_ms=2,enum_delay=0.01"

# start_bg SIMULATE: nt_flash in the background, its pid in $bg
start_bg() {
    # Empty the output first, here: the child truncates it only once it runs,
    # and wait_for_line must not see the previous case's lines meanwhile.
    : >"$T/out"
    "$NT_FLASH" --batch --trace "$T/trace" --simulate="$1" "$PKG" >"$T/out" 2>"$T/err" </dev/null &
    bg=$!
}

# wait_for_line PATTERN: until stdout has it (at most ~20 s)
wait_for_line() {
    i=0
    while ! grep -Eq -- "$1" "$T/out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 400 ] && { tl_fail "no line matching '$1' appeared"; return 1; }
        sleep 0.05
    done
}

t_sigint_during_write_completes_the_command_then_exits_5() {
    start_bg "$SLOW"
    if wait_for_line '^WRITING [2-9][0-9]%$'; then
        kill -INT $bg
    fi
    wait $bg
    rc=$?
    expect_rc 5
    expect_last_line '^ERROR stopped by request during the write'
    expect_no_out '^COMPLETE$'
    # The command in flight completed: the last report from the module is the
    # final GenericResponse(success) of a WriteMemory (tag 0x04).
    last_in=$(grep ' IN mboot ' "$T/trace" | tail -n 1 | cut -d' ' -f5-12)
    [ "$last_in" = "03 00 0c 00 a0 00 00 02" ] || tl_fail "last IN report is '$last_in'"
    grep ' IN mboot ' "$T/trace" | tail -n 1 | grep -q ' 00 00 00 00 04 00 00 00' ||
        tl_fail "last IN report is not a successful WriteMemory answer"
}
tap_case sigint_during_write_completes_the_command_then_exits_5

t_sighup_during_write_is_ignored() {
    start_bg "$SLOW"
    if wait_for_line '^WRITING [1-9][0-9]%$'; then
        kill -HUP $bg
    fi
    wait $bg
    rc=$?
    expect_rc 0
    expect_last_line '^RUNNING 2.3.4$'
}
tap_case sighup_during_write_is_ignored

t_sigint_while_waiting_exits_4_at_once() {
    : >"$T/out"
    "$NT_FLASH" --batch -t 30 --simulate=speed=0,start=none "$PKG" >"$T/out" 2>"$T/err" </dev/null &
    bg=$!
    wait_for_line '^WAITING_BOOTLOADER$'
    kill -INT $bg
    wait $bg
    rc=$?
    expect_rc 4
    expect_last_line '^ERROR interrupted while waiting'
}
tap_case sigint_while_waiting_exits_4_at_once

t_machine_output() {
    run --machine --simulate=speed=0 "$PKG"
    expect_rc 0
    grep '^STATUS:' "$T/out" >"$T/status"
    cat >"$T/expected" <<'EOF'
STATUS:LOAD:0:Loading firmware package
STATUS:START:0:Starting disting NT flash
STATUS:SDP_CONNECT:5:Connecting to SDP bootloader
STATUS:SDP_UPLOAD:15:Uploading flashloader to RAM
STATUS:SDP_JUMP:25:Starting flashloader
STATUS:WAIT_ENUM:30:Waiting for flashloader to start
STATUS:BL_CONNECT:40:Connecting to flashloader
STATUS:CONFIGURE:50:Configuring flash memory
STATUS:ERASE:55:Erasing flash region
STATUS:FCB:60:Creating Flash Configuration Block
STATUS:WRITE:65:Writing firmware
STATUS:VERIFY:90:Verifying flash
STATUS:RESET:95:Resetting device
STATUS:COMPLETE:100:Flash complete
STATUS:RUNNING:100:Module running firmware 2.3.4
EOF
    diff -u "$T/expected" "$T/status" >"$T/diff" || tl_fail "STATUS lines differ: $(cat "$T/diff")"
    grep -vE '^(STATUS|PROGRESS):' "$T/out" >"$T/other" && tl_fail "non-machine lines: $(cat "$T/other")"
    for st in SDP_UPLOAD ERASE WRITE VERIFY; do
        grep -E "^PROGRESS:$st:[0-9]+:[0-9]+/[0-9]+ bytes$" "$T/out" | cut -d: -f3 >"$T/pct"
        [ "$(head -n 1 "$T/pct")" = 0 ] && [ "$(tail -n 1 "$T/pct")" = 100 ] ||
            tl_fail "PROGRESS:$st does not run from 0 to 100"
    done
}
tap_case machine_output

t_machine_output_flashloader_running_and_error() {
    run --machine --simulate=speed=0,start=mboot,fault=status@erase "$PKG"
    expect_rc 5
    grep '^STATUS:' "$T/out" | head -n 5 >"$T/status"
    cat >"$T/expected" <<'EOF'
STATUS:LOAD:0:Loading firmware package
STATUS:START:0:Starting disting NT flash
STATUS:SDP_CONNECT:5:Connecting to SDP bootloader
STATUS:BL_CHECK:10:Checking for flashloader mode
STATUS:BL_FOUND:15:Device already in flashloader mode
EOF
    diff -u "$T/expected" "$T/status" >"$T/diff" || tl_fail "STATUS lines differ: $(cat "$T/diff")"
    expect_last_line '^ERROR:.*kStatus_'
}
tap_case machine_output_flashloader_running_and_error

t_machine_no_module() {
    run --machine -t 0.3 --simulate=speed=0,start=none "$PKG"
    expect_rc 4
    printf 'STATUS:LOAD:0:Loading firmware package\nSTATUS:START:0:Starting disting NT flash\nSTATUS:SDP_CONNECT:5:Connecting to SDP bootloader\n' >"$T/expected"
    grep '^STATUS:' "$T/out" | diff -u "$T/expected" - >"$T/diff" || tl_fail "STATUS lines differ: $(cat "$T/diff")"
    expect_last_line '^ERROR:no Disting NT'
}
tap_case machine_no_module

t_machine_dry_run_keeps_stdout_machine_only() {
    run --machine -n "$PKG"
    expect_rc 0
    grep -vE '^(STATUS|PROGRESS):' "$T/out" >"$T/other" && tl_fail "non-machine lines on stdout: $(cat "$T/other")"
    expect_err '^version: 2\.3\.4$'
}
tap_case machine_dry_run_keeps_stdout_machine_only

t_no_usb_package_still_validated_first() {
    [ ! -d /sys/bus/usb ] || { tap_skip "$NO_USB_SKIP"; return; }
    run --batch "$T/bad.zip"
    expect_rc 2
    expect_last_line '^ERROR .*not a ZIP'
}
tap_case no_usb_package_still_validated_first

t_no_usb_good_package_then_no_device() {
    [ ! -d /sys/bus/usb ] || { tap_skip "$NO_USB_SKIP"; return; }
    run --batch "$PKG"
    expect_rc 4
    expect_out '^PACKAGE_INFO 2\.3\.4$'
    expect_out '^WAITING_BOOTLOADER$'
    expect_last_line '^ERROR .*no USB subsystem'
}
tap_case no_usb_good_package_then_no_device

t_sigterm_while_waiting_for_the_flashloader_stops_now() {
    : >"$T/out"
    "$NT_FLASH" --batch --simulate=speed=1,enum_delay=20 "$PKG" >"$T/out" 2>"$T/err" </dev/null &
    bg=$!
    wait_for_line '^UPLOADING_FLASHLOADER 100%$'
    sleep 0.3
    kill -TERM $bg
    t0=$(date +%s)
    wait $bg
    rc=$?
    expect_rc 5
    [ $(($(date +%s) - t0)) -le 3 ] || tl_fail "took more than 3 s to stop"
    expect_last_line '^ERROR stopped by request while waiting for the flashloader'
}
tap_case sigterm_while_waiting_for_the_flashloader_stops_now

# The trace against doc/protocol.md §7: S2 (ERROR_STATUS), S8-style JUMP to the
# package's address, M1, M6, M9, M8, M13 and the first DATA_OUT header (M12).
t_trace_matches_protocol_vectors() {
    run --batch --trace "$T/trace" --simulate=speed=0 "$PKG"
    expect_rc 0
    tr_has() {
        grep -q -- " $1 $2 $3 $4" "$T/trace" || tl_fail "trace has no '$1 $2 $3 $4...'"
    }
    tr_has OUT sdp 17 "01 05 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    tr_has IN sdp 5 "03 56 78 78 56"
    tr_has OUT sdp 17 "01 04 04 20 00 1c 00 00 00 01 54 00 00 00 00 00 00"
    tr_has OUT sdp 17 "01 0b 0b 20 00 1c 00 00 00 00 00 00 00 00 00 00 00"
    tr_has OUT mboot 1016 "01 00 0c 00 07 00 00 02 01 00 00 00 00 00 00 00"
    tr_has OUT mboot 1016 "01 00 10 00 05 00 00 03 00 20 00 00 04 00 00 00 08 00 00 c0"
    tr_has OUT mboot 1016 "01 00 0c 00 11 00 00 02 09 00 00 00 00 20 00 00"
    tr_has OUT mboot 1016 "01 00 10 00 05 00 00 03 00 20 00 00 04 00 00 00 0f 00 00 f0"
    tr_has OUT mboot 1016 "01 00 04 00 0b 00 00 00"
    tr_has OUT mboot 1016 "02 00 f4 03"
    tr_has IN mboot 1016 "03 00 0c 00 a0 00 00 02 00 00 00 00 0b 00 00 00"
    # Every line: time with 3 decimals, direction, protocol, length, hex bytes.
    awk '$1 !~ /^[0-9]+\.[0-9][0-9][0-9]$/ || ($2 != "OUT" && $2 != "IN") ||
         ($3 != "sdp" && $3 != "mboot") || $4 !~ /^[0-9]+$/ { bad = NR } END { exit bad }' "$T/trace" ||
        tl_fail "malformed trace line"
    # Long reports are cut after 64 bytes with +k.
    grep -q ' OUT mboot 1016 .* +952$' "$T/trace" || tl_fail "no '+952' suffix on a 1016-byte report"
}
tap_case trace_matches_protocol_vectors

finish
