/* The generic line sink: keeps the per-phase percentage state (0% first,
 * 100% last, one line per integer change) and the human messages on the
 * error stream (warnings, -v detail, failure and recovery), and hands the
 * format-specific lines to the format table. */
#include "out.h"
#include "sess_report.h"

#include <stdarg.h>
#include <string.h>

#include "text.h"

/* Longest line formatted before escaping; longer text is cut. Messages are
 * at most NT_ERR_MSG_MAX plus a short prefix. */
#define OUT_RAW_LINE_MAX 2048
/* Room for "nt_flash: " and a module's port prefix. */
#define OUT_PREFIX_MAX 128

void out_init(struct out_state *o, const struct out_format *fmt, FILE *out, FILE *err, int verbose)
{
    int i;
    memset(o, 0, sizeof *o);
    o->fmt = fmt;
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

/* Format head and then fmt into one line, make it safe (text.h), and write
 * it with its newline as one block under the stream's lock: sessions on
 * several threads (--all) never interleave within a line, and whatever an
 * earlier write left buffered goes first. A stream error stays set for the
 * check at exit. */
static void write_line(FILE *f, const char *head, const char *fmt, va_list ap)
{
    char raw[OUT_RAW_LINE_MAX];
    char safe[NT_TEXT_SAFE_CAP(OUT_RAW_LINE_MAX) + 1];
    size_t k, n;

    k = (size_t)snprintf(raw, sizeof raw, "%s", head);
    if (k < sizeof raw)
        vsnprintf(raw + k, sizeof raw - k, fmt, ap);
    n = nt_text_safe(safe, sizeof safe - 1, raw);
    safe[n++] = '\n';
    flockfile(f);
    fflush(f);
    fwrite(safe, 1, n, f);
    fflush(f);
    funlockfile(f);
}

void out_vprint(FILE *f, const char *fmt, va_list ap) { write_line(f, "", fmt, ap); }

void out_print(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_line(f, "", fmt, ap);
    va_end(ap);
}

void out_line(struct out_state *o, const char *fmt, ...)
{
    char head[OUT_PREFIX_MAX];
    va_list ap;

    snprintf(head, sizeof head, "%s%s", o->prefix ? o->prefix : "", o->prefix ? " " : "");
    va_start(ap, fmt);
    write_line(o->out, head, fmt, ap);
    va_end(ap);
}

/* One human message on o->err: "nt_flash: [PORT: ]text", whole. */
static void say(struct out_state *o, const char *fmt, ...) NT_PRINTF(2, 3);
static void say(struct out_state *o, const char *fmt, ...)
{
    char head[OUT_PREFIX_MAX];
    va_list ap;

    snprintf(head, sizeof head, "nt_flash: %s%s", o->prefix ? o->prefix : "", o->prefix ? ": " : "");
    va_start(ap, fmt);
    write_line(o->err, head, fmt, ap);
    va_end(ap);
}

static void percent(struct out_state *o, enum sess_phase ph, uint64_t done, uint64_t total, int pct)
{
    if (!o->fmt->percent_label(ph) || pct == o->last_pct[ph])
        return;
    o->last_pct[ph] = pct;
    o->last_done[ph] = done;
    o->fmt->percent(o, ph, pct, done, total);
}

static void human(struct out_state *o, const struct sess_event *ev)
{
    /* A message must not land at the end of a line that updates in place. */
    if (o->line_open && ev->type == SESS_EV_LOG && (ev->level != SESS_LOG_DEBUG || o->verbose)) {
        fputc('\n', o->out);
        fflush(o->out);
        o->line_open = false;
    }
    switch (ev->type) {
    case SESS_EV_LOG:
        if (ev->level == SESS_LOG_DEBUG && !o->verbose)
            break;
        say(o, "%s%s",
            ev->level == SESS_LOG_WARN        ? "warning: "
                : ev->level == SESS_LOG_ERROR ? "error: "
                                              : "",
            ev->text);
        break;
    case SESS_EV_DEVICE_ARRIVED:
    case SESS_EV_DEVICE_LEFT:
        if (o->verbose)
            say(o, "%.3f s: %s %04x:%04x (%s) at %s", ev->t,
                ev->type == SESS_EV_DEVICE_ARRIVED ? "arrived" : "left", ev->dev->vid, ev->dev->pid,
                tp_kind_name(ev->dev->kind), ev->dev->port);
        break;
    case SESS_EV_DEVICE_DETECTED:
        if (o->verbose)
            say(o, "%.3f s: using %s at %s (%04x:%04x, %d Mbit/s)", ev->t, ev->dev->desc, ev->dev->port,
                ev->dev->vid, ev->dev->pid, ev->dev->speed_mbps);
        break;
    case SESS_EV_PHASE_START: o->phase_t0[ev->phase] = ev->t; break;
    case SESS_EV_PHASE_DONE:
        if (o->verbose)
            say(o, "%.3f s: %s done in %.3f s", ev->t, sess_phase_name(ev->phase),
                ev->t - o->phase_t0[ev->phase]);
        break;
    case SESS_EV_FAILED: {
        /* The same lines the full-screen view leaves after it closes
         * (sess_report.c), each one say(): escaped, whole. */
        char state[SESS_REPORT_MAX];
        say(o, "%s", ev->err && ev->err->msg[0] ? ev->err->msg : "failed");
        if (ev->dev) {
            sess_state_line(ev->phase, ev->dev, ev->err, state, sizeof state);
            say(o, "%s", state);
        }
        break;
    }
    default: break;
    }
}

void out_sink(void *user, const struct sess_event *ev)
{
    struct out_state *o = user;

    o->now = ev->t;
    switch (ev->type) {
    case SESS_EV_PHASE_START: o->fmt->phase_start(o, ev->phase); break;
    case SESS_EV_PROGRESS:
        percent(o, ev->phase, ev->done, ev->total, out_percent(ev->done, ev->total));
        break;
    case SESS_EV_PHASE_DONE:
        /* A download of unknown length shows 0% until it is complete. */
        if (o->last_pct[ev->phase] >= 0)
            percent(o, ev->phase, o->last_done[ev->phase], o->last_done[ev->phase], 100);
        break;
    case SESS_EV_PACKAGE: o->fmt->package(o, ev->pkg); break;
    case SESS_EV_DEVICE_DETECTED: o->fmt->detected(o, ev->dev); break;
    case SESS_EV_FINISHED: o->fmt->finished(o); break;
    case SESS_EV_FAILED: o->fmt->failed(o, ev->err ? ev->err->msg : "failed"); break;
    case SESS_EV_RUNNING: o->fmt->running(o, ev->text); break;
    default: break;
    }
    human(o, ev);
}
