/* Package opening and validation (src/pkg.c) against synthetic packages from
 * tools/synthpkg.c: good variants field by field and byte by byte, and every
 * malformed kind with its exact message. */
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "pkg.h"
#include "sha256.h"
#include "synthpkg.h"

#define ZIPNAME "distingNT_1.2.3.zip"
#define FW "bootable_images/disting_NT.bin"
#define FL "bootable_images/unsigned_MIMXRT1060_flashloader.bin"

static char tmpdir[512];

/* Writes kind to $TMPDIR/<file> and returns the path (static buffer). */
static const char *make_pkg(const char *kind, const char *file, size_t fw_size)
{
    static char path[1024];
    char why[300];
    int rc;
    snprintf(path, sizeof path, "%s/%s", tmpdir, file);
    rc = synth_write(path, kind, fw_size, NULL, why, sizeof why);
    if (rc != 0)
        fprintf(stderr, "synth_write %s: %s\n", kind, why);
    CHECK_EQ_INT(rc, 0);
    return path;
}

static struct pkg *open_good(const char *kind, const char *file, const char *display)
{
    struct pkg *p = NULL;
    struct nt_err err;
    nt_status st = pkg_open_file(make_pkg(kind, file, 0), display, &p, &err);
    if (st != NT_OK)
        fprintf(stderr, "%s: %s\n", kind, err.msg);
    CHECK_EQ_INT(st, NT_OK);
    return p;
}

static void check_images_exact(const struct pkg *p, size_t fw_size, bool legacy)
{
    size_t fl_size = legacy ? SYNTH_FL_LEGACY_BYTES : SYNTH_FL_BYTES;
    uint8_t *fw = malloc(fw_size), *fl = malloc(fl_size), sha[32];

    synth_firmware(fw, fw_size);
    synth_flashloader(fl, fl_size, legacy);
    CHECK_EQ_INT(p->firmware.size, fw_size);
    CHECK_EQ_INT(p->flashloader.size, fl_size);
    if (p->firmware.size == fw_size)
        CHECK_MEM(p->firmware.data, fw, fw_size);
    if (p->flashloader.size == fl_size)
        CHECK_MEM(p->flashloader.data, fl, fl_size);
    sha256(fw, fw_size, sha);
    CHECK_MEM(p->firmware.sha256, sha, 32);
    sha256(fl, fl_size, sha);
    CHECK_MEM(p->flashloader.sha256, sha, 32);
    free(fw);
    free(fl);
}

static void test_plain(void)
{
    struct pkg *p = open_good("plain", "plain.zip", ZIPNAME);
    if (!p)
        return;
    CHECK_EQ_STR(p->version, "9.9.9"); /* the manifest wins over the file name */
    CHECK_EQ_STR(p->processor, "MIMXRT1060");
    CHECK(p->has_manifest);
    CHECK_EQ_STR(p->manifest, "MANIFEST.json");
    CHECK(!p->legacy_flashloader);
    CHECK_EQ_STR(p->firmware.name, FW);
    CHECK_EQ_STR(p->flashloader.name, FL);
    CHECK_EQ_INT(p->flashloader.ivt_self, 0x20001C00u);
    CHECK_EQ_INT(p->flashloader.entry, SYNTH_FL_ENTRY);
    CHECK_EQ_INT(p->flashloader.boot_start, 0x20001C00u);
    CHECK_EQ_INT(p->flashloader.boot_size, SYNTH_FL_BYTES);
    CHECK_EQ_INT(p->firmware.ivt_self, 0x60001000u);
    CHECK_EQ_INT(p->firmware.entry, SYNTH_FW_ENTRY);
    CHECK_EQ_INT(p->firmware.boot_start, 0x60000000u);
    CHECK_EQ_INT(p->firmware.boot_size, SYNTH_FW_DEFAULT_BYTES + 0x1000);
    check_images_exact(p, SYNTH_FW_DEFAULT_BYTES, false);
    CHECK_EQ_INT(pkg_erase_end(p), 0x60001000u + SYNTH_FW_DEFAULT_BYTES);
    pkg_free(p);
}

static void test_top_folder(void)
{
    struct pkg *p = open_good("top-folder", "top.zip", ZIPNAME);
    if (!p)
        return;
    CHECK_EQ_STR(p->manifest, "distingNT_1.12.0/MANIFEST.json");
    CHECK_EQ_STR(p->firmware.name, "distingNT_1.12.0/" FW); /* not the __MACOSX fork */
    CHECK_EQ_STR(p->flashloader.name, "distingNT_1.12.0/" FL);
    check_images_exact(p, SYNTH_FW_DEFAULT_BYTES, false);
    pkg_free(p);
}

static void test_legacy(void)
{
    struct pkg *p = open_good("legacy", "legacy.zip", ZIPNAME);
    if (!p)
        return;
    CHECK(p->legacy_flashloader);
    CHECK_EQ_STR(p->flashloader.name, "flash/ivt_flashloader_user.bin");
    CHECK_EQ_INT(p->flashloader.ivt_self, 0x20001E00u);
    CHECK_EQ_INT(p->flashloader.entry, 0x200153EDu);
    check_images_exact(p, SYNTH_FW_DEFAULT_BYTES, true);
    pkg_free(p);
}

/* The boundary of the RAM check: a flashloader may end exactly at the end
 * of DTCM (fl-past-dtcm, one KiB further, is refused). */
static void test_flashloader_ending_at_dtcm_end(void)
{
    struct pkg *p = open_good("fl-dtcm-end", "dtcm-end.zip", ZIPNAME);
    if (!p)
        return;
    CHECK_EQ_INT(p->flashloader.ivt_self, 0x2007F800u);
    CHECK_EQ_INT(p->flashloader.ivt_self + p->flashloader.size, 0x20080000u);
    pkg_free(p);
}

static void check_version(const char *kind, const char *file, const char *display, const char *want)
{
    struct pkg *p = open_good(kind, file, display);
    if (p)
        CHECK_EQ_STR(p->version, want);
    pkg_free(p);
}

static void test_versions(void)
{
    check_version("firmware-version", "fwv.zip", ZIPNAME, "2.0.1");
    check_version("no-version", "distingNT_1.12.0.zip", NULL, "1.12.0");
    check_version("no-version", "nov.zip", "distingNT_v1_12_0.zip", "1.12.0");
    check_version("no-version", "nov.zip", "https://x/distingNT_10.0.2-beta.zip", "10.0.2");
    check_version("no-version", "nov.zip", "distingNT_1.2.zip", "unknown");
    check_version("no-version", "firmware.zip", NULL, "unknown");
    check_version("no-manifest", "distingNT_7.8.9.zip", NULL, "7.8.9");
    check_version("no-app-firmware", "noapp.zip", ZIPNAME, "3.0.0");
}

static void test_no_manifest(void)
{
    struct pkg *p = open_good("no-manifest", "nm.zip", ZIPNAME);
    if (!p)
        return;
    CHECK(!p->has_manifest);
    CHECK_EQ_STR(p->processor, "");
    CHECK_EQ_STR(p->firmware.name, FW);
    pkg_free(p);
}

/* A download: the same package from memory, named by its URL's last segment. */
static void test_open_memory(void)
{
    const char *path = make_pkg("no-version", "mem.zip", 0x3000);
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    struct pkg *p = NULL;
    struct nt_err err;

    if (f)
        fclose(f);
    CHECK(n > 0 && n < sizeof buf);
    CHECK_EQ_INT(pkg_open_memory(buf, n, "distingNT_4.5.6.zip", &p, &err), NT_OK);
    if (p) {
        CHECK_EQ_STR(p->version, "4.5.6");
        check_images_exact(p, 0x3000, false);
        CHECK_EQ_INT(pkg_erase_end(p), 0x60004000u); /* 0x60004000 exactly: no extra sector */
    }
    pkg_free(p);
    CHECK_EQ_INT(pkg_open_memory("PK", 2, "distingNT_4.5.6.zip", &p, &err), NT_E_PACKAGE);
    CHECK_EQ_STR(err.msg,
                 "distingNT_4.5.6.zip: not a ZIP archive (Not a zip archive); download the package again");
    CHECK(p == NULL);
}

static void test_erase_end_rounds_up(void)
{
    struct pkg *p = open_good("plain", "odd.zip", ZIPNAME);
    if (!p)
        return;
    p->firmware.size = 0x2001; /* only the size matters */
    CHECK_EQ_INT(pkg_erase_end(p), 0x60004000u);
    pkg_free(p);
}

static void test_check_fits(void)
{
    struct pkg *p = open_good("plain", "fits.zip", ZIPNAME);
    struct nt_err err;
    if (!p)
        return;
    CHECK_EQ_INT(pkg_check_fits(p, 8u << 20, &err), NT_OK);
    CHECK_EQ_INT(pkg_check_fits(p, SYNTH_FW_DEFAULT_BYTES + 0x1000, &err), NT_OK);
    CHECK_EQ_INT(pkg_check_fits(p, SYNTH_FW_DEFAULT_BYTES + 0xFFF, &err), NT_E_PACKAGE);
    CHECK_EQ_STR(err.msg,
                 FW ": 262144 bytes do not fit the 266239-byte flash, which holds at most "
                    "262143 after its 4 KiB boot header");
    pkg_free(p);
}

struct bad {
    const char *kind;
    const char *msg;
};

static const struct bad bad_kinds[] = {
    { "not-zip", ZIPNAME ": not a ZIP archive (Not a zip archive); download the package again" },
    { "truncated-zip", ZIPNAME ": not a ZIP archive (Not a zip archive); download the package again" },
    { "bomb",
      FW ": declared size 4026531840 bytes is over the 33554432-byte limit; this is not a "
         "Disting NT firmware package" },
    { "size-liar",
      FW ": the entry holds more data than its declared 6144 bytes; the package is "
         "damaged, download it again" },
    { "crc", FW ": cannot read the entry (CRC error); the package is damaged, download it again" },
    { "no-images", ZIPNAME ": no flashloader image (*flashloader*.bin) in the package" },
    { "bad-json", "MANIFEST.json: invalid JSON near byte 33; the package is damaged" },
    { "wrong-processor",
      "MANIFEST.json: processor is \"MIMXRT1170\", expected \"MIMXRT1060\"; this "
      "package is not for the Disting NT" },
    { "no-flashloader", ZIPNAME ": no flashloader image (*flashloader*.bin) in the package" },
    { "no-firmware", ZIPNAME ": no firmware image (*disting_NT.bin) in the package" },
    { "app-firmware-missing",
      "MANIFEST.json: app_firmware names bootable_images/missing.bin, which is "
      "not in the package" },
    { "app-firmware-traversal",
      "MANIFEST.json: app_firmware \"../disting_NT.bin\" is not a relative "
      "path inside the package" },
    { "traversal", ZIPNAME ": no usable firmware image: ../disting_NT.bin has an unsafe path" },
    { "duplicate", ZIPNAME ": no usable firmware image: " FW " appears more than once" },
    { "several-firmware",
      ZIPNAME ": several firmware images (v1/disting_NT.bin, v2/disting_NT.bin); "
              "repack it with one" },
    { "encrypted", ZIPNAME ": no usable firmware image: " FW " is encrypted" },
    { "fw-empty", FW ": the image is empty" },
    { "fw-truncated", FW ": truncated: 4100 bytes, an image needs at least 4104" },
    { "fl-empty", FL ": the image is empty" },
    { "fw-oversize",
      FW ": 8384516 bytes do not fit the 8388608-byte flash, which holds at most "
         "8384512 after its 4 KiB boot header" },
    { "fw-tag", FW ": IVT tag is 0xd2, expected 0xd1; this is not a bootable i.MX RT image" },
    { "fw-length", FW ": IVT length is 0x0028, expected 0x0020" },
    { "fw-version", FW ": IVT version is 0x3f, expected 0x40-0x4e" },
    { "fw-self", FW ": IVT self is 0x60002000, expected 0x60001000" },
    { "fw-bootdata",
      FW ": IVT boot data pointer 0x60003000 is outside the image after the IVT "
         "(0x60001020-0x60002000)" },
    { "fw-bootstart", FW ": boot data start is 0x60001000, expected 0x60000000" },
    { "fw-bootsize",
      FW ": boot data size is 0x1000, less than the image plus its 4 KiB boot header "
         "(0x41000)" },
    { "fw-entry", FW ": IVT entry 0x60001401 is outside the application (0x60002000-0x60041000)" },
    { "fw-csf", FW ": IVT csf is 0x60003000, expected 0; signed images are not supported" },
    { "fw-sp", FW ": vector table stack pointer 0x60000000 is not an aligned RAM address" },
    { "fw-reset",
      FW ": vector table reset handler 0x60002400 is not an odd (Thumb) address inside "
         "the image (0x60002000-0x60041000)" },
    { "fl-tag", FL ": IVT tag is 0x00, expected 0xd1; this is not a bootable i.MX RT image" },
    { "fl-length", FL ": IVT length is 0x2000, expected 0x0020" },
    { "fl-version", FL ": IVT version is 0x50, expected 0x40-0x4e" },
    { "fl-self",
      FL ": IVT self is 0x20001c02, expected a 4-byte aligned DTCM or OCRAM address "
         "(0x20001c00 for SPT packages)" },
    { "fl-bootdata",
      FL ": IVT boot data pointer 0x20040000 is outside the image after the IVT "
         "(0x20001c20-0x20017000)" },
    { "fl-bootstart", FL ": boot data start 0x20002000 is above the IVT at 0x20001c00" },
    { "fl-bootsize", FL ": boot data size is 0x400, too small for the 87040-byte image at 0x20001c00" },
    { "fl-entry", FL ": IVT entry 0x20100001 is outside the image (0x20001c00-0x20017000)" },
    { "fl-csf", FL ": IVT csf is 0x20010000, expected 0; signed images are not supported" },
    { "fl-past-dtcm",
      FL ": the 2048-byte image at 0x2007fc00 runs past the end of DTCM at 0x20080000; it does not fit "
         "in RAM" },
    { "fl-past-ocram",
      FL ": the 87040-byte image at 0x202f0000 runs past the end of OCRAM at 0x20300000; it does not "
         "fit in RAM" },
    { "fl-entry-even", FL ": IVT entry 0x20002100 is not an odd (Thumb) address" },
};

static void test_malformed(void)
{
    int n_bad = 0;
    for (size_t i = 0; i < sizeof bad_kinds / sizeof bad_kinds[0]; i++) {
        char path[1024], why[300];
        struct pkg *p = (struct pkg *)1;
        struct nt_err err;
        int rc;

        snprintf(path, sizeof path, "%s/bad-%s.zip", tmpdir, bad_kinds[i].kind);
        rc = synth_write(path, bad_kinds[i].kind, 0, NULL, why, sizeof why);
        if (rc == 77) {
            printf("# skipped %s: %s\n", bad_kinds[i].kind, why);
            continue;
        }
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(pkg_open_file(path, ZIPNAME, &p, &err), NT_E_PACKAGE);
        CHECK_EQ_INT(err.status, NT_E_PACKAGE);
        CHECK_EQ_STR(err.msg, bad_kinds[i].msg);
        CHECK(p == NULL);
        n_bad++;
    }
    CHECK(n_bad >= 25);
}

/* Every kind mkpkg knows is either good or pinned above, so none goes untested. */
static void test_every_kind_covered(void)
{
    for (const struct synth_kind *k = synth_kinds(); k->name; k++) {
        bool found = false;
        for (size_t i = 0; i < sizeof bad_kinds / sizeof bad_kinds[0]; i++)
            found = found || strcmp(bad_kinds[i].kind, k->name) == 0;
        if (found == k->good)
            fprintf(stderr, "kind %s: good=%d but in the bad table=%d\n", k->name, k->good, found);
        CHECK(found != k->good);
    }
}

/* Opens a plain package with this MANIFEST.json; returns the status, message in err. */
static nt_status open_with_manifest(const char *json, struct pkg **p, struct nt_err *err)
{
    char path[1024], why[300];
    snprintf(path, sizeof path, "%s/manifest.zip", tmpdir);
    CHECK_EQ_INT(synth_write_manifest(path, json, why, sizeof why), 0);
    *p = NULL;
    return pkg_open_file(path, ZIPNAME, p, err);
}

static void check_manifest_error(const char *json, const char *msg)
{
    struct pkg *p;
    struct nt_err err;
    CHECK_EQ_INT(open_with_manifest(json, &p, &err), NT_E_PACKAGE);
    CHECK_EQ_STR(err.msg, msg);
    CHECK(p == NULL);
}

static void check_manifest_version(const char *json, const char *version)
{
    struct pkg *p;
    struct nt_err err;
    CHECK_EQ_INT(open_with_manifest(json, &p, &err), NT_OK);
    if (p)
        CHECK_EQ_STR(p->version, version);
    pkg_free(p);
}

static void test_manifest_values(void)
{
    check_manifest_error("[1, 2]", "MANIFEST.json: expected a JSON object");
    check_manifest_error("", "MANIFEST.json: invalid JSON near byte 0; the package is damaged");
    check_manifest_error("{\"version\": 1.2}", "MANIFEST.json: \"version\" must be a non-empty string");
    check_manifest_error("{\"processor\": null}", "MANIFEST.json: \"processor\" must be a non-empty string");
    check_manifest_error("{\"app_firmware\": \"/bootable_images/disting_NT.bin\"}",
                         "MANIFEST.json: app_firmware \"/bootable_images/disting_NT.bin\" is not a relative "
                         "path inside the package");
    /* version wins over firmware_version; unknown keys are ignored */
    check_manifest_version("{\"firmware_version\":\"2.0.0\",\"version\":\"1.0.0\",\"x\":[{}]}", "1.0.0");
    check_manifest_version("{}", "1.2.3");
    check_manifest_version("{\"version\":\"1.12.0 beta\\n\"}", "1.12.0_beta_");
    check_manifest_version(
        "{\"version\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
        "012345678901234567890123456789012345678901234567890123456789012");
    /* app_firmware wins over the name search */
    check_manifest_version("{\"app_firmware\":\"bootable_images/disting_NT.bin\"}", "1.2.3");
}

static void test_missing_file(void)
{
    char path[1024];
    struct pkg *p = NULL;
    struct nt_err err;
    snprintf(path, sizeof path, "%s/does-not-exist.zip", tmpdir);
    CHECK_EQ_INT(pkg_open_file(path, NULL, &p, &err), NT_E_PACKAGE);
    CHECK_CONTAINS(err.msg, "does-not-exist.zip: no such file; check the package path");
    /* A folder is read as an unzipped package; an empty one holds nothing. */
    snprintf(path, sizeof path, "%s/empty-folder", tmpdir);
    mkdir(path, 0700);
    CHECK_EQ_INT(pkg_open_file(path, "dir.zip", &p, &err), NT_E_PACKAGE);
    CHECK_EQ_STR(err.msg, "dir.zip: the folder holds no package files");
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_pkg", t && *t ? t : "tests/tmp");
    mkdir(t && *t ? t : "tests/tmp", 0755);
    mkdir(tmpdir, 0755);
    RUN(test_plain);
    RUN(test_top_folder);
    RUN(test_legacy);
    RUN(test_flashloader_ending_at_dtcm_end);
    RUN(test_versions);
    RUN(test_no_manifest);
    RUN(test_open_memory);
    RUN(test_erase_end_rounds_up);
    RUN(test_check_fits);
    RUN(test_malformed);
    RUN(test_every_kind_covered);
    RUN(test_manifest_values);
    RUN(test_missing_file);
    return check_finish();
}
