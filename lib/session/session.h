/* The flash session: the phases (README, "How a flash works") as a state machine that emits
 * typed events. Front ends (progress lines, --machine, the ncurses UI) only
 * render these events; the session never prints and never exits. */
#ifndef NT_SESSION_H
#define NT_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nt_err.h"
#include "progress.h"
#include "stop.h"
#include "transport.h"

struct pkg; /* pkg.h */

enum sess_phase {
    SESS_PH_DOWNLOAD,  /* --url only */
    SESS_PH_EXTRACT,   /* open and validate the package */
    SESS_PH_WAIT,      /* wait for the module in bootloader mode */
    SESS_PH_UPLOAD,    /* SDP: load the flashloader and jump */
    SESS_PH_ENUM,      /* wait for the flashloader to enumerate */
    SESS_PH_CONFIGURE, /* configure FlexSPI NOR */
    SESS_PH_BACKUP,    /* --backup: read the firmware now on the module */
    SESS_PH_COMPARE,   /* read the flash to find the sectors that change (not with --full) */
    SESS_PH_ERASE,
    SESS_PH_FCB, /* program the FlexSPI config block */
    SESS_PH_WRITE,
    SESS_PH_VERIFY, /* read back what was written (not with --no-verify) */
    SESS_PH_RESET,
    SESS_PH_RESTART, /* wait for the module to run its firmware again (doc/running.md) */
    SESS_PH_COUNT
};

const char *sess_phase_name(enum sess_phase ph);
/* What state a failure in this phase leaves the module in, and how to recover. */
const char *sess_recovery_hint(enum sess_phase ph);

enum sess_event_type {
    SESS_EV_DEVICE_ARRIVED,  /* dev */
    SESS_EV_DEVICE_LEFT,     /* dev */
    SESS_EV_DEVICE_DETECTED, /* dev: the module this session flashes, in sdp or mboot mode */
    SESS_EV_PACKAGE,         /* pkg: opened and validated */
    SESS_EV_PHASE_START,     /* phase */
    SESS_EV_PROGRESS,        /* phase, done, total */
    SESS_EV_PHASE_DONE,      /* phase */
    SESS_EV_LOG,             /* level, text */
    SESS_EV_FINISHED,        /* success: every step acknowledged */
    SESS_EV_FAILED,          /* err */
    SESS_EV_IDLE,            /* nothing happened; sent at least every SESS_IDLE_MS while
                                the session waits, so a UI can read keys and redraw */
    SESS_EV_RUNNING          /* after FINISHED: the module runs its firmware again on its
                                port (dev); text: its version, NULL when it did not say */
};

#define SESS_IDLE_MS 100

enum sess_log_level { SESS_LOG_DEBUG, SESS_LOG_INFO, SESS_LOG_WARN, SESS_LOG_ERROR };

struct sess_event {
    enum sess_event_type type;
    double t; /* seconds since the session started */
    enum sess_phase phase;
    uint64_t done, total;
    const struct tp_devinfo *dev;
    const struct pkg *pkg;

    enum sess_log_level level;
    const char *text;
    const struct nt_err *err;
};

typedef void (*sess_sink_fn)(void *user, const struct sess_event *ev);

/* Downloads url into a malloc'd buffer (*data, *len), reporting progress,
 * and names the file (name, may stay empty). The session knows no network
 * library: the app passes the download backend in, as it passes the bus. */
typedef nt_status (*sess_download_fn)(void *user, const char *url, nt_progress_fn progress,
                                      void *progress_user, uint8_t **data, size_t *len, char *name,
                                      size_t name_cap, struct nt_err *err);

struct sess_config {
    const char *package_path;       /* a local package, or */
    const char *url;                /* a package to download (--url) */
    sess_download_fn download;      /* how to fetch url */
    void *download_user;
    bool dry_run;                   /* stop after the package is validated */
    bool no_verify;                 /* --no-verify: skip the read-back after the write */
    bool full;                      /* --full: erase and write every sector, changed or not */
    const uint8_t *sha256_pin;      /* --sha256: the package ZIP's digest (32 bytes), or NULL */
    const char *backup_path;        /* --backup: save the module's firmware here before erasing */
    bool backup_only;               /* --backup without a package: the package only lends its
                                       flashloader; nothing is erased or written */
    struct tp_bus *bus;             /* USB or virtual; NULL when it could not be opened, */
    const struct nt_err *bus_error; /* and then why (reported once the package is validated) */
    const char *port;               /* only this module (NULL: the only one) */
    double wait_timeout_s;          /* -t */
    double tscale;                  /* host timeout scale (simulation speed; 1 on USB) */
    FILE *trace;                    /* --trace (may be NULL) */
    /* Requested asynchronously (signal handler, UI key): stop at the next
     * safe point (during erase/write: after the command in flight). */
    const struct nt_stop *stop;
    sess_sink_fn sink;
    void *user;

    /* The running module (doc/running.md). */
    bool enter_bootloader; /* --enter-bootloader: reboot a running module into bootloader mode */
    unsigned sysex_id;     /* --sysex-id: the module's SysEx ID */
    double wait_restart_s; /* after the reset, wait this long for it to run again (0: do not) */
    /* Without enter_bootloader, asked (when set, on the session's thread)
     * whether to reboot the running module at dev (version: "" when it did
     * not say): the full-screen view's prompt. true reboots it. */
    bool (*confirm_reboot)(void *user, const struct tp_devinfo *dev, const char *version);
};

/* Whether the module came back running after the reset. */
enum sess_restart {
    SESS_RESTART_NOT_CHECKED, /* no flash, or --no-wait-restart */
    SESS_RESTART_RUNNING,     /* back on its port: running_version ("" when it did not say) */
    SESS_RESTART_NOT_BACK     /* did not reappear in time (the flash itself succeeded) */
};

/* What a run leaves for its caller besides the status. */
struct sess_result {
    struct pkg *pkg;      /* the validated package, for the caller to show and pkg_free */
    bool module_touched;  /* a module was found and talked to: a failure may have changed it */
    enum sess_phase phase; /* the phase the run ended in */

    /* After the flash (doc/running.md): did it come back, running what? */
    enum sess_restart restart;
    char running_version[64]; /* "" when it did not say */
    bool version_mismatch;    /* running, but not the package's version */
};

/* Run the whole job. The status says what happened, in the layer's own
 * terms; res (may be NULL) says whether a module was touched, which the app
 * needs to choose an exit code. */
nt_status sess_run(const struct sess_config *cfg, struct sess_result *res, struct nt_err *err);

#endif
