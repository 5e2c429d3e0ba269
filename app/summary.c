/* The --dry-run summary. The format is a contract (README, man page); each
 * line is "KEY: VALUE", in this order, numbers in hex are lower-case 0x%08x:
 *
 *   version: <version>                   manifest, file name, or "unknown"
 *   processor: <name>                    "-" when the manifest gives none
 *   manifest: <entry name>               "-" when the package has none
 *   flashloader: <entry> size=<bytes> sha256=<hex> load=0x20001c00 entry=0x20002101 layout=spt
 *   firmware: <entry> size=<bytes> sha256=<hex> load=0x60001000 entry=0x60002401
 *   erase: 0x60000000-<end>             end exclusive, firmware end rounded up to 4 KiB
 *   write: 0x60001000-<end>             end exclusive, load + size
 *
 * layout= is "spt" (IVT at 0x20001c00) or "legacy" (Expert Sleepers' older
 * flashloader, IVT at 0x20001e00) or "other" (any other RAM address); load=
 * is where the image goes (the flashloader's IVT self, which is also its jump
 * address), entry= the IVT entry. Entry names may contain spaces: parse the
 * fields after the name from the right. */
#include "summary.h"

#include <inttypes.h>

#include "out.h"

static void print_image(FILE *out, const char *key, const struct pkg_image *img, const char *layout)
{
    char hex[65];
    pkg_sha256_hex(img->sha256, hex);
    out_print(out, "%s: %s size=%zu sha256=%s load=0x%08" PRIx32 " entry=0x%08" PRIx32 "%s%s", key, img->name,
              img->size, hex, img->ivt_self, img->entry, layout ? " layout=" : "", layout ? layout : "");
}

void summary_print(FILE *out, const struct pkg *p)
{
    const char *layout = p->legacy_flashloader                ? "legacy"
        : p->flashloader.ivt_self == PKG_FLASHLOADER_SPT_ADDR ? "spt"
                                                              : "other";

    out_print(out, "version: %s", p->version);
    out_print(out, "processor: %s", p->processor[0] ? p->processor : "-");
    out_print(out, "manifest: %s", p->has_manifest ? p->manifest : "-");
    print_image(out, "flashloader", &p->flashloader, layout);
    print_image(out, "firmware", &p->firmware, NULL);
    out_print(out, "erase: 0x%08x-0x%08" PRIx32, PKG_FLASH_BASE, pkg_erase_end(p));
    out_print(out, "write: 0x%08x-0x%08" PRIx32, PKG_FIRMWARE_ADDR,
              (uint32_t)(PKG_FIRMWARE_ADDR + p->firmware.size));
}
