/* The session and the running module (doc/running.md): before the flash, a
 * module that runs its firmware is rebooted into bootloader mode - only with
 * consent (--enter-bootloader, or the full-screen view's prompt), since that
 * interrupts whatever the module is playing - or the user is told how; after
 * the reset, the session waits for the module to run again on its port and
 * asks which version it runs. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "pkg.h"
#include "running.h"
#include "select.h"
#include "session_int.h"
#include "sysex.h"

#define RESTART_VERSION_TRIES 3 /* a freshly booted module may not listen at once */
/* Like the other host waits the restart wait follows the simulation speed
 * (tscale, 1 on USB), never below this. */
#define RESTART_FLOOR_MS 200
#define MENU_STEPS "on the module choose Menu > Misc > Enter bootloader mode"

/* The running module this session may reboot: on --port, or the only one. */
static nt_status find_running(struct sess *s, struct tp_devinfo *out, size_t *count, struct nt_err *err)
{
    struct tp_devinfo devs[SELECT_MAX_DEVICES];
    size_t n = 0;
    nt_status st = s->cfg->bus->ops->scan(s->cfg->bus, devs, SELECT_MAX_DEVICES, &n, err);

    *count = 0;
    if (st != NT_OK)
        return st;
    for (size_t i = 0; i < n && i < SELECT_MAX_DEVICES; i++) {
        if (devs[i].kind != TP_KIND_APP || (s->cfg->port && strcmp(devs[i].port, s->cfg->port) != 0))
            continue;
        if (*count == 0)
            *out = devs[i];
        (*count)++;
    }
    return NT_OK;
}

nt_status sess_running_look(struct sess *s, struct nt_err *err)
{
    struct tp_devinfo dev;
    char version[RUNNING_VERSION_MAX] = "", shown[RUNNING_VERSION_MAX + 16];
    struct nt_err verr;
    size_t count = 0;
    nt_status st;
    bool reboot;

    if (s->running_handled)
        return NT_OK;
    st = find_running(s, &dev, &count, err);
    if (st != NT_OK || count == 0)
        return st;
    s->running_handled = true; /* one decision per run: never reboot twice */
    if (count > 1) {
        sess_log(s, SESS_LOG_WARN,
                 "%zu Disting NT modules are running their firmware: choose one with --port PATH "
                 "(as --list prints it), or %s",
                 count, MENU_STEPS);
        return NT_OK;
    }
    nt_err_clear(&verr);
    if (running_ask_version(s->cfg->bus, &dev, s->cfg->sysex_id, s->cfg->tscale, version, sizeof version,
                            &verr) != NT_OK) {
        version[0] = '\0';
        sess_log(s, SESS_LOG_DEBUG, "%s", verr.msg);
    }
    if (version[0])
        snprintf(shown, sizeof shown, "firmware %s", version);
    else
        snprintf(shown, sizeof shown, "firmware of unknown version");
    reboot = s->cfg->enter_bootloader ||
        (s->cfg->confirm_reboot && s->cfg->confirm_reboot(s->cfg->user, &dev, version));
    if (!reboot) {
        sess_log(s, SESS_LOG_WARN,
                 "a Disting NT running %s is at port %s, not in bootloader mode: run again "
                 "with --enter-bootloader to reboot it into bootloader mode, or %s",
                 shown, dev.port, MENU_STEPS);
        return NT_OK;
    }
    if (version[0] && !running_takes_bootloader_message(version)) {
        sess_log(s, SESS_LOG_WARN,
                 "the module at port %s runs firmware %s, which cannot be rebooted into bootloader mode "
                 "over USB (firmware " RUNNING_BOOTLOADER_MIN_VERSION " and later can): %s",
                 dev.port, version, MENU_STEPS);
        return NT_OK;
    }
    st = running_enter_bootloader(s->cfg->bus, &dev, s->cfg->sysex_id, &verr);
    if (st != NT_OK) {
        sess_log(s, SESS_LOG_WARN, "could not reboot the module at port %s into bootloader mode (%s): %s",
                 dev.port, verr.msg, MENU_STEPS);
        return NT_OK;
    }
    sess_log(s, SESS_LOG_INFO,
             "asked the module at port %s (%s) to reboot into bootloader mode (SysEx ID %u)", dev.port, shown,
             s->cfg->sysex_id & 0x7Fu);
    memcpy(s->follow_port, dev.port, sizeof s->follow_port);
    return NT_OK;
}

static bool running_on(struct sess *s, const char *port, struct tp_devinfo *out)
{
    struct tp_devinfo devs[SELECT_MAX_DEVICES];
    size_t n = 0;
    struct nt_err err;

    if (s->cfg->bus->ops->scan(s->cfg->bus, devs, SELECT_MAX_DEVICES, &n, &err) != NT_OK)
        return false;
    for (size_t i = 0; i < n && i < SELECT_MAX_DEVICES; i++) {
        if (devs[i].kind == TP_KIND_APP && strcmp(devs[i].port, port) == 0) {
            *out = devs[i];
            return true;
        }
    }
    return false;
}

static void report_running(struct sess *s, const struct tp_devinfo *dev)
{
    struct sess_event ev = { .type = SESS_EV_RUNNING, .dev = dev, .phase = SESS_PH_RESTART };
    struct nt_err err;
    nt_status st = NT_E_TIMEOUT;

    for (int i = 0; i < RESTART_VERSION_TRIES && st == NT_E_TIMEOUT; i++)
        st = running_ask_version(s->cfg->bus, dev, s->cfg->sysex_id, s->cfg->tscale, s->running_version,
                                 sizeof s->running_version, &err);
    if (st != NT_OK) {
        s->running_version[0] = '\0';
        sess_log(s, SESS_LOG_DEBUG, "%s", err.msg);
    }
    s->restart = SESS_RESTART_RUNNING;
    sess_phase_done(s, SESS_PH_RESTART);
    ev.text = s->running_version[0] ? s->running_version : NULL;
    sess_emit(s, &ev);
    if (!s->running_version[0]) {
        sess_log(s, SESS_LOG_WARN,
                 "the module at port %s runs its firmware again but did not say which version (SysEx ID "
                 "%u; set the module's ID with --sysex-id)",
                 dev->port, s->cfg->sysex_id & 0x7Fu);
    } else if (s->pkg && !s->cfg->backup_only &&
               sysex_version_cmp(s->running_version, s->pkg->version) != 0) {
        s->version_mismatch = true;
        sess_log(s, SESS_LOG_WARN,
                 "the module at port %s runs firmware %s, not the package's version %s: check that the "
                 "package is the one you meant to flash",
                 dev->port, s->running_version, s->pkg->version);
    }
}

void sess_wait_restart(struct sess *s)
{
    int wait_ms = clock_scale_ms((int)(s->cfg->wait_restart_s * 1000.0), s->cfg->tscale, RESTART_FLOOR_MS);
    int64_t deadline = clock_now_ms() + wait_ms;
    char port[TP_PORT_MAX];
    struct tp_devinfo dev;
    struct nt_err err;

    if (s->cfg->wait_restart_s <= 0 || !s->cfg->bus)
        return;
    memcpy(port, s->target.port, sizeof port);
    sess_phase_start(s, SESS_PH_RESTART);
    for (;;) {
        struct tp_event ev;
        nt_status st;
        if (running_on(s, port, &dev)) {
            report_running(s, &dev);
            return;
        }
        st = sess_next_bus_event(s, deadline, &ev, &err);
        if (st == NT_OK)
            continue;
        s->restart = SESS_RESTART_NOT_BACK;
        if (st == NT_E_INTERRUPTED) {
            sess_log(s, SESS_LOG_WARN, "stopped waiting for the module to run its firmware again");
            return;
        }
        if (s->cfg->backup_only) /* --backup alone: nothing was written */
            sess_log(s, SESS_LOG_WARN,
                     "the backup is complete, but the module did not come back running on port %s "
                     "within %g s: power-cycle it",
                     port, wait_ms / 1000.0);
        else
            sess_log(s, SESS_LOG_WARN,
                     "the firmware was written (every step acknowledged), but the module did not come "
                     "back running on port %s within %g s: check that its display shows the new "
                     "firmware, and power-cycle it if it does not start",
                     port, wait_ms / 1000.0);
        return;
    }
}
