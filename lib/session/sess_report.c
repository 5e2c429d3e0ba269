/* The recovery advice per cause and the failure report shared by every
 * front end. The causes are told apart by status and phase; the advice
 * never says "run nt_flash again" where that would fail the same way. */
#include "sess_report.h"

#include <stdio.h>

#include "sdp.h"

/* The firmware is being replaced: where the module stands if it loses
 * the flashloader (unplugged, power lost, hung). */
#define HALF_WRITTEN_REPLUG                                                                            \
    "Unplug the module and plug it in again: the boot ROM finds no image header (it is written last) " \
    "and comes up in bootloader mode by itself (nt_flash --list shows it as sdp); then run nt_flash "  \
    "again. The boot ROM is never changed, so the module can always be reflashed."

static bool destructive(enum sess_phase ph)
{
    return ph == SESS_PH_ERASE || ph == SESS_PH_FCB || ph == SESS_PH_WRITE;
}

static bool before_flash(enum sess_phase ph)
{
    return ph == SESS_PH_WAIT || ph == SESS_PH_UPLOAD || ph == SESS_PH_ENUM || ph == SESS_PH_CONFIGURE;
}

static void unplugged(enum sess_phase ph, char *out, size_t cap)
{
    if (before_flash(ph))
        snprintf(out, cap,
                 "The module left the USB bus before its flash was changed: plug it in again (it starts "
                 "the old firmware), enter bootloader mode (Menu > Misc > Enter bootloader mode) and run "
                 "nt_flash again; try another cable or USB port if it repeats.");
    else if (destructive(ph))
        snprintf(out, cap,
                 "The module left the USB bus with its firmware half written, so it will not start it. %s",
                 HALF_WRITTEN_REPLUG);
    else
        snprintf(out, cap, "%s", sess_recovery_hint(ph));
}

static void silent(enum sess_phase ph, char *out, size_t cap)
{
    if (before_flash(ph))
        snprintf(out, cap,
                 "The module stopped answering before its flash was changed: unplug it and plug it in "
                 "again (it starts the old firmware), enter bootloader mode (Menu > Misc > Enter "
                 "bootloader mode) and run nt_flash again; try another cable or USB port if it repeats.");
    else if (destructive(ph))
        snprintf(out, cap, "The flashloader stopped answering with the firmware half written. %s",
                 HALF_WRITTEN_REPLUG);
    else
        snprintf(out, cap, "%s", sess_recovery_hint(ph));
}

static void error_status(enum sess_phase ph, const struct nt_err *err, char *out, size_t cap)
{
    if (ph == SESS_PH_UPLOAD && err->device_status == SDP_HAB_CLOSED)
        snprintf(out, cap,
                 "Nothing was changed. This module's boot ROM is secured and starts only signed code, so "
                 "running nt_flash again with this package fails the same way: a package with a signed "
                 "flashloader is needed. Power-cycle the module to run its old firmware.");
    else if (ph == SESS_PH_UPLOAD || ph == SESS_PH_ENUM)
        snprintf(
            out, cap,
            "The boot ROM refused the flashloader (status 0x%08x); the module's flash was not changed. "
            "Check that the package is meant for the Disting NT (i.MX RT1060); power-cycle the module to "
            "run its old firmware. Running nt_flash again with the same package fails the same way.",
            (unsigned)err->device_status);
    else if (ph == SESS_PH_CONFIGURE)
        snprintf(out, cap,
                 "The flash was not changed and the flashloader is still running: run nt_flash again. If the "
                 "same status comes back, power-cycle the module (it keeps the old firmware) and report the "
                 "status.");
    else if (destructive(ph))
        snprintf(out, cap,
                 "The firmware in flash is incomplete, but the flashloader is still running: run nt_flash "
                 "again now. If the same status comes back the package may not fit this module's flash; "
                 "after a power cycle the boot ROM finds no image header and comes up in bootloader mode by "
                 "itself, so the module can always be reflashed.");
    else
        snprintf(out, cap, "%s", sess_recovery_hint(ph));
}

void sess_recovery_advice(enum sess_phase ph, const struct nt_err *err, char *out, size_t cap)
{
    switch (err ? err->status : NT_OK) {
    case NT_E_DISCONNECT: unplugged(ph, out, cap); return;
    case NT_E_TIMEOUT: silent(ph, out, cap); return;
    case NT_E_STATUS: error_status(ph, err, out, cap); return;
    default: snprintf(out, cap, "%s", sess_recovery_hint(ph)); return;
    }
}

/* The advice leaves room in a report for the error and the state before it. */
#define ADVICE_MAX (SESS_REPORT_MAX - NT_ERR_MSG_MAX - 2 * TP_PORT_MAX - 64)

void sess_state_line(enum sess_phase ph, const struct tp_devinfo *dev, const struct nt_err *err, char *out,
                     size_t cap)
{
    char advice[ADVICE_MAX];

    sess_recovery_advice(ph, err, advice, sizeof advice);
    snprintf(out, cap, "the module at %s stopped in the %s phase. %s", dev ? dev->port : "?",
             sess_phase_name(ph), advice);
}

void sess_failure_report(const char *prefix, const struct nt_err *err, enum sess_phase ph,
                         const struct tp_devinfo *dev, char *out, size_t cap)
{
    char state[SESS_REPORT_MAX - NT_ERR_MSG_MAX - 32];
    const char *msg = err && err->msg[0] ? err->msg : "failed";

    if (!dev) {
        snprintf(out, cap, "%s%s\n", prefix, msg);
        return;
    }
    sess_state_line(ph, dev, err, state, sizeof state);
    snprintf(out, cap, "%s%s\n%s%s\n", prefix, msg, prefix, state);
}

void sess_success_report(const char *prefix, const char *version, const char *port, double seconds,
                         uint64_t verified_bytes, char *out, size_t cap)
{
    char proof[80];

    /* Say what the "done" rests on: bytes read back and compared, or only
     * the flashloader's own acknowledgements (--no-verify). */
    if (verified_bytes)
        snprintf(proof, sizeof proof, "; %llu bytes read back and verified",
                 (unsigned long long)verified_bytes);
    else
        snprintf(proof, sizeof proof, "; not read back (--no-verify)");
    snprintf(out, cap, "%sflashed firmware %s to the module at %s in %.1f s%s\n", prefix,
             version && *version ? version : "?", port && *port ? port : "?", seconds, proof);
}
