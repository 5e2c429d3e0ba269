/* The full-screen ncurses front end (doc/design.md §2.1): a renderer of the
 * session's events plus a live list of attached bootloader devices. main.c
 * calls ui_terminal_ok() to choose it and ui_run() to run the job. */
#ifndef NT_UI_H
#define NT_UI_H

#include <stdbool.h>

#include "nt_err.h"
#include "session.h"
#include "transport.h"

/* The session runner; sess_run on the real program, a scripted one in tests. */
typedef nt_status (*ui_session_fn)(const struct sess_config *cfg, struct sess_result *res,
                                   struct nt_err *err);

struct ui_config {
    struct tp_bus *bus; /* USB or virtual: the live device list */
    /* The job. NULL, or neither package_path nor url: the device monitor.
     * ui_run runs a copy with its own sink, the stop below and (after the
     * picker) the chosen port; the caller's stays as it was. */
    const struct sess_config *sess;
    /* The app's stop request, which its signal handlers set and 'q' sets
     * too. NULL: the view keeps its own (signals then do not reach it). */
    struct nt_stop *stop;
    ui_session_fn run; /* NULL: sess_run */
    /* The official release the job fetches (--latest, VERSION), shown in
     * the package panel while it downloads; NULL version: none. */
    const char *release_version, *release_date;
    const char *const *release_changes;
    size_t release_n_changes;
};

/* stdin and stdout are terminals, TERM is set, not "dumb", and known to
 * terminfo. When false, main falls back to progress lines. */
bool ui_terminal_ok(void);

/* Run the job (or the monitor) full-screen until the user leaves. Returns
 * the status batch mode would (the session's), with err filled; the monitor
 * returns NT_OK when the user quits. The terminal is restored on return. */
nt_status ui_run(struct ui_config *cfg, struct sess_result *res, struct nt_err *err);

#endif
