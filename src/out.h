/* The two line-oriented front ends: progress lines (spec.md §4) and the
 * --machine format of thorinside/nt-flash (MACHINE.md). Both only render
 * session events; human messages go to the error stream. */
#ifndef NT_OUT_H
#define NT_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "session.h"

struct out_state {
    FILE *out;                     /* progress lines */
    FILE *err;                     /* human messages */
    int verbose;
    int last_pct[SESS_PH_COUNT];   /* -1: nothing printed yet in this phase */
    double phase_t0[SESS_PH_COUNT];
    bool sdp_seen;                 /* --machine: the ROM was found (else BL_FOUND) */
    bool bl_connect_sent;
};

void out_init(struct out_state *o, FILE *out, FILE *err, int verbose);
/* sess_sink_fn for progress lines. */
void out_lines_sink(void *user, const struct sess_event *ev);
/* sess_sink_fn for --machine lines. */
void out_machine_sink(void *user, const struct sess_event *ev);

/* The human side of an event (stderr), shared by both front ends. */
void out_human(struct out_state *o, const struct sess_event *ev);

/* Integer percentage of done/total, 0 when total is 0. */
int out_percent(uint64_t done, uint64_t total);

#endif
