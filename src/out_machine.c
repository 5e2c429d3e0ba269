/* The --machine front end: the STATUS:/PROGRESS:/ERROR: lines that the
 * nt_helper app parses (thorinside/nt-flash MACHINE.md), with its stage
 * names. STATUS carries the stage's overall percentage from that table;
 * PROGRESS carries progress within the stage, as nt-flash does. */
#include <inttypes.h>
#include <stdio.h>

#include "out.h"


static void status(struct out_state *o, const char *stage, int pct, const char *msg)
{
    fprintf(o->out, "STATUS:%s:%d:%s\n", stage, pct, msg);
    fflush(o->out);
}

static const char *progress_stage(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: return "DOWNLOAD";
    case SESS_PH_UPLOAD: return "SDP_UPLOAD";
    case SESS_PH_ERASE: return "ERASE";
    case SESS_PH_WRITE: return "WRITE";
    default: return NULL;
    }
}

static void progress(struct out_state *o, enum sess_phase ph, uint64_t done, uint64_t total, int pct)
{
    const char *stage = progress_stage(ph);
    if (!stage || pct == o->last_pct[ph])
        return;
    o->last_pct[ph] = pct;
    if (total)
        fprintf(o->out, "PROGRESS:%s:%d:%" PRIu64 "/%" PRIu64 " bytes\n", stage, pct, done, total);
    else
        fprintf(o->out, "PROGRESS:%s:%d:%" PRIu64 " bytes\n", stage, pct, done);
    if (ph == SESS_PH_UPLOAD && pct == 100)
        fprintf(o->out, "STATUS:SDP_JUMP:25:Starting flashloader\n");
    fflush(o->out);
}

static void bl_connect(struct out_state *o)
{
    if (!o->bl_connect_sent)
        status(o, "BL_CONNECT", 40, "Connecting to flashloader");
    o->bl_connect_sent = true;
}

static void on_phase_start(struct out_state *o, enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: status(o, "DOWNLOAD", 0, "Downloading firmware"); break;
    case SESS_PH_EXTRACT: status(o, "LOAD", 0, "Loading firmware package"); break;
    case SESS_PH_WAIT: status(o, "START", 0, "Starting disting NT flash"); break;
    case SESS_PH_UPLOAD: status(o, "SDP_UPLOAD", 15, "Uploading flashloader to RAM"); break;
    case SESS_PH_ENUM: status(o, "WAIT_ENUM", 30, "Waiting for flashloader to start"); break;
    case SESS_PH_CONFIGURE:
        bl_connect(o);
        status(o, "CONFIGURE", 50, "Configuring flash memory");
        break;
    case SESS_PH_ERASE: status(o, "ERASE", 55, "Erasing flash region"); break;
    case SESS_PH_FCB: status(o, "FCB", 60, "Creating Flash Configuration Block"); break;
    case SESS_PH_WRITE: status(o, "WRITE", 65, "Writing firmware"); break;
    case SESS_PH_RESET: status(o, "RESET", 95, "Resetting device"); break;
    default: break;
    }
}

static void on_detected(struct out_state *o, const struct tp_devinfo *dev)
{
    if (dev->kind == TP_KIND_SDP) {
        o->sdp_seen = true;
        status(o, "SDP_CONNECT", 5, "Connecting to SDP bootloader");
    } else if (!o->sdp_seen) {
        status(o, "BL_CHECK", 10, "Checking for flashloader mode");
        status(o, "BL_FOUND", 15, "Device already in flashloader mode");
    } else {
        bl_connect(o);
    }
}

void out_machine_sink(void *user, const struct sess_event *ev)
{
    struct out_state *o = user;

    switch (ev->type) {
    case SESS_EV_PHASE_START:
        on_phase_start(o, ev->phase);
        break;
    case SESS_EV_PROGRESS:
        progress(o, ev->phase, ev->done, ev->total, out_percent(ev->done, ev->total));
        break;
    case SESS_EV_PHASE_DONE:
        if (progress_stage(ev->phase) && o->last_pct[ev->phase] >= 0)
            progress(o, ev->phase, ev->total, ev->total, 100);
        break;
    case SESS_EV_DEVICE_DETECTED:
        on_detected(o, ev->dev);
        break;
    case SESS_EV_FINISHED:
        status(o, "COMPLETE", 100, "Flash complete");
        break;
    case SESS_EV_FAILED:
        fprintf(o->out, "ERROR:%s\n", ev->err ? ev->err->msg : "failed");
        fflush(o->out);
        break;
    default:
        break;
    }
    out_human(o, ev);
}
