/* The FlexSPI QSPI NOR model: erase by sectors/blocks with datasheet-like
 * timing, program only erased pages, and the FCB the flashloader writes
 * (doc/protocol.md §3.10, §3.11, §5). Offsets here are physical NOR offsets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "vmod_int.h"

#define MS_PER_S 1000.0
/* Read-back verify of one programmed page (verifyWrites is always on,
 * doc/protocol.md §3.8 0x0A): 256 bytes at a ~50 MB/s quad read. */
#define PAGE_VERIFY_S 0.000005

nt_status vmod__nor_init(struct vmod_nor *n, uint64_t size, struct nt_err *err)
{
    n->mem = malloc((size_t)size);
    if (!n->mem)
        return nt_err_set(err, NT_E_NOMEM, "cannot allocate %llu bytes for the virtual NOR flash",
                          (unsigned long long)size);
    n->size = size;
    n->high_water = 0;
    /* A module from the shop holds old firmware, not 0xFF: a host that skips
     * the erase must meet 10203 here as on hardware. No page is all 0xFF. */
    for (uint64_t i = 0; i < size; i++)
        n->mem[i] = (uint8_t)((i * 7u + (i >> 8)) & 0x7F);
    return NT_OK;
}

nt_status vmod__nor_load(struct vmod_nor *n, const char *path, struct nt_err *err)
{
    FILE *f = fopen(path, "rb");
    size_t got;
    if (!f) {
        if (errno == ENOENT)
            return NT_OK; /* the first run: the module as shipped */
        return nt_err_set(err, NT_E_IO, "cannot read the NOR file '%s': %s", path, strerror(errno));
    }
    got = fread(n->mem, 1, (size_t)n->size, f);
    if (ferror(f)) {
        fclose(f);
        return nt_err_set(err, NT_E_IO, "cannot read the NOR file '%s'", path);
    }
    fclose(f);
    n->loaded = got;
    return NT_OK;
}

nt_status vmod__nor_save(const struct vmod_nor *n, const char *path, struct nt_err *err)
{
    /* Enough to give the next run the same flash: what was loaded and
     * everything touched since (beyond that the old firmware is regenerated). */
    size_t len = (size_t)(n->loaded > n->high_water ? n->loaded : n->high_water);
    FILE *f = fopen(path, "wb");
    bool ok;
    if (!f)
        return nt_err_set(err, NT_E_IO,
                          "cannot create the NOR file '%s': check the directory exists and is writable",
                          path);
    ok = fwrite(n->mem, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        return nt_err_set(err, NT_E_IO, "cannot write %zu bytes to the NOR file '%s': check the free space",
                          len, path);
    return NT_OK;
}

void vmod__nor_free(struct vmod_nor *n)
{
    free(n->mem);
    n->mem = NULL;
}

static void touch(struct vmod_nor *n, uint64_t end)
{
    if (end > n->high_water)
        n->high_water = end;
}

/* The flashloader's erase loop tests `addr & ~blockSize` for block alignment
 * (doc/protocol.md §3.11), so only offsets 0 and 0x10000 ever use a block erase. */
static bool block_erase_at(uint64_t off, uint64_t end)
{
    return (off & ~(uint64_t)VMOD_NOR_BLOCK_BYTES) == 0 && end - off >= VMOD_NOR_BLOCK_BYTES;
}

double vmod__nor_erase(struct vmod_nor *n, const struct vmod_config *c, uint64_t start, uint64_t end,
                       uint64_t stop, uint64_t *stopped_at)
{
    uint64_t off = start - start % VMOD_NOR_SECTOR_BYTES;
    end = (end + VMOD_NOR_SECTOR_BYTES - 1) / VMOD_NOR_SECTOR_BYTES * VMOD_NOR_SECTOR_BYTES;
    double t = 0;
    while (off < end && off < stop) {
        uint64_t phys = off % n->size;
        uint64_t unit =
            block_erase_at(phys, phys + (end - off)) ? VMOD_NOR_BLOCK_BYTES : VMOD_NOR_SECTOR_BYTES;
        double ms = unit == VMOD_NOR_BLOCK_BYTES ? c->block_erase_ms : c->sector_erase_ms;
        memset(n->mem + phys, 0xFF, (size_t)unit);
        touch(n, phys + unit);
        t += ms / MS_PER_S;
        off += unit;
    }
    if (stopped_at)
        *stopped_at = off;
    return t;
}

bool vmod__nor_erased(const struct vmod_nor *n, uint64_t off, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++)
        if (n->mem[(off + i) % n->size] != 0xFF)
            return false;
    return true;
}

uint32_t vmod__nor_program(struct vmod_nor *n, const struct vmod_config *c, uint64_t off, const uint8_t *page,
                           double *seconds)
{
    off %= n->size;
    if (!vmod__nor_erased(n, off, VMOD_NOR_PAGE_BYTES))
        return 10203; /* kStatus_MemoryCumulativeWrite */
    memcpy(n->mem + off, page, VMOD_NOR_PAGE_BYTES);
    touch(n, off + VMOD_NOR_PAGE_BYTES);
    *seconds += c->page_program_ms / MS_PER_S + PAGE_VERIFY_S;
    return 0;
}

/* FlexSPI LUT instruction: opcode(6) pads(2) operand(8) (fsl_flexspi.h). */
static uint16_t lut_instr(unsigned opcode, unsigned pads, unsigned operand)
{
    return (uint16_t)((opcode << 10) | (pads << 8) | operand);
}

#define LUT_CMD_SDR 0x01
#define LUT_RADDR_SDR 0x02
#define LUT_READ_SDR 0x09
#define LUT_DUMMY_SDR 0x0C
#define LUT_PAD1 0
#define LUT_PAD4 2

void vmod__nor_fcb(const struct vmod_config *c, uint32_t option0, uint8_t fcb[VMOD_FCB_BYTES])
{
    memset(fcb, 0, VMOD_FCB_BYTES);
    put_le32(fcb + 0x000, 0x42464346u);    /* "FCFB" */
    put_le32(fcb + 0x004, 0x56010400u);    /* V1.4.0 */
    fcb[0x00C] = 1;                        /* readSampleClkSrc: loopback from DQS pad */
    fcb[0x00D] = 3;                        /* csHoldTime */
    fcb[0x00E] = 3;                        /* csSetupTime */
    fcb[0x044] = 1;                        /* deviceType: serial NOR */
    fcb[0x045] = 4;                        /* sflashPadType: quad */
    fcb[0x046] = (uint8_t)(option0 & 0xF); /* serialClkFreq from the option's max frequency */
    put_le32(fcb + 0x050, (uint32_t)c->flash_size);
    /* LUT sequence 0: quad I/O fast read (0xEB), 24-bit address, 6 dummy cycles. */
    put_le16(fcb + 0x080, lut_instr(LUT_CMD_SDR, LUT_PAD1, 0xEB));
    put_le16(fcb + 0x082, lut_instr(LUT_RADDR_SDR, LUT_PAD4, 0x18));
    put_le16(fcb + 0x084, lut_instr(LUT_DUMMY_SDR, LUT_PAD4, 0x06));
    put_le16(fcb + 0x086, lut_instr(LUT_READ_SDR, LUT_PAD4, 0x04));
    put_le32(fcb + 0x1C0, VMOD_NOR_PAGE_BYTES);
    put_le32(fcb + 0x1C4, VMOD_NOR_SECTOR_BYTES);
    fcb[0x1C8] = 1; /* ipcmdSerialClkFreq: 30 MHz */
    fcb[0x1C9] = 0; /* isUniformBlockSize */
    put_le32(fcb + 0x1D0, VMOD_NOR_BLOCK_BYTES);
}
