/* The full-screen ncurses front end (doc/design.md §2.1): a renderer of the
 * session's events plus a live list of attached bootloader devices. main.c
 * calls ui_terminal_ok() to choose it and ui_run() to run the job. */
#ifndef NT_UI_H
#define NT_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "nt_err.h"
#include "session.h"
#include "transport.h"

/* The session runner; sess_run on the real program, a scripted one in tests. */
typedef nt_status (*ui_session_fn)(const struct sess_config *cfg, struct sess_result *res,
                                   struct nt_err *err);

struct ui_config {
    struct tp_bus *bus; /* USB or virtual: the live device list */
    /* The job. NULL, or neither package_path nor url: the device monitor.
     * ui_run runs a copy on its own thread, with the stop below and (after
     * the picker) the chosen port; the caller's stays as it was. */
    const struct sess_config *sess;
    /* The app's stop request, which its signal handlers set and 'q' sets
     * too. NULL: the view keeps its own (signals then do not reach it). */
    struct nt_stop *stop;
    bool wait_until_quit;  /* no -t: wait for the module until the user quits */
    int verbose;           /* -v: show the session's detail (debug lines) in the log */
    bool probe;            /* monitor and picker: probe idle devices for HAB and version */
    sess_sink_fn log_sink; /* --log: also given every session event as it happens */
    void *log_user;
    double tscale;     /* the bus's time scale, for the probe */
    ui_session_fn run; /* NULL: sess_run */
    /* The official release the job fetches (--latest, VERSION), shown in
     * the package panel while it downloads; NULL version: none. */
    const char *release_version, *release_date;
    const char *const *release_changes;
    size_t release_n_changes;
    /* Several modules (--all, --loop): one row per module (ui_multi.c). */
    bool all, loop;
    const char *const *ports; /* --port, given several times: the set to flash */
    int nports;
    /* The exit code of one module's session (exit_code.c), for the
     * per-module results; NULL: 0 or 5. */
    int (*exit_code)(nt_status st, const struct sess_result *res);
    /* Set by ui_run when modules were flashed several at once (--all,
     * --loop, or 'a' in the picker): the run's exit code, as in line mode. */
    bool multi_ran;
    int multi_code;
    /* The newest official release the cache knows (NULL: none), so the
     * monitor can say when a running module's firmware is older. */
    const char *latest_release;
};

/* stdin and stdout are terminals, TERM is set, not "dumb", and known to
 * terminfo. When false, main falls back to progress lines. */
bool ui_terminal_ok(void);
/* Why the full-screen view cannot run here, in words for the user (written
 * into buf), or NULL when it can. */
const char *ui_terminal_problem(char *buf, size_t cap);

/* Run the job (or the monitor) full-screen until the user leaves; then
 * print the result (the summary, or the error and how to recover) on the
 * normal screen. Returns the status batch mode would (the session's), with
 * err filled; the monitor returns NT_OK when the user quits. The terminal
 * is restored on return. */
nt_status ui_run(struct ui_config *cfg, struct sess_result *res, struct nt_err *err);

#endif
