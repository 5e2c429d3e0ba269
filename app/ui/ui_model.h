/* What the full-screen UI shows, as plain data updated from session and bus
 * events: the curses code only draws this, and the tests drive it directly.
 * Each change marks the panels it touches dirty, so a redraw repaints only
 * what changed. */
#ifndef NT_UI_MODEL_H
#define NT_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"
#include "probe.h"
#include "session.h"
#include "transport.h"
#include "ui_layout.h"

#define UI_MAX_DEVICES 64
#define UI_LOG_LINES 256
#define UI_LOG_TEXT_MAX 1024 /* a recovery hint is a long paragraph */
#define UI_NAME_MAX 256      /* = pkg_image.name */
/* How often a second the gauges' clocks move without an event. */
#define UI_TICKS_PER_S 2
/* A device command in flight this long gets its own moving clock. */
#define UI_COMMAND_SHOW_S 1.0
/* Changes of an official release shown in the package panel while it
 * downloads (the panel has room for this many); all go to the log. */
#define UI_RELEASE_SHOWN 2
#define UI_RELEASE_TEXT_MAX 256

/* The gauges, in screen order. */
enum ui_gauge_id {
    UI_G_DOWNLOAD,
    UI_G_UPLOAD,
    UI_G_CONFIGURE,
    UI_G_ERASE,
    UI_G_WRITE,
    UI_G_VERIFY,
    UI_G_RESET,
    UI_G_COUNT
};

enum ui_gauge_state { UI_GS_PENDING, UI_GS_RUNNING, UI_GS_DONE, UI_GS_FAILED };

struct ui_gauge_model {
    enum ui_gauge_state state;
    uint64_t done, total;
    double t_start, t_end; /* session seconds */
    double t_last;         /* the latest answer (progress) in this phase */
    bool skipped;          /* upload: the flashloader was already running */
};

struct ui_image_model {
    char name[UI_NAME_MAX];
    uint64_t size;
    char sha256[65];
};

enum ui_run_state { UI_RS_IDLE, UI_RS_RUNNING, UI_RS_FINISHED, UI_RS_FAILED };

struct ui_log_line {
    enum sess_log_level level;
    double t;
    char text[UI_LOG_TEXT_MAX];
};

/* A running module's firmware version, by port (doc/running.md). */
#define UI_RUNNING_MAX 8
#define UI_RUNNING_VERSION_MAX 24
struct ui_running {
    char port[TP_PORT_MAX];
    char version[UI_RUNNING_VERSION_MAX]; /* "" unknown */
};

struct ui_model {
    unsigned dirty; /* bit (1u << enum ui_panel) */
    /* devices */
    struct tp_devinfo dev[UI_MAX_DEVICES];
    char probe[UI_MAX_DEVICES][PROBE_STATE_MAX]; /* "hab=open", "version=M1.0.0"; "" not probed */
    size_t ndev;
    size_t selected;               /* picker cursor */
    char target_port[TP_PORT_MAX]; /* the module being flashed, "" none yet */
    /* package */
    bool have_package;
    char source[1024], version[64], processor[32]; /* sizes as in struct pkg */
    struct ui_image_model flashloader, firmware;
    /* the official release being fetched (--latest, VERSION), "" otherwise */
    char release_version[32], release_date[32];
    char release_change[UI_RELEASE_SHOWN][UI_RELEASE_TEXT_MAX];
    size_t release_changes; /* how many the release has in all */
    /* phases */
    bool show_download;
    struct ui_gauge_model gauge[UI_G_COUNT];
    enum sess_phase phase; /* latest phase started */
    bool phase_active;
    double now; /* latest session time seen */
    enum ui_run_state run;
    bool dry_run; /* --dry-run: success means "checked" */
    /* Waiting for the module: since when, for how long (0: until the user
     * quits) and on which port ("" any). */
    double wait_t0, wait_limit_s;
    bool wait_hinted; /* the instructions are in the log */
    double flash_t0;  /* when the module was found (0: not yet) */
    double sess_t0;   /* when the session started, on the view's clock */
    char wait_port[TP_PORT_MAX];
    char result[NT_ERR_MSG_MAX]; /* final message */
    /* log ring */
    struct ui_log_line log[UI_LOG_LINES];
    size_t log_count, log_head; /* head = index of the oldest line */
    /* running modules seen, with their versions */
    char latest[UI_RUNNING_VERSION_MAX]; /* newest official release known, "" none */
    struct ui_running running[UI_RUNNING_MAX];
    size_t nrunning;
};

void ui_model_init(struct ui_model *m, bool show_download);
/* The official release the job fetches (version NULL: none): its version
 * and date for the package panel, its first changes for the panel while it
 * downloads, and every change in the log. */
void ui_model_set_release(struct ui_model *m, const char *version, const char *date,
                          const char *const *changes, size_t n_changes);
/* Apply one session event (the session's time base is ev->t). */
void ui_model_apply(struct ui_model *m, const struct sess_event *ev);
/* The session's clock moved without an event (a device command in flight):
 * the running gauge's times move with it. */
void ui_model_tick(struct ui_model *m, double now);
/* A device came or went (bus events, or the session's). Keyed by port and kind. */
void ui_model_device_add(struct ui_model *m, const struct tp_devinfo *d);
void ui_model_device_remove(struct ui_model *m, const struct tp_devinfo *d);
/* What a probe of the device on this port said (the monitor's HAB and
 * version column). */
void ui_model_device_probe(struct ui_model *m, const char *port, const char *state);
/* Append a log line (printf style). */
void ui_model_log(struct ui_model *m, enum sess_log_level level, double t, const char *fmt, ...)
    NT_PRINTF(4, 5);
/* The i-th newest-last log line among the last `n` (0 = oldest shown). */
const struct ui_log_line *ui_model_log_line(const struct ui_model *m, size_t i);

/* The newest official release known (NULL or "": none), for the running
 * modules' state column. */
void ui_model_set_latest(struct ui_model *m, const char *version);
/* The firmware version of the running module at port ("" when it did not say). */
void ui_model_set_running(struct ui_model *m, const char *port, const char *version);
/* A device's state column: "idle", "flashing 42%", "done", "failed"; for a
 * running module "running VERSION" or "running" (version unknown), and
 * "running VERSION, LATEST out" when a newer official release is known. */
void ui_model_device_state(const struct ui_model *m, const struct tp_devinfo *d, char *out, size_t cap);
/* Whole-job progress 0..100 for the device list (weighted by typical phase time). */
int ui_model_overall_percent(const struct ui_model *m);
/* Bytes (or units) per second of a gauge, 0 when not yet measurable. */
double ui_model_gauge_rate(const struct ui_model *m, enum ui_gauge_id g);
/* Label of a gauge: "download", "upload", "configure", "erase", "write", "verify",
 * "reset". */
const char *ui_gauge_name(enum ui_gauge_id g);
/* One gauge line's text right of the bar: "1.25 MiB / 4.00 MiB  512 KiB/s  3.2s left"
 * while running ("... 3.2s left  command 6.1s" when the device has not
 * answered for UI_COMMAND_SHOW_S), "done in 2.1s" after, "" while pending. */
void ui_model_gauge_text(const struct ui_model *m, enum ui_gauge_id g, char *out, size_t cap);
/* The same for a narrow screen (at most UI_GAUGE_SHORT_COLS columns): the
 * time left while running ("12s left", "working 1.2s" without a size),
 * "done 2.1s", "failed". */
#define UI_GAUGE_SHORT_COLS 14
void ui_model_gauge_text_short(const struct ui_model *m, enum ui_gauge_id g, char *out, size_t cap);
/* Seconds left for the whole flash: the bytes each phase still has to move
 * at its measured rate, or (before it has one) at a typical rate on the slow
 * side; < 0 before the module is found. */
double ui_model_overall_left(const struct ui_model *m);
/* The terminal (or tmux) window title: "nt_flash 42% write 1m20s left",
 * "nt_flash: waiting", "nt_flash: done", "nt_flash: FAILED". */
void ui_model_window_title(const struct ui_model *m, char *out, size_t cap);
/* The title while waiting for the module: "Waiting for the module in
 * bootloader mode: 57s left" (or "12s so far" without a limit). */
void ui_model_wait_text(const struct ui_model *m, char *out, size_t cap);
/* Is the session in a phase where stopping must wait for the command in flight? */
bool ui_model_in_destructive_phase(const struct ui_model *m);

#endif
