#!/bin/sh
# `make bench`: performance of a whole 4 MiB flash against the virtual module.
#  1. speed=1 (realistic device timing): wall time versus the device time the
#     module model accounts for; the difference is the host's overhead.
#  2. speed=0 (no device delays): CPU time and peak RSS of nt_flash itself.
#  3. several modules at once (--all, issue 12): 1 and 4 virtual modules at
#     speed=1, wall time, CPU and peak RSS; 4 in parallel may take at most
#     1.15x the wall time of one, and the peak RSS may grow per extra module
#     by at most the images' size (beyond the virtual module's own NOR and
#     RAM, which live in the same process).
#  4. the bytes the full-screen UI writes to the terminal for the same flash.
#  5. "only what changed" against its goals (same image again, resume after an
#     interrupted write, a fully different image), at realistic timing.
# Not part of `make check`: it takes about eight minutes and measures, not asserts.
set -u
: "${NT_FLASH:=./nt_flash}"
: "${MKPKG:=./tools/mkpkg}"
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
B=$(mktemp -d "${TMPDIR:-/tmp}/nt_flash-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT
PKG="$B/distingNT_4.0.0.zip"
"$MKPKG" --kind plain --fw-size 4194304 --version 4.0.0 "$PKG" >/dev/null || exit 1

measure() {
    # measure LABEL ARGS...: wall, user+sys CPU and peak RSS of one run (python3's rusage)
    label=$1; shift
    python3 - "$label" "$@" <<'PY'
import resource, subprocess, sys, time
label, args = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
rc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{label}: exit {rc}, wall {wall:.2f} s, cpu {ru.ru_utime + ru.ru_stime:.2f} s, peak rss {ru.ru_maxrss / 1024:.1f} MiB")
PY
}

busy() { python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["device_busy_s"])' "$1"; }

echo "4 MiB firmware, realistic device timing (speed=1):"
measure "  speed=1" "$NT_FLASH" --batch --simulate=speed=1,stats="$B/s1.json" "$PKG" | tee "$B/m1"
echo "  modelled device time: $(busy "$B/s1.json") s"
wall=$(sed -n 's/.*wall \([0-9.]*\) s.*/\1/p' "$B/m1")
echo "  host overhead: $(python3 -c "print('%.2f' % ($wall - $(busy "$B/s1.json")))") s"
echo "4 MiB firmware, no device delays (speed=0):"
measure "  speed=0" "$NT_FLASH" --batch --simulate=speed=0,stats="$B/s0.json" "$PKG"
# Several modules at once: the same flash on 1 and on 4 virtual modules.
# flash=4160K (the image and one spare 64 KiB block) keeps each virtual
# module's own memory (NOR + 512 KiB RAM) small and known.
VMOD_FLASH_KIB=4160
VMOD_RAM_KIB=512
echo "4 MiB firmware on several modules at once (--all, speed=1, flash=${VMOD_FLASH_KIB}K):"
for n in 1 4; do
    measure "  $n module(s)" "$NT_FLASH" --batch --all \
        --simulate=speed=1,modules=$n,flash=${VMOD_FLASH_KIB}K "$PKG" | tee "$B/all$n"
done
python3 - "$B/all1" "$B/all4" "$PKG" $VMOD_FLASH_KIB $VMOD_RAM_KIB <<'PY'
import re, sys, zipfile
def vals(path):
    t = open(path).read()
    return [float(re.search(k + r" ([0-9.]+)", t).group(1)) for k in ("wall", "cpu", "peak rss")]
(w1, c1, r1), (w4, c4, r4) = vals(sys.argv[1]), vals(sys.argv[2])
z = zipfile.ZipFile(sys.argv[3])
images = sum(i.file_size for i in z.infolist() if i.filename.endswith(".bin")) / 1048576
device = (int(sys.argv[4]) + int(sys.argv[5])) / 1024
per = (r4 - r1) / 3
host = per - device
print(f"  wall 4/1: {w4 / w1:.3f} (limit 1.15): {'ok' if w4 <= 1.15 * w1 else 'OVER'}")
print(f"  cpu 1: {c1:.2f} s, 4: {c4:.2f} s")
print(f"  peak rss per extra module: {per:.1f} MiB = virtual module {device:.1f} MiB + nt_flash {host:.1f} MiB;"
      f" images {images:.1f} MiB: {'ok' if host <= images else 'OVER'}")
PY
if command -v tmux >/dev/null 2>&1; then
    echo "Full-screen UI at 80x24, bytes written to the terminal for the same flash (speed=1):"
    top_srcdir="$top_srcdir" top_builddir="$top_builddir" TMPDIR="$B" \
        sh "$top_srcdir/tests/ui_bench.sh" "$NT_FLASH" --simulate=speed=1 "$PKG"
fi

# Only what changed, at realistic timing (speed=1), the module's flash kept
# between runs with nor=FILE. ReadMemory timing is the virtual module's
# assumption (read_cmd_ms 0.75 + read_report_ms 0.25 per 1012-byte read,
# about 1 ms per KiB; not measured on a module). Goals: the same image again
# at least 10x faster than a full flash; resuming a flash interrupted at 70%
# of the write at most 40% of a full flash; a fully different image at most
# 3% slower than --full. BENCH_FW_BYTES picks the image size (4 MiB).
: "${BENCH_FW_BYTES:=4194304}"
A="$B/plain.zip"
O="$B/other.zip"
"$MKPKG" --kind plain --fw-size "$BENCH_FW_BYTES" --version 1.0.0 "$A" >/dev/null || exit 1
"$MKPKG" --kind other-firmware --fw-size "$BENCH_FW_BYTES" --version 2.0.0 "$O" >/dev/null || exit 1

# wall NOR ARGS...: seconds one speed=1 run takes with the NOR kept in NOR.
# These goals are about the flash, so no run waits for the module to boot
# its firmware afterwards (--no-wait-restart): that wait (the modelled boot
# time) is the same for every run and not flashing work.
wall() {
    nor=$1; shift
    python3 - "$NT_FLASH" --batch --no-wait-restart --simulate=speed=1,nor="$nor" "$@" <<'PY'
import subprocess, sys, time
t0 = time.monotonic()
subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.2f" % (time.monotonic() - t0))
PY
}

ratio() { python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
verdict() { python3 -c "import sys; print('ok' if eval(sys.argv[1]) else 'MISSED')" "$1"; }

echo "Only what changed, $BENCH_FW_BYTES-byte firmware, speed=1:"
rm -f "$B/n1"
t_full=$(wall "$B/n1" --full "$A")
echo "  full flash (--full):              $t_full s"
t_same=$(wall "$B/n1" "$A")
echo "  same image again:                 $t_same s  (full/same = $(ratio "$t_full" "$t_same"), goal >= 10: $(verdict "$t_full >= 10 * $t_same"))"
rm -f "$B/n2"
"$NT_FLASH" --batch --simulate=speed=0,nor="$B/n2",fault=unplug@write:70 "$A" >/dev/null 2>&1
t_resume=$(wall "$B/n2" "$A")
echo "  resume after unplug at 70% write: $t_resume s  (resume/full = $(ratio "$t_resume" "$t_full"), goal <= 0.40: $(verdict "$t_resume <= 0.40 * $t_full"))"
cp "$B/n1" "$B/n3"
t_diff=$(wall "$B/n1" "$O")
t_diff_full=$(wall "$B/n3" --full "$O")
echo "  fully different image:            $t_diff s, with --full $t_diff_full s  (ratio $(ratio "$t_diff" "$t_diff_full"), goal <= 1.03: $(verdict "$t_diff <= 1.03 * $t_diff_full"))"
