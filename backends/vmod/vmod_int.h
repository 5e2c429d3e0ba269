/* Internals shared by the virtual Disting NT's files (engine, ROM, flashloader,
 * NOR model, bus): the engine state and the hooks between the parts. Not API. */
#ifndef NT_VMOD_INT_H
#define NT_VMOD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmod.h"

/* The virtual module keeps its own copies of the protocol's constants on
 * purpose: it is the host's test peer, and a second, independent reading of
 * doc/protocol.md is what lets it catch a host that got a number wrong. So
 * nothing here or in vmod_rom.c and vmod_fl.c comes from lib/proto's
 * sdp_wire.h or mboot_wire.h, nor the report sizes from transport.h
 * (doc/design.md §6).
 *
 * Report sizes including the report-ID byte (doc/protocol.md §1.1, §1.2). */
#define VMOD_ROM_OUT_MAX 1025
#define VMOD_ROM_CMD_MIN 17
#define VMOD_ROM_HAB_LEN 5
#define VMOD_ROM_STATUS_LEN 65
#define VMOD_FL_REPORT_LEN 1016
#define VMOD_REPORT_MAX 1025
#define VMOD_APP_XFER_MAX 512 /* a high-speed bulk packet of USB-MIDI event packets */

/* Geometry the SFDP probe "finds" (doc/protocol.md §3.13). */
#define VMOD_NOR_BASE 0x60000000u
#define VMOD_NOR_MAP_END 0x70000000u /* FlexSPI memory-map entry end (exclusive) */
#define VMOD_NOR_PAGE_BYTES 256u
#define VMOD_NOR_SECTOR_BYTES 4096u
#define VMOD_NOR_BLOCK_BYTES 65536u
#define VMOD_FCB_BYTES 512u

/* RAM the ROM loads into and the flashloader fills (doc/protocol.md §3.8 0x0E/0x0F). */
#define VMOD_RAM_REGIONS 3 /* ITCM, DTCM, OCRAM: in memoryId order */
/* The flashloader's own code, data and stack in DTCM (property 0x0C). */
#define VMOD_FL_RESERVED_START 0x20000000u
#define VMOD_FL_RESERVED_END 0x2001FFFFu
struct vmod_ram {
    uint32_t start, size;
    uint8_t *mem;
};

struct vmod_inrep {
    uint8_t data[VMOD_REPORT_MAX];
    size_t len;
    double ready_at; /* modelled time when the device has it ready */
};

struct vmod_nor {
    uint8_t *mem;
    uint64_t size;
    uint64_t high_water; /* end offset of the highest byte ever erased or programmed */
    uint64_t loaded;     /* bytes loaded from nor= at start */
};

enum vmod_rom_state { VMOD_ROM_IDLE, VMOD_ROM_RX_FILE, VMOD_ROM_RX_DCD };

struct vmod_rom {
    enum vmod_rom_state state;
    uint32_t addr, count, received;
    bool addr_ok;              /* WRITE_FILE target lies in RAM */
    uint32_t last_status;      /* rpt 4 of ERROR_STATUS */
    bool loaded;               /* some WRITE_FILE data landed */
    uint32_t load_lo, load_hi; /* bounding range of loaded data */
};

struct vmod_fl {
    bool configured;
    uint8_t fcb[VMOD_FCB_BYTES];
    /* WriteMemory data phase (doc/protocol.md §3.5). */
    bool in_data;
    bool data_checked; /* range/config checks done at the first packet */
    bool data_flash;
    uint32_t data_start, data_addr, data_remaining;
    uint8_t page[VMOD_NOR_PAGE_BYTES];
    uint32_t page_addr, page_fill;
    /* Fault bookkeeping. */
    bool erase_seen;
    uint64_t erase_hi; /* end of the highest FlashEraseRegion (rounded out) */
    uint64_t write_total, write_done;
    bool corrupt_pending; /* fault=corrupt fired: damage the next page programmed */
};

/* The running firmware (vmod_app.c): its version and a SysEx being received. */
#define VMOD_APP_SYSEX_MAX 64
struct vmod_app {
    char version[VMOD_APP_TEXT_MAX]; /* "" = unknown: never answers the version request */
    uint8_t rx[VMOD_APP_SYSEX_MAX];
    size_t rx_len;
    bool rx_active;
    bool flashed; /* the flashloader reset it: boot what the NOR holds */
};

struct vmod_engine {
    struct vmod_config cfg;
    unsigned index;
    int presence;   /* TP_KIND_SDP, TP_KIND_MBOOT or -1 */
    unsigned epoch; /* bumped on every presence change */
    double now, busy_until;
    double leave_at;  /* pending departure (<0 none) */
    double arrive_at; /* pending arrival (<0 none) */
    int arrive_kind;
    bool leave_on_drain;  /* leave once the queued IN reports are read (jump, reset) */
    int kind_after_leave; /* arrives enum_delay after that departure (-1 none) */
    bool silent;          /* fault: hung, answers nothing */
    bool fault_fired;
    int64_t corrupt_addr; /* fault=corrupt: the byte it changed (-1 none) */
    struct vmod_inrep *q;
    size_t q_len, q_cap;
    double busy_total;
    uint64_t bytes_out, bytes_in, reports_out, reports_in;
    struct vmod_ram ram[VMOD_RAM_REGIONS];
    struct vmod_nor nor;
    struct vmod_rom rom;
    struct vmod_fl fl;
    struct vmod_app app;
};

/* Engine services for the protocol parts. */
bool vmod__queue(struct vmod_engine *e, const uint8_t *data, size_t len, double ready_at);
void vmod__busy(struct vmod_engine *e, double seconds);
void vmod__leave(struct vmod_engine *e);
void vmod__leave_at(struct vmod_engine *e, double t, int kind_after);
/* Does the configured fault hit `phase`, at `done` out of `total` units?
 * Marks it fired; kind filter: pass the kinds the caller handles. */
bool vmod__fault_hits(struct vmod_engine *e, enum vmod_phase phase, uint64_t done, uint64_t total);
uint8_t *vmod__ram_ptr(struct vmod_engine *e, uint32_t addr, uint32_t len);
bool vmod__in_reserved(uint32_t addr, uint32_t len);

/* Write cfg's dump= (first module's NOR) and stats= (summed over the
 * modules) files (vmod_save.c). */
nt_status vmod__save(const struct vmod_engine *const *e, unsigned n, struct nt_err *err);

/* ROM (vmod_rom.c). */
void vmod__rom_reset(struct vmod_engine *e);
void vmod__rom_out(struct vmod_engine *e, const uint8_t *r, size_t len);
void vmod__rom_stale(struct vmod_engine *e);

/* Flashloader (vmod_fl.c). */
void vmod__fl_reset(struct vmod_engine *e);
void vmod__fl_out(struct vmod_engine *e, const uint8_t *r, size_t len);
void vmod__fl_stale(struct vmod_engine *e);

/* Running firmware (vmod_app.c). */
void vmod__app_boot(struct vmod_engine *e);
void vmod__app_out(struct vmod_engine *e, const uint8_t *r, size_t len);

/* NOR model (vmod_nor.c). Offsets are physical (already wrapped). */
nt_status vmod__nor_init(struct vmod_nor *n, uint64_t size, struct nt_err *err);
/* nor=FILE: load the NOR from path (a missing file is a module as shipped;
 * beyond the file's end the NOR keeps its old firmware), and save it back. */
nt_status vmod__nor_load(struct vmod_nor *n, const char *path, struct nt_err *err);
nt_status vmod__nor_save(const struct vmod_nor *n, const char *path, struct nt_err *err);
void vmod__nor_free(struct vmod_nor *n);
/* Erase the sectors covering [start, end) (end > start, rounded outward),
 * stopping before the first unit that starts at or after `stop`. Returns the
 * modelled seconds taken; *stopped_at gets the first offset not erased. */
double vmod__nor_erase(struct vmod_nor *n, const struct vmod_config *c, uint64_t start, uint64_t end,
                       uint64_t stop, uint64_t *stopped_at);
bool vmod__nor_erased(const struct vmod_nor *n, uint64_t off, uint64_t len);
/* Program one page at a page-aligned offset; 10203 if not fully erased. */
uint32_t vmod__nor_program(struct vmod_nor *n, const struct vmod_config *c, uint64_t off, const uint8_t *page,
                           double *seconds);
void vmod__nor_fcb(const struct vmod_config *c, uint32_t option0, uint8_t fcb[VMOD_FCB_BYTES]);

#endif
