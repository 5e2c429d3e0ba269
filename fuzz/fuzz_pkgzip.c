/* Fuzz target: the package reader on structured input. Raw bytes rarely
 * make a ZIP that libzip opens, so this target builds a valid ZIP in
 * memory from the input (entry names, the manifest's text, and byte
 * patches over a valid flashloader and firmware) and then opens it: the
 * fuzzer explores name matching, the manifest and every IVT check.
 *
 * Input: a flags byte (bit 0 manifest, 1 flashloader, 2 firmware, 3 an
 * extra entry, 4 compress), then four strings each a length byte and its
 * bytes (manifest name, flashloader name, firmware name, extra name), the
 * manifest text (a length byte), then patches of 4 bytes to the end:
 * target (bit 0: 0 flashloader, 1 firmware), offset (16 bits, little
 * endian, modulo the image size), value. */
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "fuzz.h"
#include "pkg.h"
#include "synthpkg.h"

#define FUZZ_FL_BYTES 2048u /* a small SPT flashloader */
#define FUZZ_FW_BYTES SYNTH_FW_MIN_BYTES
#define FUZZ_STR_MAX 256

struct reader {
    const uint8_t *p;
    size_t left;
};

static void take_string(struct reader *r, char out[FUZZ_STR_MAX], const char *fallback)
{
    size_t n;

    if (r->left == 0) {
        snprintf(out, FUZZ_STR_MAX, "%s", fallback);
        return;
    }
    n = r->p[0];
    r->p++;
    r->left--;
    if (n > r->left)
        n = r->left;
    if (n >= FUZZ_STR_MAX)
        n = FUZZ_STR_MAX - 1;
    memcpy(out, r->p, n);
    out[n] = '\0';
    r->p += n;
    r->left -= n;
}

static bool add(zip_t *za, const char *name, const void *data, size_t len, bool compress)
{
    zip_source_t *s = zip_source_buffer(za, data, len, 0);
    zip_int64_t i;

    if (!s)
        return false;
    i = zip_file_add(za, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (i < 0) {
        zip_source_free(s);
        return false;
    }
    zip_set_file_compression(za, (zip_uint64_t)i, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 1);
    return true;
}

/* The archive's bytes once written to the in-memory source. */
static uint8_t *zip_bytes(zip_source_t *src, size_t *len)
{
    zip_stat_t st;
    uint8_t *buf = NULL;

    if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src) != 0)
        return NULL;
    buf = malloc(st.size ? (size_t)st.size : 1);
    if (buf && zip_source_read(src, buf, st.size) != (zip_int64_t)st.size) {
        free(buf);
        buf = NULL;
    }
    zip_source_close(src);
    *len = (size_t)st.size;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t fl[FUZZ_FL_BYTES], fw[FUZZ_FW_BYTES];
    char mname[FUZZ_STR_MAX], flname[FUZZ_STR_MAX], fwname[FUZZ_STR_MAX], xname[FUZZ_STR_MAX];
    char manifest[FUZZ_STR_MAX];
    struct reader r = { data, size };
    uint8_t flags = size ? data[0] : 0x07;
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    uint8_t *bytes;
    size_t len = 0;
    struct pkg *p = NULL;
    struct nt_err err;
    bool ok = true;

    if (size) {
        r.p++;
        r.left--;
    }
    take_string(&r, mname, "MANIFEST.json");
    take_string(&r, flname, "bootable_images/unsigned_MIMXRT1060_flashloader.bin");
    take_string(&r, fwname, "bootable_images/disting_NT.bin");
    take_string(&r, xname, "x.txt");
    take_string(&r, manifest, "{}");
    synth_flashloader(fl, sizeof fl, false);
    synth_firmware(fw, sizeof fw);
    for (; r.left >= 4; r.p += 4, r.left -= 4) {
        unsigned off = (unsigned)r.p[1] | (unsigned)r.p[2] << 8;
        if (r.p[0] & 1)
            fw[off % sizeof fw] = r.p[3];
        else
            fl[off % sizeof fl] = r.p[3];
    }

    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!src)
        return 0;
    zip_source_keep(src);
    za = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
    if (!za) {
        zip_source_free(src);
        return 0;
    }
    if (flags & 1)
        ok = ok && add(za, mname, manifest, strlen(manifest), flags & 16);
    if (flags & 2)
        ok = ok && add(za, flname, fl, sizeof fl, flags & 16);
    if (flags & 4)
        ok = ok && add(za, fwname, fw, sizeof fw, flags & 16);
    if (flags & 8)
        ok = ok && add(za, xname, fw, 16, flags & 16);
    if (!ok || zip_close(za) != 0) {
        zip_discard(za);
        zip_source_free(src);
        return 0;
    }
    bytes = zip_bytes(src, &len);
    zip_source_free(src);
    if (!bytes)
        return 0;
    if (pkg_open_memory(bytes, len, "fuzz_1.2.3.zip", &p, &err) == NT_OK)
        pkg_free(p);
    free(bytes);
    return 0;
}
