/* The --dry-run summary (app/summary.c) of synthetic packages, line by line. */
#include <unistd.h>

#include "tap.h"
#include "pkg.h"
#include "summary.h"
#include "synthpkg.h"

#define ZIPNAME "distingNT_1.2.3.zip"
#define FW "bootable_images/disting_NT.bin"
#define FL "bootable_images/unsigned_MIMXRT1060_flashloader.bin"

/* A package of this synthetic kind, written under $TMPDIR and opened. */
static struct pkg *open_good(const char *kind, const char *file, const char *display)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[1024], why[300];
    struct pkg *p = NULL;
    struct nt_err err;

    snprintf(path, sizeof path, "%s/%d-%s", tmp, (int)getpid(), file);
    CHECK_EQ_INT(synth_write(path, kind, 0, NULL, why, sizeof why), 0);
    if (pkg_open_file(path, display, &p, &err) != NT_OK)
        fprintf(stderr, "%s: %s\n", kind, err.msg);
    unlink(path);
    CHECK(p != NULL);
    return p;
}

static void test_summary(void)
{
    struct pkg *p = open_good("plain", "sum.zip", ZIPNAME);
    char *text = NULL, fl_hex[65], fw_hex[65], want[2048];
    size_t len = 0;
    FILE *f;

    if (!p)
        return;
    f = open_memstream(&text, &len);
    summary_print(f, p);
    fclose(f);
    pkg_sha256_hex(p->flashloader.sha256, fl_hex);
    pkg_sha256_hex(p->firmware.sha256, fw_hex);
    snprintf(want, sizeof want,
             "version: 9.9.9\n"
             "processor: MIMXRT1060\n"
             "manifest: MANIFEST.json\n"
             "flashloader: " FL " size=87040 sha256=%s load=0x20001c00 entry=0x20002101 layout=spt\n"
             "firmware: " FW " size=262144 sha256=%s load=0x60001000 entry=0x60002401\n"
             "erase: 0x60000000-0x60041000\n"
             "write: 0x60001000-0x60041000\n",
             fl_hex, fw_hex);
    CHECK_EQ_STR(text, want);
    free(text);
    pkg_free(p);
}

static void test_summary_legacy_no_manifest(void)
{
    struct pkg *p = open_good("legacy", "suml.zip", ZIPNAME);
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    if (!p)
        return;
    p->has_manifest = false;
    p->processor[0] = '\0';
    f = open_memstream(&text, &len);
    summary_print(f, p);
    fclose(f);
    CHECK_CONTAINS(text, "processor: -\nmanifest: -\n");
    CHECK_CONTAINS(text, " load=0x20001e00 entry=0x200153ed layout=legacy\n");
    free(text);
    pkg_free(p);
}

int main(void)
{
    RUN(test_summary);
    RUN(test_summary_legacy_no_manifest);
    return check_finish();
}
