#!/bin/sh
# `make bench`: performance of a whole 4 MiB flash against the virtual module.
#  1. speed=1 (realistic device timing): wall time versus the device time the
#     module model accounts for; the difference is the host's overhead.
#  2. speed=0 (no device delays): CPU time and peak RSS of nt_flash itself.
#  3. the bytes the full-screen UI writes to the terminal for the same flash.
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
if command -v tmux >/dev/null 2>&1; then
    echo "Full-screen UI at 80x24, bytes written to the terminal for the same flash (speed=1):"
    top_srcdir="$top_srcdir" top_builddir="$top_builddir" TMPDIR="$B" \
        sh "$top_srcdir/tests/ui_bench.sh" "$NT_FLASH" --simulate=speed=1 "$PKG"
fi
