/* Synthetic firmware packages (see synthpkg.h): a default, realistic package
 * description is built, a kind mutates it, libzip writes it, and a few kinds
 * then patch the written bytes for what libzip refuses to produce (duplicate
 * names, lying sizes, a bad CRC, truncation). */
#include "synthpkg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "bytes.h"

#define FW_SEED 0x4E544657u       /* "NTFW" */
#define FW_OTHER_SEED 0x4E544658u /* another firmware of the same size */
#define FL_SEED 0x4E54464Cu       /* "NTFL" */
#define FW_IVT_SELF 0x60001000u
#define FW_VECTORS 0x1000u
#define FL_SPT_SELF 0x20001C00u
#define FL_LEGACY_SELF 0x20001E00u
#define FL_SPT_VECTORS 0x400u
#define FL_LEGACY_VECTORS 0x200u
#define FL_LEGACY_ENTRY 0x200153EDu
#define FLASH_BYTES (8u * 1024 * 1024)
#define BOOT_HEADER_BYTES 0x1000u
#define BOMB_DECLARED_BYTES 0xF0000000u
#define LIAR_DECLARED_BYTES 0x1800u
#define NAME_MAX_BYTES 160
#define PKG_SYNTH_FW_MAX_BYTES (16u * 1024 * 1024)

#define FW_PATH "bootable_images/disting_NT.bin"
#define FL_PATH "bootable_images/unsigned_MIMXRT1060_flashloader.bin"
#define DTCM_END 0x20080000u  /* RT1060 DTCM, 512 KiB at 0x20000000 */
#define OCRAM_END 0x20300000u /* RT1060 OCRAM, 1 MiB at 0x20200000 */

void synth_fill(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 24);
    }
}

/* IVT + boot data (doc/package.md §4.1) at the start of buf. */
static void put_ivt(uint8_t *buf, uint32_t self, uint32_t entry, uint32_t start, uint32_t size)
{
    memset(buf, 0, 0x2C);
    buf[0] = 0xD1;
    put_be16(buf + 1, 0x0020);
    buf[3] = 0x40;
    put_le32(buf + 0x04, entry);
    put_le32(buf + 0x10, self + 0x20);
    put_le32(buf + 0x14, self);
    put_le32(buf + 0x20, start);
    put_le32(buf + 0x24, size);
}

void synth_firmware(uint8_t *buf, size_t size)
{
    memset(buf, 0, FW_VECTORS);
    put_ivt(buf, FW_IVT_SELF, SYNTH_FW_ENTRY, 0x60000000u, (uint32_t)size + BOOT_HEADER_BYTES);
    put_le32(buf + FW_VECTORS, SYNTH_STACK_TOP);
    put_le32(buf + FW_VECTORS + 4, SYNTH_FW_ENTRY);
    synth_fill(buf + FW_VECTORS + 8, size - FW_VECTORS - 8, FW_SEED);
}

void synth_mark_version(uint8_t *buf, size_t size, const char *version)
{
    char text[SYNTH_VERSION_AREA];
    int n = snprintf(text, sizeof text, SYNTH_VERSION_MARKER "%s", version);

    if (size < SYNTH_VERSION_AREA || n < 0)
        return;
    /* with its NUL; a version too long for the area is cut */
    memcpy(buf + size - SYNTH_VERSION_AREA, text, strlen(text) + 1);
}

void synth_flashloader(uint8_t *buf, size_t size, bool legacy)
{
    uint32_t self = legacy ? FL_LEGACY_SELF : FL_SPT_SELF;
    uint32_t vec = legacy ? FL_LEGACY_VECTORS : FL_SPT_VECTORS;
    uint32_t entry = legacy ? FL_LEGACY_ENTRY : SYNTH_FL_ENTRY;

    memset(buf, 0, vec);
    put_ivt(buf, self, entry, self, (uint32_t)size);
    put_le32(buf + vec, SYNTH_STACK_TOP);
    put_le32(buf + vec + 4, entry);
    synth_fill(buf + vec + 8, size - vec - 8, FL_SEED);
}

/* ---- the package description a kind mutates ---------------------------- */

enum post { POST_NONE, POST_NOTZIP, POST_TRUNCATE, POST_BOMB, POST_LIAR, POST_CRC, POST_DUP };

struct image {
    bool present;
    char name[NAME_MAX_BYTES];
    uint8_t *data;
    size_t size;
    bool store, encrypt;
};

struct spec {
    char top[64];
    bool manifest;
    char manifest_json[512];
    struct image fl, fw, extra; /* extra: a second copy for dup/several kinds */
    bool mac_junk;
    enum post post;
    char why[256];
};

static int set_manifest(struct spec *s, const char *fmt, const char *a, const char *b)
{
    s->manifest = true;
    return snprintf(s->manifest_json, sizeof s->manifest_json, fmt, a, b);
}

static void k_plain(struct spec *s) { (void)s; }
static void k_top(struct spec *s)
{
    snprintf(s->top, sizeof s->top, "distingNT_1.12.0/");
    s->mac_junk = true;
}
static void k_legacy(struct spec *s)
{
    s->fl.size = SYNTH_FL_LEGACY_BYTES;
    synth_flashloader(s->fl.data, s->fl.size, true);
    snprintf(s->fl.name, sizeof s->fl.name, "flash/ivt_flashloader_user.bin");
}
static void k_fwversion(struct spec *s)
{
    set_manifest(s, "{\"processor\":\"MIMXRT1060\",\"app_firmware\":\"%s\",\"firmware_version\":\"%s\"}",
                 FW_PATH, "2.0.1");
}
static void k_noversion(struct spec *s)
{
    set_manifest(s, "{\"processor\":\"%s\",\"app_firmware\":\"%s\",\"tool\":\"SEC 8\"}", "MIMXRT1060",
                 FW_PATH);
}
static void k_nomanifest(struct spec *s) { s->manifest = false; }
static void k_noappfw(struct spec *s)
{
    set_manifest(s, "{\"processor\":\"%s\",\"version\":\"%s\"}", "MIMXRT1060", "3.0.0");
}
static void k_notzip(struct spec *s) { s->post = POST_NOTZIP; }
static void k_truncated(struct spec *s) { s->post = POST_TRUNCATE; }
static void k_bomb(struct spec *s) { s->post = POST_BOMB; }
static void k_liar(struct spec *s) { s->post = POST_LIAR; }
static void k_crc(struct spec *s)
{
    s->post = POST_CRC;
    s->fw.store = true;
}
static void k_noimages(struct spec *s)
{
    s->fl.present = false;
    s->fw.present = false;
}
static void k_badjson(struct spec *s)
{
    set_manifest(s, "{\"version\": \"1.2.3\", %s%s}", "\"processor\" ", "");
}
static void k_wrongproc(struct spec *s)
{
    set_manifest(s, "{\"processor\":\"%s\",\"app_firmware\":\"%s\",\"version\":\"9.9.9\"}", "MIMXRT1170",
                 FW_PATH);
}
static void k_nofl(struct spec *s) { s->fl.present = false; }
static void k_nofw(struct spec *s)
{
    k_noappfw(s);
    s->fw.present = false;
}
static void k_appfw_missing(struct spec *s)
{
    set_manifest(s, "{\"app_firmware\":\"%s\",\"version\":\"%s\"}", "bootable_images/missing.bin", "9.9.9");
}
static void k_appfw_traversal(struct spec *s)
{
    set_manifest(s, "{\"app_firmware\":\"%s\",\"version\":\"%s\"}", "../disting_NT.bin", "9.9.9");
}
static void k_traversal(struct spec *s)
{
    k_noappfw(s);
    snprintf(s->fw.name, sizeof s->fw.name, "../disting_NT.bin");
}
static void k_dup(struct spec *s)
{
    s->post = POST_DUP;
    s->extra = s->fw;
    s->extra.data = NULL; /* shares s->fw's bytes, see write_zip */
    s->extra.name[strlen(s->extra.name) - 1] = '~';
}
static void k_several(struct spec *s)
{
    k_noappfw(s);
    snprintf(s->fw.name, sizeof s->fw.name, "v1/disting_NT.bin");
    s->extra = s->fw;
    s->extra.data = NULL;
    snprintf(s->extra.name, sizeof s->extra.name, "v2/disting_NT.bin");
}
static void k_encrypted(struct spec *s) { s->fw.encrypt = true; }
static void k_fw_empty(struct spec *s) { s->fw.size = 0; }
/* Same size, every 4 KiB sector different (the IVT's boot data is the same). */
static void k_other(struct spec *s)
{
    synth_fill(s->fw.data + FW_VECTORS + 8, s->fw.size - FW_VECTORS - 8, FW_OTHER_SEED);
    s->fw.data[8] ^= 0x01; /* the IVT sector differs too (a reserved IVT byte) */
}
/* The first 4 KiB (the IVT sector) as in plain, the code after it (from the
 * vector table's third word) different. */
static void k_code_changed(struct spec *s)
{
    synth_fill(s->fw.data + FW_VECTORS + 8, s->fw.size - FW_VECTORS - 8, FW_OTHER_SEED);
}
static void k_fw_truncated(struct spec *s) { s->fw.size = 0x1004; }
static void k_fl_empty(struct spec *s) { s->fl.size = 0; }
/* A flashloader of `size` bytes loaded at `self`, its entry inside it. */
static void relocate_fl(struct spec *s, uint32_t self, size_t size)
{
    uint32_t entry = self + FL_SPT_VECTORS + 1;
    s->fl.size = size;
    synth_flashloader(s->fl.data, size, false);
    put_ivt(s->fl.data, self, entry, self, (uint32_t)size);
    put_le32(s->fl.data + FL_SPT_VECTORS + 4, entry);
}
/* 2 KiB at 0x2007FC00: the last 1 KiB would lie past the end of DTCM. */
static void k_fl_past_dtcm(struct spec *s) { relocate_fl(s, DTCM_END - 0x400u, 0x800u); }
/* 2 KiB ending exactly at the end of DTCM: fits. */
static void k_fl_dtcm_end(struct spec *s) { relocate_fl(s, DTCM_END - 0x800u, 0x800u); }
/* The usual 85 KiB starting 64 KiB before the end of OCRAM. */
static void k_fl_past_ocram(struct spec *s) { relocate_fl(s, OCRAM_END - 0x10000u, SYNTH_FL_BYTES); }
static void k_fw_oversize(struct spec *s)
{
    s->fw.size = FLASH_BYTES - BOOT_HEADER_BYTES + 4;
    s->fw.store = true;
    synth_firmware(s->fw.data, s->fw.size);
}

/* IVT and vector-table corruptions: one field of one image. */
struct field_patch {
    const char *name;
    bool firmware;
    unsigned offset;
    int width; /* 1, 2 (big-endian, the IVT length) or 4 */
    uint32_t value;
    const char *what;
};

static const struct field_patch patches[] = {
    { "fw-tag", true, 0x00, 1, 0xD2, "firmware IVT tag 0xd2" },
    { "fw-length", true, 0x01, 2, 0x0028, "firmware IVT length 0x0028" },
    { "fw-version", true, 0x03, 1, 0x3F, "firmware IVT version 0x3f" },
    { "fw-self", true, 0x14, 4, 0x60002000u, "firmware IVT self 0x60002000" },
    { "fw-bootdata", true, 0x10, 4, 0x60003000u, "firmware boot data pointer past the IVT sector" },
    { "fw-bootstart", true, 0x20, 4, 0x60001000u, "firmware boot data start 0x60001000" },
    { "fw-bootsize", true, 0x24, 4, 0x1000u, "firmware boot data size 0x1000" },
    { "fw-entry", true, 0x04, 4, 0x60001401u, "firmware IVT entry before the application" },
    { "fw-csf", true, 0x18, 4, 0x60003000u, "firmware signed (csf != 0)" },
    { "fw-sp", true, 0x1000, 4, 0x60000000u, "firmware vector table SP in flash" },
    { "fw-reset", true, 0x1004, 4, 0x60002400u, "firmware reset handler even" },
    { "fl-tag", false, 0x00, 1, 0x00, "flashloader IVT tag 0x00" },
    { "fl-length", false, 0x01, 2, 0x2000, "flashloader IVT length byte-swapped" },
    { "fl-version", false, 0x03, 1, 0x50, "flashloader IVT version 0x50" },
    { "fl-self", false, 0x14, 4, 0x20001C02u, "flashloader IVT self unaligned" },
    { "fl-bootdata", false, 0x10, 4, 0x20040000u, "flashloader boot data pointer past the file" },
    { "fl-bootstart", false, 0x20, 4, 0x20002000u, "flashloader boot data start above self" },
    { "fl-bootsize", false, 0x24, 4, 0x400u, "flashloader boot data size 0x400" },
    { "fl-entry", false, 0x04, 4, 0x20100001u, "flashloader IVT entry outside the image" },
    { "fl-csf", false, 0x18, 4, 0x20010000u, "flashloader signed (csf != 0)" },
    { "fl-entry-even", false, 0x04, 4, SYNTH_FL_ENTRY & ~1u, "flashloader IVT entry even (not Thumb)" },
};
#define N_PATCHES (sizeof patches / sizeof patches[0])

struct kind_fn {
    struct synth_kind k;
    void (*apply)(struct spec *s);
};

static const struct kind_fn kind_fns[] = {
    { { "plain", true, "manifest at the root, SPT layout" }, k_plain },
    { { "top-folder", true, "everything under distingNT_1.12.0/, plus __MACOSX junk" }, k_top },
    { { "other-firmware", true, "another firmware of the same size: every sector differs" }, k_other },
    { { "code-changed", true, "the IVT sector as in plain, every sector after it different" },
      k_code_changed },
    { { "legacy", true, "legacy Expert Sleepers flashloader (IVT self 0x20001E00)" }, k_legacy },
    { { "firmware-version", true, "manifest has firmware_version instead of version" }, k_fwversion },
    { { "no-version", true, "manifest without a version key" }, k_noversion },
    { { "no-manifest", true, "no MANIFEST.json" }, k_nomanifest },
    { { "no-app-firmware", true, "manifest without app_firmware" }, k_noappfw },
    { { "not-zip", false, "a text file" }, k_notzip },
    { { "truncated-zip", false, "the ZIP cut in half" }, k_truncated },
    { { "bomb", false, "firmware entry declares 0xF0000000 bytes" }, k_bomb },
    { { "size-liar", false, "firmware entry inflates past its declared size" }, k_liar },
    { { "crc", false, "stored firmware with one byte flipped" }, k_crc },
    { { "no-images", false, "manifest only" }, k_noimages },
    { { "bad-json", false, "MANIFEST.json is not JSON" }, k_badjson },
    { { "wrong-processor", false, "processor MIMXRT1170" }, k_wrongproc },
    { { "no-flashloader", false, "no flashloader" }, k_nofl },
    { { "no-firmware", false, "no firmware, no app_firmware" }, k_nofw },
    { { "app-firmware-missing", false, "app_firmware names a missing file" }, k_appfw_missing },
    { { "app-firmware-traversal", false, "app_firmware is ../disting_NT.bin" }, k_appfw_traversal },
    { { "traversal", false, "the firmware is stored as ../disting_NT.bin" }, k_traversal },
    { { "duplicate", false, "two entries named bootable_images/disting_NT.bin" }, k_dup },
    { { "several-firmware", false, "two *disting_NT.bin files, no app_firmware" }, k_several },
    { { "encrypted", false, "firmware entry AES-256 encrypted" }, k_encrypted },
    { { "fw-empty", false, "empty firmware" }, k_fw_empty },
    { { "fw-truncated", false, "firmware cut to 0x1004 bytes" }, k_fw_truncated },
    { { "fl-empty", false, "empty flashloader" }, k_fl_empty },
    { { "fw-oversize", false, "firmware 4 bytes larger than 8 MiB - 4 KiB" }, k_fw_oversize },
    { { "fl-dtcm-end", true, "2 KiB flashloader ending exactly at the end of DTCM" }, k_fl_dtcm_end },
    { { "fl-past-dtcm", false, "2 KiB flashloader at 0x2007FC00, past the end of DTCM" }, k_fl_past_dtcm },
    { { "fl-past-ocram", false, "flashloader 64 KiB before the end of OCRAM, running past it" },
      k_fl_past_ocram },
};
#define N_KIND_FNS (sizeof kind_fns / sizeof kind_fns[0])

const struct synth_kind *synth_kinds(void)
{
    static struct synth_kind all[N_KIND_FNS + N_PATCHES + 1];
    if (!all[0].name) {
        size_t n = 0;
        for (size_t i = 0; i < N_KIND_FNS; i++)
            all[n++] = kind_fns[i].k;
        for (size_t i = 0; i < N_PATCHES; i++)
            all[n++] = (struct synth_kind){ patches[i].name, false, patches[i].what };
    }
    return all;
}

static void apply_patch(struct spec *s, const struct field_patch *p)
{
    uint8_t *d = (p->firmware ? s->fw.data : s->fl.data) + p->offset;
    if (p->width == 1)
        d[0] = (uint8_t)p->value;
    else if (p->width == 2)
        put_be16(d, (uint16_t)p->value);
    else
        put_le32(d, p->value);
}

static bool apply_kind(struct spec *s, const char *kind)
{
    for (size_t i = 0; i < N_KIND_FNS; i++)
        if (strcmp(kind_fns[i].k.name, kind) == 0) {
            kind_fns[i].apply(s);
            return true;
        }
    for (size_t i = 0; i < N_PATCHES; i++)
        if (strcmp(patches[i].name, kind) == 0) {
            apply_patch(s, &patches[i]);
            return true;
        }
    return false;
}

/* ---- writing ------------------------------------------------------------ */

static int fail(char *why, size_t n, const char *msg, const char *detail)
{
    snprintf(why, n, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
    return -1;
}

static int add_entry(zip_t *za, const char *top, const char *name, const void *data, size_t len, bool store,
                     bool encrypt, char *why, size_t wn)
{
    char full[256];
    zip_source_t *src = zip_source_buffer(za, data, len, 0);
    zip_int64_t idx;

    snprintf(full, sizeof full, "%s%s", name[0] == '.' && name[1] == '.' ? "" : top, name);
    if (!src)
        return fail(why, wn, "zip_source_buffer", zip_strerror(za));
    idx = zip_file_add(za, full, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return fail(why, wn, full, zip_strerror(za));
    }
    if (store && zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0)
        return fail(why, wn, full, zip_strerror(za));
    if (encrypt && zip_file_set_encryption(za, (zip_uint64_t)idx, ZIP_EM_AES_256, "disting") != 0)
        return fail(why, wn, full, zip_strerror(za));
    return 0;
}

static const char script_mac[] =
    "#!/bin/sh\necho 'synthetic package: this script must never run' >&2\nexit 1\n";
static const char script_win[] = "@echo synthetic package: this script must never run\r\nexit /b 1\r\n";

static int write_zip(const char *path, const struct spec *s, char *why, size_t wn)
{
    int code = 0, rc = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);

    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        rc = fail(why, wn, path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return rc;
    }
    if (s->manifest)
        rc = add_entry(za, s->top, "MANIFEST.json", s->manifest_json, strlen(s->manifest_json), false, false,
                       why, wn);
    if (!rc && s->fl.present)
        rc = add_entry(za, s->top, s->fl.name, s->fl.data, s->fl.size, s->fl.store, false, why, wn);
    if (!rc && s->fw.present)
        rc = add_entry(za, s->top, s->fw.name, s->fw.data, s->fw.size, s->fw.store, s->fw.encrypt, why, wn);
    if (!rc && s->extra.present)
        rc = add_entry(za, s->top, s->extra.name, s->fw.data, s->fw.size, false, false, why, wn);
    if (!rc)
        rc = add_entry(za, s->top, "write_image_mac.sh", script_mac, strlen(script_mac), false, false, why,
                       wn);
    if (!rc)
        rc = add_entry(za, s->top, "write_image_win.bat", script_win, strlen(script_win), false, false, why,
                       wn);
    if (!rc && s->mac_junk)
        rc = add_entry(za, "", "__MACOSX/distingNT_1.12.0/bootable_images/._disting_NT.bin", script_mac,
                       strlen(script_mac), false, false, why, wn);
    if (!rc && s->mac_junk)
        rc = add_entry(za, s->top, "bootable_images/.DS_Store", script_win, strlen(script_win), false, false,
                       why, wn);
    if (rc) {
        zip_discard(za);
        return rc;
    }
    if (zip_close(za) != 0) {
        rc = fail(why, wn, path, zip_strerror(za));
        zip_discard(za);
    }
    return rc;
}

/* ---- patching the written bytes ---------------------------------------- */

struct blob {
    uint8_t *d;
    size_t n;
};

static int load_file(const char *path, struct blob *b)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(b->d = malloc((size_t)n + 1)) || fread(b->d, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    b->n = (size_t)n;
    return fclose(f);
}

static int save_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    if (fwrite(d, 1, n, f) != n) {
        fclose(f);
        return -1;
    }
    return fclose(f);
}

/* Offsets of an entry's central and local headers (no ZIP64, no comment). */
static int find_headers(const struct blob *b, const char *name, size_t *cdh, size_t *lh)
{
    size_t eocd = b->n - 22, p;
    unsigned count, i;

    if (b->n < 22 || get_le32(b->d + eocd) != 0x06054b50u)
        return -1;
    count = get_le16(b->d + eocd + 10);
    p = get_le32(b->d + eocd + 16);
    for (i = 0; i < count && p + 46 <= b->n; i++) {
        size_t nl = get_le16(b->d + p + 28);
        if (nl == strlen(name) && memcmp(b->d + p + 46, name, nl) == 0) {
            *cdh = p;
            *lh = get_le32(b->d + p + 42);
            return 0;
        }
        p += 46 + nl + get_le16(b->d + p + 30) + get_le16(b->d + p + 32);
    }
    return -1;
}

static void replace_all(struct blob *b, const char *from, const char *to)
{
    size_t n = strlen(from);
    for (size_t i = 0; i + n <= b->n; i++)
        if (memcmp(b->d + i, from, n) == 0)
            memcpy(b->d + i, to, n);
}

static int post_process(const char *path, const struct spec *s, char *why, size_t wn)
{
    struct blob b = { NULL, 0 };
    size_t cdh = 0, lh = 0;
    char fw[256];
    int rc = 0;

    snprintf(fw, sizeof fw, "%s%s", s->top, s->fw.name);
    if (load_file(path, &b) != 0)
        return fail(why, wn, path, "cannot read back");
    if (s->post == POST_TRUNCATE) {
        b.n /= 2;
    } else if (s->post == POST_DUP) {
        char placeholder[256];
        snprintf(placeholder, sizeof placeholder, "%s%s", s->top, s->extra.name);
        replace_all(&b, placeholder, fw);
    } else if (find_headers(&b, fw, &cdh, &lh) != 0) {
        rc = fail(why, wn, fw, "entry not found in the written ZIP");
    } else if (s->post == POST_CRC) {
        b.d[lh + 30 + get_le16(b.d + lh + 26) + get_le16(b.d + lh + 28) + 0x2000] ^= 0x5A;
    } else {
        uint32_t size = s->post == POST_BOMB ? BOMB_DECLARED_BYTES : LIAR_DECLARED_BYTES;
        put_le32(b.d + cdh + 24, size);
        put_le32(b.d + lh + 22, size);
    }
    if (rc == 0 && save_file(path, b.d, b.n) != 0)
        rc = fail(why, wn, path, "cannot write");
    free(b.d);
    return rc;
}

static bool init_spec(struct spec *s, size_t fw_size, const char *version)
{
    memset(s, 0, sizeof *s);
    s->fl = (struct image){ .present = true, .size = SYNTH_FL_BYTES };
    s->fw = (struct image){ .present = true, .size = fw_size };
    snprintf(s->fl.name, sizeof s->fl.name, "%s", FL_PATH);
    snprintf(s->fw.name, sizeof s->fw.name, "%s", FW_PATH);
    /* Room for the largest kind (fw-oversize) whatever the size asked for. */
    s->fl.data = malloc(SYNTH_FL_BYTES);
    s->fw.data = malloc(fw_size > FLASH_BYTES ? fw_size : FLASH_BYTES);
    if (!s->fl.data || !s->fw.data)
        return false;
    synth_flashloader(s->fl.data, s->fl.size, false);
    synth_firmware(s->fw.data, s->fw.size);
    if (version)
        synth_mark_version(s->fw.data, s->fw.size, version);
    set_manifest(s, "{\"processor\":\"MIMXRT1060\",\"app_firmware\":\"%s\",\"version\":\"%s\"}", FW_PATH,
                 version ? version : "9.9.9");
    return true;
}

int synth_write(const char *path, const char *kind, size_t fw_size, const char *version, char *why,
                size_t why_size)
{
    struct spec s;
    int rc;

    if (fw_size == 0)
        fw_size = SYNTH_FW_DEFAULT_BYTES;
    if (fw_size < SYNTH_FW_MIN_BYTES || fw_size > PKG_SYNTH_FW_MAX_BYTES)
        return fail(why, why_size, "firmware size out of range", NULL);
    if (!init_spec(&s, fw_size, version)) {
        free(s.fl.data);
        free(s.fw.data);
        return fail(why, why_size, "out of memory", NULL);
    }
    if (!apply_kind(&s, kind)) {
        rc = fail(why, why_size, "unknown kind", kind);
    } else if (s.fw.encrypt && !zip_encryption_method_supported(ZIP_EM_AES_256, 1)) {
        snprintf(why, why_size, "this libzip cannot write AES-encrypted entries");
        rc = 77;
    } else if (s.post == POST_NOTZIP) {
        static const char text[] = "This is not a ZIP archive, just some text.\n";
        rc = save_file(path, (const uint8_t *)text, sizeof text - 1)
            ? fail(why, why_size, path, "cannot write")
            : 0;
    } else {
        rc = write_zip(path, &s, why, why_size);
        if (rc == 0 && s.post != POST_NONE)
            rc = post_process(path, &s, why, why_size);
    }
    free(s.fl.data);
    free(s.fw.data);
    return rc;
}

int synth_write_manifest(const char *path, const char *manifest, char *why, size_t why_size)
{
    struct spec s;
    int rc;

    if (!init_spec(&s, SYNTH_FW_DEFAULT_BYTES, NULL))
        rc = fail(why, why_size, "out of memory", NULL);
    else if (strlen(manifest) >= sizeof s.manifest_json)
        rc = fail(why, why_size, "manifest too long", NULL);
    else {
        snprintf(s.manifest_json, sizeof s.manifest_json, "%s", manifest);
        rc = write_zip(path, &s, why, why_size);
    }
    free(s.fl.data);
    free(s.fw.data);
    return rc;
}
