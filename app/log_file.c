/* The --log file: one line per event, flushed at once so that the file is
 * current even if the program is killed. Lines start with the local wall
 * clock (for matching with other logs) and the session's own clock. */
#include "log_file.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "pkg.h"
#include "sess_report.h"
#include "text.h"

bool log_file_open(struct log_file *l, const char *path)
{
    memset(l, 0, sizeof *l);
    for (int i = 0; i < SESS_PH_COUNT; i++)
        l->last_pct[i] = -1;
    l->f = fopen(path, "w");
    return l->f != NULL;
}

static void stamp(struct log_file *l)
{
    struct timeval tv;
    struct tm tm;
    char when[32];

    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(l->f, "%s.%03ld ", when, (long)(tv.tv_usec / 1000));
}

void log_file_header(struct log_file *l, const char *version, int argc, char **argv)
{
    if (!l->f)
        return;
    stamp(l);
    fprintf(l->f, "nt_flash %s:", version);
    for (int i = 0; i < argc; i++)
        fprintf(l->f, " %s", argv[i]);
    fputc('\n', l->f);
    fflush(l->f);
}

/* Text from a package or a device, escaped (text.h): one line stays one. */
#define SAFE_MAX NT_TEXT_SAFE_CAP(NT_ERR_MSG_MAX)
static const char *safe(char *buf, const char *text)
{
    nt_text_safe(buf, SAFE_MAX, text ? text : "");
    return buf;
}

static const char *safe_note(char *buf, size_t cap, const char *text)
{
    nt_text_safe(buf, cap, text);
    return buf;
}

static int percent(uint64_t done, uint64_t total)
{
    return total ? (int)(done >= total ? 100 : done * 100 / total) : 0;
}

void log_file_sink(void *user, const struct sess_event *ev)
{
    struct log_file *l = user;
    char state[SESS_REPORT_MAX], a[SAFE_MAX], b[SAFE_MAX], c[SAFE_MAX],
        big[NT_TEXT_SAFE_CAP(SESS_REPORT_MAX)];
    const char *name = sess_phase_name(ev->phase);

    if (!l->f || ev->type == SESS_EV_IDLE)
        return;
    if (ev->type == SESS_EV_PROGRESS) {
        int pct = percent(ev->done, ev->total);
        if (pct == l->last_pct[ev->phase])
            return;
        l->last_pct[ev->phase] = pct;
    }
    stamp(l);
    fprintf(l->f, "%9.3fs ", ev->t);
    switch (ev->type) {
    case SESS_EV_DEVICE_ARRIVED:
    case SESS_EV_DEVICE_LEFT:
    case SESS_EV_DEVICE_DETECTED:
        fprintf(l->f, "%s %s %s %04x:%04x (%s)\n",
                ev->type == SESS_EV_DEVICE_ARRIVED    ? "arrived"
                    : ev->type == SESS_EV_DEVICE_LEFT ? "left"
                                                      : "using",
                safe(a, ev->dev->port), tp_kind_name(ev->dev->kind), ev->dev->vid, ev->dev->pid,
                safe(b, ev->dev->desc));
        break;
    case SESS_EV_PACKAGE:
        fprintf(l->f, "package %s: firmware %s, %zu bytes, from %s\n", safe(a, ev->pkg->version),
                safe(b, ev->pkg->firmware.name), ev->pkg->firmware.size, safe(c, ev->pkg->source));
        break;
    case SESS_EV_PHASE_START: fprintf(l->f, "%s started\n", name); break;
    case SESS_EV_PROGRESS:
        fprintf(l->f, "%s %d%% (%llu of %llu)\n", name, l->last_pct[ev->phase], (unsigned long long)ev->done,
                (unsigned long long)ev->total);
        break;
    case SESS_EV_PHASE_DONE: fprintf(l->f, "%s done\n", name); break;
    case SESS_EV_LOG:
        fprintf(l->f, "%s%s\n",
                ev->level == SESS_LOG_ERROR       ? "error: "
                    : ev->level == SESS_LOG_WARN  ? "warning: "
                    : ev->level == SESS_LOG_DEBUG ? "debug: "
                                                  : "",
                safe(a, ev->text));
        break;
    case SESS_EV_FINISHED: fprintf(l->f, "finished: every step acknowledged\n"); break;
    case SESS_EV_FAILED:
        fprintf(l->f, "failed in the %s phase\n  %s\n", name,
                safe(a, ev->err && ev->err->msg[0] ? ev->err->msg : "failed"));
        if (ev->dev) {
            sess_state_line(ev->phase, ev->dev, ev->err, state, sizeof state);
            nt_text_safe(big, sizeof big, state);
            fprintf(l->f, "  %s\n", big);
        }
        break;
    case SESS_EV_RUNNING:
        fprintf(l->f, "running firmware %s again at %s\n",
                ev->text ? safe(a, ev->text) : "of unknown version", ev->dev ? safe(b, ev->dev->port) : "?");
        break;
    case SESS_EV_IDLE: break;
    }
    fflush(l->f);
}

void log_file_note(struct log_file *l, const char *text)
{
    char buf[NT_TEXT_SAFE_CAP(NT_ERR_MSG_MAX + 16)];

    if (!l->f)
        return;
    stamp(l);
    fprintf(l->f, "%s\n", safe_note(buf, sizeof buf, text));
    fflush(l->f);
}

void log_file_close(struct log_file *l)
{
    if (l->f)
        fclose(l->f);
    l->f = NULL;
}
