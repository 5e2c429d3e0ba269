#!/bin/sh
# nt_flash --dry-run as a user runs it, on packages written by tools/mkpkg:
# stdout lines, the one stderr line and the exit code for good packages,
# every malformed kind (one case each, malformed_KIND), missing files and
# usage errors.
set -u
. "$top_srcdir/tests/lib/tap.sh"
# The package names below are relative: the messages name them as given.
cd "$T" || exit 99
mkpkg distingNT_1.12.0.zip --kind plain --fw-size 0x3000 --version 1.12.0

# --- a good package, the whole output pinned -----------------------------
t_plain_package_output() {
    run --dry-run distingNT_1.12.0.zip
    [ "$rc" = 0 ] || tl_fail "exit $rc: $(cat err)"
    [ -s err ] && tl_fail "stderr not empty: $(cat err)"
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
    cmp -s got want || tl_fail "stdout was: $(cat out)"
    [ "$(wc -l <out)" -eq 9 ] || tl_fail "expected 9 lines: $(cat out)"
    grep -Eqx 'flashloader: bootable_images/unsigned_MIMXRT1060_flashloader.bin size=87040 sha256=[0-9a-f]{64} load=0x20001c00 entry=0x20002101 layout=spt' out ||
        tl_fail "flashloader line: $(cat out)"
    grep -Eqx 'firmware: bootable_images/disting_NT.bin size=12288 sha256=[0-9a-f]{64} load=0x60001000 entry=0x60002401' out ||
        tl_fail "firmware line: $(cat out)"
}
tap_case plain_package_output

# The firmware line's hash is the image's.
t_plain_package_firmware_sha256() {
    if ! command -v unzip >/dev/null 2>&1 || ! command -v sha256sum >/dev/null 2>&1; then
        tap_skip "no unzip or sha256sum to hash the firmware image"
        return
    fi
    run --dry-run distingNT_1.12.0.zip
    want_sha=$(unzip -p distingNT_1.12.0.zip bootable_images/disting_NT.bin | sha256sum | cut -d' ' -f1)
    grep -q "firmware: .* sha256=$want_sha " out || tl_fail "firmware sha256 is not $want_sha"
}
tap_case plain_package_firmware_sha256

# --- good variants: exit 0 and the version they carry ----------------------
# good KIND ZIP VERSION [several]: the case good_KIND (good_KIND_VERSION when
# the kind makes several packages)
good_pkg() {
    kind=$1 zip=$2 version=$3
    "$MKPKG" --kind "$kind" "$zip" >/dev/null || { tl_fail "mkpkg --kind $kind failed"; return; }
    run -n "$zip"
    [ "$rc" = 0 ] || tl_fail "exit $rc: $(cat err)"
    sed -n 2p out | grep -qx "PACKAGE_INFO $version" || tl_fail "expected version $version: $(cat out)"
}
good() { tap_case "good_$1${4:+_$3}" good_pkg "$1" "$2" "$3"; }
good top-folder top.zip 9.9.9
good firmware-version fwv.zip 2.0.1
good no-version distingNT_1.4.0.zip 1.4.0 several
good no-version distingNT_v1_5_2.zip 1.5.2 several
good no-version firmware.zip unknown several
good no-manifest distingNT_2.3.4.zip 2.3.4
good fl-dtcm-end dtcm-end.zip 9.9.9
good no-app-firmware noapp.zip 3.0.0

# The legacy layout: its version and its flashloader line.
t_good_legacy() {
    good_pkg legacy legacy.zip 9.9.9
    grep -q 'flashloader: flash/ivt_flashloader_user.bin size=85007 .* load=0x20001e00 entry=0x200153ed layout=legacy$' out ||
        tl_fail "flashloader line: $(cat out)"
}
tap_case good_legacy

# --- malformed packages: exit 2 and the exact message --------------------
# expect_error KIND MESSAGE: the package of KIND fails with exactly MESSAGE
expect_error() {
    kind=$1 msg=$2 zip=distingNT_1.2.3.zip
    rm -f "$zip"
    "$MKPKG" --kind "$kind" "$zip" >/dev/null 2>mkpkg.err
    case $? in
    0) ;;
    77) tap_skip "mkpkg cannot make it here: $(cat mkpkg.err)"; return ;;
    *) tl_fail "mkpkg: $(cat mkpkg.err)"; return ;;
    esac
    run --dry-run "$zip"
    [ "$rc" = 2 ] || tl_fail "exit $rc, expected 2"
    printf 'EXTRACTING\nERROR %s\n' "$msg" >want.out
    cmp -s out want.out || tl_fail "stdout was: $(cat out)"
    printf 'nt_flash: %s\n' "$msg" >want.err
    cmp -s err want.err || tl_fail "stderr was: $(cat err)"
}
# bad KIND MESSAGE: the case malformed_KIND
bad() { tap_case "malformed_$1" expect_error "$1" "$2"; }
Z=distingNT_1.2.3.zip
FW=bootable_images/disting_NT.bin
FL=bootable_images/unsigned_MIMXRT1060_flashloader.bin
bad not-zip "$Z: not a ZIP archive (Not a zip archive); download the package again"
bad truncated-zip "$Z: not a ZIP archive (Not a zip archive); download the package again"
bad bomb "$FW: declared size 4026531840 bytes is over the 33554432-byte limit; this is not a Disting NT firmware package"
bad size-liar "$FW: the entry holds more data than its declared 6144 bytes; the package is damaged, download it again"
bad crc "$FW: cannot read the entry (CRC error); the package is damaged, download it again"
bad no-images "$Z: no flashloader image (*flashloader*.bin) in the package"
bad bad-json "MANIFEST.json: invalid JSON near byte 33; the package is damaged"
bad wrong-processor 'MANIFEST.json: processor is "MIMXRT1170", expected "MIMXRT1060"; this package is not for the Disting NT'
bad no-flashloader "$Z: no flashloader image (*flashloader*.bin) in the package"
bad no-firmware "$Z: no firmware image (*disting_NT.bin) in the package"
bad app-firmware-missing "MANIFEST.json: app_firmware names bootable_images/missing.bin, which is not in the package"
bad app-firmware-traversal 'MANIFEST.json: app_firmware "../disting_NT.bin" is not a relative path inside the package'
bad traversal "$Z: no usable firmware image: ../disting_NT.bin has an unsafe path"
bad duplicate "$Z: no usable firmware image: $FW appears more than once"
bad several-firmware "$Z: several firmware images (v1/disting_NT.bin, v2/disting_NT.bin); repack it with one"
bad encrypted "$Z: no usable firmware image: $FW is encrypted"
bad fw-empty "$FW: the image is empty"
bad fw-truncated "$FW: truncated: 4100 bytes, an image needs at least 4104"
bad fl-empty "$FL: the image is empty"
bad fw-oversize "$FW: 8384516 bytes do not fit the 8388608-byte flash, which holds at most 8384512 after its 4 KiB boot header"
bad fw-tag "$FW: IVT tag is 0xd2, expected 0xd1; this is not a bootable i.MX RT image"
bad fw-length "$FW: IVT length is 0x0028, expected 0x0020"
bad fw-version "$FW: IVT version is 0x3f, expected 0x40-0x4e"
bad fw-self "$FW: IVT self is 0x60002000, expected 0x60001000"
bad fw-bootdata "$FW: IVT boot data pointer 0x60003000 is outside the image after the IVT (0x60001020-0x60002000)"
bad fw-bootstart "$FW: boot data start is 0x60001000, expected 0x60000000"
bad fw-bootsize "$FW: boot data size is 0x1000, less than the image plus its 4 KiB boot header (0x41000)"
bad fw-entry "$FW: IVT entry 0x60001401 is outside the application (0x60002000-0x60041000)"
bad fw-csf "$FW: IVT csf is 0x60003000, expected 0; signed images are not supported"
bad fw-sp "$FW: vector table stack pointer 0x60000000 is not an aligned RAM address"
bad fw-reset "$FW: vector table reset handler 0x60002400 is not an odd (Thumb) address inside the image (0x60002000-0x60041000)"
bad fl-tag "$FL: IVT tag is 0x00, expected 0xd1; this is not a bootable i.MX RT image"
bad fl-length "$FL: IVT length is 0x2000, expected 0x0020"
bad fl-version "$FL: IVT version is 0x50, expected 0x40-0x4e"
bad fl-self "$FL: IVT self is 0x20001c02, expected a 4-byte aligned DTCM or OCRAM address (0x20001c00 for SPT packages)"
bad fl-bootdata "$FL: IVT boot data pointer 0x20040000 is outside the image after the IVT (0x20001c20-0x20017000)"
bad fl-bootstart "$FL: boot data start 0x20002000 is above the IVT at 0x20001c00"
bad fl-bootsize "$FL: boot data size is 0x400, too small for the 87040-byte image at 0x20001c00"
bad fl-entry "$FL: IVT entry 0x20100001 is outside the image (0x20001c00-0x20017000)"
bad fl-past-dtcm "$FL: the 2048-byte image at 0x2007fc00 runs past the end of DTCM at 0x20080000; it does not fit in RAM"
bad fl-past-ocram "$FL: the 87040-byte image at 0x202f0000 runs past the end of OCRAM at 0x20300000; it does not fit in RAM"
bad fl-entry-even "$FL: IVT entry 0x20002100 is not an odd (Thumb) address"
bad fl-csf "$FL: IVT csf is 0x20010000, expected 0; signed images are not supported"

# Every malformed kind mkpkg knows is pinned above.
t_every_malformed_kind_pinned() {
    n=$(grep -c '^bad [a-z]' "$top_srcdir/tests/app/pkg_cli.sh")
    [ "$n" -ge 25 ] || tl_fail "only $n malformed kinds"
    for kind in $("$MKPKG" --list | awk '$2 == "bad" { print $1 }'); do
        grep -q "^bad $kind " "$top_srcdir/tests/app/pkg_cli.sh" || tl_fail "kind $kind has no bad line"
    done
}
tap_case every_malformed_kind_pinned

# --- files that are not there or not readable: exit 2 -----------------------
t_missing_file() {
    run --dry-run missing.zip
    [ "$rc" = 2 ] || tl_fail "exit $rc"
    printf 'EXTRACTING\nERROR missing.zip: no such file; check the package path\n' >want.out
    cmp -s out want.out || tl_fail "stdout was: $(cat out)"
    grep -qx 'nt_flash: missing.zip: no such file; check the package path' err || tl_fail "stderr: $(cat err)"
}
tap_case missing_file

t_package_is_an_empty_directory() {
    mkdir -p adir.zip
    run --dry-run adir.zip
    [ "$rc" = 2 ] || tl_fail "exit $rc"
    grep -qx 'nt_flash: adir.zip: the folder holds no package files' err ||
        tl_fail "stderr: $(cat err)"
}
tap_case package_is_an_empty_directory

# --- an unzipped package folder: the same summary and the same checks -------
t_folder_package_same_summary() {
    rm -rf unz && mkdir unz && (cd unz && unzip -q ../distingNT_1.12.0.zip) || tl_fail "unzip failed"
    run --dry-run distingNT_1.12.0.zip
    grep -v '^EXTRACTING' out >zip.summary
    run --dry-run unz
    [ "$rc" = 0 ] || tl_fail "exit $rc: $(cat err)"
    grep -v '^EXTRACTING' out | diff - zip.summary >/dev/null || tl_fail "summary differs: $(cat out)"
}
tap_case folder_package_same_summary

t_folder_package_same_checks() {
    mkpkg bad.zip --kind fw-tag
    rm -rf badunz && mkdir badunz && (cd badunz && unzip -q ../bad.zip)
    run --dry-run bad.zip
    cp err zip.err
    run --dry-run badunz
    [ "$rc" = 2 ] || tl_fail "exit $rc"
    cmp -s err zip.err || tl_fail "stderr '$(cat err)' differs from the ZIP's '$(cat zip.err)'"
}
tap_case folder_package_same_checks

# --- --sha256 pins the ZIP ------------------------------------------------
t_sha256_pin() {
    sum=$(sha256sum distingNT_1.12.0.zip | cut -c1-64)
    run --dry-run --sha256 "$sum" distingNT_1.12.0.zip
    [ "$rc" = 0 ] || tl_fail "match: exit $rc: $(cat err)"
    upper=$(printf '%s' "$sum" | tr a-f A-F)
    run --dry-run --sha256 "$upper" distingNT_1.12.0.zip
    [ "$rc" = 0 ] || tl_fail "upper case: exit $rc: $(cat err)"
    other=$(printf '%s' "$sum" | tr 0-9a-f 1-9a-f0)
    run --dry-run --sha256 "$other" distingNT_1.12.0.zip
    [ "$rc" = 2 ] || tl_fail "mismatch: exit $rc"
    grep -qx "nt_flash: distingNT_1.12.0.zip: SHA-256 $sum is not the $other given with --sha256; the file is not the one pinned (download it again, or check the digest)" err ||
        tl_fail "mismatch: stderr: $(cat err)"
    rm -rf unz2 && mkdir unz2 && (cd unz2 && unzip -q ../distingNT_1.12.0.zip)
    run --dry-run --sha256 "$sum" unz2
    [ "$rc" = 2 ] || tl_fail "on a folder: exit $rc"
    grep -q 'pins a package ZIP, and this is a folder' err || tl_fail "on a folder: stderr: $(cat err)"
    run --dry-run --sha256 abc distingNT_1.12.0.zip
    [ "$rc" = 1 ] || tl_fail "malformed: exit $rc"
    grep -q "invalid --sha256 'abc'" err || tl_fail "malformed: stderr: $(cat err)"
}
tap_case sha256_pin

# --- usage errors: exit 1, nothing on stdout ----------------------------------
t_usage_two_packages() {
    run --dry-run a.zip b.zip
    [ "$rc" = 1 ] || tl_fail "exit $rc"
    [ -s out ] && tl_fail "stdout: $(cat out)"
}
tap_case usage_two_packages

t_usage_unknown_option() {
    run --dry-run --no-such-option distingNT_1.12.0.zip
    [ "$rc" = 1 ] || tl_fail "exit $rc"
}
tap_case usage_unknown_option

finish
