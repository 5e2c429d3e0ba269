/* The flash session: opens the package, finds the module, and walks it
 * through SDP upload, re-enumeration and the MCUboot steps (README, "How a flash works"),
 * emitting typed events for the front ends. It never prints and never exits. */
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "select.h"
#include "mboot.h"
#include "pkg.h"
#include "sdp.h"
#include "session_int.h"

/* Scratch RAM for the FlexSPI option word and the FCB magic (doc/package.md §0). */
#define CONFIG_SCRATCH_ADDR 0x2000u
/* How long the flashloader may take to appear after the jump (doc/protocol.md §5:
 * typically 0.5-2 s; fwupd allows 10 s for a chain of slow hubs). */
#define ENUM_DEADLINE_MS 10000
#define HOST_TIMEOUT_FLOOR_MS 200
/* How long a freshly arrived device may refuse to open, and how often to try. */
#define OPEN_SETTLE_MS 3000
#define OPEN_RETRY_MS 150
#define OPEN_RETRY_FLOOR_MS 10
/* The erase is sent in aligned pieces so that progress is real and a stop
 * request is honoured between pieces (a 64 KiB piece takes ~0.7 s typical). */
#define ERASE_CHUNK_BYTES 0x10000u
/* Writes likewise go in WriteMemory commands of this size: each one is a safe
 * point for SIGINT/SIGTERM, and 64 KiB keeps the command count low. */
#define WRITE_CHUNK_BYTES 0x10000u

const char *sess_phase_name(enum sess_phase ph)
{
    static const char *const names[SESS_PH_COUNT] = {
        "download", "extract", "wait",  "upload", "enumerate", "configure", "backup",
        "compare",  "erase",   "fcb",   "write",  "verify",    "reset",     "restart",
    };
    return (unsigned)ph < SESS_PH_COUNT ? names[ph] : "?";
}

const char *sess_recovery_hint(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD:
    case SESS_PH_EXTRACT:
    case SESS_PH_WAIT: return "The module was not changed.";
    case SESS_PH_UPLOAD:
    case SESS_PH_ENUM:
        return "The module's flash was not changed: power-cycle it to run the old firmware, "
               "or re-enter bootloader mode (Menu > Misc > Enter bootloader mode) and run nt_flash again.";
    case SESS_PH_CONFIGURE:
    case SESS_PH_BACKUP:
    case SESS_PH_COMPARE:
        return "The flash was not changed yet: run nt_flash again (the flashloader may still be "
               "running; nt_flash continues from there), or power-cycle to keep the old firmware.";
    case SESS_PH_ERASE:
    case SESS_PH_FCB:
    case SESS_PH_WRITE:
        return "The firmware in flash is incomplete, so the module will not start it: run nt_flash "
               "again now (the flashloader keeps running until the power is removed). After a power "
               "cycle the boot ROM finds no image header (it is written last) and should come up in "
               "bootloader mode by itself; if it does not, enter bootloader mode again. The boot ROM "
               "is never changed, so the module can always be reflashed.";
    case SESS_PH_VERIFY:
        return "The firmware was written but did not read back as the image (or the reading stopped). "
               "When the read-back differed, nt_flash erased the image header so the module will not "
               "start a damaged image and comes up in bootloader mode: run nt_flash again now (the "
               "flashloader keeps running; only the sectors that differ are rewritten). If it fails "
               "the same way again, the flash part may be failing.";
    case SESS_PH_RESET:
    case SESS_PH_RESTART: return "The firmware was written; power-cycle the module to start it.";
    case SESS_PH_COUNT: break;
    }
    return "";
}

/* --- event helpers ------------------------------------------------------ */

void sess_emit(struct sess *s, struct sess_event *ev)
{
    ev->t = (double)(clock_now_us() - s->t0_us) / 1e6;
    if (s->cfg->sink)
        s->cfg->sink(s->cfg->user, ev);
}

void sess_log(struct sess *s, enum sess_log_level level, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    struct sess_event ev = { .type = SESS_EV_LOG, .level = level, .text = text, .phase = s->phase };

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sess_emit(s, &ev);
}

void sess_phase_start(struct sess *s, enum sess_phase ph)
{
    struct sess_event ev = { .type = SESS_EV_PHASE_START, .phase = ph };
    s->phase = ph;
    sess_emit(s, &ev);
}

void sess_phase_done(struct sess *s, enum sess_phase ph)
{
    struct sess_event ev = { .type = SESS_EV_PHASE_DONE, .phase = ph };
    sess_emit(s, &ev);
}

void sess_progress(struct sess *s, enum sess_phase ph, uint64_t done, uint64_t total)
{
    struct sess_event ev = { .type = SESS_EV_PROGRESS, .phase = ph, .done = done, .total = total };
    sess_emit(s, &ev);
}

static void emit_device(struct sess *s, enum sess_event_type type, const struct tp_devinfo *dev)
{
    struct sess_event ev = { .type = type, .dev = dev, .phase = s->phase };
    sess_emit(s, &ev);
}

static bool stop_requested(const struct sess *s) { return nt_stop_requested(s->cfg->stop); }

static int host_ms(const struct sess *s, int ms)
{
    return clock_scale_ms(ms, s->cfg->tscale, HOST_TIMEOUT_FLOOR_MS);
}

/* --- waiting for devices ------------------------------------------------ */

/* Look at what is attached now; pick the module if exactly one candidate in
 * either boot mode is there (on --port, if given). NT_E_AMBIGUOUS when
 * several are and no --port names one. */
static nt_status pick_attached(struct sess *s, bool *found, struct nt_err *err)
{
    /* after the bootloader message only the module that was rebooted counts */
    const char *port = s->cfg->port ? s->cfg->port : s->follow_port[0] ? s->follow_port : NULL;
    struct tp_devinfo devs[SELECT_MAX_DEVICES];
    size_t n = 0, idx = 0;
    nt_status st;

    *found = false;
    st = s->cfg->bus->ops->scan(s->cfg->bus, devs, SELECT_MAX_DEVICES, &n, err);
    if (st != NT_OK)
        return st;
    if (n > SELECT_MAX_DEVICES)
        n = SELECT_MAX_DEVICES;
    st = select_module(devs, n, port, &idx, err);
    if (st == NT_E_NODEVICE) {
        nt_err_clear(err);
        return NT_OK;
    }
    if (st != NT_OK)
        return st;
    s->target = devs[idx];
    *found = true;
    return NT_OK;
}

/* Wait for one bus event, reporting idle ticks, until deadline_ms. */
nt_status sess_next_bus_event(struct sess *s, int64_t deadline_ms, struct tp_event *ev, struct nt_err *err)
{
    for (;;) {
        int64_t left = deadline_ms - clock_now_ms();
        nt_status st;
        struct sess_event idle = { .type = SESS_EV_IDLE };

        if (left <= 0)
            return NT_E_TIMEOUT;
        st = s->cfg->bus->ops->next_event(s->cfg->bus, left < SESS_IDLE_MS ? (int)left : SESS_IDLE_MS, ev,
                                          err);
        if (st == NT_OK) {
            emit_device(s, ev->type == TP_EV_ARRIVED ? SESS_EV_DEVICE_ARRIVED : SESS_EV_DEVICE_LEFT,
                        &ev->dev);
            return NT_OK;
        }
        if (st != NT_E_TIMEOUT)
            return st;
        idle.phase = s->phase;
        sess_emit(s, &idle);
        if (stop_requested(s))
            return NT_E_INTERRUPTED;
    }
}

/* The ports of the modules in bootloader mode attached now ("sim-1, sim-2"),
 * for a --port that names none of them. False when there are none. */
static bool other_ports(struct sess *s, char *out, size_t cap)
{
    struct tp_devinfo devs[SELECT_MAX_DEVICES];
    size_t n = 0, used = 0;
    struct nt_err e;

    out[0] = '\0';
    if (s->cfg->bus->ops->scan(s->cfg->bus, devs, SELECT_MAX_DEVICES, &n, &e) != NT_OK)
        return false;
    for (size_t i = 0; i < n && i < SELECT_MAX_DEVICES && used < cap; i++) {
        if (devs[i].kind != TP_KIND_SDP && devs[i].kind != TP_KIND_MBOOT)
            continue;
        int k = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", devs[i].port);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    return out[0] != '\0';
}

static nt_status wait_for_module(struct sess *s, struct nt_err *err)
{
    int64_t deadline = clock_now_ms() + (int64_t)(s->cfg->wait_timeout_s * 1000.0);
    char others[256];
    bool found;
    nt_status st;

    sess_phase_start(s, SESS_PH_WAIT);
    for (;;) {
        struct tp_event ev;

        st = pick_attached(s, &found, err);
        if (st != NT_OK)
            return st;
        if (found)
            break;
        st = sess_running_look(s, err);
        if (st != NT_OK)
            return st;
        st = sess_next_bus_event(s, deadline, &ev, err);
        if (st == NT_E_TIMEOUT && s->follow_port[0])
            return nt_err_set(err, NT_E_NODEVICE,
                              "the module at port %s did not reboot into bootloader mode within %g s of the "
                              "SysEx message: check its SysEx ID (--sysex-id) and that it runs firmware 1.15 "
                              "or later, or on the module choose Menu > Misc > Enter bootloader mode",
                              s->follow_port, s->cfg->wait_timeout_s);
        if (st == NT_E_TIMEOUT && s->cfg->port && other_ports(s, others, sizeof others))
            return nt_err_set(err, NT_E_NODEVICE,
                              "no Disting NT in bootloader mode at port %s found within %g s; modules in "
                              "bootloader mode are attached at: %s (pass one of them to --port; nt_flash "
                              "--list shows them all)",
                              s->cfg->port, s->cfg->wait_timeout_s, others);
        if (st == NT_E_TIMEOUT)
            return nt_err_set(err, NT_E_NODEVICE,
                              "no Disting NT in bootloader mode%s%s found within %g s: on the module choose "
                              "Menu > Misc > Enter bootloader mode, check the USB cable, and run again "
                              "(-t sets how long to wait)",
                              s->cfg->port ? " at port " : "", s->cfg->port ? s->cfg->port : "",
                              s->cfg->wait_timeout_s);
        if (st == NT_E_INTERRUPTED)
            return nt_err_set(err, NT_E_INTERRUPTED, "interrupted while waiting for the module");
        if (st != NT_OK)
            return st;
    }
    sess_phase_done(s, SESS_PH_WAIT);
    emit_device(s, SESS_EV_DEVICE_DETECTED, &s->target);
    return NT_OK;
}

/* After the jump: the ROM leaves and the flashloader arrives on the same port.
 * Only a flashloader on the module's own port counts, so that a second module
 * on the bus is never flashed by mistake. */
static nt_status wait_for_flashloader(struct sess *s, struct nt_err *err)
{
    int64_t deadline = clock_now_ms() + host_ms(s, ENUM_DEADLINE_MS);
    char port[TP_PORT_MAX];

    memcpy(port, s->target.port, sizeof port);
    sess_phase_start(s, SESS_PH_ENUM);
    for (;;) {
        struct tp_devinfo devs[SELECT_MAX_DEVICES];
        size_t n = 0, i;
        struct tp_event ev;
        nt_status st = s->cfg->bus->ops->scan(s->cfg->bus, devs, SELECT_MAX_DEVICES, &n, err);

        if (st != NT_OK)
            return st;
        for (i = 0; i < n && i < SELECT_MAX_DEVICES; i++) {
            if (devs[i].kind == TP_KIND_MBOOT && strcmp(devs[i].port, port) == 0) {
                s->target = devs[i];
                sess_phase_done(s, SESS_PH_ENUM);
                emit_device(s, SESS_EV_DEVICE_DETECTED, &s->target);
                return NT_OK;
            }
        }
        st = sess_next_bus_event(s, deadline, &ev, err);
        if (st == NT_E_TIMEOUT)
            return nt_err_set(err, NT_E_TIMEOUT,
                              "the flashloader did not appear on port %s within %d ms after the jump", port,
                              host_ms(s, ENUM_DEADLINE_MS));
        if (st == NT_E_INTERRUPTED)
            return nt_err_set(err, NT_E_INTERRUPTED,
                              "stopped by request while waiting for the flashloader; the module's flash "
                              "was not changed");
        if (st != NT_OK)
            return st;
    }
}

/* --- the SDP phase ------------------------------------------------------ */

static void on_upload_progress(void *user, uint64_t done, uint64_t total)
{
    sess_progress(user, SESS_PH_UPLOAD, done, total);
}

/* Whether an open failure may clear up by itself: right after a device
 * arrives the kernel may still be configuring it and binding its driver, and
 * udev may not have applied the access rule yet (doc/protocol.md §4 step 6). */
static bool open_may_settle(nt_status st) { return st == NT_E_ACCESS || st == NT_E_IO || st == NT_E_TIMEOUT; }

static nt_status open_target(struct sess *s, struct tp_dev **dev, struct nt_err *err)
{
    int64_t deadline = clock_now_ms() + host_ms(s, OPEN_SETTLE_MS);
    struct tp_dev *traced;
    nt_status st;

    for (;;) {
        st = s->cfg->bus->ops->open(s->cfg->bus, &s->target, dev, err);
        if (st == NT_OK || !open_may_settle(st) || clock_now_ms() >= deadline || stop_requested(s))
            break;
        clock_sleep_us((int64_t)clock_scale_ms(OPEN_RETRY_MS, s->cfg->tscale, OPEN_RETRY_FLOOR_MS) * 1000,
                       s->cfg->stop);
    }
    if (st != NT_OK)
        return nt_err_prefix(err, "opening %s at %s", tp_kind_name(s->target.kind), s->target.port);
    if (s->cfg->trace) {
        traced = tp_trace_wrap(*dev, s->cfg->trace, s->t0_us);
        if (!traced) {
            tp_close(*dev);
            *dev = NULL;
            return nt_err_set(err, NT_E_NOMEM, "out of memory setting up the trace");
        }
        *dev = traced;
    }
    sess_log(s, SESS_LOG_DEBUG, "opened %04x:%04x at %s (%s, %d Mbit/s)", s->target.vid, s->target.pid,
             s->target.port, s->target.desc, s->target.speed_mbps);
    return NT_OK;
}

static nt_status run_sdp(struct sess *s, struct nt_err *err)
{
    const struct pkg_image *fl = &s->pkg->flashloader;
    struct sdp_host h = { .tscale = s->cfg->tscale };
    uint32_t hab = 0, status = 0;
    unsigned dropped = 0;
    nt_status st;

    sess_phase_start(s, SESS_PH_UPLOAD);
    sess_progress(s, SESS_PH_UPLOAD, 0, fl->size);
    st = open_target(s, &h.dev, err);
    if (st != NT_OK)
        return st;
    st = sdp_drain(&h, &dropped, err);
    if (st == NT_OK && dropped)
        sess_log(s, SESS_LOG_DEBUG, "dropped %u stale report(s) from the ROM", dropped);
    if (st == NT_OK)
        st = sdp_error_status(&h, &hab, &status, err);
    if (st == NT_OK) {
        sess_log(s, SESS_LOG_DEBUG, "ROM HAB %s (0x%08x), last status 0x%08x",
                 hab == SDP_HAB_OPEN ? "open" : "closed", hab, status);
        if (hab == SDP_HAB_CLOSED) {
            st = nt_err_set(err, NT_E_STATUS,
                            "this module's boot ROM is secured (HAB closed): it only starts signed "
                            "flashloaders, and the package's flashloader is unsigned");
            err->device_status = hab; /* the cause, for the recovery advice (sess_report.c) */
        }
    }
    if (st == NT_OK) {
        /* The IVT is at file offset 0 (package validation checked it), so
         * the file is loaded at the IVT's own address and the jump goes there. */
        sess_log(s, SESS_LOG_DEBUG, "loading the flashloader (%zu bytes) at 0x%08x", fl->size, fl->ivt_self);
        st = sdp_write_file(&h, fl->ivt_self, fl->data, fl->size, on_upload_progress, s, err);
    }
    if (st == NT_OK) {
        sess_log(s, SESS_LOG_DEBUG, "jumping to the flashloader's IVT at 0x%08x", fl->ivt_self);
        st = sdp_jump(&h, fl->ivt_self, err);
    }
    tp_close(h.dev);
    if (st != NT_OK)
        return st;
    sess_phase_done(s, SESS_PH_UPLOAD);
    return wait_for_flashloader(s, err);
}

/* --- the MCUboot phase -------------------------------------------------- */

static void on_erase_progress(void *user, uint64_t done, uint64_t total)
{
    sess_progress(user, SESS_PH_ERASE, done, total);
}

struct write_progress {
    struct sess *s;
    uint64_t base; /* bytes acknowledged in earlier commands */
    uint64_t total;
};

static void on_write_progress(void *user, uint64_t done, uint64_t total)
{
    struct write_progress *wp = user;
    (void)total;
    sess_progress(wp->s, SESS_PH_WRITE, wp->base + done, wp->total);
}

static nt_status configure_flexspi(struct mboot_host *h, uint32_t option, struct nt_err *err)
{
    nt_status st = mboot_fill_memory(h, CONFIG_SCRATCH_ADDR, 4, option, err);
    if (st == NT_OK)
        st = mboot_configure_memory(h, MBOOT_MEM_FLEXSPI_NOR, CONFIG_SCRATCH_ADDR, err);
    return st;
}

/* Ask the flashloader how big the NOR is (property 0x19) and check the image
 * fits; a flashloader that does not answer keeps the 8 MiB assumption. */
static nt_status check_flash_size(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    uint32_t v[6];
    size_t n = 0;
    struct nt_err perr;
    uint64_t size = PKG_DEFAULT_FLASH_SIZE;

    if (mboot_get_property(h, MBOOT_PROP_EXT_MEMORY_ATTRS, MBOOT_MEM_FLEXSPI_NOR, v, 6, &n, &perr) == NT_OK &&
        n >= 3 && (v[0] & 0x2u) && v[2] != 0) {
        size = (uint64_t)v[2] * 1024;
        s->flash_size = size;
        sess_log(s, SESS_LOG_DEBUG, "FlexSPI NOR: %u KiB at 0x%08x, page %u, sector %u", v[2], v[1],
                 n > 3 ? v[3] : 0, n > 4 ? v[4] : 0);
    } else {
        sess_log(s, SESS_LOG_DEBUG, "flash size not reported (%s); assuming 8 MiB", perr.msg);
    }
    return pkg_check_fits(s->pkg, size, err);
}

/* Erase [start, end) in aligned pieces; *done counts the bytes erased. */
static nt_status erase_run(struct sess *s, struct mboot_host *h, uint32_t start, uint32_t end, uint64_t *done,
                           struct nt_err *err)
{
    for (uint32_t addr = start; addr < end;) {
        uint32_t next = (addr / ERASE_CHUNK_BYTES + 1) * ERASE_CHUNK_BYTES;
        nt_status st;
        if (next > end)
            next = end;
        if (stop_requested(s))
            return nt_err_set(err, NT_E_INTERRUPTED, "stopped by request during the erase at 0x%08x", addr);
        st = mboot_erase_region(h, addr, next - addr, 0, err);
        if (st != NT_OK)
            return st;
        *done += next - addr;
        on_erase_progress(s, *done, s->plan.erase_bytes);
        addr = next;
    }
    return NT_OK;
}

/* Erase the sectors the plan marks, in runs of neighbours, lowest first:
 * sector 0 and the IVT sector (when marked) come before any other. */
static nt_status erase_flash(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    const struct sect_plan *p = &s->plan;
    uint64_t done = 0;

    sess_phase_start(s, SESS_PH_ERASE);
    on_erase_progress(s, 0, p->erase_bytes);
    for (uint32_t i = 0; i < p->count;) {
        uint32_t j = i;
        nt_status st;
        if (!p->erase[i]) {
            i++;
            continue;
        }
        while (j < p->count && p->erase[j])
            j++;
        st = erase_run(s, h, PKG_FLASH_BASE + i * PKG_SECTOR_SIZE, PKG_FLASH_BASE + j * PKG_SECTOR_SIZE,
                       &done, err);
        if (st == NT_E_INTERRUPTED)
            return st;
        if (st != NT_OK)
            return nt_err_prefix(err, "erasing flash");
        i = j;
    }
    sess_phase_done(s, SESS_PH_ERASE);
    return NT_OK;
}

/* Write firmware offsets [from, to) in WriteMemory commands of at most
 * WRITE_CHUNK_BYTES; each is a safe point for a stop request. */
static nt_status write_run(struct sess *s, struct mboot_host *h, struct write_progress *wp, size_t from,
                           size_t to, struct nt_err *err)
{
    const struct pkg_image *fw = &s->pkg->firmware;
    for (size_t off = from; off < to;) {
        size_t len = to - off < WRITE_CHUNK_BYTES ? to - off : WRITE_CHUNK_BYTES;
        nt_status st;
        if (stop_requested(s))
            return nt_err_set(err, NT_E_INTERRUPTED,
                              "stopped by request during the write, %llu of %llu bytes written",
                              (unsigned long long)wp->base, (unsigned long long)wp->total);
        st = mboot_write_memory(h, PKG_FIRMWARE_ADDR + (uint32_t)off, fw->data + off, len, 0,
                                on_write_progress, wp, err);
        if (st != NT_OK)
            return nt_err_prefix(err, "writing firmware at 0x%08x", PKG_FIRMWARE_ADDR + (uint32_t)off);
        wp->base += len;
        off += len;
    }
    return NT_OK;
}

/* Fail-safe order: the planned sectors after the first 4 KiB of the image
 * first, the sector holding the IVT (0x60001000) last. An interrupted write
 * then leaves the IVT area erased, the ROM finds no bootable image and falls
 * back to serial download, instead of trying to boot half an image
 * (doc/package.md §2). */
static nt_status write_firmware(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    const struct pkg_image *fw = &s->pkg->firmware;
    const struct sect_plan *p = &s->plan;
    struct write_progress wp = { .s = s, .base = 0, .total = p->write_bytes };
    nt_status st;

    sess_phase_start(s, SESS_PH_WRITE);
    sess_progress(s, SESS_PH_WRITE, 0, wp.total);
    for (uint32_t i = SECT_IVT + 1; i < p->count;) {
        uint32_t j = i;
        size_t from, to;
        if (!p->write[i]) {
            i++;
            continue;
        }
        while (j < p->count && p->write[j])
            j++;
        from = (size_t)(i - SECT_IVT) * PKG_SECTOR_SIZE;
        to = (size_t)(j - SECT_IVT) * PKG_SECTOR_SIZE;
        st = write_run(s, h, &wp, from, to < fw->size ? to : fw->size, err);
        if (st != NT_OK)
            return st;
        i = j;
    }
    if (stop_requested(s))
        return nt_err_set(err, NT_E_INTERRUPTED,
                          "stopped by request during the write, %llu of %llu bytes written",
                          (unsigned long long)wp.base, (unsigned long long)wp.total);
    if (p->write[SECT_IVT]) {
        sess_log(s, SESS_LOG_DEBUG, "writing the image header page at 0x%08x last", PKG_FIRMWARE_ADDR);
        st = mboot_write_memory(h, PKG_FIRMWARE_ADDR, fw->data, PKG_SECTOR_SIZE, 0, on_write_progress, &wp,
                                err);
        if (st != NT_OK)
            return nt_err_prefix(err, "writing the image header at 0x%08x", PKG_FIRMWARE_ADDR);
    }
    sess_progress(s, SESS_PH_WRITE, wp.total, wp.total);
    sess_phase_done(s, SESS_PH_WRITE);
    return NT_OK;
}

static nt_status step_boundary(struct sess *s, struct nt_err *err)
{
    if (stop_requested(s))
        return nt_err_set(err, NT_E_INTERRUPTED, "stopped by request before %s",
                          sess_phase_name(s->phase + 1));
    return NT_OK;
}

static nt_status reset_module(struct sess *s, struct mboot_host *h, struct nt_err *err);

static nt_status run_mboot_steps(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    uint32_t version = 0;
    size_t n = 0;
    unsigned dropped = 0;
    nt_status st;

    sess_phase_start(s, SESS_PH_CONFIGURE);
    st = mboot_resync(h, &dropped, err);
    if (st != NT_OK)
        return st;
    if (dropped)
        sess_log(s, SESS_LOG_DEBUG, "dropped %u stale report(s) from the flashloader", dropped);
    st = mboot_get_property(h, MBOOT_PROP_CURRENT_VERSION, 0, &version, 1, &n, err);
    if (st != NT_OK)
        return nt_err_prefix(err, "asking the flashloader for its version");
    sess_log(s, SESS_LOG_DEBUG, "flashloader version %c%u.%u.%u", (char)(version >> 24),
             (version >> 16) & 0xFF, (version >> 8) & 0xFF, version & 0xFF);
    if (!s->rom_seen && (st = sess_check_chip(s, h, err)) != NT_OK)
        return st;
    st = configure_flexspi(h, MBOOT_FLEXSPI_NOR_OPTION0, err);
    if (st != NT_OK)
        return nt_err_prefix(err, "configuring FlexSPI NOR");
    st = check_flash_size(s, h, err);
    if (st != NT_OK)
        return st;
    sess_phase_done(s, SESS_PH_CONFIGURE);

    if (s->cfg->backup_path &&
        ((st = step_boundary(s, err)) != NT_OK || (st = sess_backup(s, h, err)) != NT_OK))
        return st;
    if (s->cfg->backup_only)
        return reset_module(s, h, err);
    if ((st = step_boundary(s, err)) != NT_OK || (st = sess_plan_flash(s, h, err)) != NT_OK)
        return st;
    if ((st = step_boundary(s, err)) != NT_OK || (st = erase_flash(s, h, err)) != NT_OK)
        return st;

    if (s->plan.write[SECT_FCB]) {
        sess_phase_start(s, SESS_PH_FCB);
        st = configure_flexspi(h, MBOOT_FCB_PROGRAM_MAGIC, err);
        if (st != NT_OK)
            return nt_err_prefix(err, "programming the flash configuration block");
        sess_phase_done(s, SESS_PH_FCB);
    } else {
        sess_log(s, SESS_LOG_DEBUG, "keeping the flash configuration block at 0x%08x", PKG_FLASH_BASE);
    }

    if ((st = step_boundary(s, err)) != NT_OK || (st = write_firmware(s, h, err)) != NT_OK)
        return st;
    if ((st = step_boundary(s, err)) != NT_OK || (st = sess_verify_flash(s, h, err)) != NT_OK)
        return st;
    return reset_module(s, h, err);
}

static nt_status reset_module(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    bool answered = false;
    nt_status st;

    sess_phase_start(s, SESS_PH_RESET);
    /* The rule for a stop request: one that arrives before the last command
     * (the reset) is sent stops the run; one that arrives after it lets the
     * reset finish, since nothing is left to stop. */
    if (stop_requested(s))
        return nt_err_set(err, NT_E_INTERRUPTED,
                          "stopped by request before the reset; the firmware was written completely");
    st = mboot_reset(h, &answered, err);
    if (st != NT_OK)
        return nt_err_prefix(err, "resetting the module");
    if (!answered)
        sess_log(s, SESS_LOG_WARN,
                 "the module reset before its answer to the reset command arrived; "
                 "that is normal on some hosts");
    sess_phase_done(s, SESS_PH_RESET);
    return NT_OK;
}

static nt_status run_mboot(struct sess *s, struct nt_err *err)
{
    struct mboot_host h = { .tscale = s->cfg->tscale };
    nt_status st;

    s->phase = SESS_PH_CONFIGURE;
    st = open_target(s, &h.dev, err);
    if (st != NT_OK)
        return st;
    st = run_mboot_steps(s, &h, err);
    tp_close(h.dev);
    return st;
}

/* --- the whole job ------------------------------------------------------ */

static nt_status run_device(struct sess *s, struct nt_err *err)
{
    nt_status st;

    if (!s->cfg->bus) {
        /* No bus at all (a machine without USB): no module can be found. */
        sess_phase_start(s, SESS_PH_WAIT);
        nt_err_set(err, NT_E_NODEVICE, "%s",
                   s->cfg->bus_error ? s->cfg->bus_error->msg : "no USB bus to look for the module on");
        return NT_E_NODEVICE;
    }
    st = wait_for_module(s, err);
    if (st != NT_OK)
        return st;
    s->module_found = true;
    s->rom_seen = s->target.kind == TP_KIND_SDP;
    if (s->target.kind == TP_KIND_SDP) {
        st = run_sdp(s, err);
        if (st != NT_OK)
            return st;
        if ((st = step_boundary(s, err)) != NT_OK)
            return st;
    } else {
        sess_log(s, SESS_LOG_INFO, "the flashloader is already running on %s; skipping the upload",
                 s->target.port);
    }
    return run_mboot(s, err);
}

nt_status sess_run(const struct sess_config *cfg, struct sess_result *res, struct nt_err *err)
{
    struct sess s;
    nt_status st;

    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.t0_us = clock_now_us();
    if (res)
        memset(res, 0, sizeof *res);

    st = sess_open_package(&s, err);
    if (st == NT_OK && !cfg->dry_run)
        st = run_device(&s, err);

    if (st == NT_OK) {
        /* A dry run ends with the package event; only a flash "finishes". */
        struct sess_event ev = { .type = SESS_EV_FINISHED, .phase = s.phase };
        if (!cfg->dry_run) {
            sess_emit(&s, &ev);
            sess_wait_restart(&s); /* after COMPLETE: the flash itself is done */
        }
    } else {
        struct sess_event ev = {
            .type = SESS_EV_FAILED, .phase = s.phase, .err = err, .dev = s.module_found ? &s.target : NULL
        };
        sess_emit(&s, &ev);
    }
    if (res) {
        res->pkg = s.pkg;
        res->module_touched = s.module_found;
        res->phase = s.phase;
        res->restart = s.restart;
        memcpy(res->running_version, s.running_version, sizeof res->running_version);
        res->version_mismatch = s.version_mismatch;
    } else {
        pkg_free(s.pkg);
    }
    sect_plan_free(&s.plan);
    return st;
}
