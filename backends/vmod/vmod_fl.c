/* The NXP RT1060 RAM flashloader (MCUboot over USB HID) as the virtual module
 * presents it: framing, commands, properties, the FlexSPI NOR rules and the
 * write-memory data phase with its abort markers (doc/protocol.md §3, state table
 * §9). Multi-byte fields are little-endian. */
#include <string.h>

#include "bytes.h"
#include "vmod_int.h"

#define TAG_FLASH_ERASE_ALL 0x01
#define TAG_FLASH_ERASE_REGION 0x02
#define TAG_READ_MEMORY 0x03
#define TAG_WRITE_MEMORY 0x04
#define TAG_FILL_MEMORY 0x05
#define TAG_GET_PROPERTY 0x07
#define TAG_RESET 0x0B
#define TAG_SET_PROPERTY 0x0C
#define TAG_CONFIGURE_MEMORY 0x11

#define RSP_GENERIC 0xA0
#define RSP_READ_MEMORY 0xA3
#define RSP_GET_PROPERTY 0xA7
#define FLAG_DATA_PHASE 0x01

#define ST_OK 0u
#define ST_FAIL 1u
#define ST_INVALID_ARGUMENT 4u
#define ST_UNKNOWN_COMMAND 10000u
#define ST_ABORT_DATA_PHASE 10002u
#define ST_RANGE_INVALID 10200u
#define ST_CUMULATIVE_WRITE 10203u
#define ST_NOT_CONFIGURED 10205u
#define ST_UNSUPPORTED_COMMAND 10213u
#define ST_UNKNOWN_PROPERTY 10300u
#define ST_READ_ONLY_PROPERTY 10301u
#define ST_ERASE_SECTOR_FAIL 20101u
#define ST_WRITE_ALIGNMENT 20105u
#define ST_SFDP_NOT_FOUND 20107u
#define ST_FLASH_NOT_FOUND 20109u

#define MEM_ID_FLEXSPI_NOR 9u
#define OPTION_TAG 0xCu
#define FCB_PROGRAM_MAGIC 0xF000000Fu
#define FCB_TAG 0x42464346u
#define FL_HEADER_BYTES 4u
#define FL_MAX_PARAMS 7u
#define SFDP_CONFIGURE_S 0.005 /* SFDP read + FlexSPI init: "short" (doc/protocol.md §5) */

#define AVAILABLE_PERIPHERALS 0x11u /* UART + USB-HID */
#define AVAILABLE_COMMANDS 0x00056FDFu
#define TARGET_VERSION 0x54010000u /* 'T' 1.0.0 */
#define ATTR_ALL 0x1Fu
#define UID_WORD0 0x4E540000u /* per-module unique id words ("NT" + index) */
#define UID_WORD1 0x0D157146u

void vmod__fl_reset(struct vmod_engine *e) { memset(&e->fl, 0, sizeof e->fl); }

static double ready_time(const struct vmod_engine *e)
{
    return e->busy_until > e->now ? e->busy_until : e->now;
}

static void send_report(struct vmod_engine *e, uint8_t id, const uint8_t *pkt, size_t n)
{
    uint8_t r[VMOD_FL_REPORT_LEN] = { id };
    put_le16(r + 2, (uint16_t)n);
    if (n)
        memcpy(r + FL_HEADER_BYTES, pkt, n);
    vmod__queue(e, r, sizeof r, ready_time(e));
}

static void send_response(struct vmod_engine *e, uint8_t tag, uint8_t flags, const uint32_t *params,
                          unsigned n)
{
    uint8_t pkt[4 + 4 * FL_MAX_PARAMS] = { tag, flags, 0, (uint8_t)n };
    for (unsigned i = 0; i < n; i++)
        put_le32(pkt + 4 + 4 * i, params[i]);
    send_report(e, 3, pkt, 4 + 4 * n);
}

static void generic(struct vmod_engine *e, uint32_t status, uint8_t cmd)
{
    uint32_t p[2] = { status, cmd };
    send_response(e, RSP_GENERIC, 0, p, 2);
}

void vmod__fl_stale(struct vmod_engine *e)
{
    generic(e, ST_OK, TAG_FLASH_ERASE_REGION); /* an erase answer read too late */
}

/* Range and configuration rules common to memory commands (doc/protocol.md §3.11). *flash
 * tells which memory; *off is the physical NOR offset for flash. */
static uint32_t check_range(struct vmod_engine *e, uint32_t addr, uint32_t len, bool *flash, uint64_t *off)
{
    uint64_t end = (uint64_t)addr + len;
    *flash = addr >= VMOD_NOR_BASE && end <= VMOD_NOR_MAP_END;
    if (*flash) {
        if (!e->fl.configured)
            return ST_NOT_CONFIGURED;
        if (end - VMOD_NOR_BASE > e->nor.size && !e->cfg.wrap_beyond_flash)
            return ST_RANGE_INVALID;
        *off = (addr - VMOD_NOR_BASE) % e->nor.size;
        return ST_OK;
    }
    if (!vmod__ram_ptr(e, addr, len) || vmod__in_reserved(addr, len))
        return ST_RANGE_INVALID;
    return ST_OK;
}

/* Act on an unplug/silent fault when the device has finished `seconds` of work. */
static void hang_or_leave(struct vmod_engine *e)
{
    if (e->cfg.fault == VMOD_FAULT_UNPLUG)
        vmod__leave_at(e, ready_time(e), -1);
    else
        e->silent = true;
}

static void erase(struct vmod_engine *e, uint32_t addr, uint32_t len, uint8_t tag)
{
    bool flash;
    uint64_t off = 0;
    uint32_t st = len ? check_range(e, addr, len, &flash, &off) : ST_OK;
    if (st == ST_OK && len && !flash)
        st = ST_UNSUPPORTED_COMMAND; /* RAM has no erase */
    if (st != ST_OK || !len) {
        generic(e, st, tag);
        return;
    }
    uint64_t stop = UINT64_MAX, lo = off - off % VMOD_NOR_SECTOR_BYTES;
    uint64_t hi = (off + len + VMOD_NOR_SECTOR_BYTES - 1) / VMOD_NOR_SECTOR_BYTES * VMOD_NOR_SECTOR_BYTES;
    bool first = !e->fl.erase_seen, hit = false;
    e->fl.erase_seen = true;
    if (tag == TAG_FLASH_ERASE_REGION && hi > e->fl.erase_hi)
        e->fl.erase_hi = hi;
    if (first && vmod__fault_hits(e, VMOD_PHASE_ERASE, 1, 1)) {
        hit = true;
        stop = lo + (hi - lo) * (uint64_t)e->cfg.fault_pct / 100;
    }
    vmod__busy(e, vmod__nor_erase(&e->nor, &e->cfg, off, off + len, stop, NULL));
    if (hit && e->cfg.fault != VMOD_FAULT_STATUS)
        hang_or_leave(e);
    else
        generic(e, hit ? ST_ERASE_SECTOR_FAIL : ST_OK, tag);
}

static uint32_t program_page(struct vmod_engine *e, double *t)
{
    struct vmod_fl *f = &e->fl;
    if (f->page_fill < VMOD_NOR_PAGE_BYTES)
        memset(f->page + f->page_fill, 0xFF, VMOD_NOR_PAGE_BYTES - f->page_fill);
    uint32_t st = vmod__nor_program(&e->nor, &e->cfg, f->page_addr, f->page, t);
    if (st == ST_OK && f->corrupt_pending) {
        /* fault=corrupt: a weak cell. The page passed the flashloader's own
         * verify, then its first byte reads back with bit 0 inverted. */
        uint64_t off = f->page_addr % e->nor.size;
        e->nor.mem[off] ^= 0x01;
        e->corrupt_addr = (int64_t)(VMOD_NOR_BASE + off);
        f->corrupt_pending = false;
    }
    f->page_addr += VMOD_NOR_PAGE_BYTES;
    f->page_fill = 0;
    return st;
}

/* Buffer bytes per page and program each full page (doc/protocol.md §3.11). */
static uint32_t flash_feed(struct vmod_engine *e, const uint8_t *data, uint32_t n, double *t)
{
    struct vmod_fl *f = &e->fl;
    while (n) {
        uint32_t take = VMOD_NOR_PAGE_BYTES - f->page_fill;
        if (take > n)
            take = n;
        memcpy(f->page + f->page_fill, data, take);
        f->page_fill += take;
        data += take;
        n -= take;
        if (f->page_fill == VMOD_NOR_PAGE_BYTES) {
            uint32_t st = program_page(e, t);
            if (st != ST_OK)
                return st;
        }
    }
    return ST_OK;
}

static uint32_t flash_flush(struct vmod_engine *e, double *t)
{
    return e->fl.page_fill ? program_page(e, t) : ST_OK;
}

static void fill(struct vmod_engine *e, uint32_t addr, uint32_t len, uint32_t pattern)
{
    bool flash;
    uint64_t off = 0;
    uint32_t st = len ? check_range(e, addr, len, &flash, &off) : ST_OK;
    if (st == ST_OK && len && flash && off % VMOD_NOR_PAGE_BYTES)
        st = ST_WRITE_ALIGNMENT;
    if (st != ST_OK || !len) {
        generic(e, st, TAG_FILL_MEMORY);
        return;
    }
    uint8_t chunk[VMOD_NOR_PAGE_BYTES];
    for (uint32_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (uint8_t)(pattern >> (8 * (i % 4)));
    if (!flash) {
        uint8_t *p = vmod__ram_ptr(e, addr, len);
        for (uint32_t i = 0; i < len; i++)
            p[i] = chunk[i % 4];
        generic(e, ST_OK, TAG_FILL_MEMORY);
        return;
    }
    double t = 0;
    e->fl.page_addr = (uint32_t)off;
    e->fl.page_fill = 0;
    for (uint32_t done = 0; done < len && st == ST_OK; done += sizeof chunk) {
        uint32_t n = len - done < sizeof chunk ? len - done : (uint32_t)sizeof chunk;
        st = flash_feed(e, chunk, n, &t);
    }
    if (st == ST_OK)
        st = flash_flush(e, &t);
    e->fl.page_fill = 0;
    vmod__busy(e, t);
    generic(e, st, TAG_FILL_MEMORY);
}

/* ReadMemory timing is not measured (protocol.md §8): read_cmd_ms models the
 * command, its response and the final answer, read_report_ms each data
 * report (vmod_spec.c). */
static void read_memory(struct vmod_engine *e, uint32_t addr, uint32_t len)
{
    bool flash;
    uint64_t off = 0;
    uint32_t st = len ? check_range(e, addr, len, &flash, &off) : ST_OK;
    uint32_t p[2] = { st, st == ST_OK ? len : 0 };
    vmod__busy(e, e->cfg.read_cmd_ms / 1000.0);
    send_response(e, RSP_READ_MEMORY, FLAG_DATA_PHASE, p, 2);
    if (st != ST_OK || !len)
        return;
    uint8_t pkt[VMOD_FL_REPORT_LEN];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < e->cfg.max_packet ? len - done : e->cfg.max_packet;
        for (uint32_t i = 0; i < n; i++)
            pkt[i] =
                flash ? e->nor.mem[(off + done + i) % e->nor.size] : *vmod__ram_ptr(e, addr + done + i, 1);
        vmod__busy(e, e->cfg.read_report_ms / 1000.0);
        send_report(e, 4, pkt, n);
        done += n;
    }
    generic(e, ST_OK, TAG_READ_MEMORY);
}

static bool property_values(struct vmod_engine *e, uint32_t tag, uint32_t mem, uint32_t *v, unsigned *n,
                            uint32_t *st)
{
    *st = ST_OK;
    *n = 1;
    switch (tag) {
    case 0x01: v[0] = e->cfg.version; break;
    case 0x02: v[0] = AVAILABLE_PERIPHERALS; break;
    case 0x07: v[0] = AVAILABLE_COMMANDS; break;
    case 0x0B: v[0] = e->cfg.max_packet; break;
    case 0x0C:
        v[0] = VMOD_FL_RESERVED_START;
        v[1] = VMOD_FL_RESERVED_END;
        *n = 2;
        break;
    case 0x0E:
    case 0x0F:
        if (mem >= VMOD_RAM_REGIONS) {
            *st = ST_INVALID_ARGUMENT;
            break;
        }
        v[0] = tag == 0x0E ? e->ram[mem].start : e->ram[mem].size; /* index = memoryId */
        break;
    case 0x11: v[0] = e->cfg.hab_closed ? 1 : 0; break;
    case 0x12:
        v[0] = UID_WORD0 | e->index;
        v[1] = UID_WORD1;
        *n = 2;
        break;
    case 0x18: v[0] = TARGET_VERSION; break;
    case 0x19:
        if (mem != MEM_ID_FLEXSPI_NOR)
            *st = ST_INVALID_ARGUMENT;
        else if (!e->fl.configured)
            *st = ST_NOT_CONFIGURED;
        else {
            uint32_t attrs[6] = { ATTR_ALL,
                                  VMOD_NOR_BASE,
                                  (uint32_t)(e->nor.size / 1024),
                                  VMOD_NOR_PAGE_BYTES,
                                  VMOD_NOR_SECTOR_BYTES,
                                  VMOD_NOR_BLOCK_BYTES };
            memcpy(v, attrs, sizeof attrs);
            *n = 6;
        }
        break;
    default: return false;
    }
    return true;
}

static void get_property(struct vmod_engine *e, uint32_t tag, uint32_t mem)
{
    uint32_t p[FL_MAX_PARAMS], st;
    unsigned n;
    if (!property_values(e, tag, mem, p + 1, &n, &st))
        st = ST_UNKNOWN_PROPERTY;
    p[0] = st;
    send_response(e, RSP_GET_PROPERTY, 0, p, st == ST_OK ? 1 + n : 1);
}

static void set_property(struct vmod_engine *e, uint32_t tag)
{
    uint32_t v[FL_MAX_PARAMS], st;
    unsigned n;
    bool known = property_values(e, tag, MEM_ID_FLEXSPI_NOR, v, &n, &st) || tag == 0x10;
    generic(e, known ? ST_READ_ONLY_PROPERTY : ST_UNKNOWN_PROPERTY, TAG_SET_PROPERTY);
}

static uint32_t program_fcb(struct vmod_engine *e)
{
    if (!e->fl.configured)
        return ST_INVALID_ARGUMENT;
    if (!vmod__nor_erased(&e->nor, 0, VMOD_FCB_BYTES))
        return ST_CUMULATIVE_WRITE;
    double t = 0;
    e->fl.page_addr = 0;
    e->fl.page_fill = 0;
    uint32_t st = flash_feed(e, e->fl.fcb, VMOD_FCB_BYTES, &t);
    vmod__busy(e, t);
    return st;
}

static uint32_t probe_sfdp(struct vmod_engine *e, uint32_t option0)
{
    if (vmod__fault_hits(e, VMOD_PHASE_CONFIGURE, 1, 1)) {
        if (e->cfg.fault == VMOD_FAULT_STATUS)
            return ST_SFDP_NOT_FOUND;
        hang_or_leave(e);
        return UINT32_MAX; /* no answer */
    }
    unsigned detect = (option0 >> 20) & 0xF;
    vmod__busy(e, SFDP_CONFIGURE_S);
    if (detect > 1)
        return ST_FLASH_NOT_FOUND; /* the part is a QuadSPI NOR, not HyperFLASH/octal */
    vmod__nor_fcb(&e->cfg, option0, e->fl.fcb);
    e->fl.configured = true;
    return ST_OK;
}

static void configure_memory(struct vmod_engine *e, uint32_t mem, uint32_t addr)
{
    const uint8_t *cfg = addr && addr != 0xFFFFFFFFu ? vmod__ram_ptr(e, addr, VMOD_FCB_BYTES) : NULL;
    uint32_t st = ST_INVALID_ARGUMENT;
    if (mem == MEM_ID_FLEXSPI_NOR && cfg) {
        uint32_t w0 = get_le32(cfg);
        if (w0 >> 28 == OPTION_TAG)
            st = probe_sfdp(e, w0);
        else if (w0 == FCB_PROGRAM_MAGIC)
            st = program_fcb(e);
        else if (w0 == FCB_TAG) {
            memcpy(e->fl.fcb, cfg, VMOD_FCB_BYTES);
            e->fl.configured = true;
            st = ST_OK;
        }
    }
    if (st != UINT32_MAX)
        generic(e, st, TAG_CONFIGURE_MEMORY);
}

static void reset(struct vmod_engine *e)
{
    if (vmod__fault_hits(e, VMOD_PHASE_RESET, 1, 1)) {
        if (e->cfg.fault == VMOD_FAULT_STATUS) {
            generic(e, ST_FAIL, TAG_RESET);
            return;
        }
        vmod__leave(e); /* resets before its answer goes out */
        return;
    }
    generic(e, ST_OK, TAG_RESET);
    e->leave_on_drain = true; /* doc/protocol.md §3.12: answer first, then reset */
    /* the module then boots whatever firmware the NOR now holds (app_boot) */
    e->kind_after_leave = e->cfg.app_boot_s >= 0 ? TP_KIND_APP : -1;
    e->app.flashed = true;
}

/* --- WriteMemory data phase (doc/protocol.md §3.5) --- */

static void start_write(struct vmod_engine *e, uint32_t addr, uint32_t len)
{
    struct vmod_fl *f = &e->fl;
    generic(e, ST_OK, TAG_WRITE_MEMORY); /* always 0 here: errors come after the first packet */
    if (!len)
        return;
    f->in_data = true;
    f->data_checked = false;
    f->data_start = f->data_addr = addr;
    f->data_remaining = len;
}

static void end_write(struct vmod_engine *e, uint32_t st, bool marker)
{
    e->fl.in_data = false;
    e->fl.page_fill = 0;
    if (marker)
        send_report(e, 3, NULL, 0); /* zero-length CMD_IN: data-phase abort */
    generic(e, st, TAG_WRITE_MEMORY);
}

/* What fault=...@write:PCT measures against. The host erases its whole image
 * range before writing it in pieces, so the erased extent beyond the first
 * flash write tells the image size to within a sector: the smallest image
 * that needs that extent (so PCT 100 still fires at the last byte). Without
 * such an erase, the byte count of the first flash WriteMemory. */
static uint64_t write_fault_total(const struct vmod_fl *f, uint64_t off)
{
    if (f->erase_hi >= off + VMOD_NOR_SECTOR_BYTES)
        return f->erase_hi - off - (VMOD_NOR_SECTOR_BYTES - 1);
    return f->data_remaining;
}

static uint32_t first_packet_checks(struct vmod_engine *e)
{
    struct vmod_fl *f = &e->fl;
    uint64_t off = 0;
    f->data_checked = true;
    uint32_t st = check_range(e, f->data_start, f->data_remaining, &f->data_flash, &off);
    if (st != ST_OK || !f->data_flash)
        return st;
    if (off % VMOD_NOR_PAGE_BYTES)
        return ST_WRITE_ALIGNMENT;
    f->page_addr = (uint32_t)off;
    f->page_fill = 0;
    if (!f->write_total)
        f->write_total = write_fault_total(f, off);
    if (e->cfg.fault == VMOD_FAULT_STATUS && vmod__fault_hits(e, VMOD_PHASE_WRITE, 1, 1))
        return ST_CUMULATIVE_WRITE;
    return ST_OK;
}

static uint32_t store_data(struct vmod_engine *e, const uint8_t *data, uint32_t n, double *t)
{
    struct vmod_fl *f = &e->fl;
    if (!f->data_flash) {
        memcpy(vmod__ram_ptr(e, f->data_addr, n), data, n);
        return ST_OK;
    }
    uint32_t st = flash_feed(e, data, n, t);
    f->write_done += n;
    if (st == ST_OK && f->data_remaining == n)
        st = flash_flush(e, t); /* the data phase ends: pad and program the last page */
    return st;
}

static void data_packet(struct vmod_engine *e, const uint8_t *r, size_t len)
{
    struct vmod_fl *f = &e->fl;
    uint32_t plen = get_le16(r + 2);
    if (r[0] != 2 || plen > len - FL_HEADER_BYTES) {
        end_write(e, ST_FAIL, true); /* a command or a short packet in the data phase */
        return;
    }
    if (plen == 0) {
        end_write(e, ST_ABORT_DATA_PHASE, false); /* host abort: 02 00 00 00 */
        return;
    }
    uint32_t n = plen < f->data_remaining ? plen : f->data_remaining;
    uint32_t st = f->data_checked ? ST_OK : first_packet_checks(e);
    double t = 0;
    /* Counted before the bytes are stored, so the damage lands in this packet's pages. */
    if (st == ST_OK && f->data_flash && e->cfg.fault == VMOD_FAULT_CORRUPT &&
        vmod__fault_hits(e, VMOD_PHASE_WRITE, f->write_done + n, f->write_total))
        f->corrupt_pending = true;
    if (st == ST_OK)
        st = store_data(e, r + FL_HEADER_BYTES, n, &t);
    f->data_addr += n;
    f->data_remaining -= n;
    vmod__busy(e, t);
    bool hang = st == ST_OK && f->data_flash &&
        (e->cfg.fault == VMOD_FAULT_UNPLUG || e->cfg.fault == VMOD_FAULT_SILENT) &&
        vmod__fault_hits(e, VMOD_PHASE_WRITE, f->write_done, f->write_total);
    if (hang) {
        f->in_data = false;
        hang_or_leave(e);
    } else if (st != ST_OK)
        end_write(e, st, f->data_remaining > 0);
    else if (f->data_remaining == 0)
        end_write(e, ST_OK, false);
}

/* --- Command phase --- */

static void command(struct vmod_engine *e, const uint8_t *pkt, uint32_t plen)
{
    if (plen < 4 || plen < 4u + 4u * pkt[3])
        return; /* malformed: dropped without an answer (doc/protocol.md §3.1) */
    uint8_t tag = pkt[0];
    uint32_t p[FL_MAX_PARAMS] = { 0 };
    unsigned n = pkt[3] < FL_MAX_PARAMS ? pkt[3] : FL_MAX_PARAMS;
    for (unsigned i = 0; i < n; i++)
        p[i] = get_le32(pkt + 4 + 4 * i);
    switch (tag) {
    case TAG_FLASH_ERASE_ALL: erase(e, VMOD_NOR_BASE, (uint32_t)e->nor.size, tag); break;
    case TAG_FLASH_ERASE_REGION: erase(e, p[0], p[1], tag); break;
    case TAG_READ_MEMORY: read_memory(e, p[0], p[1]); break;
    case TAG_WRITE_MEMORY: start_write(e, p[0], p[1]); break;
    case TAG_FILL_MEMORY: fill(e, p[0], p[1], p[2]); break;
    case TAG_GET_PROPERTY: get_property(e, p[0], p[1]); break;
    case TAG_RESET: reset(e); break;
    case TAG_SET_PROPERTY: set_property(e, p[0]); break;
    case TAG_CONFIGURE_MEMORY: configure_memory(e, p[0], p[1]); break;
    default: generic(e, ST_UNKNOWN_COMMAND, tag); break;
    }
}

void vmod__fl_out(struct vmod_engine *e, const uint8_t *r, size_t len)
{
    if (len < FL_HEADER_BYTES || len > VMOD_FL_REPORT_LEN || (r[0] != 1 && r[0] != 2))
        return;
    if (e->fl.in_data) {
        data_packet(e, r, len);
        return;
    }
    uint32_t plen = get_le16(r + 2);
    if (r[0] == 2 || plen == 0 || plen > len - FL_HEADER_BYTES)
        return; /* data while waiting for a command: flushed after an abort (doc/protocol.md §3.13) */
    command(e, r + FL_HEADER_BYTES, plen);
}
