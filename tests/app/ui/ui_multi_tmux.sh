#!/bin/sh
# nt_flash --all / --loop on a terminal (tmux), against four virtual
# modules: one row per module with its phase, percent and time left, the
# per-module results that stay, the count in the title, one faulted module
# FAILED while the others are DONE, q stopping them all, the final block
# after the view, the exit code of line mode, and 'a' in the picker (y and n).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/ui_tmux_lib.sh"

utf=LC_ALL=C.UTF-8
mkpkg "$ui_dir/p1.zip" --fw-size 1048576
mkpkg "$ui_dir/p2.zip" --fw-size 2097152
mkpkg "$ui_dir/small.zip"
unzip -p "$ui_dir/p1.zip" bootable_images/disting_NT.bin >"$ui_dir/fw1.bin" || exit 99
# The firmware as the virtual module's flash dump holds it (at 0x1000).
fw_written() { tail -c +4097 "$1" | head -c 1048576 | cmp -s - "$ui_dir/fw1.bin"; }
# Fast erase, realistic write: 1 MiB takes seconds, long enough to see rows move.
slow=speed=1,sector_ms=1,block_ms=2

# Four modules, sim-2 unplugged half way through its write.
t_all_fault() {
    ui_start all 80 24 $utf -- "$NT_FLASH" --all \
        --simulate=$slow,modules=4,fault=unplug@write:50@sim-2,dump="$ui_dir/all-%d.bin" "$ui_dir/p1.zip"
    check "title count while all run" ui_wait all "nt_flash  0 done, 0 failed, 4 in progress" 20
    check "header" screen_has all " module       phase        % time left  result"
    check "a row per module" ui_wait all " sim-4        erase " 10
    check "rows show time left" ui_wait all "s left" 10
    check "row with phase percent and time left" screen_has_re all "^ sim-1        (erase|write) +[0-9]+% [0-9.m]+s left"
    check "the faulted module FAILED with its cause" \
        ui_wait all " sim-2        write                     FAILED: virtual module sim-2 (mb" 20
    check "the others go on" screen_has_re all "^ sim-3        write +[0-9]+%"
    check "title count at the end" ui_wait all "nt_flash  3 done, 1 failed, 0 in progress" 30
    for m in 1 3 4; do
        check "sim-$m DONE" screen_has_re all "^ sim-$m        done      100%            DONE 9.9.9 in [0-9.]+s"
    done
    check "the failure stays" screen_has all "FAILED: virtual module sim-2 (mb"
    check "waits for a key" screen_has all " Press any key to exit."
    tm send-keys -t all x
    check "exit 5 as in line mode" ui_exits all 5
    check "terminal restored" tty_restored all
    check "final block: the failure" final_has all "RESULT sim-2 FAILED 5 writing firmware at "
    for m in 1 3 4; do
        check "final block: sim-$m" final_has all "RESULT sim-$m OK 9.9.9 "
    done
    check "final block: the count" final_has all "nt_flash: 3 of 4 modules flashed, 1 failed"
    check "sim-2 not written to the end" eval "! fw_written '$ui_dir/all-2.bin'"
    check "final block: how to recover" final_has all "nt_flash: sim-2: the module at sim-2 stopped in the write phase."
    for m in 1 3 4; do
        check "sim-$m flash written" fw_written "$ui_dir/all-$m.bin"
    done
}
tap_case all_fault

# All succeed: exit 0 after the key.
t_all_ok() {
    ui_start ok 80 23 $utf -- "$NT_FLASH" --all --simulate=speed=0.05,modules=4 "$ui_dir/small.zip"
    check "all done" ui_wait ok "nt_flash  4 done, 0 failed, 0 in progress" 30
    check "four rows" screen_has_re ok "^ sim-4        done      100%            DONE 9.9.9 in"
    tm send-keys -t ok Enter
    check "exit 0" ui_exits ok 0
    check "final block" final_has ok "nt_flash: 4 of 4 modules flashed, 0 failed"
}
tap_case all_ok

# q during the write asks first, then stops every module at its safe point.
t_all_quit() {
    ui_start quit 80 24 $utf -- "$NT_FLASH" --all --simulate=$slow,modules=4 "$ui_dir/p2.zip"
    check "writing" ui_wait quit " sim-1        write " 30
    tm send-keys -t quit q
    check "asks first" ui_wait quit "Press q again to stop all after the current command" 5
    tm send-keys -t quit q
    check "exit 5 (modules touched)" ui_exits quit 5 30
    check "terminal restored" tty_restored quit
    for m in 1 2 3 4; do
        check "sim-$m stopped" final_has quit "RESULT sim-$m FAILED 5 stopped by request during the write"
    done
}
tap_case all_quit

# A small terminal: the rows that fit, then how many more; no time left column.
t_small() {
    ui_start small 40 6 $utf -- "$NT_FLASH" --all --simulate=speed=0.05,modules=4 "$ui_dir/small.zip"
    check "count in the title" ui_wait small "nt_flash  4 done, 0 failed, 0 in" 30
    check "two rows" screen_has small " sim-2        done      100% DONE 9."
    check "then how many more" screen_has small " ... and 2 more"
    check "no third row" screen_lacks small " sim-3 "
    tm send-keys -t small x
    check "exit 0" ui_exits small 0
    check "the final block has all four" final_has small "nt_flash: 4 of 4 modules flashed, 0 failed"
}
tap_case small

# --port several times chooses the set: only those get rows.
t_port_set() {
    ui_start set 80 24 $utf -- "$NT_FLASH" --all -p sim-2 -p sim-4 --simulate=speed=0.05,modules=4 "$ui_dir/small.zip"
    check "the two chosen" ui_wait set "nt_flash  2 done, 0 failed, 0 in progress" 30
    check "sim-2 row" screen_has set " sim-2        done "
    check "sim-4 row" screen_has set " sim-4        done "
    check "no sim-1 row" screen_lacks set " sim-1 "
    check "no sim-3 row" screen_lacks set " sim-3 "
    tm send-keys -t set x
    check "exit 0" ui_exits set 0
    check "final block" final_has set "nt_flash: 2 of 2 modules flashed, 0 failed"
}
tap_case port_set

# No module within -t: the line mode's message and exit 4.
t_none() {
    ui_start none 80 24 $utf -- "$NT_FLASH" --all -t 1 --simulate=start=none,arrive=never "$ui_dir/small.zip"
    check "waits" ui_wait none "Waiting for modules in bootloader mode" 10
    check "exit 4" ui_exits none 4 20
    check "says why" final_has none "nt_flash: no Disting NT in bootloader mode found within 1 s"
}
tap_case none

# No -t: it waits until q, then says so (exit 4).
t_none_quit() {
    ui_start noneq 80 24 $utf -- "$NT_FLASH" --all --simulate=start=none,arrive=never "$ui_dir/small.zip"
    check "waits" ui_wait noneq "Waiting for modules in bootloader mode" 10
    sleep 1.5
    check "still waiting (no -t)" screen_has noneq "Waiting for modules in bootloader mode"
    tm send-keys -t noneq q
    check "exit 4" ui_exits noneq 4 10
    check "says why" final_has noneq "nt_flash: stopped before any Disting NT in bootloader mode was found"
}
tap_case none_quit

# --loop: modules that arrive one after another get rows as they come;
# Ctrl-C between modules ends the loop at once.
t_loop() {
    ui_start loop 80 24 $utf -- "$NT_FLASH" --loop \
        --simulate=speed=0.05,modules=3,start=none,arrive=sim-1:40/sim-2:80/sim-3:120 "$ui_dir/small.zip"
    check "waits for modules" ui_wait loop "Waiting for modules in bootloader mode" 10
    check "three flashed as they arrived" ui_wait loop "nt_flash  3 done, 0 failed, 0 in progress" 60
    check "waits for the next" ui_wait loop "Waiting for the next module in bootloader mode" 10
    tm send-keys -t loop C-c
    check "exit 0" ui_exits loop 0 10
    check "final block" final_has loop "nt_flash: 3 of 3 modules flashed, 0 failed"
}
tap_case loop

# 'a' in the picker, answered y: every listed module is flashed.
t_pick_all_yes() {
    ui_start ay 80 24 $utf -- "$NT_FLASH" --simulate=speed=0.05,modules=3 "$ui_dir/small.zip"
    check "picker" ui_wait ay "Several modules attached: choose one" 20
    check "the key in the footer" screen_has ay "a all"
    tm send-keys -t ay a
    check "asks" ui_wait ay "Flash 3 modules? [y/N]" 5
    tm send-keys -t ay y
    check "all done" ui_wait ay "nt_flash  3 done, 0 failed, 0 in progress" 30
    tm send-keys -t ay x
    check "exit 0" ui_exits ay 0
    for m in 1 2 3; do
        check "final block: sim-$m" final_has ay "RESULT sim-$m OK 9.9.9 "
    done
}
tap_case pick_all_yes

# 'a' answered n: back to the picker, which still flashes one module.
t_pick_all_no() {
    ui_start an 80 30 $utf -- "$NT_FLASH" --simulate=speed=0.05,modules=3 "$ui_dir/small.zip"
    check "picker" ui_wait an "Several modules attached: choose one" 20
    tm send-keys -t an a
    check "asks" ui_wait an "Flash 3 modules? [y/N]" 5
    tm send-keys -t an n
    check "question gone" ui_wait_gone an "Flash 3 modules?" 5
    check "said so" ui_wait an "Not flashing all" 5
    check "still the picker" screen_has an "Several modules attached: choose one"
    tm send-keys -t an Enter
    check "one module flashed" ui_wait an "Flashing the module at sim-1" 20
    check "done" ui_wait an "DONE:" 30
    tm send-keys -t an x
    check "exit 0" ui_exits an 0
    check "one module's summary" final_has an "nt_flash: flashed firmware 9.9.9 to the module at sim-1 in "
}
tap_case pick_all_no

finish
