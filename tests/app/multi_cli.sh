#!/bin/sh
# Several modules at once (--all) and the production loop (--loop) on the
# virtual module: every module's flash contents, one RESULT line each, a
# fault on one module failing that module alone, the port-path prefix on
# every progress line, the exit code, and the loop's arrivals and Ctrl-C.
. "$top_srcdir/tests/lib/tap.sh"

FW_BYTES=131072
PKG="$T/distingNT_3.1.0.zip"
mkpkg "$PKG" --kind plain --fw-size $FW_BYTES --version 3.1.0
unzip -p "$PKG" bootable_images/disting_NT.bin >"$T/fw.bin" || exit 99

# check_dump FILE: FCB at 0, firmware at 0x1000, 0xFF in the rest of the erase
check_dump() {
    dump=$1
    erase_end=$(( (4096 + FW_BYTES + 4095) / 4096 * 4096 ))
    [ -f "$dump" ] || { tl_fail "no dump $dump"; return; }
    size=$(wc -c <"$dump")
    [ "$size" = "$erase_end" ] || tl_fail "$dump is $size bytes, expected $erase_end"
    [ "$(head -c 4 "$dump")" = "FCFB" ] || tl_fail "$dump: no FCFB tag at flash offset 0"
    tail -c +4097 "$dump" | head -c $FW_BYTES | cmp -s - "$T/fw.bin" ||
        tl_fail "$dump: flash at 0x1000 differs from disting_NT.bin"
    n=$(tail -c +$((4097 + FW_BYTES)) "$dump" | tr -d '\377' | wc -c)
    [ "$n" = 0 ] || tl_fail "$dump: $n non-erased bytes after the firmware"
}

# The lines one module prints, with its prefix taken off and percentage
# runs folded: the same sequence as a single-module run.
module_skeleton() {
    sed -n "s/^$1 //p" "$T/out" | sed -E 's/^([A-Z_]+) [0-9]+%$/\1 %/' | uniq | tr '\n' ' '
}
SKELETON="EXTRACTING PACKAGE_INFO 3.1.0 WAITING_BOOTLOADER DEVICE_DETECTED sdp UPLOADING_FLASHLOADER % \
DEVICE_DETECTED mboot CONFIGURING_MEMORY ERASING % WRITING % VERIFYING % RESETTING COMPLETE RUNNING 3.1.0 "

# Every stdout line is "PORT ..." of a flashed module or a RESULT line.
check_prefixes() {
    bad=$(grep -Ev '^(sim-[1-8] [A-Z_]+( .*)?|RESULT sim-[1-8] (OK 3\.1\.0 [0-9]+\.[0-9]|FAILED [0-9] .+))$' "$T/out" | head -n 3)
    [ -z "$bad" ] || tl_fail "lines without a port prefix or malformed: $bad"
}

t_all_four_in_parallel() {
    run --batch --all --simulate=speed=0,modules=4,dump="$T/all-%d.bin" "$PKG"
    expect_rc 0
    check_prefixes
    for m in 1 2 3 4; do
        [ "$(grep -c "^RESULT sim-$m OK 3.1.0 " "$T/out")" = 1 ] || tl_fail "no single RESULT OK for sim-$m"
        [ "$(module_skeleton sim-$m)" = "$SKELETON" ] ||
            tl_fail "sim-$m lines: $(module_skeleton sim-$m)"
        check_dump "$T/all-$m.bin"
    done
    [ "$(grep -c '^RESULT ' "$T/out")" = 4 ] || tl_fail "not 4 RESULT lines"
}
tap_case all_four_in_parallel

# fault_alone FAULT RC: the fault on sim-2 fails sim-2 alone with exit code
# RC in its RESULT line; the other three are flashed byte-exact.
fault_alone() {
    rm -f "$T"/f-*.bin
    run --batch --all --simulate=speed=0,modules=4,fault="$1@sim-2",dump="$T/f-%d.bin" "$PKG"
    expect_rc "$2"
    check_prefixes
    if [ "$2" = 0 ]; then
        expect_out "^RESULT sim-2 OK 3\.1\.0 "
    else
        expect_out "^RESULT sim-2 FAILED $2 .+"
        expect_out "^sim-2 ERROR "
    fi
    for m in 1 3 4; do
        expect_out "^RESULT sim-$m OK 3\.1\.0 "
        check_dump "$T/f-$m.bin"
    done
    [ "$(grep -c '^RESULT ' "$T/out")" = 4 ] || tl_fail "not 4 RESULT lines"
}
tap_case fault_unplug_alone fault_alone unplug@write:50 5
tap_case fault_status_alone fault_alone status@erase 5
tap_case fault_silent_alone fault_alone silent@write:30 5
tap_case fault_badjump_alone fault_alone badjump 5
tap_case fault_noenum_alone fault_alone noenum 5
tap_case fault_stale_is_drained fault_alone stale 0

t_port_set() {
    run --batch --all --port sim-3 --port sim-1 --simulate=speed=0,modules=4 "$PKG"
    expect_rc 0
    expect_out "^RESULT sim-1 OK "
    expect_out "^RESULT sim-3 OK "
    [ "$(grep -c '^RESULT ' "$T/out")" = 2 ] || tl_fail "modules outside the --port set were flashed"
}
tap_case port_set

t_usage() {
    run --batch --machine --all --simulate "$PKG"
    expect_rc 1
    expect_err "--machine reports one module"
    run --batch --port sim-1 --port sim-2 --simulate "$PKG"
    expect_rc 1
    expect_err "several --port options need --all or --loop"
    run --batch --all --trace "$T/tr" --simulate "$PKG"
    expect_rc 1
    [ ! -e "$T/tr" ] || tl_fail "a usage error wrote the trace file"
}
tap_case usage

t_bad_package_once() {
    printf 'not a zip' >"$T/bad.zip"
    run --batch --all --simulate=speed=0,modules=3 "$T/bad.zip"
    expect_rc 2
    [ ! -s "$T/out" ] || tl_fail "progress lines for a bad package: $(head -n 2 "$T/out")"
    [ "$(wc -l <"$T/err")" = 1 ] || tl_fail "not one message for a bad package"
}
tap_case bad_package_once

t_all_none_attached() {
    run --batch --all -t 0.3 --simulate=speed=0,start=none "$PKG"
    expect_rc 4
    expect_err "no Disting NT in bootloader mode found within 0.3 s"
}
tap_case all_none_attached

# wait_results N SECS: until $T/out has N RESULT lines (or SECS pass)
wait_results() {
    i=0
    while [ "$(cat "$T/out" 2>/dev/null | grep -c '^RESULT ')" -lt "$1" ] && [ $i -lt $(($2 * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

# A production line: sim-1 is attached at the start and fails (it stays
# attached in flashloader mode: it must not be flashed again), sim-2..4
# arrive one after another and are flashed one at a time; Ctrl-C between
# modules ends the loop at once.
# Ctrl-C before any module is found: nothing flashed, exit 4 as for one
# module stopped while waiting.
t_all_interrupted_while_waiting() {
    "$NT_FLASH" --batch --all -t 30 --simulate=speed=1,start=none "$PKG" >"$T/out" 2>"$T/err" </dev/null &
    pid=$!
    sleep 0.5
    kill -INT $pid
    wait $pid
    rc=$?
    expect_rc 4
    expect_err '^nt_flash: interrupted while waiting for the modules; nothing was flashed$'
    [ "$(grep -c '^RESULT ' "$T/out")" = 0 ] || tl_fail "RESULT lines: $(cat "$T/out")"
}
tap_case all_interrupted_while_waiting

t_loop_arrivals() {
    rm -f "$T/out" # the background run below creates it afresh
    "$NT_FLASH" --batch --loop --simulate=speed=0.02,modules=4,fault=status@configure@sim-1,arrive=sim-2:20/sim-3:60/sim-4:100,dump="$T/l-%d.bin" \
        "$PKG" >"$T/out" 2>"$T/err" </dev/null &
    pid=$!
    wait_results 4 60
    sleep 0.5
    t0=$(date +%s%N)
    kill -INT $pid
    wait $pid
    rc=$?
    t1=$(date +%s%N)
    expect_rc 5
    [ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || tl_fail "Ctrl-C between modules took $(( (t1 - t0) / 1000000 )) ms"
    check_prefixes
    [ "$(grep -c '^RESULT sim-1 ' "$T/out")" = 1 ] || tl_fail "sim-1 (still attached) was flashed again"
    expect_out "^RESULT sim-1 FAILED 5 "
    [ "$(grep '^RESULT ' "$T/out" | cut -d' ' -f2,3 | tr '\n' ' ')" = "sim-1 FAILED sim-2 OK sim-3 OK sim-4 OK " ] ||
        tl_fail "results out of arrival order: $(grep '^RESULT ' "$T/out" | tr '\n' '|')"
    for m in 2 3 4; do
        check_dump "$T/l-$m.bin"
    done
    # One at a time: a module starts only after the one before has its RESULT.
    awk '/^RESULT/ { busy = 0; next } /^sim-[0-9] EXTRACTING/ { if (busy) bad = 1; busy = 1 } END { exit bad }' "$T/out" ||
        tl_fail "--loop without --all flashed two modules at once"
}
tap_case loop_arrivals

# Ctrl-C during the flash: every module stops at its next safe point (the
# command in flight completes) and fails with its own RESULT line.
t_ctrl_c_during_flash() {
    rm -f "$T/out"
    # A 1 MiB image writes for seconds at realistic timing, so the signal
    # lands in the write even on a loaded machine: it is sent once both
    # modules report their first few percent.
    mkpkg "$T/big.zip" --kind plain --fw-size 1048576 --version 3.1.0
    "$NT_FLASH" --batch --all --simulate=speed=1,modules=2 "$T/big.zip" >"$T/out" 2>"$T/err" </dev/null &
    pid=$!
    i=0
    while [ "$(cat "$T/out" 2>/dev/null | grep -cE ' WRITING [1-9]%$')" -lt 2 ] && [ $i -lt 300 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -INT $pid
    wait $pid
    rc=$?
    expect_rc 5
    for m in 1 2; do
        expect_out "^RESULT sim-$m FAILED 5 stopped by request during the write"
    done
    [ "$(grep -c '^RESULT ' "$T/out")" = 2 ] || tl_fail "not 2 RESULT lines"
}
tap_case ctrl_c_during_flash

# --all --loop: modules in flight together; the loop ends on Ctrl-C with 0
# when every module succeeded.
t_all_loop() {
    rm -f "$T/out"
    "$NT_FLASH" --batch --all --loop --simulate=speed=0.02,modules=3,arrive=sim-3:10,dump="$T/al-%d.bin" \
        "$PKG" >"$T/out" 2>"$T/err" </dev/null &
    pid=$!
    wait_results 3 60
    kill -INT $pid
    wait $pid
    rc=$?
    expect_rc 0
    for m in 1 2 3; do
        expect_out "^RESULT sim-$m OK "
        check_dump "$T/al-$m.bin"
    done
    # sim-1 and sim-2 were flashed together.
    awk '/^RESULT sim-1/ { d1 = NR } /^sim-2 EXTRACTING/ { s2 = NR } END { exit !(s2 < d1) }' "$T/out" ||
        tl_fail "sim-2 started only after sim-1 finished"
}
tap_case all_loop

finish
