/* The full-screen UI's state, updated from session and bus events. Pure data
 * and text: no curses, no clock (times come from the events), so the tests
 * replay event streams and check what each panel would say. */
#include "config.h"

#include "ui_model.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkg.h"
#include "sess_report.h"
#include "sysex.h"
#include "ui_fmt.h"

/* A rate needs this much elapsed time before it means anything. */
#define RATE_MIN_ELAPSED_S 0.2

/* Share of a typical flash each gauge takes (sums to 100), so the device
 * list's "flashing n%" moves roughly with time rather than jumping. */
static const int gauge_weight[UI_G_COUNT] = {
    [UI_G_DOWNLOAD] = 0, [UI_G_UPLOAD] = 10, [UI_G_CONFIGURE] = 2, [UI_G_ERASE] = 25,
    [UI_G_WRITE] = 55,   [UI_G_VERIFY] = 5,  [UI_G_RESET] = 3,
};

static void mark(struct ui_model *m, enum ui_panel p) { m->dirty |= 1u << p; }

void ui_model_init(struct ui_model *m, bool show_download)
{
    memset(m, 0, sizeof *m);
    m->show_download = show_download;
    m->dirty = (1u << UI_PANEL_COUNT) - 1;
}

void ui_model_set_release(struct ui_model *m, const char *version, const char *date,
                          const char *const *changes, size_t n_changes)
{
    if (!version)
        return;
    snprintf(m->release_version, sizeof m->release_version, "%s", version);
    snprintf(m->release_date, sizeof m->release_date, "%s", date ? date : "");
    m->release_changes = n_changes;
    ui_model_log(m, SESS_LOG_INFO, 0, "Firmware %s%s%s: %zu change%s listed", version,
                 m->release_date[0] ? " of " : "", m->release_date, n_changes, n_changes == 1 ? "" : "s");
    for (size_t i = 0; i < n_changes; i++) {
        if (i < UI_RELEASE_SHOWN)
            snprintf(m->release_change[i], sizeof m->release_change[i], "%s", changes[i]);
        ui_model_log(m, SESS_LOG_INFO, 0, "  - %s", changes[i]);
    }
    mark(m, UI_PANEL_PACKAGE);
}

const char *ui_gauge_name(enum ui_gauge_id g)
{
    static const char *const names[UI_G_COUNT] = { "download", "upload", "configure", "erase",
                                                   "write",    "verify", "reset" };
    return (unsigned)g < UI_G_COUNT ? names[g] : "?";
}

/* The gauge a session phase drives; -1 for phases shown only in the log
 * (extract, wait, enumeration, FCB are short steps with nothing to measure). */
static int gauge_of_phase(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: return UI_G_DOWNLOAD;
    case SESS_PH_UPLOAD: return UI_G_UPLOAD;
    case SESS_PH_CONFIGURE: return UI_G_CONFIGURE;
    case SESS_PH_ERASE: return UI_G_ERASE;
    case SESS_PH_WRITE: return UI_G_WRITE;
    case SESS_PH_VERIFY: return UI_G_VERIFY;
    case SESS_PH_RESET: return UI_G_RESET;
    default: return -1;
    }
}

static bool same_dev(const struct tp_devinfo *a, const struct tp_devinfo *b)
{
    return a->kind == b->kind && strcmp(a->port, b->port) == 0;
}

void ui_model_device_add(struct ui_model *m, const struct tp_devinfo *d)
{
    /* By port only: one port holds one device, so the flashloader arriving
     * where the ROM was replaces it even if the ROM's removal comes later. */
    for (size_t i = 0; i < m->ndev; i++)
        if (strcmp(m->dev[i].port, d->port) == 0) {
            if (m->dev[i].kind != d->kind || m->dev[i].pid != d->pid)
                m->probe[i][0] = '\0'; /* another device: what was probed no longer holds */
            m->dev[i] = *d;
            mark(m, UI_PANEL_DEVICES);
            return;
        }
    if (m->ndev < UI_MAX_DEVICES) {
        /* In port order, as --list prints them and select.c names them. */
        size_t at = 0;
        while (at < m->ndev && strcmp(m->dev[at].port, d->port) < 0)
            at++;
        memmove(&m->dev[at + 1], &m->dev[at], (m->ndev - at) * sizeof m->dev[0]);
        memmove(&m->probe[at + 1], &m->probe[at], (m->ndev - at) * sizeof m->probe[0]);
        m->dev[at] = *d;
        m->probe[at][0] = '\0';
        m->ndev++;
    }
    mark(m, UI_PANEL_DEVICES);
}

void ui_model_device_remove(struct ui_model *m, const struct tp_devinfo *d)
{
    for (size_t i = 0; i < m->ndev; i++)
        if (same_dev(&m->dev[i], d)) {
            memmove(&m->dev[i], &m->dev[i + 1], (m->ndev - i - 1) * sizeof m->dev[0]);
            memmove(&m->probe[i], &m->probe[i + 1], (m->ndev - i - 1) * sizeof m->probe[0]);
            m->ndev--;
            if (m->selected >= m->ndev && m->selected > 0)
                m->selected = m->ndev ? m->ndev - 1 : 0;
            mark(m, UI_PANEL_DEVICES);
            return;
        }
}

void ui_model_device_probe(struct ui_model *m, const char *port, const char *state)
{
    for (size_t i = 0; i < m->ndev; i++)
        if (strcmp(m->dev[i].port, port) == 0) {
            snprintf(m->probe[i], sizeof m->probe[i], "%s", state);
            mark(m, UI_PANEL_DEVICES);
            return;
        }
}

void ui_model_log(struct ui_model *m, enum sess_log_level level, double t, const char *fmt, ...)
{
    struct ui_log_line *line;
    va_list ap;

    if (m->log_count < UI_LOG_LINES) {
        line = &m->log[(m->log_head + m->log_count) % UI_LOG_LINES];
        m->log_count++;
    } else {
        line = &m->log[m->log_head];
        m->log_head = (m->log_head + 1) % UI_LOG_LINES;
    }
    line->level = level;
    line->t = t;
    va_start(ap, fmt);
    vsnprintf(line->text, sizeof line->text, fmt, ap);
    va_end(ap);
    /* One log line per screen line: control characters would break the frame. */
    for (char *p = line->text; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    mark(m, UI_PANEL_LOG);
}

const struct ui_log_line *ui_model_log_line(const struct ui_model *m, size_t i)
{
    if (i >= m->log_count)
        return NULL;
    return &m->log[(m->log_head + i) % UI_LOG_LINES];
}

static void copy_image(struct ui_image_model *dst, const struct pkg_image *src)
{
    const char *base = strrchr(src->name, '/');

    snprintf(dst->name, sizeof dst->name, "%s", base ? base + 1 : src->name);
    dst->size = src->size;
    pkg_sha256_hex(src->sha256, dst->sha256);
}

static void apply_package(struct ui_model *m, const struct pkg *p)
{
    char size[32];

    m->have_package = true;
    snprintf(m->source, sizeof m->source, "%s", p->source);
    snprintf(m->version, sizeof m->version, "%s", p->version);
    snprintf(m->processor, sizeof m->processor, "%s", p->processor);
    copy_image(&m->flashloader, &p->flashloader);
    copy_image(&m->firmware, &p->firmware);
    mark(m, UI_PANEL_PACKAGE);
    ui_fmt_bytes(m->firmware.size, size, sizeof size);
    ui_model_log(m, SESS_LOG_INFO, m->now, "Package %s: firmware %s (%s)", m->version, m->firmware.name,
                 size);
}

static void device_event(struct ui_model *m, const struct sess_event *ev)
{
    const struct tp_devinfo *d = ev->dev;
    const char *mode = tp_kind_name(d->kind);

    switch (ev->type) {
    case SESS_EV_DEVICE_ARRIVED:
        ui_model_device_add(m, d);
        ui_model_log(m, SESS_LOG_INFO, ev->t, "Device arrived: %s %s %04x:%04x", d->port, mode, d->vid,
                     d->pid);
        break;
    case SESS_EV_DEVICE_LEFT:
        ui_model_device_remove(m, d);
        ui_model_log(m, SESS_LOG_INFO, ev->t, "Device left: %s %s", d->port, mode);
        break;
    default: /* SESS_EV_DEVICE_DETECTED */
        /* Found in flashloader mode first: nothing to upload. */
        if (d->kind == TP_KIND_MBOOT && m->gauge[UI_G_UPLOAD].state == UI_GS_PENDING) {
            m->gauge[UI_G_UPLOAD].state = UI_GS_DONE;
            m->gauge[UI_G_UPLOAD].skipped = true;
            mark(m, UI_PANEL_PHASES);
        }
        ui_model_device_add(m, d);
        snprintf(m->target_port, sizeof m->target_port, "%s", d->port);
        ui_model_log(m, SESS_LOG_INFO, ev->t, "Flashing the module at %s (%s)", d->port, mode);
        break;
    }
}

/* What to do, where the user reads, once the module has not come at once
 * (a module already in bootloader mode needs no instructions). */
#define WAIT_HINT_AFTER_S 1.0

static void wait_hint(struct ui_model *m)
{
    double t = m->now;

    m->wait_hinted = true;
    if (m->wait_port[0])
        ui_model_log(m, SESS_LOG_INFO, t, "Waiting for the module at port %s in bootloader mode.",
                     m->wait_port);
    else
        ui_model_log(m, SESS_LOG_INFO, t, "Waiting for a module in bootloader mode.");
    ui_model_log(m, SESS_LOG_INFO, t, "On the module choose Menu > Misc > Enter bootloader mode.");
    ui_model_log(m, SESS_LOG_INFO, t,
                 "Use a USB data cable (a charge-only cable shows nothing); nt_flash --list shows what is "
                 "attached.");
}

static void phase_event(struct ui_model *m, const struct sess_event *ev)
{
    int g = gauge_of_phase(ev->phase);
    struct ui_gauge_model *gm = g >= 0 ? &m->gauge[g] : NULL;

    if (ev->type == SESS_EV_PHASE_START) {
        m->phase = ev->phase;
        m->phase_active = true;
        mark(m, UI_PANEL_TITLE);
        if (ev->phase == SESS_PH_WAIT) {
            m->wait_t0 = ev->t;
            m->wait_hinted = false;
        }
        if (gm) {
            gm->state = UI_GS_RUNNING;
            gm->done = 0;
            gm->total = 0;
            gm->t_start = ev->t;
            gm->t_last = ev->t;
        }
    } else if (ev->type == SESS_EV_PROGRESS) {
        if (gm) {
            if (gm->state == UI_GS_PENDING) {
                gm->state = UI_GS_RUNNING;
                gm->t_start = ev->t;
            }
            gm->done = ev->done;
            gm->total = ev->total;
            gm->t_last = ev->t;
        }
    } else { /* SESS_EV_PHASE_DONE */
        m->phase_active = false;
        if (gm) {
            gm->state = UI_GS_DONE;
            if (ev->total)
                gm->total = ev->total;
            if (gm->total)
                gm->done = gm->total;
            gm->t_end = ev->t;
        }
    }
    if (gm || ev->type != SESS_EV_PROGRESS)
        mark(m, UI_PANEL_PHASES);

    mark(m, UI_PANEL_DEVICES);
}

static void finish_event(struct ui_model *m, const struct sess_event *ev)
{
    if (ev->type == SESS_EV_FINISHED) {
        m->run = UI_RS_FINISHED;
        if (m->dry_run)
            snprintf(m->result, sizeof m->result, "The package is valid; nothing was flashed (--dry-run).");
        else
            snprintf(m->result, sizeof m->result, "Flashing complete in %.1f s.", ev->t - m->sess_t0);
        ui_model_log(m, SESS_LOG_INFO, ev->t, "%s", m->result);
    } else {
        m->run = UI_RS_FAILED;
        snprintf(m->result, sizeof m->result, "%s",
                 ev->err && ev->err->msg[0] ? ev->err->msg : "the session failed");
        ui_model_log(m, SESS_LOG_ERROR, ev->t, "%s", m->result);
        /* As the line front ends do: what state the module is in, what to do. */
        if (ev->dev) {
            char state[SESS_REPORT_MAX];
            sess_state_line(ev->phase, ev->dev, ev->err, state, sizeof state);
            state[0] = (char)toupper((unsigned char)state[0]);
            ui_model_log(m, SESS_LOG_WARN, ev->t, "%s", state);
        }
        for (int g = 0; g < UI_G_COUNT; g++)
            if (m->gauge[g].state == UI_GS_RUNNING) {
                m->gauge[g].state = UI_GS_FAILED;
                m->gauge[g].t_end = ev->t;
            }
    }
    m->phase_active = false;
    mark(m, UI_PANEL_TITLE);
    mark(m, UI_PANEL_PHASES);
    mark(m, UI_PANEL_DEVICES);
    mark(m, UI_PANEL_FOOTER);
}

void ui_model_apply(struct ui_model *m, const struct sess_event *ev)
{
    if (ev->t > m->now) {
        m->now = ev->t;
        if (m->phase_active)
            mark(m, UI_PANEL_PHASES); /* rates and time left move with the clock */
    }
    if (m->run == UI_RS_IDLE && ev->type != SESS_EV_IDLE) {
        m->run = UI_RS_RUNNING;
        mark(m, UI_PANEL_TITLE);
    }
    switch (ev->type) {
    case SESS_EV_DEVICE_ARRIVED:
    case SESS_EV_DEVICE_LEFT:
    case SESS_EV_DEVICE_DETECTED:
        if (ev->type == SESS_EV_DEVICE_DETECTED && m->flash_t0 <= 0)
            m->flash_t0 = ev->t > 0 ? ev->t : 1e-9;
        if (ev->dev)
            device_event(m, ev);
        break;
    case SESS_EV_PACKAGE:
        if (ev->pkg)
            apply_package(m, ev->pkg);
        break;
    case SESS_EV_PHASE_START:
    case SESS_EV_PROGRESS:
    case SESS_EV_PHASE_DONE: phase_event(m, ev); break;
    case SESS_EV_LOG: ui_model_log(m, ev->level, ev->t, "%s", ev->text ? ev->text : ""); break;
    case SESS_EV_FINISHED:
    case SESS_EV_FAILED: finish_event(m, ev); break;
    case SESS_EV_RUNNING:
        if (ev->dev) {
            ui_model_device_add(m, ev->dev);
            ui_model_set_running(m, ev->dev->port, ev->text);
        }
        if (m->run == UI_RS_FINISHED) { /* the final summary says it too */
            size_t used = strlen(m->result);
            snprintf(m->result + used, sizeof m->result - used, " Running firmware %s.",
                     ev->text ? ev->text : "of unknown version");
            mark(m, UI_PANEL_TITLE);
        }
        ui_model_log(m, SESS_LOG_INFO, ev->t, "RUNNING %s: the module runs its firmware again",
                     ev->text ? ev->text : "unknown");
        break;
    case SESS_EV_IDLE: break;
    }
}

void ui_model_tick(struct ui_model *m, double now)
{
    if (now <= m->now)
        return;
    /* The waiting countdown moves in whole seconds; the clocks of the
     * gauges UI_TICKS_PER_S times a second (each redraw costs bytes on an
     * SSH link; events redraw at once anyway). */
    if (m->phase_active && m->phase == SESS_PH_WAIT && (long)now != (long)m->now)
        mark(m, UI_PANEL_TITLE);
    if (m->phase_active && (long)(now * UI_TICKS_PER_S) != (long)(m->now * UI_TICKS_PER_S))
        mark(m, UI_PANEL_PHASES);
    /* The title's overall percent and time left, once a second: the whole
     * reversed line is a costly redraw. */
    if (m->flash_t0 > 0 && m->run == UI_RS_RUNNING && (long)now != (long)m->now)
        mark(m, UI_PANEL_TITLE);
    m->now = now;
    if (m->phase_active && m->phase == SESS_PH_WAIT && !m->wait_hinted &&
        now - m->wait_t0 >= WAIT_HINT_AFTER_S)
        wait_hint(m);
}

/* Until a phase has measured its own rate, its time left comes from these
 * typical rates, chosen on the slow side so that the first estimate is not
 * optimistic: the ROM's SDP upload, a 64 KiB NOR block erase in about
 * 0.7 s (session.c), and MCUboot writes with page programming; configure
 * and reset take about a second each. */
#define UPLOAD_PRIOR_BYTES_PER_S (64.0 * 1024)
#define ERASE_PRIOR_BYTES_PER_S (64.0 * 1024 / 0.7)
#define WRITE_PRIOR_BYTES_PER_S (256.0 * 1024)
#define VERIFY_PRIOR_BYTES_PER_S (512.0 * 1024) /* reads need no programming */
#define STEP_PRIOR_S 1.0
#define SECTOR_BYTES 4096u

/* The bytes a phase moves, known before it starts from the package. */
static uint64_t planned_bytes(const struct ui_model *m, int g)
{
    switch (g) {
    case UI_G_UPLOAD: return m->flashloader.size;
    case UI_G_ERASE:
        return (SECTOR_BYTES + m->firmware.size + SECTOR_BYTES - 1) / SECTOR_BYTES * SECTOR_BYTES;
    case UI_G_WRITE:
    case UI_G_VERIFY: return m->firmware.size;
    default: return 0;
    }
}

static double prior_rate(int g)
{
    return g == UI_G_UPLOAD ? UPLOAD_PRIOR_BYTES_PER_S
        : g == UI_G_ERASE   ? ERASE_PRIOR_BYTES_PER_S
        : g == UI_G_VERIFY  ? VERIFY_PRIOR_BYTES_PER_S
                            : WRITE_PRIOR_BYTES_PER_S;
}

/* How much faster (>1) or slower than typical this flash is, from the
 * latest erase or write with a measured rate; 1 before there is one. */
static double flash_speedup(const struct ui_model *m)
{
    double speedup = 1;

    for (int g = UI_G_ERASE; g <= UI_G_WRITE; g++) {
        double rate = ui_model_gauge_rate(m, (enum ui_gauge_id)g);
        if (g == UI_G_ERASE || g == UI_G_WRITE)
            if (rate > 0 && (m->gauge[g].state == UI_GS_DONE || m->gauge[g].state == UI_GS_RUNNING))
                speedup = rate / prior_rate(g);
    }
    return speedup;
}

double ui_model_overall_left(const struct ui_model *m)
{
    double left = 0, speedup = flash_speedup(m);

    if (m->run != UI_RS_RUNNING || m->flash_t0 <= 0 || !m->have_package)
        return -1;
    /* The work still to do, phase by phase: the running one at its measured
     * rate (or, while it has none, the typical one), those to come at the
     * typical rates scaled by how this flash's erase or write compares. */
    for (int g = UI_G_UPLOAD; g < UI_G_COUNT; g++) {
        const struct ui_gauge_model *gm = &m->gauge[g];
        uint64_t total = gm->total ? gm->total : planned_bytes(m, g);
        double rate = ui_model_gauge_rate(m, (enum ui_gauge_id)g);
        if (gm->state == UI_GS_DONE)
            continue;
        if (g == UI_G_CONFIGURE || g == UI_G_RESET) {
            double spent = gm->state == UI_GS_RUNNING ? m->now - gm->t_start : 0;
            double step = STEP_PRIOR_S / speedup;
            left += spent < step ? step - spent : 0;
            continue;
        }
        if (total <= gm->done)
            continue;
        if (!(gm->state == UI_GS_RUNNING && rate > 0))
            rate = prior_rate(g) * (g == UI_G_UPLOAD ? 1 : speedup);
        left += (double)(total - gm->done) / rate;
    }
    return left;
}

/* The window title's time left: whole minutes, or tens of seconds. */
#define WINDOW_TITLE_MINUTE_S 60.0
#define WINDOW_TITLE_STEP_S 10.0

void ui_model_window_title(const struct ui_model *m, char *out, size_t cap)
{
    char left[32];
    double s = ui_model_overall_left(m);

    /* Coarse on purpose: the window title changes rarely, so it costs few
     * bytes (a glance needs minutes, the view has the seconds). */
    if (s >= WINDOW_TITLE_MINUTE_S)
        s = ceil(s / WINDOW_TITLE_MINUTE_S) * WINDOW_TITLE_MINUTE_S;
    else if (s >= WINDOW_TITLE_STEP_S)
        s = ceil(s / WINDOW_TITLE_STEP_S) * WINDOW_TITLE_STEP_S;

    if (m->run == UI_RS_FINISHED)
        snprintf(out, cap, "nt_flash: done");
    else if (m->run == UI_RS_FAILED)
        snprintf(out, cap, "nt_flash: FAILED");
    else if (m->run == UI_RS_IDLE || (m->phase == SESS_PH_WAIT && m->phase_active) || m->flash_t0 <= 0)
        snprintf(out, cap, "nt_flash: waiting");
    else if (s >= 0) {
        ui_fmt_duration(s, left, sizeof left);
        snprintf(out, cap, "nt_flash %d%% %s %s left", ui_model_overall_percent(m), sess_phase_name(m->phase),
                 left);
    } else
        snprintf(out, cap, "nt_flash %d%% %s", ui_model_overall_percent(m), sess_phase_name(m->phase));
}

void ui_model_wait_text(const struct ui_model *m, char *out, size_t cap)
{
    double waited = m->now - m->wait_t0, left = m->wait_limit_s - waited;

    if (m->wait_limit_s > 0)
        snprintf(out, cap, "Waiting for the module in bootloader mode: %lds left",
                 (long)(left > 0 ? left + 0.999 : 0));
    else
        snprintf(out, cap, "Waiting for the module in bootloader mode: %lds so far",
                 (long)(waited > 0 ? waited : 0));
}

int ui_model_overall_percent(const struct ui_model *m)
{
    double sum = 0;

    for (int g = 0; g < UI_G_COUNT; g++) {
        const struct ui_gauge_model *gm = &m->gauge[g];
        double frac = 0;
        if (gm->state == UI_GS_DONE)
            frac = 1;
        else if (gm->total)
            frac = (double)gm->done / (double)gm->total;
        if (frac > 1)
            frac = 1;
        sum += frac * gauge_weight[g];
    }
    /* A flash that skipped the upload (flashloader already running) still ends at 100. */
    if (m->run == UI_RS_FINISHED)
        return 100;
    return sum >= 99.0 ? 99 : (int)sum;
}

void ui_model_set_running(struct ui_model *m, const char *port, const char *version)
{
    size_t i = 0;

    while (i < m->nrunning && strcmp(m->running[i].port, port) != 0)
        i++;
    if (i == m->nrunning) {
        if (m->nrunning == UI_RUNNING_MAX)
            return;
        m->nrunning++;
    }
    snprintf(m->running[i].port, sizeof m->running[i].port, "%s", port);
    snprintf(m->running[i].version, sizeof m->running[i].version, "%s", version ? version : "");
    mark(m, UI_PANEL_DEVICES);
}

void ui_model_set_latest(struct ui_model *m, const char *version)
{
    snprintf(m->latest, sizeof m->latest, "%s", version ? version : "");
    mark(m, UI_PANEL_DEVICES);
}

void ui_model_device_state(const struct ui_model *m, const struct tp_devinfo *d, char *out, size_t cap)
{
    if (d->kind == TP_KIND_APP) {
        for (size_t i = 0; i < m->nrunning; i++)
            if (!strcmp(m->running[i].port, d->port) && m->running[i].version[0]) {
                const char *v = m->running[i].version;
                if (m->latest[0] && sysex_version_cmp(v, m->latest) < 0)
                    snprintf(out, cap, "running %s, %s out", v, m->latest);
                else
                    snprintf(out, cap, "running %s", v);
                return;
            }
        snprintf(out, cap, "running");
        return;
    }
    if (!m->target_port[0] || strcmp(m->target_port, d->port) != 0) {
        snprintf(out, cap, "idle");
        return;
    }
    switch (m->run) {
    case UI_RS_FINISHED: snprintf(out, cap, "done"); break;
    case UI_RS_FAILED: snprintf(out, cap, "failed"); break;
    default: snprintf(out, cap, "flashing %d%%", ui_model_overall_percent(m)); break;
    }
}

double ui_model_gauge_rate(const struct ui_model *m, enum ui_gauge_id g)
{
    const struct ui_gauge_model *gm = &m->gauge[g];
    double end = gm->state == UI_GS_RUNNING ? m->now : gm->t_end;
    double elapsed = end - gm->t_start;

    /* While running, a rate needs some history; a finished phase has its whole. */
    if (gm->done == 0 || elapsed <= 0 || (gm->state == UI_GS_RUNNING && elapsed < RATE_MIN_ELAPSED_S))
        return 0;
    return (double)gm->done / elapsed;
}

void ui_model_gauge_text(const struct ui_model *m, enum ui_gauge_id g, char *out, size_t cap)
{
    const struct ui_gauge_model *gm = &m->gauge[g];
    char a[32], b[32], r[32], t[32];
    double rate = ui_model_gauge_rate(m, g);

    switch (gm->state) {
    case UI_GS_PENDING: snprintf(out, cap, "%s", ""); break;
    case UI_GS_DONE:
        ui_fmt_duration(gm->t_end - gm->t_start, t, sizeof t);
        if (gm->skipped) {
            snprintf(out, cap, "skipped: the flashloader was already running");
        } else if (gm->total && rate > 0) {
            ui_fmt_bytes(gm->total, a, sizeof a);
            ui_fmt_rate(rate, r, sizeof r);
            snprintf(out, cap, "%s  %s  done in %s", a, r, t);
        } else if (gm->total) {
            ui_fmt_bytes(gm->total, a, sizeof a);
            snprintf(out, cap, "%s  done in %s", a, t);
        } else {
            snprintf(out, cap, "done in %s", t);
        }
        break;
    case UI_GS_FAILED:
        ui_fmt_bytes(gm->done, a, sizeof a);
        snprintf(out, cap, "failed after %s", a);
        break;
    case UI_GS_RUNNING:
        if (!gm->total) {
            ui_fmt_duration(m->now - gm->t_start, t, sizeof t);
            snprintf(out, cap, "working %s", t);
            break;
        }
        ui_fmt_bytes(gm->done, a, sizeof a);
        ui_fmt_bytes(gm->total, b, sizeof b);
        if (m->now - gm->t_last >= UI_COMMAND_SHOW_S) {
            /* A long command (a slow erase): its own clock shows the wait
             * is alive; the rate would only say "slowing down". */
            char cmd[32];
            ui_fmt_duration(m->now - gm->t_last, cmd, sizeof cmd);
            if (rate > 0) {
                ui_fmt_eta(gm->done, gm->total, rate, t, sizeof t);
                snprintf(out, cap, "%s / %s  %s left  command %s", a, b, t, cmd);
            } else {
                snprintf(out, cap, "%s / %s  command %s", a, b, cmd);
            }
            break;
        }
        if (!(rate > 0)) { /* too early to tell: no rate, no guess */
            snprintf(out, cap, "%s / %s", a, b);
            break;
        }
        ui_fmt_rate(rate, r, sizeof r);
        ui_fmt_eta(gm->done, gm->total, rate, t, sizeof t);
        snprintf(out, cap, "%s / %s  %s  %s left", a, b, r, t);
        break;
    }
}

void ui_model_gauge_text_short(const struct ui_model *m, enum ui_gauge_id g, char *out, size_t cap)
{
    const struct ui_gauge_model *gm = &m->gauge[g];
    double rate = ui_model_gauge_rate(m, g);
    char t[32];

    switch (gm->state) {
    case UI_GS_PENDING: snprintf(out, cap, "%s", ""); break;
    case UI_GS_DONE:
        ui_fmt_duration(gm->t_end - gm->t_start, t, sizeof t);
        snprintf(out, cap, gm->skipped ? "skipped" : "done %s", t);
        break;
    case UI_GS_FAILED: snprintf(out, cap, "failed"); break;
    case UI_GS_RUNNING:
        if (!gm->total) {
            ui_fmt_duration(m->now - gm->t_start, t, sizeof t);
            snprintf(out, cap, "working %s", t);
        } else if (rate > 0) {
            ui_fmt_eta(gm->done, gm->total, rate, t, sizeof t);
            snprintf(out, cap, "%s left", t);
        } else {
            snprintf(out, cap, "%s", "");
        }
        break;
    }
}

bool ui_model_in_destructive_phase(const struct ui_model *m)
{
    return m->run == UI_RS_RUNNING && m->phase_active &&
        (m->phase == SESS_PH_ERASE || m->phase == SESS_PH_FCB || m->phase == SESS_PH_WRITE);
}
