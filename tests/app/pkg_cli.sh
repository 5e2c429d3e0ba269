#!/bin/sh
# nt_flash --dry-run as a user runs it, on packages written by tools/mkpkg:
# stdout lines, the one stderr line and the exit code for good packages,
# every malformed kind, missing files and usage errors.
set -u
: "${NT_FLASH:?}" "${top_builddir:?}" "${TMPDIR:?}"
MKPKG=$top_builddir/tools/mkpkg
dir=$TMPDIR/pkg_cli
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 99
fails=0
n=0

fail() { echo "# FAIL: $*"; fails=$((fails + 1)); }

# run ARGS...: runs nt_flash, leaving out/err/rc
run() {
    "$NT_FLASH" "$@" >out 2>err
    rc=$?
}

# expect_error KIND MESSAGE: the package of KIND fails with exactly MESSAGE
expect_error() {
    kind=$1 msg=$2 zip=distingNT_1.2.3.zip
    n=$((n + 1))
    rm -f "$zip"
    "$MKPKG" --kind "$kind" "$zip" 2>mkpkg.err
    case $? in
    0) ;;
    77) echo "# skip: $kind: $(cat mkpkg.err)"; return ;;
    *) fail "$kind: mkpkg: $(cat mkpkg.err)"; return ;;
    esac
    run --dry-run "$zip"
    [ "$rc" = 2 ] || fail "$kind: exit $rc, expected 2"
    printf 'EXTRACTING\nERROR %s\n' "$msg" >want.out
    cmp -s out want.out || fail "$kind: stdout was: $(cat out)"
    printf 'nt_flash: %s\n' "$msg" >want.err
    cmp -s err want.err || fail "$kind: stderr was: $(cat err)"
}

# --- a good package, the whole output pinned -----------------------------
"$MKPKG" --kind plain --fw-size 0x3000 --version 1.12.0 distingNT_1.12.0.zip || exit 99
run --dry-run distingNT_1.12.0.zip
[ "$rc" = 0 ] || fail "plain: exit $rc: $(cat err)"
[ -s err ] && fail "plain: stderr not empty: $(cat err)"
sed -n '1p;2p;3p;4p;5p;8p;9p' out >got
cat >want <<'END'
EXTRACTING
PACKAGE_INFO 1.12.0
version: 1.12.0
processor: MIMXRT1060
manifest: MANIFEST.json
erase: 0x60000000-0x60004000
write: 0x60001000-0x60004000
END
cmp -s got want || fail "plain: stdout was: $(cat out)"
[ "$(wc -l <out)" -eq 9 ] || fail "plain: expected 9 lines: $(cat out)"
grep -Eqx 'flashloader: bootable_images/unsigned_MIMXRT1060_flashloader.bin size=87040 sha256=[0-9a-f]{64} load=0x20001c00 entry=0x20002101 layout=spt' out ||
    fail "plain: flashloader line: $(cat out)"
grep -Eqx 'firmware: bootable_images/disting_NT.bin size=12288 sha256=[0-9a-f]{64} load=0x60001000 entry=0x60002401' out ||
    fail "plain: firmware line: $(cat out)"
if command -v unzip >/dev/null 2>&1 && command -v sha256sum >/dev/null 2>&1; then
    want_sha=$(unzip -p distingNT_1.12.0.zip bootable_images/disting_NT.bin | sha256sum | cut -d' ' -f1)
    grep -q "firmware: .* sha256=$want_sha " out || fail "plain: firmware sha256 is not $want_sha"
fi

# --- good variants: exit 0 and the version they carry ----------------------
good() {
    kind=$1 zip=$2 version=$3
    "$MKPKG" --kind "$kind" "$zip" || { fail "$kind: mkpkg"; return; }
    run -n "$zip"
    [ "$rc" = 0 ] || fail "$kind: exit $rc: $(cat err)"
    sed -n 2p out | grep -qx "PACKAGE_INFO $version" || fail "$kind: expected version $version: $(cat out)"
}
good top-folder top.zip 9.9.9
good legacy legacy.zip 9.9.9
good firmware-version fwv.zip 2.0.1
good no-version distingNT_1.4.0.zip 1.4.0
good no-version distingNT_v1_5_2.zip 1.5.2
good no-version firmware.zip unknown
good no-manifest distingNT_2.3.4.zip 2.3.4
good fl-dtcm-end dtcm-end.zip 9.9.9
good no-app-firmware noapp.zip 3.0.0
run -n legacy.zip
grep -q 'flashloader: flash/ivt_flashloader_user.bin size=85007 .* load=0x20001e00 entry=0x200153ed layout=legacy$' out ||
    fail "legacy: flashloader line: $(cat out)"

# --- malformed packages: exit 2 and the exact message --------------------
Z=distingNT_1.2.3.zip
FW=bootable_images/disting_NT.bin
FL=bootable_images/unsigned_MIMXRT1060_flashloader.bin
expect_error not-zip "$Z: not a ZIP archive (Not a zip archive); download the package again"
expect_error truncated-zip "$Z: not a ZIP archive (Not a zip archive); download the package again"
expect_error bomb "$FW: declared size 4026531840 bytes is over the 33554432-byte limit; this is not a Disting NT firmware package"
expect_error size-liar "$FW: the entry holds more data than its declared 6144 bytes; the package is damaged, download it again"
expect_error crc "$FW: cannot read the entry (CRC error); the package is damaged, download it again"
expect_error no-images "$Z: no flashloader image (*flashloader*.bin) in the package"
expect_error bad-json "MANIFEST.json: invalid JSON near byte 33; the package is damaged"
expect_error wrong-processor 'MANIFEST.json: processor is "MIMXRT1170", expected "MIMXRT1060"; this package is not for the Disting NT'
expect_error no-flashloader "$Z: no flashloader image (*flashloader*.bin) in the package"
expect_error no-firmware "$Z: no firmware image (*disting_NT.bin) in the package"
expect_error app-firmware-missing "MANIFEST.json: app_firmware names bootable_images/missing.bin, which is not in the package"
expect_error app-firmware-traversal 'MANIFEST.json: app_firmware "../disting_NT.bin" is not a relative path inside the package'
expect_error traversal "$Z: no usable firmware image: ../disting_NT.bin has an unsafe path"
expect_error duplicate "$Z: no usable firmware image: $FW appears more than once"
expect_error several-firmware "$Z: several firmware images (v1/disting_NT.bin, v2/disting_NT.bin); repack it with one"
expect_error encrypted "$Z: no usable firmware image: $FW is encrypted"
expect_error fw-empty "$FW: the image is empty"
expect_error fw-truncated "$FW: truncated: 4100 bytes, an image needs at least 4104"
expect_error fl-empty "$FL: the image is empty"
expect_error fw-oversize "$FW: 8384516 bytes do not fit the 8388608-byte flash, which holds at most 8384512 after its 4 KiB boot header"
expect_error fw-tag "$FW: IVT tag is 0xd2, expected 0xd1; this is not a bootable i.MX RT image"
expect_error fw-length "$FW: IVT length is 0x0028, expected 0x0020"
expect_error fw-version "$FW: IVT version is 0x3f, expected 0x40-0x4e"
expect_error fw-self "$FW: IVT self is 0x60002000, expected 0x60001000"
expect_error fw-bootdata "$FW: IVT boot data pointer 0x60003000 is outside the image after the IVT (0x60001020-0x60002000)"
expect_error fw-bootstart "$FW: boot data start is 0x60001000, expected 0x60000000"
expect_error fw-bootsize "$FW: boot data size is 0x1000, less than the image plus its 4 KiB boot header (0x41000)"
expect_error fw-entry "$FW: IVT entry 0x60001401 is outside the application (0x60002000-0x60041000)"
expect_error fw-csf "$FW: IVT csf is 0x60003000, expected 0; signed images are not supported"
expect_error fw-sp "$FW: vector table stack pointer 0x60000000 is not an aligned RAM address"
expect_error fw-reset "$FW: vector table reset handler 0x60002400 is not an odd (Thumb) address inside the image (0x60002000-0x60041000)"
expect_error fl-tag "$FL: IVT tag is 0x00, expected 0xd1; this is not a bootable i.MX RT image"
expect_error fl-length "$FL: IVT length is 0x2000, expected 0x0020"
expect_error fl-version "$FL: IVT version is 0x50, expected 0x40-0x4e"
expect_error fl-self "$FL: IVT self is 0x20001c02, expected a 4-byte aligned DTCM or OCRAM address (0x20001c00 for SPT packages)"
expect_error fl-bootdata "$FL: IVT boot data pointer 0x20040000 is outside the image after the IVT (0x20001c20-0x20017000)"
expect_error fl-bootstart "$FL: boot data start 0x20002000 is above the IVT at 0x20001c00"
expect_error fl-bootsize "$FL: boot data size is 0x400, too small for the 87040-byte image at 0x20001c00"
expect_error fl-entry "$FL: IVT entry 0x20100001 is outside the image (0x20001c00-0x20017000)"
expect_error fl-past-dtcm "$FL: the 2048-byte image at 0x2007fc00 runs past the end of DTCM at 0x20080000; it does not fit in RAM"
expect_error fl-past-ocram "$FL: the 87040-byte image at 0x202f0000 runs past the end of OCRAM at 0x20300000; it does not fit in RAM"
expect_error fl-entry-even "$FL: IVT entry 0x20002100 is not an odd (Thumb) address"
expect_error fl-csf "$FL: IVT csf is 0x20010000, expected 0; signed images are not supported"
[ "$n" -ge 25 ] || fail "only $n malformed kinds"

# Every malformed kind mkpkg knows is pinned above.
for kind in $("$MKPKG" --list | awk '$2 == "bad" { print $1 }'); do
    grep -q "^expect_error $kind " "$top_srcdir/tests/app/pkg_cli.sh" || fail "kind $kind has no expect_error line"
done

# --- files that are not there or not readable: exit 2 -----------------------
run --dry-run missing.zip
[ "$rc" = 2 ] || fail "missing: exit $rc"
printf 'EXTRACTING\nERROR missing.zip: no such file; check the package path\n' >want.out
cmp -s out want.out || fail "missing: stdout was: $(cat out)"
grep -qx 'nt_flash: missing.zip: no such file; check the package path' err || fail "missing: stderr: $(cat err)"
mkdir -p adir.zip
run --dry-run adir.zip
[ "$rc" = 2 ] || fail "directory: exit $rc"
grep -qx 'nt_flash: adir.zip: not a regular file; give the path of a .zip package' err ||
    fail "directory: stderr: $(cat err)"

# --- usage errors: exit 1, nothing on stdout ----------------------------------
run --dry-run a.zip b.zip
[ "$rc" = 1 ] || fail "two packages: exit $rc"
[ -s out ] && fail "two packages: stdout: $(cat out)"
run --dry-run --no-such-option distingNT_1.12.0.zip
[ "$rc" = 1 ] || fail "unknown option: exit $rc"

echo "# pkg_cli: $n malformed kinds, $fails failures"
if [ "$fails" = 0 ]; then echo "ok 1 - pkg_cli"; else echo "not ok 1 - pkg_cli"; fi
echo "1..1"
[ "$fails" = 0 ]
