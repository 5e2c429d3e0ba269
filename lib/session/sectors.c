/* The sector plan of a flash (sectors.h): per-sector erase and write flags
 * from a comparison with what the module holds, keeping the fail-safe order
 * of a full flash (the IVT sector erased first, written last). */
#include "sectors.h"

#include <stdlib.h>
#include <string.h>

#include "pkg.h"

#define ERASED_BYTE 0xFFu

/* The image's byte at flash offset off >= 0x1000: firmware, then erased. */
static uint8_t want_byte(const struct pkg *pkg, uint32_t off)
{
    uint32_t fw = off - (PKG_FIRMWARE_ADDR - PKG_FLASH_BASE);
    return fw < pkg->firmware.size ? pkg->firmware.data[fw] : ERASED_BYTE;
}

uint32_t sect_fw_bytes(const struct pkg *pkg, uint32_t sector)
{
    uint64_t start = (uint64_t)(sector - SECT_IVT) * PKG_SECTOR_SIZE;
    if (sector < SECT_IVT || start >= pkg->firmware.size)
        return 0;
    return pkg->firmware.size - start < PKG_SECTOR_SIZE ? (uint32_t)(pkg->firmware.size - start)
                                                        : PKG_SECTOR_SIZE;
}

static void totals(struct sect_plan *p, const struct pkg *pkg)
{
    p->skipped = 0;
    p->erase_bytes = 0;
    p->write_bytes = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        if (p->erase[i])
            p->erase_bytes += PKG_SECTOR_SIZE;
        if (p->write[i])
            p->write_bytes += sect_fw_bytes(pkg, i);
        if (!p->erase[i] && !p->write[i])
            p->skipped++;
    }
}

nt_status sect_plan_init(struct sect_plan *p, const struct pkg *pkg, struct nt_err *err)
{
    sect_plan_free(p);
    p->count = (pkg_erase_end(pkg) - PKG_FLASH_BASE) / PKG_SECTOR_SIZE;
    p->erase = malloc(p->count);
    p->write = malloc(p->count);
    if (!p->erase || !p->write) {
        sect_plan_free(p);
        return nt_err_set(err, NT_E_NOMEM, "out of memory planning the flash");
    }
    memset(p->erase, 1, p->count);
    memset(p->write, 1, p->count);
    totals(p, pkg);
    return NT_OK;
}

void sect_plan_free(struct sect_plan *p)
{
    free(p->erase);
    free(p->write);
    memset(p, 0, sizeof *p);
}

void sect_plan_decide(struct sect_plan *p, const struct pkg *pkg, const enum sect_content *content,
                      bool fcb_ok)
{
    bool any = false;

    for (uint32_t i = SECT_IVT; i < p->count; i++)
        any |= content[i] != SECT_SAME;
    for (uint32_t i = SECT_IVT; i < p->count; i++) {
        p->erase[i] = content[i] == SECT_DIFFERENT || (any && i == SECT_IVT);
        p->write[i] = content[i] != SECT_SAME || (any && i == SECT_IVT);
    }
    p->erase[SECT_FCB] = p->write[SECT_FCB] = any || !fcb_ok;
    totals(p, pkg);
}

void sect_match(const struct pkg *pkg, uint32_t off, const uint8_t *buf, size_t n, bool *same, bool *erased)
{
    *same = true;
    *erased = true;
    for (size_t i = 0; i < n && (*same || *erased); i++) {
        *same = *same && buf[i] == want_byte(pkg, off + (uint32_t)i);
        *erased = *erased && buf[i] == ERASED_BYTE;
    }
}

uint64_t sect_count_diff(const struct pkg *pkg, uint32_t off, const uint8_t *buf, size_t n, uint32_t *first,
                         uint8_t *got, uint8_t *want)
{
    uint64_t diff = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t w = want_byte(pkg, off + (uint32_t)i);
        if (buf[i] == w)
            continue;
        if (!diff) {
            *first = off + (uint32_t)i;
            *got = buf[i];
            *want = w;
        }
        diff++;
    }
    return diff;
}
