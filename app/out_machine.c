/* The --machine format: the STATUS:/PROGRESS:/ERROR: lines that the nt_helper
 * app parses (thorinside/nt-flash; README, "Progress lines"), with its stage names. STATUS
 * carries the stage's overall percentage from that table; PROGRESS carries
 * progress within the stage, as nt-flash does. */
#include <inttypes.h>

#include "out.h"

static const char *stage(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: return "DOWNLOAD";
    case SESS_PH_UPLOAD: return "SDP_UPLOAD";
    case SESS_PH_BACKUP: return "BACKUP";
    case SESS_PH_ERASE: return "ERASE";
    case SESS_PH_WRITE: return "WRITE";
    case SESS_PH_VERIFY: return "VERIFY";
    default: return NULL;
    }
}

static void status(struct out_state *o, const char *name, int pct, const char *msg)
{
    out_line(o, "STATUS:%s:%d:%s", name, pct, msg);
}

static void bl_connect(struct out_state *o)
{
    if (!o->bl_connect_sent)
        status(o, "BL_CONNECT", 40, "Connecting to flashloader");
    o->bl_connect_sent = true;
}

static void phase_start(struct out_state *o, enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: status(o, "DOWNLOAD", 0, "Downloading firmware"); break;
    case SESS_PH_EXTRACT: status(o, "LOAD", 0, "Loading firmware package"); break;
    case SESS_PH_WAIT:
        /* nt-flash looks for the ROM first and says so before anything is
         * found (nt-flash's documented error example ends right after it). */
        status(o, "START", 0, "Starting disting NT flash");
        status(o, "SDP_CONNECT", 5, "Connecting to SDP bootloader");
        break;
    case SESS_PH_UPLOAD: status(o, "SDP_UPLOAD", 15, "Uploading flashloader to RAM"); break;
    case SESS_PH_ENUM: status(o, "WAIT_ENUM", 30, "Waiting for flashloader to start"); break;
    case SESS_PH_CONFIGURE:
        bl_connect(o);
        status(o, "CONFIGURE", 50, "Configuring flash memory");
        break;
    case SESS_PH_BACKUP: status(o, "BACKUP", 52, "Backing up the firmware on the module"); break;
    case SESS_PH_ERASE: status(o, "ERASE", 55, "Erasing flash region"); break;
    case SESS_PH_FCB: status(o, "FCB", 60, "Creating Flash Configuration Block"); break;
    case SESS_PH_WRITE: status(o, "WRITE", 65, "Writing firmware"); break;
    case SESS_PH_VERIFY: status(o, "VERIFY", 90, "Verifying flash"); break;
    case SESS_PH_RESET: status(o, "RESET", 95, "Resetting device"); break;
    default: break;
    }
}

static void percent(struct out_state *o, enum sess_phase ph, int pct, uint64_t done, uint64_t total)
{
    if (total)
        out_line(o, "PROGRESS:%s:%d:%" PRIu64 "/%" PRIu64 " bytes", stage(ph), pct, done, total);
    else
        out_line(o, "PROGRESS:%s:%d:%" PRIu64 " bytes", stage(ph), pct, done);
    /* The jump follows the last data report at once. */
    if (ph == SESS_PH_UPLOAD && pct == 100)
        status(o, "SDP_JUMP", 25, "Starting flashloader");
}

static void detected(struct out_state *o, const struct tp_devinfo *dev)
{
    if (dev->kind == TP_KIND_SDP) {
        o->sdp_seen = true;
    } else if (!o->sdp_seen) {
        status(o, "BL_CHECK", 10, "Checking for flashloader mode");
        status(o, "BL_FOUND", 15, "Device already in flashloader mode");
    } else {
        bl_connect(o);
    }
}

static void package(struct out_state *o, const struct pkg *p)
{
    (void)o;
    (void)p;
}

static void finished(struct out_state *o) { status(o, "COMPLETE", 100, "Flash complete"); }
static void failed(struct out_state *o, const char *msg) { out_line(o, "ERROR:%s", msg); }
/* Not in nt-flash's table: the module is back running its firmware. */
static void running(struct out_state *o, const char *version)
{
    out_line(o, "STATUS:RUNNING:100:Module running firmware %s", version ? version : "unknown");
}

const struct out_format out_machine_format = {
    .percent_label = stage,
    .phase_start = phase_start,
    .percent = percent,
    .package = package,
    .detected = detected,
    .finished = finished,
    .failed = failed,
    .running = running,
};
