/* What a run leaves for its user once it has ended, written here once so
 * that every front end (progress lines, --batch, the full-screen view's
 * final block) says the same: the error, the state the module is in, and
 * the way to recover from that cause. Text only; the caller prints it. */
#ifndef NT_SESS_REPORT_H
#define NT_SESS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define SESS_REPORT_MAX 2048

/* How to recover from err in phase ph: by cause (unplugged, silent device,
 * an error status, a secured ROM, a refused jump, a stop request), else by
 * phase (sess_recovery_hint). */
void sess_recovery_advice(enum sess_phase ph, const struct nt_err *err, char *out, size_t cap);

/* "the module at PORT stopped in the PHASE phase. ADVICE" (one line). */
void sess_state_line(enum sess_phase ph, const struct tp_devinfo *dev, const struct nt_err *err, char *out,
                     size_t cap);

/* A failed or stopped run: the error, then (dev: a module was touched) the
 * state line; each line starts with prefix (the program's name) and ends
 * in '\n'. */
void sess_failure_report(const char *prefix, const struct nt_err *err, enum sess_phase ph,
                         const struct tp_devinfo *dev, char *out, size_t cap);

/* A flash that finished: "PREFIXflashed firmware VERSION to the module at
 * PORT in 12.3 s; N bytes read back and verified" (or "; not read back
 * (--no-verify)" when verified_bytes is 0) and '\n'. */
void sess_success_report(const char *prefix, const char *version, const char *port, double seconds,
                         uint64_t verified_bytes, char *out, size_t cap);

#endif
