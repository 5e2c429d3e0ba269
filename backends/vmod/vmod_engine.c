/* The device-level engine of the virtual Disting NT: one module's presence on
 * USB (ROM, flashloader, or off the bus), its IN report queue, modelled time
 * and counters. The ROM and flashloader protocol parts plug in below.
 *
 * Model choices where doc/protocol.md leaves room (all deliberate):
 * - Time is modelled, never slept: work sets busy_until; answers become
 *   readable when it ends; arrivals/departures are timed events.
 * - The NOR starts with "old firmware" (no page all 0xFF), so skipping the
 *   erase fails with 10203 as on a used module; nor=FILE replaces its start
 *   with what an earlier run left (the first module only).
 * - RAM is ITCM/DTCM/OCRAM per doc/protocol.md §3.8; the flashloader reserves DTCM (its
 *   code, data and stack: property 0x0C), the ROM the first 64 KiB of OCRAM.
 * - The ROM leaves when the host has read the rpt 3 of a good jump (or
 *   closes the handle); the flashloader leaves once its Reset answer is read.
 * - fault=stale queues one old report whenever a device arrives (so it is
 *   there when the host opens it); hab=closed changes the rpt 3 word and
 *   property 0x11 only.
 * - Commands the RT1060 flashloader lists but the flow never uses (Execute,
 *   Call, ReceiveSbFile, eFuse, key blobs) answer 10000 here. */
#include <stdlib.h>
#include <string.h>

#include "vmod_int.h"

/* Modelled times are compared with this slack so float sums meet their targets. */
#define TIME_EPS_S 1e-9
#define STALE_QUEUE_CAP 8

struct ram_region {
    uint32_t start, size;
};

static const struct ram_region RAM_MAP[VMOD_RAM_REGIONS] = {
    { 0x00000000u, 128u * 1024 }, /* ITCM */
    { 0x20000000u, 128u * 1024 }, /* DTCM */
    { 0x20200000u, 256u * 1024 }, /* OCRAM */
};

/* chip=rt1010: NXP's RT1011 flashloader memory map (mcu-boot,
 * targets/MIMXRT1011/src/memory_map_MIMXRT1011.c), its 128 KB FlexRAM. */
static const struct ram_region RAM_MAP_RT1010[VMOD_RAM_REGIONS] = {
    { 0x00000000u, 32u * 1024 }, /* ITCM */
    { 0x20000000u, 32u * 1024 }, /* DTCM */
    { 0x20200000u, 64u * 1024 }, /* OCRAM */
};

uint8_t *vmod__ram_ptr(struct vmod_engine *e, uint32_t addr, uint32_t len)
{
    for (int i = 0; i < VMOD_RAM_REGIONS; i++) {
        const struct vmod_ram *r = &e->ram[i];
        if (addr >= r->start && addr - r->start < r->size && len <= r->size - (addr - r->start))
            return r->mem + (addr - r->start);
    }
    return NULL;
}

bool vmod__in_reserved(uint32_t addr, uint32_t len)
{
    uint64_t end = (uint64_t)addr + (len ? len : 1) - 1;
    return addr <= VMOD_FL_RESERVED_END && end >= VMOD_FL_RESERVED_START;
}

bool vmod__queue(struct vmod_engine *e, const uint8_t *data, size_t len, double ready_at)
{
    if (e->q_len == e->q_cap) {
        size_t cap = e->q_cap ? e->q_cap * 2 : STALE_QUEUE_CAP;
        struct vmod_inrep *q = realloc(e->q, cap * sizeof *q);
        if (!q)
            return false;
        e->q = q;
        e->q_cap = cap;
    }
    struct vmod_inrep *r = &e->q[e->q_len++];
    if (len > VMOD_REPORT_MAX)
        len = VMOD_REPORT_MAX;
    memcpy(r->data, data, len);
    r->len = len;
    r->ready_at = ready_at > e->busy_until ? ready_at : e->busy_until; /* not before the work is done */
    return true;
}

void vmod__busy(struct vmod_engine *e, double seconds)
{
    if (e->busy_until < e->now)
        e->busy_until = e->now;
    e->busy_until += seconds;
    e->busy_total += seconds;
}

void vmod__leave(struct vmod_engine *e)
{
    if (e->presence >= 0)
        e->epoch++;
    e->presence = -1;
    e->q_len = 0;
    e->leave_at = -1;
    e->leave_on_drain = false;
    e->silent = false;
    e->busy_until = e->now;
    if (e->kind_after_leave >= 0) {
        /* a reset firmware boots (app_boot); a ROM or a rebooting firmware
         * enumerates its boot device (enum_delay) */
        e->arrive_at = e->now + (e->kind_after_leave == TP_KIND_APP ? e->cfg.app_boot_s : e->cfg.enum_delay_s);
        e->arrive_kind = e->kind_after_leave;
    }
    e->kind_after_leave = -1;
}

void vmod__leave_at(struct vmod_engine *e, double t, int kind_after)
{
    e->leave_at = t;
    e->kind_after_leave = kind_after;
}

static void arrive(struct vmod_engine *e, int kind)
{
    e->presence = kind;
    e->epoch++;
    e->arrive_at = -1;
    e->busy_until = e->now;
    e->q_len = 0;
    if (kind == TP_KIND_APP) {
        vmod__app_boot(e);
    } else if (kind == TP_KIND_SDP) {
        vmod__rom_reset(e);
        if (e->cfg.fault == VMOD_FAULT_STALE)
            vmod__rom_stale(e);
    } else {
        vmod__fl_reset(e);
        if (e->cfg.fault == VMOD_FAULT_STALE)
            vmod__fl_stale(e);
    }
}

bool vmod__fault_hits(struct vmod_engine *e, enum vmod_phase phase, uint64_t done, uint64_t total)
{
    const struct vmod_config *c = &e->cfg;
    if (e->fault_fired || c->fault_phase != phase)
        return false;
    if (c->fault != VMOD_FAULT_UNPLUG && c->fault != VMOD_FAULT_STATUS && c->fault != VMOD_FAULT_SILENT &&
        c->fault != VMOD_FAULT_CORRUPT)
        return false;
    if (done * 100 < (uint64_t)c->fault_pct * total)
        return false;
    e->fault_fired = true;
    return true;
}

nt_status vmod_engine_new(const struct vmod_config *cfg, unsigned index, struct vmod_engine **out,
                          struct nt_err *err)
{
    struct vmod_engine *e = calloc(1, sizeof *e);
    if (!e)
        return nt_err_set(err, NT_E_NOMEM, "cannot allocate the virtual module");
    e->cfg = *cfg;
    e->index = index;
    /* A fault aimed at another module (fault=...@sim-N) is not this one's. */
    if (cfg->fault_module && cfg->fault_module != index + 1)
        e->cfg.fault = VMOD_FAULT_NONE;
    e->presence = -1;
    e->leave_at = -1;
    e->arrive_at = -1;
    e->kind_after_leave = -1;
    e->corrupt_addr = -1;
    const struct ram_region *map = cfg->rt1010 ? RAM_MAP_RT1010 : RAM_MAP;
    for (int i = 0; i < VMOD_RAM_REGIONS; i++) {
        e->ram[i].start = map[i].start;
        e->ram[i].size = map[i].size;
        e->ram[i].mem = calloc(1, map[i].size);
        if (!e->ram[i].mem) {
            vmod_engine_free(e);
            return nt_err_set(err, NT_E_NOMEM, "cannot allocate the virtual module's RAM");
        }
    }
    nt_status st = vmod__nor_init(&e->nor, cfg->flash_size, err);
    if (st == NT_OK && index == 0 && cfg->nor_path[0])
        st = vmod__nor_load(&e->nor, cfg->nor_path, err);
    if (st != NT_OK) {
        vmod_engine_free(e);
        return st;
    }
    if (index < VMOD_MODULES_MAX && cfg->module_arrive_set[index]) {
        e->arrive_at = cfg->module_arrive_s[index];
        e->arrive_kind = TP_KIND_SDP;
    } else if (cfg->start == VMOD_START_SDP)
        arrive(e, TP_KIND_SDP);
    else if (cfg->start == VMOD_START_MBOOT)
        arrive(e, TP_KIND_MBOOT);
    else if (cfg->start == VMOD_START_APP)
        arrive(e, TP_KIND_APP);
    else if (cfg->arrive_s >= 0) {
        e->arrive_at = cfg->arrive_s;
        e->arrive_kind = TP_KIND_SDP;
    }
    *out = e;
    return NT_OK;
}

void vmod_engine_free(struct vmod_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < VMOD_RAM_REGIONS; i++)
        free(e->ram[i].mem);
    vmod__nor_free(&e->nor);
    free(e->q);
    free(e);
}

int vmod_engine_presence(const struct vmod_engine *e) { return e->presence; }

nt_status vmod_engine_out(struct vmod_engine *e, const uint8_t *report, size_t len)
{
    if (e->presence < 0)
        return NT_E_DISCONNECT;
    if (e->silent || e->now + TIME_EPS_S < e->busy_until)
        return NT_E_TIMEOUT;
    /* The flashloader arms its OUT endpoint only after its IN send completed
     * (doc/protocol.md §1.2, §3.13); the ROM's OUT path is EP0 and independent. */
    if (e->presence == TP_KIND_MBOOT && e->q_len > 0)
        return NT_E_TIMEOUT;
    if (len == 0)
        return NT_OK;
    e->bytes_out += len;
    e->reports_out++;
    if (e->leave_on_drain)
        return NT_OK; /* jumped or resetting: nobody is listening any more */
    if (e->presence == TP_KIND_SDP)
        vmod__rom_out(e, report, len);
    else if (e->presence == TP_KIND_APP)
        vmod__app_out(e, report, len);
    else
        vmod__fl_out(e, report, len);
    return NT_OK;
}

bool vmod_engine_in(struct vmod_engine *e, uint8_t *buf, size_t cap, size_t *len)
{
    if (e->presence < 0 || e->q_len == 0 || e->q[0].ready_at > e->now + TIME_EPS_S)
        return false;
    size_t n = e->q[0].len < cap ? e->q[0].len : cap;
    memcpy(buf, e->q[0].data, n);
    *len = n;
    e->bytes_in += e->q[0].len;
    e->reports_in++;
    memmove(e->q, e->q + 1, (e->q_len - 1) * sizeof *e->q);
    e->q_len--;
    if (e->q_len == 0 && e->leave_on_drain)
        vmod__leave(e);
    return true;
}

void vmod_engine_advance(struct vmod_engine *e, double dt)
{
    double target = e->now + (dt > 0 ? dt : 0);
    for (;;) {
        bool leave = e->leave_at >= 0 && e->leave_at <= target + TIME_EPS_S;
        bool come = e->arrive_at >= 0 && e->arrive_at <= target + TIME_EPS_S;
        if (leave && (!come || e->leave_at <= e->arrive_at)) {
            if (e->leave_at > e->now)
                e->now = e->leave_at;
            vmod__leave(e);
        } else if (come) {
            if (e->arrive_at > e->now)
                e->now = e->arrive_at;
            arrive(e, e->arrive_kind);
        } else {
            break;
        }
    }
    if (target > e->now)
        e->now = target;
}

static void consider(double *best, double t)
{
    if (t >= 0 && (*best < 0 || t < *best))
        *best = t;
}

double vmod_engine_next_change(const struct vmod_engine *e)
{
    double best = -1;
    if (e->busy_until > e->now + TIME_EPS_S)
        consider(&best, e->busy_until - e->now);
    if (e->presence >= 0 && e->q_len > 0 && e->q[0].ready_at > e->now + TIME_EPS_S)
        consider(&best, e->q[0].ready_at - e->now);
    if (e->leave_at >= 0)
        consider(&best, e->leave_at > e->now ? e->leave_at - e->now : 0);
    if (e->arrive_at >= 0)
        consider(&best, e->arrive_at > e->now ? e->arrive_at - e->now : 0);
    return best;
}

const uint8_t *vmod_engine_nor(const struct vmod_engine *e, uint64_t *size)
{
    if (size)
        *size = e->nor.size;
    return e->nor.mem;
}
