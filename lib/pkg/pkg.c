/* Firmware packages (doc/package.md §1, §4): open the ZIP, find MANIFEST.json,
 * the flashloader and the firmware, read both images to EOF (so libzip checks
 * their CRC) and validate them by their IVT before any device is touched.
 *
 * MANIFEST.json is optional metadata (doc/package.md §1.2 recommends that: no real
 * manifest has been seen). Without one the images are found by name and the
 * version comes from the ZIP's file name. A manifest that is present must be
 * valid JSON, and a `processor` key, if present, must say MIMXRT1060. The IVT
 * checks, not the manifest, decide whether a package is good. */
#include "pkg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <zip.h>

#include "bytes.h"
#include "pkg_int.h"
#include "sha256.h"

#define MANIFEST_NAME "MANIFEST.json"
#define MANIFEST_MAX_BYTES (1024u * 1024)
#define PKG_ENTRIES_MAX 10000 /* a real package has a dozen entries */
#define PROCESSOR_NAME "MIMXRT1060"
#define PREFERRED_FLASHLOADER "bootable_images/unsigned_MIMXRT1060_flashloader.bin"
#define PREFERRED_FIRMWARE "bootable_images/disting_NT.bin"

/* IVT layout, doc/package.md §4.1 */
#define IVT_BYTES 0x20u
#define IVT_TAG 0xD1u
#define IVT_VERSION_MIN 0x40u
#define IVT_VERSION_MAX 0x4Eu
#define IVT_OFF_LENGTH 1
#define IVT_OFF_VERSION 3
#define IVT_OFF_ENTRY 0x04
#define IVT_OFF_BOOT_DATA 0x10
#define IVT_OFF_SELF 0x14
#define IVT_OFF_CSF 0x18
#define BOOT_DATA_BYTES 12u

/* Firmware layout, doc/package.md §4.3: IVT at 0x60001000, vector table one sector later. */
#define FW_VECTORS_OFFSET 0x1000u
#define FW_VECTORS_BYTES 8u
#define FW_APP_START (PKG_FIRMWARE_ADDR + FW_VECTORS_OFFSET)
#define FW_BOOT_HEADER_BYTES (PKG_FIRMWARE_ADDR - PKG_FLASH_BASE)

/* Flashloader layout, doc/package.md §4.2. */
#define FL_LEGACY_SELF 0x20001E00u

struct mem_range {
    uint32_t lo, hi_excl;
    const char *name;
};
/* RT1060 on-chip RAM a flashloader may be loaded into: DTCM (512 KiB at most
 * from FlexRAM) and OCRAM (FlexRAM's OCRAM part plus the 512 KiB OCRAM2, 1
 * MiB together). The bounds are NXP's, from SPSDK's device database
 * (nxp-mcuxpresso/spsdk, spsdk/data/devices/mimxrt1060/database.yaml:
 * itcm 0x0 size 0x80000, dtcm 0x20000000 size 0x80000, ocram 0x20200000
 * size 0x100000). ITCM is left out: no flashloader is linked there. */
static const struct mem_range ram_onchip[] = { { 0x20000000u, 0x20080000u, "DTCM" },
                                               { 0x20200000u, 0x20300000u, "OCRAM" } };
/* Where an initial stack pointer may point: on-chip RAM or external SDRAM. */
static const struct mem_range ram_stack[] = { { 0x20000000u, 0x20080000u, "DTCM" },
                                              { 0x20200000u, 0x20300000u, "OCRAM" },
                                              { 0x80000000u, 0x90000000u, "SDRAM" } };

struct scan {
    zip_t *za;
    const char *zipname; /* for messages */
    zip_int64_t count;
    bool *dup; /* dup[i]: entry i's name appears more than once */
};

/* ---- entry names ---------------------------------------------------- */

static const char *base_name(const char *name)
{
    const char *s = strrchr(name, '/');
    return s ? s + 1 : name;
}

static bool has_component(const char *name, bool (*pred)(const char *c, size_t n))
{
    const char *p = name;
    while (*p) {
        size_t n = strcspn(p, "/\\");
        if (pred(p, n))
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

static bool is_dotdot(const char *c, size_t n) { return n == 2 && c[0] == '.' && c[1] == '.'; }
static bool is_dotfile(const char *c, size_t n) { return n > 0 && c[0] == '.' && !is_dotdot(c, n); }

/* Absolute paths, drive letters and `..` components could escape a folder if
 * anyone extracted the package; we never do, but such a name is not trusted. */
static bool name_is_unsafe(const char *name)
{
    if (name[0] == '/' || name[0] == '\\')
        return true;
    if (isalpha((unsigned char)name[0]) && name[1] == ':')
        return true;
    return has_component(name, is_dotdot);
}

/* macOS resource forks, dot-files and folder entries are never package content. */
static bool name_is_ignored(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[n - 1] == '/')
        return true;
    if (strncmp(name, "__MACOSX/", 9) == 0)
        return true;
    return has_component(name, is_dotfile);
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool match_flashloader(const char *base)
{
    return strcasestr(base, "flashloader") != NULL && ends_with_ci(base, ".bin");
}

static bool match_firmware(const char *base) { return ends_with_ci(base, "disting_NT.bin"); }

static const char *entry_name(const struct scan *s, zip_int64_t i)
{
    const char *n = zip_get_name(s->za, (zip_uint64_t)i, 0);
    return n ? n : "";
}

/* FNV-1a, for the duplicate-name table. */
static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

/* Mark every entry whose name appears more than once, in one pass over an
 * open-addressing hash table: linear in the number of entries, where
 * counting each name's copies afresh was quadratic (seconds at the cap). */
static nt_status mark_duplicates(struct scan *s, struct nt_err *err)
{
    size_t n = (size_t)s->count, cap = 16, h;
    zip_int64_t *slot;

    while (cap < 2 * n)
        cap <<= 1;
    slot = malloc(cap * sizeof *slot);
    s->dup = calloc(n ? n : 1, sizeof *s->dup);
    if (!slot || !s->dup) {
        free(slot);
        return nt_err_set(err, NT_E_NOMEM, "%s: out of memory for %zu entries", s->zipname, n);
    }
    for (h = 0; h < cap; h++)
        slot[h] = -1;
    for (zip_int64_t i = 0; i < s->count; i++) {
        const char *name = entry_name(s, i);
        for (h = name_hash(name) & (cap - 1); slot[h] >= 0; h = (h + 1) & (cap - 1)) {
            if (strcmp(entry_name(s, slot[h]), name) == 0) {
                s->dup[i] = s->dup[slot[h]] = true;
                break;
            }
        }
        if (slot[h] < 0)
            slot[h] = i;
    }
    free(slot);
    return NT_OK;
}

/* Why an entry may not be used as an image (into why[]), or false if it may. */
static bool entry_unusable(const struct scan *s, zip_int64_t i, char *why, size_t why_size)
{
    const char *name = entry_name(s, i);
    zip_stat_t st;

    if (name_is_unsafe(name)) {
        snprintf(why, why_size, "%s has an unsafe path", name);
        return true;
    }
    if (s->dup[i]) {
        snprintf(why, why_size, "%s appears more than once", name);
        return true;
    }
    zip_stat_init(&st);
    if (zip_stat_index(s->za, (zip_uint64_t)i, 0, &st) == 0 && (st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
        st.encryption_method != ZIP_EM_NONE) {
        snprintf(why, why_size, "%s is encrypted", name);
        return true;
    }
    return false;
}

/* ---- reading entries -------------------------------------------------- */

static const char *zip_code_string(int code)
{
    static _Thread_local char buf[128];
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    snprintf(buf, sizeof buf, "%s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return buf;
}

/* Read a whole entry. The declared size is checked against the cap before
 * anything is allocated, and reading goes on to EOF: libzip verifies the CRC
 * only there, and a stream longer than declared (a zip bomb lying about its
 * size) is caught by the one extra byte asked for. */
static nt_status read_entry(const struct scan *s, zip_int64_t i, uint64_t cap, uint8_t **out,
                            size_t *out_size, struct nt_err *err)
{
    const char *name = entry_name(s, i);
    zip_stat_t st;
    zip_file_t *f;
    uint8_t *buf, extra;
    size_t got = 0;
    zip_int64_t n;
    int rc;
    nt_status status = NT_OK;

    zip_stat_init(&st);
    if (zip_stat_index(s->za, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot read the entry's size (%s)", name,
                          zip_strerror(s->za));
    if (st.size > cap)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: declared size %llu bytes is over the %llu-byte limit; this is not "
                          "a Disting NT firmware package",
                          name, (unsigned long long)st.size, (unsigned long long)cap);
    buf = malloc(st.size ? (size_t)st.size : 1);
    if (!buf)
        return nt_err_set(err, NT_E_NOMEM, "%s: out of memory for %llu bytes", name,
                          (unsigned long long)st.size);
    f = zip_fopen_index(s->za, (zip_uint64_t)i, 0);
    if (!f) {
        free(buf);
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot open the entry (%s)", name, zip_strerror(s->za));
    }
    n = 1;
    while (got < st.size && (n = zip_fread(f, buf + got, st.size - got)) > 0)
        got += (size_t)n;
    if (n > 0) /* all declared bytes are in: the next read must be EOF */
        n = zip_fread(f, &extra, 1);
    if (n < 0)
        status = nt_err_set(err, NT_E_PACKAGE,
                            "%s: cannot read the entry (%s); the package is "
                            "damaged, download it again",
                            name, zip_file_strerror(f));
    else if (got < st.size)
        status = nt_err_set(err, NT_E_PACKAGE,
                            "%s: the entry ends after %zu of its %llu declared "
                            "bytes; the package is damaged, download it again",
                            name, got, (unsigned long long)st.size);
    else if (n > 0)
        status = nt_err_set(err, NT_E_PACKAGE,
                            "%s: the entry holds more data than its declared %llu "
                            "bytes; the package is damaged, download it again",
                            name, (unsigned long long)st.size);
    rc = zip_fclose(f);
    if (status == NT_OK && rc != 0)
        status = nt_err_set(err, NT_E_PACKAGE,
                            "%s: cannot read the entry (%s); the package is "
                            "damaged, download it again",
                            name, zip_code_string(rc));
    if (status != NT_OK) {
        free(buf);
        return status;
    }
    *out = buf;
    *out_size = got;
    return NT_OK;
}

/* ---- finding the entries ------------------------------------------------ */

/* MANIFEST.json at the root, else one folder down (a release zipped with its
 * top folder). Sets *idx to -1 when there is none. */
static nt_status find_manifest(const struct scan *s, zip_int64_t *idx, struct nt_err *err)
{
    zip_int64_t nested = -1;
    *idx = -1;
    for (zip_int64_t i = 0; i < s->count; i++) {
        const char *name = entry_name(s, i);
        const char *slash = strchr(name, '/');
        if (name_is_ignored(name) || strcmp(base_name(name), MANIFEST_NAME) != 0)
            continue;
        if (!slash) {
            *idx = i;
            return NT_OK;
        }
        if (strchr(slash + 1, '/'))
            continue;
        if (nested >= 0)
            return nt_err_set(err, NT_E_PACKAGE, "%s: two manifests, %s and %s; repack it with one",
                              s->zipname, entry_name(s, nested), name);
        nested = i;
    }
    *idx = nested;
    return NT_OK;
}

/* The one usable entry whose base name matches, preferring `preferred`. */
static nt_status find_image(const struct scan *s, const char *what, const char *pattern,
                            bool (*match)(const char *base), const char *preferred, zip_int64_t *out,
                            struct nt_err *err)
{
    zip_int64_t first = -1, second = -1;
    char why[300] = "", tmp[300];

    for (zip_int64_t i = 0; i < s->count; i++) {
        const char *name = entry_name(s, i);
        if (name_is_ignored(name) || !match(base_name(name)))
            continue;
        if (entry_unusable(s, i, tmp, sizeof tmp)) {
            if (!why[0])
                memcpy(why, tmp, sizeof why);
            continue;
        }
        if (strcmp(name, preferred) == 0) {
            *out = i;
            return NT_OK;
        }
        if (first < 0)
            first = i;
        else if (second < 0)
            second = i;
    }
    if (second >= 0)
        return nt_err_set(err, NT_E_PACKAGE, "%s: several %s images (%s, %s); repack it with one", s->zipname,
                          what, entry_name(s, first), entry_name(s, second));
    if (first >= 0) {
        *out = first;
        return NT_OK;
    }
    if (why[0])
        return nt_err_set(err, NT_E_PACKAGE, "%s: no usable %s image: %s", s->zipname, what, why);
    return nt_err_set(err, NT_E_PACKAGE, "%s: no %s image (%s) in the package", s->zipname, what, pattern);
}

/* The firmware named by the manifest's app_firmware, relative to its folder. */
static nt_status find_app_firmware(const struct scan *s, const char *mname, const char *mdir, const char *app,
                                   zip_int64_t *out, struct nt_err *err)
{
    char path[600], why[300];
    zip_int64_t i;

    if (name_is_unsafe(app))
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: app_firmware \"%s\" is not a relative path inside "
                          "the package",
                          mname, app);
    snprintf(path, sizeof path, "%s%s", mdir, app);
    i = zip_name_locate(s->za, path, 0);
    if (i < 0)
        return nt_err_set(err, NT_E_PACKAGE, "%s: app_firmware names %s, which is not in the package", mname,
                          path);
    if (entry_unusable(s, i, why, sizeof why))
        return nt_err_set(err, NT_E_PACKAGE, "%s: no usable firmware image: %s", s->zipname, why);
    *out = i;
    return NT_OK;
}

/* ---- manifest and version --------------------------------------------- */

/* The version is metadata for display and the PACKAGE_INFO line, so an odd
 * one must not block flashing: whitespace, control and non-ASCII bytes become
 * '_' (keeping the line one word) and it is cut to fit. */
static void copy_version(char *dst, size_t dst_size, const char *src)
{
    size_t i;
    for (i = 0; src[i] && i + 1 < dst_size; i++)
        dst[i] = (src[i] < 0x21 || src[i] > 0x7e) ? '_' : src[i];
    dst[i] = '\0';
}

/* A string-valued key: NULL when absent, an error when it has another type. */
static nt_status manifest_string(const cJSON *root, const char *key, const char *mname, const char **out,
                                 struct nt_err *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    *out = NULL;
    if (!item)
        return NT_OK;
    if (!cJSON_IsString(item) || !item->valuestring[0])
        return nt_err_set(err, NT_E_PACKAGE, "%s: \"%s\" must be a non-empty string", mname, key);
    *out = item->valuestring;
    return NT_OK;
}

static nt_status parse_manifest(struct pkg *p, const char *mname, const uint8_t *data, size_t len, char *app,
                                size_t app_size, struct nt_err *err)
{
    cJSON *root = cJSON_ParseWithLength((const char *)data, len);
    const char *version, *fwversion, *processor, *appfw;
    nt_status st;

    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = (at && at >= (const char *)data && at <= (const char *)data + len)
            ? (size_t)(at - (const char *)data)
            : 0;
        return nt_err_set(err, NT_E_PACKAGE, "%s: invalid JSON near byte %zu; the package is damaged", mname,
                          off);
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return nt_err_set(err, NT_E_PACKAGE, "%s: expected a JSON object", mname);
    }
    if ((st = manifest_string(root, "version", mname, &version, err)) != NT_OK ||
        (st = manifest_string(root, "firmware_version", mname, &fwversion, err)) != NT_OK ||
        (st = manifest_string(root, "processor", mname, &processor, err)) != NT_OK ||
        (st = manifest_string(root, "app_firmware", mname, &appfw, err)) != NT_OK)
        goto out;
    if (processor && strcmp(processor, PROCESSOR_NAME) != 0) {
        st = nt_err_set(err, NT_E_PACKAGE,
                        "%s: processor is \"%.64s\", expected \"%s\"; this package "
                        "is not for the Disting NT",
                        mname, processor, PROCESSOR_NAME);
        goto out;
    }
    if (!version)
        version = fwversion;
    if (version)
        copy_version(p->version, sizeof p->version, version);
    if (processor)
        snprintf(p->processor, sizeof p->processor, "%s", processor);
    if (appfw && strlen(appfw) >= app_size) {
        st = nt_err_set(err, NT_E_PACKAGE, "%s: app_firmware is longer than %zu characters", mname,
                        app_size - 1);
        goto out;
    }
    if (appfw)
        snprintf(app, app_size, "%s", appfw);
out:
    cJSON_Delete(root);
    return st;
}

/* Read n digits-groups separated by `sep` at s; returns chars used or 0. */
static size_t scan_triplet(const char *s, char sep, unsigned long v[3])
{
    const char *p = s;
    for (int k = 0; k < 3; k++) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return 0;
        v[k] = strtoul(p, &end, 10);
        if (end - p > 6)
            return 0;
        p = end;
        if (k < 2) {
            if (*p != sep)
                return 0;
            p++;
        }
    }
    return isdigit((unsigned char)*p) ? 0 : (size_t)(p - s);
}

/* X.Y.Z (or X_Y_Z, as in distingNT_v1_12_0.zip) in the package's file name. */
static bool version_from_name(const char *display, char *out, size_t out_size)
{
    const char *base = base_name(display);
    for (const char *p = base; *p; p++) {
        unsigned long v[3];
        if (!isdigit((unsigned char)*p) || (p > base && isdigit((unsigned char)p[-1])))
            continue;
        if (scan_triplet(p, '.', v) || scan_triplet(p, '_', v)) {
            snprintf(out, out_size, "%lu.%lu.%lu", v[0], v[1], v[2]);
            return true;
        }
    }
    return false;
}

/* ---- IVT validation ----------------------------------------------------- */

static bool in_ranges(uint32_t a, const struct mem_range *r, size_t n, bool end_inclusive)
{
    for (size_t k = 0; k < n; k++)
        if (a >= r[k].lo && (a < r[k].hi_excl || (end_inclusive && a == r[k].hi_excl)))
            return true;
    return false;
}

/* The range that holds a (the caller checked there is one). */
static const struct mem_range *range_of(uint32_t a, const struct mem_range *r, size_t n)
{
    for (size_t k = 0; k + 1 < n; k++)
        if (a >= r[k].lo && a < r[k].hi_excl)
            return &r[k];
    return &r[n - 1];
}

/* IVT header fields common to both images (doc/package.md §4.1); fills entry and self. */
static nt_status check_ivt_header(struct pkg_image *img, size_t min_size, struct nt_err *err)
{
    const uint8_t *d = img->data;
    uint32_t csf;

    if (img->size == 0)
        return nt_err_set(err, NT_E_PACKAGE, "%s: the image is empty", img->name);
    if (img->size < min_size)
        return nt_err_set(err, NT_E_PACKAGE, "%s: truncated: %zu bytes, an image needs at least %zu",
                          img->name, img->size, min_size);
    if (d[0] != IVT_TAG)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: IVT tag is 0x%02x, expected 0x%02x; this is not a "
                          "bootable i.MX RT image",
                          img->name, d[0], IVT_TAG);
    if (get_be16(d + IVT_OFF_LENGTH) != IVT_BYTES)
        return nt_err_set(err, NT_E_PACKAGE, "%s: IVT length is 0x%04x, expected 0x%04x", img->name,
                          get_be16(d + IVT_OFF_LENGTH), IVT_BYTES);
    if (d[IVT_OFF_VERSION] < IVT_VERSION_MIN || d[IVT_OFF_VERSION] > IVT_VERSION_MAX)
        return nt_err_set(err, NT_E_PACKAGE, "%s: IVT version is 0x%02x, expected 0x%02x-0x%02x", img->name,
                          d[IVT_OFF_VERSION], IVT_VERSION_MIN, IVT_VERSION_MAX);
    csf = get_le32(d + IVT_OFF_CSF);
    if (csf != 0)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: IVT csf is 0x%08x, expected 0; signed images are "
                          "not supported",
                          img->name, csf);
    img->entry = get_le32(d + IVT_OFF_ENTRY);
    img->ivt_self = get_le32(d + IVT_OFF_SELF);
    return NT_OK;
}

/* The boot data the IVT points to must lie after the IVT and before file
 * offset `limit`; fills boot_start and boot_size. */
static nt_status check_boot_data(struct pkg_image *img, size_t limit, struct nt_err *err)
{
    uint32_t boot_data = get_le32(img->data + IVT_OFF_BOOT_DATA);
    uint64_t off = (uint64_t)boot_data - img->ivt_self;

    if (limit > img->size)
        limit = img->size;
    if (boot_data < img->ivt_self || off < IVT_BYTES || off + BOOT_DATA_BYTES > limit)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: IVT boot data pointer 0x%08x is outside the image "
                          "after the IVT (0x%08x-0x%08llx)",
                          img->name, boot_data, img->ivt_self + IVT_BYTES,
                          (unsigned long long)img->ivt_self + limit);
    img->boot_start = get_le32(img->data + off);
    img->boot_size = get_le32(img->data + off + 4);
    return NT_OK;
}

/* doc/package.md §4.3 */
static nt_status check_firmware(struct pkg_image *img, struct nt_err *err)
{
    uint64_t need = (uint64_t)img->size + FW_BOOT_HEADER_BYTES;
    uint64_t app_end, img_end = (uint64_t)PKG_FIRMWARE_ADDR + img->size;
    uint32_t sp, reset;
    nt_status st = check_ivt_header(img, FW_VECTORS_OFFSET + FW_VECTORS_BYTES, err);

    if (st != NT_OK)
        return st;
    if (img->ivt_self != PKG_FIRMWARE_ADDR)
        return nt_err_set(err, NT_E_PACKAGE, "%s: IVT self is 0x%08x, expected 0x%08x", img->name,
                          img->ivt_self, PKG_FIRMWARE_ADDR);
    if ((st = check_boot_data(img, FW_VECTORS_OFFSET, err)) != NT_OK)
        return st;
    if (img->boot_start != PKG_FLASH_BASE)
        return nt_err_set(err, NT_E_PACKAGE, "%s: boot data start is 0x%08x, expected 0x%08x", img->name,
                          img->boot_start, PKG_FLASH_BASE);
    if (img->boot_size < need)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: boot data size is 0x%x, less than the image plus "
                          "its 4 KiB boot header (0x%llx)",
                          img->name, img->boot_size, (unsigned long long)need);
    app_end = (uint64_t)PKG_FLASH_BASE + img->boot_size;
    if ((img->entry & ~1u) < FW_APP_START || (img->entry & ~1u) >= app_end)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: IVT entry 0x%08x is outside the application "
                          "(0x%08x-0x%08llx)",
                          img->name, img->entry, FW_APP_START, (unsigned long long)app_end);
    sp = get_le32(img->data + FW_VECTORS_OFFSET);
    reset = get_le32(img->data + FW_VECTORS_OFFSET + 4);
    if (!in_ranges(sp, ram_stack, sizeof ram_stack / sizeof ram_stack[0], true) || (sp & 3u))
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: vector table stack pointer 0x%08x is not an aligned "
                          "RAM address",
                          img->name, sp);
    if (!(reset & 1u) || (reset & ~1u) < FW_APP_START || (reset & ~1u) >= img_end)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: vector table reset handler 0x%08x is not an odd "
                          "(Thumb) address inside the image (0x%08x-0x%08llx)",
                          img->name, reset, FW_APP_START, (unsigned long long)img_end);
    return NT_OK;
}

/* doc/package.md §4.2: the ROM loads the file at its IVT (file offset 0) and jumps there. */
static nt_status check_flashloader(struct pkg_image *img, bool *legacy, struct nt_err *err)
{
    const struct mem_range *region;
    uint64_t img_end;
    nt_status st = check_ivt_header(img, IVT_BYTES + BOOT_DATA_BYTES, err);

    if (st != NT_OK)
        return st;
    if ((img->ivt_self & 3u) ||
        !in_ranges(img->ivt_self, ram_onchip, sizeof ram_onchip / sizeof ram_onchip[0], false))
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: IVT self is 0x%08x, expected a 4-byte aligned DTCM "
                          "or OCRAM address (0x%08x for SPT packages)",
                          img->name, img->ivt_self, PKG_FLASHLOADER_SPT_ADDR);
    if ((st = check_boot_data(img, img->size, err)) != NT_OK)
        return st;
    if (img->boot_start > img->ivt_self)
        return nt_err_set(err, NT_E_PACKAGE, "%s: boot data start 0x%08x is above the IVT at 0x%08x",
                          img->name, img->boot_start, img->ivt_self);
    if ((uint64_t)(img->ivt_self - img->boot_start) + img->size > img->boot_size)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: boot data size is 0x%x, too small for the %zu-byte "
                          "image at 0x%08x",
                          img->name, img->boot_size, img->size, img->ivt_self);
    img_end = (uint64_t)img->ivt_self + img->size;
    /* The ROM writes the whole file from self on: it must end inside the
     * same RAM region, or the upload fails half-way on the module. */
    region = range_of(img->ivt_self, ram_onchip, sizeof ram_onchip / sizeof ram_onchip[0]);
    if (img_end > region->hi_excl)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: the %zu-byte image at 0x%08x runs past the end of %s at 0x%08x; it does "
                          "not fit in RAM",
                          img->name, img->size, img->ivt_self, region->name, region->hi_excl);
    if ((img->entry & ~1u) < img->ivt_self || (img->entry & ~1u) >= img_end)
        return nt_err_set(err, NT_E_PACKAGE, "%s: IVT entry 0x%08x is outside the image (0x%08x-0x%08llx)",
                          img->name, img->entry, img->ivt_self, (unsigned long long)img_end);
    /* The Cortex-M7 runs Thumb code only: an even entry faults at the jump,
     * as an even reset vector in the firmware would. */
    if (!(img->entry & 1u))
        return nt_err_set(err, NT_E_PACKAGE, "%s: IVT entry 0x%08x is not an odd (Thumb) address", img->name,
                          img->entry);
    *legacy = img->ivt_self == FL_LEGACY_SELF;
    return NT_OK;
}

/* ---- putting it together ----------------------------------------------- */

static nt_status load_image(const struct scan *s, zip_int64_t i, struct pkg_image *img, struct nt_err *err)
{
    nt_status st;
    snprintf(img->name, sizeof img->name, "%s", entry_name(s, i));
    st = read_entry(s, i, PKG_ENTRY_MAX, &img->data, &img->size, err);
    if (st == NT_OK)
        sha256(img->data, img->size, img->sha256);
    return st;
}

/* Fills app (app_firmware or ""), mdir (the manifest's folder with its
 * slash, or "") and *mi (the manifest's index, -1 without one). */
static nt_status load_manifest(const struct scan *s, struct pkg *p, char *app, size_t app_size, char *mdir,
                               size_t mdir_size, zip_int64_t *mi, struct nt_err *err)
{
    uint8_t *data;
    size_t len;
    const char *mname;
    char why[300];
    nt_status st = find_manifest(s, mi, err);

    if (st != NT_OK || *mi < 0)
        return st;
    mname = entry_name(s, *mi);
    if (entry_unusable(s, *mi, why, sizeof why))
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot read the manifest: %s", s->zipname, why);
    snprintf(mdir, mdir_size, "%.*s", (int)(base_name(mname) - mname), mname);
    if ((st = read_entry(s, *mi, MANIFEST_MAX_BYTES, &data, &len, err)) != NT_OK)
        return st;
    p->has_manifest = true;
    snprintf(p->manifest, sizeof p->manifest, "%s", mname);
    st = parse_manifest(p, mname, data, len, app, app_size, err);
    free(data);
    return st;
}

static nt_status load_package(const struct scan *s, struct pkg *p, struct nt_err *err)
{
    char app[256] = "", mdir[256] = "", pref_fl[600], pref_fw[600];
    zip_int64_t fl = -1, fw = -1, mi = -1;
    nt_status st;

    if (s->count == 0)
        return nt_err_set(err, NT_E_PACKAGE, "%s: the ZIP archive is empty", s->zipname);
    if (s->count > PKG_ENTRIES_MAX)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: %lld entries, more than the %d a firmware package "
                          "may have",
                          s->zipname, (long long)s->count, PKG_ENTRIES_MAX);
    if ((st = load_manifest(s, p, app, sizeof app, mdir, sizeof mdir, &mi, err)) != NT_OK)
        return st;
    if (!p->version[0] && !version_from_name(s->zipname, p->version, sizeof p->version))
        snprintf(p->version, sizeof p->version, "unknown");
    snprintf(pref_fl, sizeof pref_fl, "%s%s", mdir, PREFERRED_FLASHLOADER);
    snprintf(pref_fw, sizeof pref_fw, "%s%s", mdir, PREFERRED_FIRMWARE);
    if ((st = find_image(s, "flashloader", "*flashloader*.bin", match_flashloader, pref_fl, &fl, err)))
        return st;
    if (app[0])
        st = find_app_firmware(s, entry_name(s, mi), mdir, app, &fw, err);
    else
        st = find_image(s, "firmware", "*disting_NT.bin", match_firmware, pref_fw, &fw, err);
    if (st != NT_OK)
        return st;
    if ((st = load_image(s, fl, &p->flashloader, err)) != NT_OK ||
        (st = check_flashloader(&p->flashloader, &p->legacy_flashloader, err)) != NT_OK)
        return st;
    if ((st = load_image(s, fw, &p->firmware, err)) != NT_OK ||
        (st = check_firmware(&p->firmware, err)) != NT_OK)
        return st;
    return pkg_check_fits(p, PKG_DEFAULT_FLASH_SIZE, err);
}

nt_status pkg__open_archive(zip_t *za, const char *source, const char *zipname, struct pkg **out,
                            struct nt_err *err)
{
    struct scan s = { za, zipname, zip_get_num_entries(za, 0), NULL };
    struct pkg *p = calloc(1, sizeof *p);
    nt_status st = NT_OK;

    if (!p)
        return nt_err_set(err, NT_E_NOMEM, "%s: out of memory", zipname);
    snprintf(p->source, sizeof p->source, "%s", source);
    /* Over the cap, load_package says so before any entry is looked at. */
    if (s.count > 0 && s.count <= PKG_ENTRIES_MAX)
        st = mark_duplicates(&s, err);
    if (st == NT_OK)
        st = load_package(&s, p, err);
    free(s.dup);
    if (st != NT_OK) {
        pkg_free(p);
        return st;
    }
    *out = p;
    return NT_OK;
}

static nt_status zip_open_error(const char *zipname, int code, struct nt_err *err)
{
    switch (code) {
    case ZIP_ER_NOENT:
        return nt_err_set(err, NT_E_PACKAGE, "%s: no such file; check the package path", zipname);
    case ZIP_ER_NOZIP:
        return nt_err_set(err, NT_E_PACKAGE, "%s: not a ZIP archive (%s); download the package again",
                          zipname, zip_code_string(code));
    case ZIP_ER_INCONS:
        return nt_err_set(err, NT_E_PACKAGE, "%s: damaged ZIP archive (%s); download the package again",
                          zipname, zip_code_string(code));
    default:
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot read the package (%s)", zipname,
                          zip_code_string(code));
    }
}

/* libzip reports a missing file, a folder or a permission problem in its own
 * words ("Operation not supported" for a folder); the system's are clearer. */
static nt_status check_readable(const char *path, const char *zipname, struct nt_err *err)
{
    struct stat sb;
    FILE *f;

    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return nt_err_set(err, NT_E_PACKAGE, "%s: no such file; check the package path", zipname);
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot open the package (%s)", zipname, strerror(errno));
    }
    if (!S_ISREG(sb.st_mode))
        return nt_err_set(err, NT_E_PACKAGE, "%s: not a regular file; give the path of a .zip package",
                          zipname);
    f = fopen(path, "rb");
    if (!f)
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot open the package (%s)", zipname, strerror(errno));
    fclose(f);
    return NT_OK;
}

nt_status pkg_open_file(const char *path, const char *display_name, struct pkg **out, struct nt_err *err)
{
    const char *zipname = display_name ? display_name : path;
    int code = 0;
    zip_t *za;
    nt_status st;

    struct stat sb;

    *out = NULL;
    nt_err_clear(err);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return pkg__open_dir(path, zipname, out, err);
    if ((st = check_readable(path, zipname, err)) != NT_OK)
        return st;
    za = zip_open(path, ZIP_RDONLY, &code);
    if (!za)
        return zip_open_error(zipname, code, err);
    st = pkg__open_archive(za, path, zipname, out, err);
    zip_discard(za);
    return st;
}

nt_status pkg_open_memory(const void *data, size_t len, const char *display_name, struct pkg **out,
                          struct nt_err *err)
{
    const char *zipname = display_name ? display_name : "(download)";
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    nt_status st;

    *out = NULL;
    nt_err_clear(err);
    zip_error_init(&ze);
    src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) {
        st =
            nt_err_set(err, NT_E_NOMEM, "%s: cannot read the package (%s)", zipname, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }
    za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!za) {
        st = zip_open_error(zipname, zip_error_code_zip(&ze), err);
        zip_source_free(src);
        zip_error_fini(&ze);
        return st;
    }
    zip_error_fini(&ze);
    st = pkg__open_archive(za, zipname, zipname, out, err);
    zip_discard(za);
    return st;
}

void pkg_free(struct pkg *p)
{
    if (!p)
        return;
    free(p->flashloader.data);
    free(p->firmware.data);
    free(p);
}

nt_status pkg_check_fits(const struct pkg *p, uint64_t flash_size, struct nt_err *err)
{
    uint64_t room = flash_size > FW_BOOT_HEADER_BYTES ? flash_size - FW_BOOT_HEADER_BYTES : 0;
    if (p->firmware.size > room)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: %zu bytes do not fit the %llu-byte flash, which holds "
                          "at most %llu after its 4 KiB boot header",
                          p->firmware.name, p->firmware.size, (unsigned long long)flash_size,
                          (unsigned long long)room);
    return NT_OK;
}

uint32_t pkg_erase_end(const struct pkg *p)
{
    uint64_t end = (uint64_t)PKG_FIRMWARE_ADDR + p->firmware.size;
    return (uint32_t)((end + PKG_SECTOR_SIZE - 1) / PKG_SECTOR_SIZE * PKG_SECTOR_SIZE);
}

void pkg_sha256_hex(const uint8_t sha[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[sha[i] >> 4];
        out[2 * i + 1] = hex[sha[i] & 15];
    }
    out[64] = '\0';
}
