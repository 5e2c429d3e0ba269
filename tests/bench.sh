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
# Not part of `make check`: it takes about a minute and measures, not asserts.
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
