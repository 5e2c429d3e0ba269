/* Human progress lines, for a terminal that the full-screen view cannot
 * drive (TERM=dumb, a TERM this machine has no terminfo for): one line per
 * phase that updates in place, and a summary line at the end. Only '\r'
 * and '\n' are sent, which every terminal understands. Pipes, --batch and
 * logs keep the token lines of out_lines.c. */
#include <string.h>

#include "out.h"
#include "pkg.h"
#include "sess_report.h"

/* Width of the phase text, so the percentages line up. */
#define PHASE_TEXT_COLS 28
/* A rate needs this much history before its time left means anything. */
#define RATE_MIN_ELAPSED_S 0.5

static const char *percent_label(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: return "Downloading the package";
    case SESS_PH_UPLOAD: return "Uploading the flashloader";
    case SESS_PH_ERASE: return "Erasing";
    case SESS_PH_WRITE: return "Writing the firmware";
    case SESS_PH_VERIFY: return "Verifying the flash";
    default: return NULL;
    }
}

static void end_line(struct out_state *o)
{
    if (o->line_open) {
        fputc('\n', o->out);
        fflush(o->out);
    }
    o->line_open = false;
}

static void phase_start(struct out_state *o, enum sess_phase ph)
{
    const char *text = NULL;

    switch (ph) {
    case SESS_PH_WAIT: text = "Waiting for the module in bootloader mode"; break;
    case SESS_PH_CONFIGURE: text = "Configuring the flash"; break;
    case SESS_PH_RESET: text = "Resetting the module"; break;
    case SESS_PH_RESTART: text = "Waiting for the module to run its firmware again"; break;
    default: break;
    }
    if (!text)
        return;
    end_line(o);
    out_print(o->out, "%s", text);
}

static void percent(struct out_state *o, enum sess_phase ph, int pct, uint64_t done, uint64_t total)
{
    double elapsed = o->now - o->phase_t0[ph];
    char left[32] = "";

    if (pct > 0 && pct < 100 && done && elapsed >= RATE_MIN_ELAPSED_S) {
        double rate = (double)done / elapsed;
        snprintf(left, sizeof left, "  %ld s left", (long)((double)(total - done) / rate + 0.5));
    }
    /* The trailing spaces wipe what a longer line before left behind. */
    fprintf(o->out, "\r%-*s %3d%%%-14s", PHASE_TEXT_COLS, percent_label(ph), pct, left);
    o->line_open = pct < 100;
    if (pct == 100)
        fputc('\n', o->out);
    fflush(o->out);
}

static void package(struct out_state *o, const struct pkg *p)
{
    snprintf(o->version, sizeof o->version, "%s", p->version);
    end_line(o);
    out_print(o->out, "Package %s: firmware %s (%zu bytes)", p->version, p->firmware.name, p->firmware.size);
}

static void detected(struct out_state *o, const struct tp_devinfo *d)
{
    snprintf(o->port, sizeof o->port, "%s", d->port);
    end_line(o);
    if (d->kind == TP_KIND_MBOOT)
        out_print(o->out, "The flashloader is running on the module at %s", d->port);
    else
        out_print(o->out, "Found the module at %s (%s)", d->port, d->desc);
}

static void finished(struct out_state *o)
{
    char line[SESS_REPORT_MAX];

    end_line(o);
    sess_success_report("nt_flash: ", o->version, o->port, o->now, o->last_done[SESS_PH_VERIFY], line,
                        sizeof line);
    line[strcspn(line, "\n")] = '\0';
    out_print(o->out, "%s", line);
}

static void running(struct out_state *o, const char *version)
{
    end_line(o);
    out_print(o->out, "nt_flash: the module runs firmware %s again",
              version ? version : "of unknown version");
}

static void failed(struct out_state *o, const char *msg)
{
    (void)msg; /* the report follows on the error stream */
    end_line(o);
    fflush(o->out);
}

const struct out_format out_human_format = {
    .percent_label = percent_label,
    .phase_start = phase_start,
    .percent = percent,
    .package = package,
    .detected = detected,
    .finished = finished,
    .failed = failed,
    .running = running,
};
