/* Progress lines (README, "Progress lines"): EXTRACTING, PACKAGE_INFO, ..., COMPLETE or
 * ERROR, one per event, each percentage phase as "<LABEL> <n>%". */
#include "out.h"
#include "pkg.h"

static const char *label(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: return "DOWNLOADING";
    case SESS_PH_UPLOAD: return "UPLOADING_FLASHLOADER";
    case SESS_PH_BACKUP: return "BACKING_UP";
    case SESS_PH_ERASE: return "ERASING";
    case SESS_PH_WRITE: return "WRITING";
    case SESS_PH_VERIFY: return "VERIFYING";
    default: return NULL;
    }
}

static void phase_start(struct out_state *o, enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_EXTRACT: out_line(o, "EXTRACTING"); break;
    case SESS_PH_WAIT: out_line(o, "WAITING_BOOTLOADER"); break;
    case SESS_PH_CONFIGURE: out_line(o, "CONFIGURING_MEMORY"); break;
    case SESS_PH_RESET: out_line(o, "RESETTING"); break;
    default: break;
    }
}

static void percent(struct out_state *o, enum sess_phase ph, int pct, uint64_t done, uint64_t total)
{
    (void)done;
    (void)total;
    out_line(o, "%s %d%%", label(ph), pct);
}

static void package(struct out_state *o, const struct pkg *p) { out_line(o, "PACKAGE_INFO %s", p->version); }
static void detected(struct out_state *o, const struct tp_devinfo *d)
{
    out_line(o, "DEVICE_DETECTED %s", tp_kind_name(d->kind));
}
static void finished(struct out_state *o) { out_line(o, "COMPLETE"); }
static void failed(struct out_state *o, const char *msg) { out_line(o, "ERROR %s", msg); }
static void running(struct out_state *o, const char *version)
{
    out_line(o, "RUNNING %s", version ? version : "unknown");
}

const struct out_format out_lines_format = {
    .percent_label = label,
    .phase_start = phase_start,
    .percent = percent,
    .package = package,
    .detected = detected,
    .finished = finished,
    .failed = failed,
    .running = running,
};
