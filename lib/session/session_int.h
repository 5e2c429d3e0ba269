/* Internals shared by the session's files (session.c, session_pkg.c). */
#ifndef NT_SESSION_INT_H
#define NT_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

struct sess {
    const struct sess_config *cfg;
    int64_t t0_us;
    enum sess_phase phase;
    struct pkg *pkg;
    struct tp_devinfo target; /* the module being flashed */
    bool module_found;
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

#endif
