/* Internals shared by the session's files (session.c, session_pkg.c). */
#ifndef NT_SESSION_INT_H
#define NT_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sectors.h"
#include "session.h"

struct sess {
    const struct sess_config *cfg;
    int64_t t0_us;
    enum sess_phase phase;
    struct pkg *pkg;
    struct tp_devinfo target; /* the module being flashed */
    bool module_found;
    bool rom_seen;         /* the run started at the boot ROM (it knows the part) */
    uint64_t flash_size;   /* as the flashloader reports it (0: not asked yet) */
    struct sect_plan plan; /* which sectors this run erases and writes */
    /* The running module (session_running.c). */
    bool running_handled;          /* a running module was seen and dealt with */
    char follow_port[TP_PORT_MAX]; /* rebooted it: only the ROM on this port counts */
    enum sess_restart restart;
    char running_version[64];
    bool version_mismatch;
};

void sess_emit(struct sess *s, struct sess_event *ev);
void sess_log(struct sess *s, enum sess_log_level level, const char *fmt, ...) NT_PRINTF(3, 4);
void sess_phase_start(struct sess *s, enum sess_phase ph);
void sess_phase_done(struct sess *s, enum sess_phase ph);
void sess_progress(struct sess *s, enum sess_phase ph, uint64_t done, uint64_t total);

/* While waiting for a module in bootloader mode: deal with a running one
 * (reboot it with consent, or say how to) - session_running.c. */
nt_status sess_running_look(struct sess *s, struct nt_err *err);
/* After the reset: wait for the module to run again and ask its version. */
void sess_wait_restart(struct sess *s);
/* Wait for one bus event until deadline_ms, emitting ARRIVED/LEFT and idle
 * ticks (session.c). NT_E_TIMEOUT at the deadline, NT_E_INTERRUPTED on a
 * stop request. */
nt_status sess_next_bus_event(struct sess *s, int64_t deadline_ms, struct tp_event *ev, struct nt_err *err);

/* Download (with --url) and open the package; emits DOWNLOAD/EXTRACT and PACKAGE. */
nt_status sess_open_package(struct sess *s, struct nt_err *err);

/* The flash reads around the write (session_verify.c). Both read in
 * ReadMemory commands of one MaxPacketSize each. */
struct mboot_host;
/* Before the erase: fill s->plan from what the flash holds now (or mark
 * everything with --full). Emits the COMPARE phase when it reads. */
nt_status sess_plan_flash(struct sess *s, struct mboot_host *h, struct nt_err *err);
/* After the write: read back the FCB, the IVT and every sector written and
 * compare them with the image. Emits the VERIFY phase. */
nt_status sess_verify_flash(struct sess *s, struct mboot_host *h, struct nt_err *err);
/* Read [addr, addr+len) into buf in MaxPacketSize pieces; with total != 0,
 * progress events of phase ph count on from *done (updated). */
nt_status sess_read_flash(struct sess *s, struct mboot_host *h, enum sess_phase ph, uint32_t addr, uint8_t *buf,
                          size_t len, uint64_t *done, uint64_t total, struct nt_err *err);
/* --backup: read the module's firmware and write it as a package (backup.c). */
nt_status sess_backup(struct sess *s, struct mboot_host *h, struct nt_err *err);
/* A flashloader found already running: confirm it is on an i.MX RT1060
 * (chip.c); NT_E_UNSUPPORTED with the reason otherwise. */
nt_status sess_check_chip(struct sess *s, struct mboot_host *h, struct nt_err *err);

#endif
