/* The full-screen view of several modules at once (--all, --loop, or 'a'
 * in the picker): one row per module, each module's session on its own
 * thread (sess_thread.c), drained by this, the main, thread. */
#ifndef NT_UI_MULTI_H
#define NT_UI_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sess_report.h"
#include "ui.h"

struct ui_multi_job {
    struct ui_config *cfg;          /* bus, run, verbose, exit_code */
    const struct sess_config *sess; /* what every module's session shares (its stop) */
    struct nt_stop *stop;
    /* The modules to flash (their ports), or every module when none. */
    const char (*ports)[TP_PORT_MAX];
    size_t nports;
    bool loop;           /* go on with each module that arrives */
    double wait_limit_s; /* without --loop, how long to wait for the first (0: until quit) */
};

/* What the view leaves for the final block, printed once the terminal is
 * back to normal (ui_multi_print). */
struct ui_multi_out {
    int code;                                           /* 0, or the highest exit code among the failures */
    char error[NT_ERR_MSG_MAX];                         /* a failure of the run as a whole, "" none */
    char (*results)[NT_ERR_MSG_MAX + TP_PORT_MAX + 64]; /* one RESULT line per module flashed */
    size_t nlines, cap;
    unsigned ok;                                      /* results that say OK */
    char (*hints)[SESS_REPORT_MAX + TP_PORT_MAX + 8]; /* a failed module's way to recover (stderr) */
    size_t nhints, hints_cap;
};

/* Run the modules on the terminal curses already drives, until all ended
 * (and a key was pressed), or the user stopped them all. */
void ui_multi_run(const struct ui_multi_job *j, struct ui_multi_out *out);
/* The final block: every module's RESULT line (as --all prints them)
 * on stdout, the count, and a failure of the whole run on stderr. */
void ui_multi_print(const struct ui_multi_out *out);
void ui_multi_out_free(struct ui_multi_out *out);

#endif
