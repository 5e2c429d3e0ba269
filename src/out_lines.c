/* Progress lines (spec.md §4): one line per event on stdout, flushed at
 * once; percentages printed only when their integer value changes. */
#include <stdio.h>

#include "out.h"
#include "pkg.h"


static const char *percent_label(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: return "DOWNLOADING";
    case SESS_PH_UPLOAD: return "UPLOADING_FLASHLOADER";
    case SESS_PH_ERASE: return "ERASING";
    case SESS_PH_WRITE: return "WRITING";
    default: return NULL;
    }
}

static void line(struct out_state *o, const char *text)
{
    fprintf(o->out, "%s\n", text);
    fflush(o->out);
}

static void percent_line(struct out_state *o, enum sess_phase ph, int pct)
{
    const char *label = percent_label(ph);
    if (!label || pct == o->last_pct[ph])
        return;
    o->last_pct[ph] = pct;
    fprintf(o->out, "%s %d%%\n", label, pct);
    fflush(o->out);
}

static void on_phase_start(struct out_state *o, enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_EXTRACT: line(o, "EXTRACTING"); break;
    case SESS_PH_WAIT: line(o, "WAITING_BOOTLOADER"); break;
    case SESS_PH_CONFIGURE: line(o, "CONFIGURING_MEMORY"); break;
    case SESS_PH_RESET: line(o, "RESETTING"); break;
    default: break;
    }
}

void out_lines_sink(void *user, const struct sess_event *ev)
{
    struct out_state *o = user;

    switch (ev->type) {
    case SESS_EV_PHASE_START:
        on_phase_start(o, ev->phase);
        break;
    case SESS_EV_PROGRESS:
        percent_line(o, ev->phase, out_percent(ev->done, ev->total));
        break;
    case SESS_EV_PHASE_DONE:
        /* A download of unknown length shows 0% until it is complete. */
        if (percent_label(ev->phase) && o->last_pct[ev->phase] >= 0)
            percent_line(o, ev->phase, 100);
        break;
    case SESS_EV_PACKAGE:
        fprintf(o->out, "PACKAGE_INFO %s\n", ev->pkg->version);
        fflush(o->out);
        break;
    case SESS_EV_DEVICE_DETECTED:
        fprintf(o->out, "DEVICE_DETECTED %s\n", tp_kind_name(ev->dev->kind));
        fflush(o->out);
        break;
    case SESS_EV_FINISHED:
        line(o, "COMPLETE");
        break;
    case SESS_EV_FAILED:
        fprintf(o->out, "ERROR %s\n", ev->err ? ev->err->msg : "failed");
        fflush(o->out);
        break;
    default:
        break;
    }
    out_human(o, ev);
}
