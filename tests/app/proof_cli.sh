#!/bin/sh
# The read-back verify and "only what changed", run as a user would: a byte
# the virtual module corrupts is caught at its address, --no-verify skips the
# read-back, and with nor=FILE keeping the module's flash between runs a second
# run only erases and writes the sectors that differ (same image, interrupted
# flashes, another image, an image whose IVT sector is unchanged), ending with
# byte-exact flash contents.
. "$top_srcdir/tests/lib/tap.sh"

FW_BYTES=262144
SECTORS=$(( (4096 + FW_BYTES + 4095) / 4096 ))
PKG="$T/distingNT_1.0.0.zip"
OTHER="$T/distingNT_2.0.0.zip"
CODE="$T/distingNT_2.0.1.zip"
mkpkg "$PKG" --kind plain --fw-size $FW_BYTES --version 1.0.0
mkpkg "$OTHER" --kind other-firmware --fw-size $FW_BYTES --version 2.0.0
mkpkg "$CODE" --kind code-changed --fw-size $FW_BYTES --version 2.0.1
for p in PKG OTHER CODE; do
    eval "unzip -p \"\$$p\" bootable_images/disting_NT.bin" >"$T/fw_$p.bin" || exit 99
done

# check_nor FILE WHICH: FCB tag at 0, that package's firmware at 0x1000, 0xFF
# to the end of its last sector
check_nor() {
    [ "$(head -c 4 "$1")" = "FCFB" ] || tl_fail "no FCFB tag at flash offset 0 of $1"
    tail -c +4097 "$1" | head -c $FW_BYTES | cmp -s - "$T/fw_$2.bin" ||
        tl_fail "flash at 0x1000 differs from the $2 firmware"
    n=$(tail -c +$((4097 + FW_BYTES)) "$1" | head -c $((SECTORS * 4096 - 4096 - FW_BYTES)) | tr -d '\377' | wc -c)
    [ "$n" = 0 ] || tl_fail "$n non-erased bytes after the firmware"
}

# cmds TAG: "ADDR LEN" of each MCUboot command with that tag in $T/trace, in order
cmds() {
    awk -v tag="$1" '$2 == "OUT" && $3 == "mboot" && $5 == "01" && $9 == tag {
        print toupper($16 $15 $14 $13), toupper($20 $19 $18 $17) }' "$T/trace"
}

# skipped: the "N of M sectors" count of the -v line
skipped() { sed -n 's/.*only what changed: \([0-9]*\) of .*/\1/p' "$T/err"; }

busy() { sed -n 's/.*"device_busy_s":[^0-9]*\([0-9.e+-]*\).*/\1/p' "$1"; }

begin verify_lines_between_writing_and_resetting
run --batch --simulate=speed=0 "$PKG"
expect_rc 0
sed -E 's/^([A-Z_]+) [0-9]+%$/\1 %/' "$T/out" | uniq | grep -A2 '^WRITING %$' >"$T/seq"
printf 'WRITING %%\nVERIFYING %%\nRESETTING\n' | diff - "$T/seq" >/dev/null ||
    tl_fail "VERIFYING does not sit between WRITING and RESETTING: $(cat "$T/seq")"
[ "$(grep -c '^VERIFYING' "$T/out")" -ge 50 ] || tl_fail "VERIFYING percentages are not real: $(grep -c '^VERIFYING' "$T/out") lines"
end

begin verify_catches_a_corrupt_byte_at_its_address
run --batch --simulate=speed=0,fault=corrupt@write:50,stats="$T/st.json",dump="$T/dump.bin" "$PKG"
expect_rc 5
addr=$(python3 -c 'import json,sys; print("0x%08x" % json.load(open(sys.argv[1]))["corrupt_addr"])' "$T/st.json")
expect_last_line "^ERROR verify failed: 1 byte\\(s\\) read back differ from the image, the first at $addr "
expect_err 'stopped in the verify phase'
# The damaged image must not boot: its IVT sector was erased again.
n=$(tail -c +4097 "$T/dump.bin" | head -c 4096 | tr -d '\377' | wc -c)
[ "$n" = 0 ] || tl_fail "the IVT sector still holds $n programmed bytes after the failed verify"
end

begin verify_catches_a_corrupt_byte_early_and_late
for pct in 1 100; do
    run --batch --simulate=speed=0,fault=corrupt@write:$pct,stats="$T/st$pct.json" "$PKG"
    expect_rc 5
    addr=$(python3 -c 'import json,sys; print("0x%08x" % json.load(open(sys.argv[1]))["corrupt_addr"])' "$T/st$pct.json")
    expect_last_line "the first at $addr "
done
end

begin no_verify_skips_the_read_back
run --batch --no-verify --trace "$T/trace" --simulate=speed=0,fault=corrupt@write:50 "$PKG"
expect_rc 0
expect_no_out '^VERIFYING'
expect_out '^COMPLETE$'
last_write=$(grep -n ' OUT mboot 1016 01 00 10 00 04 ' "$T/trace" | tail -n 1 | cut -d: -f1)
reads_after=$(tail -n +"$last_write" "$T/trace" | grep -c ' OUT mboot 1016 01 00 10 00 03 ')
[ "$reads_after" = 0 ] || tl_fail "$reads_after ReadMemory commands after the write with --no-verify"
end

begin reads_are_one_packet_each
run --batch --trace "$T/trace" --simulate=speed=0,max_packet=512 "$PKG"
expect_rc 0
big=0
for len in $(cmds 03 | cut -d' ' -f2); do
    [ $((0x$len)) -gt 512 ] && big=$((big + 1))
done
[ "$big" = 0 ] || tl_fail "$big ReadMemory commands ask for more than MaxPacketSize (512)"
[ "$(cmds 03 | wc -l)" -gt 0 ] || tl_fail "no ReadMemory commands"
end

begin same_image_again_skips_every_sector
rm -f "$T/nor"
run --batch --simulate=speed=0,nor="$T/nor",stats="$T/s1.json" "$PKG"
expect_rc 0
run -v --batch --trace "$T/trace" --simulate=speed=0,nor="$T/nor",stats="$T/s2.json" "$PKG"
expect_rc 0
expect_out '^COMPLETE$'
[ "$(skipped)" = "$SECTORS" ] || tl_fail "skipped '$(skipped)' sectors, expected $SECTORS"
[ -z "$(cmds 02)" ] || tl_fail "erase commands on an unchanged flash: $(cmds 02)"
[ -z "$(cmds 04 | grep '^6')" ] || tl_fail "flash writes on an unchanged flash"
expect_out '^ERASING 100%$'
expect_out '^WRITING 100%$'
check_nor "$T/nor" PKG
python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if b * 5 < a else 1)' \
    "$(busy "$T/s1.json")" "$(busy "$T/s2.json")" ||
    tl_fail "second run not faster: device busy $(busy "$T/s1.json") s then $(busy "$T/s2.json") s"
end

begin full_rewrites_everything
run -v --batch --full --trace "$T/trace" --simulate=speed=0,nor="$T/nor" "$PKG"
expect_rc 0
[ -z "$(skipped)" ] || tl_fail "--full still compared"
[ "$(cmds 02 | head -n 1)" = "60000000 00010000" ] || tl_fail "first erase is '$(cmds 02 | head -n 1)'"
check_nor "$T/nor" PKG
end

# interrupted KIND: a first run stopped by KIND (a fault spec, or "sigint"),
# then a second run completes with fewer sectors written and exact contents.
interrupted() {
    rm -f "$T/nor"
    case $1 in
    sigint@write) timing=sector_ms=0.01,block_ms=0.01,page_ms=2 line='^WRITING [4-9][0-9]%$' ;;
    sigint@erase) timing=sector_ms=20,block_ms=20,page_ms=0.01 line='^ERASING [3-9][0-9]%$' ;;
    esac
    if [ "${1%@*}" = sigint ]; then
        : >"$T/out"
        "$NT_FLASH" --batch --simulate="speed=1,$timing,enum_delay=0.01,nor=$T/nor" \
            "$PKG" >"$T/out" 2>"$T/err" </dev/null &
        bg=$!
        i=0
        while ! grep -Eq "$line" "$T/out" 2>/dev/null && [ $i -lt 600 ]; do
            i=$((i + 1))
            sleep 0.05
        done
        kill -INT $bg
        wait $bg
        rc=$?
    else
        run --batch --simulate=speed=0,nor="$T/nor",fault="$1" "$PKG"
    fi
    expect_rc 5
    run -v --batch --simulate=speed=0,nor="$T/nor" "$PKG"
    expect_rc 0
    er=$(sed -n 's/.*erasing \([0-9]*\) KiB.*/\1/p' "$T/err")
    wr=$(sed -n 's/.*writing \([0-9]*\) KiB.*/\1/p' "$T/err")
    [ -n "$wr" ] && [ -n "$er" ] || tl_fail "no plan line after $1"
    # A write stopped part-way leaves sectors that need no writing; an erase
    # stopped part-way leaves erased sectors that need no erase.
    case $1 in
    *erase*) [ "${er:-999999}" -lt $((SECTORS * 4)) ] || tl_fail "after $1 still erasing $er KiB" ;;
    *) [ "${wr:-999999}" -lt $((FW_BYTES / 1024)) ] || tl_fail "after $1 still writing $wr KiB" ;;
    esac
    check_nor "$T/nor" PKG
}

begin interrupted_by_unplug_then_rerun
interrupted unplug@write:40
end

begin interrupted_by_silence_then_rerun
interrupted silent@write:70
end

begin interrupted_by_unplug_during_erase_then_rerun
interrupted unplug@erase:50
end

begin interrupted_by_sigint_then_rerun
interrupted sigint@write
end

begin interrupted_by_sigint_during_erase_then_rerun
interrupted sigint@erase
end

# Scattered damage: sectors 3, 4, 9 and 20 changed at their heads or tails,
# the rest intact. Exactly those (plus sector 0 and the IVT sector, the
# fail-safe rule) are erased and written: a probe after a different sector
# never takes an intact one for different.
begin scattered_changes_are_found_exactly
rm -f "$T/nor"
run --batch --simulate=speed=0,nor="$T/nor" "$PKG"
python3 - "$T/nor" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
for sec, off in ((3, 0), (4, 4095), (9, 2000), (20, 4095)):
    b[sec * 4096 + off] ^= 0x01
open(p, "wb").write(b)
PY
run -v --batch --trace "$T/trace" --simulate=speed=0,nor="$T/nor" "$PKG"
expect_rc 0
[ "$(skipped)" = $((SECTORS - 6)) ] || tl_fail "skipped '$(skipped)', expected $((SECTORS - 6))"
expect_err 'erasing 24 KiB, writing 20 KiB'
check_nor "$T/nor" PKG
end

begin fully_different_image
rm -f "$T/nor"
run --batch --simulate=speed=0,nor="$T/nor" "$PKG"
run -v --batch --simulate=speed=0,nor="$T/nor" "$OTHER"
expect_rc 0
[ "$(skipped)" = 0 ] || tl_fail "skipped '$(skipped)' sectors of a fully different image"
check_nor "$T/nor" OTHER
end

begin ivt_sector_unchanged_still_erased_first_written_last
rm -f "$T/nor"
run --batch --simulate=speed=0,nor="$T/nor" "$PKG"
run -v --batch --trace "$T/trace" --simulate=speed=0,nor="$T/nor" "$CODE"
expect_rc 0
expect_err 'image header sector same'
first=$(cmds 02 | head -n 1)
s=$((0x${first% *})) l=$((0x${first#* }))
[ $s -le $((0x60001000)) ] && [ $((s + l)) -ge $((0x60002000)) ] ||
    tl_fail "the first erase '$first' does not cover the IVT sector"
cmds 04 | grep '^6' >"$T/writes"
[ "$(tail -n 1 "$T/writes" | cut -d' ' -f1)" = 60001000 ] || tl_fail "the last write is not the IVT sector"
[ "$(grep -c '^60001000' "$T/writes")" = 1 ] || tl_fail "the IVT sector is written more than once"
check_nor "$T/nor" CODE
end

begin running_flashloader_on_another_chip_is_refused
run --batch --trace "$T/trace" --simulate=speed=0,start=mboot,chip=rt1010,dump="$T/d1010.bin" "$PKG"
expect_rc 5
expect_last_line '^ERROR the running flashloader is not on an i\.MX RT1060 \(it reports 32\+32\+64 KiB of RAM'
expect_err 'nothing was changed'
[ ! -s "$T/d1010.bin" ] || tl_fail "the flash was touched: $(wc -c <"$T/d1010.bin") bytes in the dump"
[ -z "$(cmds 11)$(cmds 02)$(cmds 04)" ] || tl_fail "configure, erase or write commands were sent"
end

begin running_flashloader_on_the_rt1060_is_accepted
run -v --batch --simulate=speed=0,start=mboot,chip=rt1060 "$PKG"
expect_rc 0
expect_err 'flashloader RAM regions 128\+128\+256 KiB'
end

begin rom_path_needs_no_ram_check
run -v --batch --simulate=speed=0 "$PKG"
expect_rc 0
grep -q 'flashloader RAM regions' "$T/err" && tl_fail "RAM asked although the ROM was seen"
end

# manifest KEY FILE.zip: a value of the backup's MANIFEST.json
manifest() {
    unzip -p "$2" MANIFEST.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

begin backup_flash_new_flash_backup_restores_the_nor
rm -f "$T/nor" "$T/bk.zip"
run --batch --simulate=speed=0,nor="$T/nor" "$PKG"
head -c $((SECTORS * 4096)) "$T/nor" >"$T/nor.orig"
run --batch --backup "$T/bk.zip" --simulate=speed=0,nor="$T/nor" "$OTHER"
expect_rc 0
expect_out '^BACKING_UP 100%$'
check_nor "$T/nor" OTHER
[ "$(manifest version "$T/bk.zip")" = backup ] || tl_fail "manifest version '$(manifest version "$T/bk.zip")'"
[ "$(manifest source_port "$T/bk.zip")" = sim-1 ] || tl_fail "manifest source_port"
[ "$(manifest size "$T/bk.zip")" = $FW_BYTES ] || tl_fail "manifest size '$(manifest size "$T/bk.zip")'"
[ "$(manifest sha256 "$T/bk.zip")" = "$(sha256sum "$T/fw_PKG.bin" | cut -c1-64)" ] || tl_fail "manifest sha256"
manifest date "$T/bk.zip" | grep -Eq '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' ||
    tl_fail "manifest date '$(manifest date "$T/bk.zip")'"
[ ! -e "$T/bk.zip.part" ] || tl_fail "the temporary file was left behind"
run --batch --simulate=speed=0,nor="$T/nor" "$T/bk.zip"
expect_rc 0
head -c $((SECTORS * 4096)) "$T/nor" | cmp -s - "$T/nor.orig" || tl_fail "NOR after flashing the backup differs from the original"
end

begin unwritable_backup_path_erases_nothing
cp "$T/nor" "$T/nor.before"
run --batch --trace "$T/trace" --backup "$T/no/such/dir/bk.zip" --simulate=speed=0,nor="$T/nor" "$OTHER"
expect_rc 5
expect_last_line '^ERROR backup not written, so nothing was erased: cannot write the backup'
cmp -s "$T/nor" "$T/nor.before" || tl_fail "the flash changed"
[ -z "$(cmds 02)$(cmds 04)" ] || tl_fail "erase or write commands were sent"
end

begin backup_only_with_flashloader_from
rm -f "$T/nor" "$T/bk2.zip"
run --batch --simulate=speed=0,nor="$T/nor" "$CODE"
cp "$T/nor" "$T/nor.before"
run --batch --trace "$T/trace" --backup "$T/bk2.zip" --flashloader-from "$OTHER" --simulate=speed=0,nor="$T/nor"
expect_rc 0
expect_out '^COMPLETE$'
cmp -s "$T/nor" "$T/nor.before" || tl_fail "a backup-only run changed the flash"
[ -z "$(cmds 02)$(cmds 04)" ] || tl_fail "erase or write commands in a backup-only run"
unzip -p "$T/bk2.zip" bootable_images/disting_NT.bin | cmp -s - "$T/fw_CODE.bin" ||
    tl_fail "the backup's firmware is not what the module held"
unzip -p "$OTHER" bootable_images/unsigned_MIMXRT1060_flashloader.bin >"$T/fl_other.bin"
unzip -p "$T/bk2.zip" bootable_images/unsigned_MIMXRT1060_flashloader.bin | cmp -s - "$T/fl_other.bin" ||
    tl_fail "the backup's flashloader is not the one of --flashloader-from"
end

begin backup_without_an_image_header_saves_the_used_flash
run --batch --backup "$T/bk3.zip" --flashloader-from "$PKG" --simulate=speed=0,flash=1M
expect_rc 0
expect_err 'warning: backup: no valid image header'
[ "$(manifest size "$T/bk3.zip")" = $((1048576 - 4096)) ] || tl_fail "size '$(manifest size "$T/bk3.zip")'"
end

begin backup_usage_errors
run --batch --backup "$T/x.zip"
expect_rc 1
expect_err 'needs --flashloader-from'
run --batch --backup "$T/x.zip" --flashloader-from "$PKG" "$PKG"
expect_rc 1
run --dry-run --backup "$T/x.zip" "$PKG"
expect_rc 1
end

finish
