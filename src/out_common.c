/* What both line front ends share: state, percentages, and the human
 * messages on the error stream (warnings, -v detail, failure and recovery). */
#include "out.h"

#include <string.h>

void out_init(struct out_state *o, FILE *out, FILE *err, int verbose)
{
    int i;
    memset(o, 0, sizeof *o);
    o->out = out;
    o->err = err;
    o->verbose = verbose;
    for (i = 0; i < SESS_PH_COUNT; i++)
        o->last_pct[i] = -1;
}

int out_percent(uint64_t done, uint64_t total)
{
    if (total == 0)
        return 0;
    if (done >= total)
        return 100;
    return (int)(done * 100 / total);
}

void out_human(struct out_state *o, const struct sess_event *ev)
{
    switch (ev->type) {
    case SESS_EV_LOG:
        if (ev->level == SESS_LOG_DEBUG && !o->verbose)
            break;
        fprintf(o->err, "nt_flash: %s%s\n",
                ev->level == SESS_LOG_WARN ? "warning: " : ev->level == SESS_LOG_ERROR ? "error: " : "",
                ev->text);
        break;
    case SESS_EV_DEVICE_ARRIVED:
    case SESS_EV_DEVICE_LEFT:
        if (o->verbose)
            fprintf(o->err, "nt_flash: %.3f s: %s %04x:%04x (%s) at %s\n", ev->t,
                    ev->type == SESS_EV_DEVICE_ARRIVED ? "arrived" : "left", ev->dev->vid, ev->dev->pid,
                    tp_kind_name(ev->dev->kind), ev->dev->port);
        break;
    case SESS_EV_DEVICE_DETECTED:
        if (o->verbose)
            fprintf(o->err, "nt_flash: %.3f s: using %s at %s (%04x:%04x, %d Mbit/s)\n", ev->t,
                    ev->dev->desc, ev->dev->port, ev->dev->vid, ev->dev->pid, ev->dev->speed_mbps);
        break;
    case SESS_EV_PHASE_START:
        o->phase_t0[ev->phase] = ev->t;
        break;
    case SESS_EV_PHASE_DONE:
        if (o->verbose)
            fprintf(o->err, "nt_flash: %.3f s: %s done in %.3f s\n", ev->t, sess_phase_name(ev->phase),
                    ev->t - o->phase_t0[ev->phase]);
        break;
    case SESS_EV_FAILED:
        fprintf(o->err, "nt_flash: %s\n", ev->err ? ev->err->msg : "failed");
        if (ev->dev)
            fprintf(o->err, "nt_flash: the module at %s stopped in the %s phase. %s\n", ev->dev->port,
                    sess_phase_name(ev->phase), sess_recovery_hint(ev->phase));
        break;
    default:
        break;
    }
    fflush(o->err);
}
