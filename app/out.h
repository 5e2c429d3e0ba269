/* The two line-oriented front ends: progress lines (README, "Progress lines") and the
 * --machine format of thorinside/nt-flash (README, "Progress lines"). One generic sink
 * (out_common.c) turns session events into calls on a format table; each
 * format only decides what its lines look like. Human messages go to the
 * error stream. */
#ifndef NT_OUT_H
#define NT_OUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "session.h"

struct out_state;
struct pkg;

struct out_format {
    /* The progress label of a percentage phase, NULL for other phases. */
    const char *(*percent_label)(enum sess_phase ph);
    void (*phase_start)(struct out_state *o, enum sess_phase ph);
    /* A percentage phase's integer value changed (0 first, 100 last). */
    void (*percent)(struct out_state *o, enum sess_phase ph, int pct, uint64_t done, uint64_t total);
    void (*package)(struct out_state *o, const struct pkg *p);
    void (*detected)(struct out_state *o, const struct tp_devinfo *dev);
    void (*finished)(struct out_state *o);
    void (*failed)(struct out_state *o, const char *msg);
    /* After finished: the module runs its firmware again (version NULL when it did not say). */
    void (*running)(struct out_state *o, const char *version);
};

extern const struct out_format out_lines_format;   /* README, "Progress lines" */
extern const struct out_format out_machine_format; /* --machine */
extern const struct out_format out_human_format;   /* a terminal without the full-screen view */

struct out_state {
    const struct out_format *fmt;
    FILE *out; /* progress lines */
    FILE *err; /* human messages */
    int verbose;
    /* With --all or --loop: the module's port path, so every progress line
     * reads "1-1.2 WRITING 45%" and every message "nt_flash: 1-1.2: ...".
     * NULL otherwise. */
    const char *prefix;
    int last_pct[SESS_PH_COUNT]; /* -1: nothing printed yet in this phase */
    uint64_t last_done[SESS_PH_COUNT];
    double phase_t0[SESS_PH_COUNT];
    bool sdp_seen; /* --machine: the ROM was found (else BL_FOUND) */
    bool bl_connect_sent;
    double now;       /* the time of the event being shown */
    bool line_open;   /* human lines: a line that updates in place is unfinished */
    char version[64]; /* human lines: for the summary */
    char port[TP_PORT_MAX];
};

void out_init(struct out_state *o, const struct out_format *fmt, FILE *out, FILE *err, int verbose);
/* The sess_sink_fn for both formats (user = struct out_state *). */
void out_sink(void *user, const struct sess_event *ev);

/* Integer percentage of done/total, 0 when total is 0. */
int out_percent(uint64_t done, uint64_t total);

/* Print one line on o->out and flush it (scripts read the stream live).
 * Whole lines: sessions on other threads never split it (flockfile). */
void out_line(struct out_state *o, const char *fmt, ...) NT_PRINTF(2, 3);

/* Every line nt_flash prints on a stream goes through here: the formatted
 * text is made safe (lib/base/text.h: control characters and bytes that are
 * not valid UTF-8 shown as \xNN), so a name or message that came from a
 * package, a server or a device can never end the line early and forge
 * another; then the whole line, newline included, is written in one write
 * and flushed, so lines on stdout and stderr never interleave mid-line. */
void out_print(FILE *f, const char *fmt, ...) NT_PRINTF(2, 3);
void out_vprint(FILE *f, const char *fmt, va_list ap) NT_PRINTF(2, 0);

#endif
