/* The sector plan of a flash: which 4 KiB sectors from 0x60000000 up to the
 * end of the image are erased and which are written, so that sectors that
 * already hold the new content are left alone (README "Only what changed").
 * Pure bookkeeping: the reads that feed it are in session_verify.c. */
#ifndef NT_SECTORS_H
#define NT_SECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"

struct pkg;

/* Sector 0 holds the FCB (made by the flashloader); sector 1 the image
 * header (IVT) at 0x60001000; firmware offset o lies in sector 1 + o/4096. */
#define SECT_FCB 0u
#define SECT_IVT 1u

/* What a sector of the flash holds compared with what is to be written. */
enum sect_content {
    SECT_SAME,     /* exactly the new content */
    SECT_ERASED,   /* all 0xFF: can be written without an erase */
    SECT_DIFFERENT /* anything else: erase, then write */
};

struct sect_plan {
    uint32_t count;       /* sectors from 0x60000000 up to pkg_erase_end */
    uint8_t *erase;       /* per sector: erase it */
    uint8_t *write;       /* per sector: write it (sector 0: program the FCB) */
    uint32_t skipped;     /* sectors neither erased nor written */
    uint64_t erase_bytes; /* the work actually done, for truthful percentages */
    uint64_t write_bytes; /* firmware bytes written (the FCB not included) */
};

/* Every sector erased and written (--full, and the start of every plan). */
nt_status sect_plan_init(struct sect_plan *p, const struct pkg *pkg, struct nt_err *err);
void sect_plan_free(struct sect_plan *p);
/* Decide from what each sector holds (content[0] is ignored: fcb_ok says
 * whether sector 0 starts with a flash configuration block). The fail-safe
 * order survives: when any firmware sector changes, the IVT sector is erased
 * (and written, last) whatever it holds, and sector 0 is erased and its FCB
 * programmed again, as a full flash does. When nothing changes, sector 0 is
 * kept if it holds an FCB. */
void sect_plan_decide(struct sect_plan *p, const struct pkg *pkg, const enum sect_content *content,
                      bool fcb_ok);

/* Compare n bytes read at flash offset off (from 0x60000000, at least
 * 0x1000) with what the image puts there (the firmware, 0xFF after its
 * end): *same when all equal, *erased when all are 0xFF. */
void sect_match(const struct pkg *pkg, uint32_t off, const uint8_t *buf, size_t n, bool *same, bool *erased);
/* How many of those n bytes differ; *first (if any differ) the offset of
 * the first, *got and *want its bytes. */
uint64_t sect_count_diff(const struct pkg *pkg, uint32_t off, const uint8_t *buf, size_t n, uint32_t *first,
                         uint8_t *got, uint8_t *want);
/* Firmware bytes a sector >= 1 holds (the last one may be partial). */
uint32_t sect_fw_bytes(const struct pkg *pkg, uint32_t sector);

#endif
