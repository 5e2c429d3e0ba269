/* The full-screen view of several modules at once: the same rules as the
 * line front end of --all and --loop (app/multi.c: modules in bootloader
 * mode in port order, a chosen set of ports, a module that finished is not
 * flashed again until it has left the bus), with one row per module. Each
 * module's session runs on its own thread through the thread runner
 * (sess_thread.c), one queue per session: a queue keeps its module's events
 * in order and ends with its session, and this thread drains every queue in
 * turn, so no event needs a module index and a finished module's queue is
 * freed at its join. Each row keeps its own model (ui_model.c), so phase,
 * percent and time left are computed as in the single-module view. */
#include "config.h"

#include "ui_multi.h"

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "clock.h"
#include "pkg.h"
#include "select.h"
#include "sess_report.h"
#include "sess_thread.h"
#include "text.h"
#include "ui_fmt.h"
#include "ui_layout.h"
#include "ui_model.h"

#define MULTI_MAX SELECT_MAX_DEVICES
/* How often the bus is listed for modules to start. */
#define SCAN_INTERVAL_MS 100
#define REDRAW_INTERVAL_MS 100
#define WAIT_MS 20
#define EVENTS_PER_PASS 256
#define US_PER_S 1e6

/* A flash error, the exit code of a module that could not even start (the
 * README's "Exit codes"; app/exit_code.h sits above this layer). */
#define MULTI_EXIT_FLASH 5

enum mod_state { MOD_RUNNING, MOD_DONE, MOD_FAILED };

struct mod {
    char port[TP_PORT_MAX];
    struct ui_model *m;
    struct sess_thread *th; /* NULL once joined */
    struct tp_bus *view;
    struct sess_config sc;
    int64_t t0_us;
    double offset; /* where its session's clock starts on the view's */
    enum mod_state state;
    bool present; /* still on the bus (a finished module waits to leave) */
    char result[NT_ERR_MSG_MAX + 64];
    /* The failure event, for the way to recover in the final block. */
    bool failed_on_module;
    enum sess_phase fail_phase;
    struct tp_devinfo fail_dev;
    struct nt_err fail_err;
};

struct multi_view {
    const struct ui_multi_job *j;
    struct ui_multi_out *out;
    struct mod *mods[MULTI_MAX];
    size_t n;
    unsigned done, failed;
    int64_t t0_ms, last_draw_ms, last_scan_ms;
    bool all; /* several at once (--all, or the picker's 'a'); else one at a time */
    bool dirty, stopping, confirm, terminal_gone, started_any, ended, key;
    char prompt[160];
};

static double view_now(const struct multi_view *v) { return (double)(clock_now_ms() - v->t0_ms) / 1000.0; }

static void add_line(struct ui_multi_out *o, const char *fmt, ...) NT_PRINTF(2, 3);
static void add_line(struct ui_multi_out *o, const char *fmt, ...)
{
    va_list ap;

    if (o->nlines == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        void *p = realloc(o->results, cap * sizeof o->results[0]);
        if (!p)
            return;
        o->results = p;
        o->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(o->results[o->nlines++], sizeof o->results[0], fmt, ap);
    va_end(ap);
}

static void add_hint(struct ui_multi_out *o, const char *port, const char *text)
{
    if (o->nhints == o->hints_cap) {
        size_t cap = o->hints_cap ? o->hints_cap * 2 : 4;
        void *p = realloc(o->hints, cap * sizeof o->hints[0]);
        if (!p)
            return;
        o->hints = p;
        o->hints_cap = cap;
    }
    snprintf(o->hints[o->nhints++], sizeof o->hints[0], "%s: %s", port, text);
}

static bool port_chosen(const struct ui_multi_job *j, const char *port)
{
    if (j->nports == 0)
        return true;
    for (size_t i = 0; i < j->nports; i++)
        if (strcmp(j->ports[i], port) == 0)
            return true;
    return false;
}

static struct mod *find(struct multi_view *v, const char *port)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->mods[i]->port, port) == 0)
            return v->mods[i];
    return NULL;
}

static size_t running(const struct multi_view *v)
{
    size_t k = 0;

    for (size_t i = 0; i < v->n; i++)
        k += v->mods[i]->th != NULL;
    return k;
}

/* A module that ended badly: its row, its RESULT line, the count and the
 * exit code (the highest among the failures). shown is the row's reason. */
static void mark_failed(struct multi_view *v, struct mod *md, int code, const char *shown, const char *msg)
{
    md->state = MOD_FAILED;
    snprintf(md->result, sizeof md->result, "FAILED: %s", shown);
    add_line(v->out, "RESULT %s FAILED %d %s", md->port, code, msg);
    v->failed++;
    if (v->out->code < code)
        v->out->code = code;
}

static void start(struct multi_view *v, const char *port)
{
    struct mod *md = find(v, port);
    struct nt_err err;

    if (!md) {
        if (v->n == MULTI_MAX)
            return;
        md = calloc(1, sizeof *md);
        if (!md || !(md->m = malloc(sizeof *md->m))) {
            free(md);
            return;
        }
        snprintf(md->port, sizeof md->port, "%s", port);
        v->mods[v->n++] = md;
    }
    nt_err_clear(&err);
    ui_model_init(md->m, v->j->sess->url != NULL);
    md->result[0] = '\0';
    md->state = MOD_RUNNING;
    md->present = true;
    if (v->j->cfg->bus->ops->subscribe(v->j->cfg->bus, &md->view, &err) != NT_OK) {
        md->view = NULL;
        mark_failed(v, md, MULTI_EXIT_FLASH, err.msg, err.msg);
        return;
    }
    md->sc = *v->j->sess;
    md->sc.port = md->port;
    md->sc.bus = md->view;
    md->sc.trace = NULL;
    md->sc.confirm_reboot = NULL; /* only modules already in bootloader mode */
    md->sc.user = NULL;
    md->t0_us = clock_now_us();
    md->offset = view_now(v);
    md->m->sess_t0 = md->offset;
    snprintf(md->m->wait_port, sizeof md->m->wait_port, "%s", port);
    if (sess_thread_start(&md->sc, v->j->cfg->run, NULL, NULL, &md->th, &err) != NT_OK) {
        md->view->ops->destroy(md->view);
        md->view = NULL;
        md->th = NULL;
        mark_failed(v, md, MULTI_EXIT_FLASH, err.msg, err.msg);
        return;
    }
    v->started_any = true;
    v->dirty = true;
}

/* The row's reason: a message is a chain "what: where: cause"; the row
 * has room for the cause (the RESULT line keeps the whole message). */
static const char *short_reason(const char *msg)
{
    const char *r = msg, *p;

    while ((p = strstr(r, ": ")) && p[2])
        r = p + 2;
    return r;
}

/* Join a session that ended: its row keeps the result. */
static void finish(struct multi_view *v, struct mod *md)
{
    struct sess_result res;
    struct nt_err err;
    nt_status st;
    int code;
    double secs = (double)(clock_now_us() - md->t0_us) / US_PER_S;

    memset(&res, 0, sizeof res);
    nt_err_clear(&err);
    st = sess_thread_join(md->th, &res, &err);
    md->th = NULL;
    code = v->j->cfg->exit_code ? v->j->cfg->exit_code(st, &res) : (st == NT_OK ? 0 : MULTI_EXIT_FLASH);
    if (code == 0) {
        const char *ver = res.pkg ? res.pkg->version : "unknown";
        md->state = MOD_DONE;
        snprintf(md->result, sizeof md->result, "DONE %s in %.1fs", ver, secs);
        add_line(v->out, "RESULT %s OK %s %.1f", md->port, ver, secs);
        v->done++;
        v->out->ok++;
    } else {
        mark_failed(v, md, code, short_reason(err.msg), err.msg);
        /* How to recover, as the line front ends say it on stderr. */
        if (md->failed_on_module) {
            char text[SESS_REPORT_MAX];
            sess_state_line(md->fail_phase, &md->fail_dev, &md->fail_err, text, sizeof text);
            add_hint(v->out, md->port, text);
        }
    }
    pkg_free(res.pkg);
    if (md->view)
        md->view->ops->destroy(md->view);
    md->view = NULL;
    v->dirty = true;
}

static void drain(struct multi_view *v)
{
    for (size_t i = 0; i < v->n; i++) {
        struct mod *md = v->mods[i];
        struct sess_event ev;
        int k = 0;

        if (!md->th)
            continue;
        while (k++ < EVENTS_PER_PASS && sess_thread_next(md->th, 0, &ev)) {
            if (ev.type == SESS_EV_LOG)
                continue; /* the rows show no log */
            if (ev.type == SESS_EV_FAILED) {
                md->fail_phase = ev.phase;
                md->failed_on_module = ev.dev != NULL;
                if (ev.dev)
                    md->fail_dev = *ev.dev;
                if (ev.err)
                    md->fail_err = *ev.err;
            }
            ev.t += md->offset;
            ui_model_apply(md->m, &ev);
        }
        ui_model_tick(md->m, md->offset + sess_thread_elapsed(md->th));
        if (md->m->dirty)
            v->dirty = true;
        md->m->dirty = 0;
        if (sess_thread_ended(md->th))
            finish(v, md);
    }
}

/* Forget finished modules that left; start the chosen ones in bootloader
 * mode, in port order (as --list shows them). */
static void look(struct multi_view *v, bool may_start)
{
    struct tp_bus *bus = v->j->cfg->bus;
    struct tp_devinfo devs[MULTI_MAX];
    size_t n = 0;
    struct nt_err err;
    const char *after = NULL;

    nt_err_clear(&err);
    if (bus->ops->scan(bus, devs, MULTI_MAX, &n, &err) != NT_OK)
        return;
    if (n > MULTI_MAX)
        n = MULTI_MAX;
    for (size_t i = 0; i < v->n; i++) {
        bool here = false;
        for (size_t k = 0; k < n; k++)
            here |= strcmp(devs[k].port, v->mods[i]->port) == 0;
        if (!v->mods[i]->th)
            v->mods[i]->present = here && v->mods[i]->present;
    }
    if (!may_start)
        return;
    for (;;) {
        size_t best = n;
        struct mod *md;
        for (size_t k = 0; k < n; k++) {
            if ((devs[k].kind != TP_KIND_SDP && devs[k].kind != TP_KIND_MBOOT) ||
                (after && strcmp(devs[k].port, after) <= 0))
                continue;
            if (best == n || strcmp(devs[k].port, devs[best].port) < 0)
                best = k;
        }
        if (best == n)
            return;
        after = devs[best].port;
        md = find(v, after);
        if (!port_chosen(v->j, after) || (md && (md->th || md->present)))
            continue;
        /* --loop alone: one module at a time. */
        if (!v->all && running(v) > 0)
            return;
        start(v, after);
    }
}

/* ---- drawing ------------------------------------------------------------ */

static void put(int y, int x, int w, attr_t a, const char *text)
{
    char fit[512];

    if (w <= 0)
        return;
    ui_fmt_fit(text, w, fit, sizeof fit);
    attron(a);
    mvaddstr(y, x, fit);
    attroff(a);
}

static void draw_row(const struct mod *md, const struct ui_mod_layout *l, int y)
{
    const struct ui_model *m = md->m;
    char buf[64], safe[NT_TEXT_SAFE_CAP(sizeof md->result)];
    double left;

    put(y, l->port_x, UI_MOD_PORT_COLS, A_BOLD, md->port);
    if (md->state == MOD_RUNNING) {
        put(y, l->phase_x, UI_MOD_PHASE_COLS, A_NORMAL,
            m->phase == SESS_PH_WAIT || !m->phase_active ? "waiting" : sess_phase_name(m->phase));
        snprintf(buf, sizeof buf, "%3d%%", ui_model_overall_percent(m));
        put(y, l->pct_x, UI_MOD_PCT_COLS, A_NORMAL, buf);
        left = ui_model_overall_left(m);
        if (l->left_x >= 0 && left >= 0) {
            char d[32];
            ui_fmt_duration(left, d, sizeof d);
            snprintf(buf, sizeof buf, "%s left", d);
            put(y, l->left_x, UI_MOD_LEFT_COLS, A_NORMAL, buf);
        }
        return;
    }
    /* A failure keeps the phase it happened in. */
    put(y, l->phase_x, UI_MOD_PHASE_COLS, A_NORMAL,
        md->state == MOD_DONE ? "done" : sess_phase_name(m->phase));
    if (md->state == MOD_DONE)
        put(y, l->pct_x, UI_MOD_PCT_COLS, A_NORMAL, "100%");
    nt_text_safe(safe, sizeof safe, md->result);
    put(y, l->result_x, l->result_w, md->state == MOD_DONE ? A_BOLD : A_BOLD | A_REVERSE, safe);
}

static void draw(struct multi_view *v, bool now)
{
    struct ui_mod_layout l;
    int64_t t = clock_now_ms();
    char title[256];
    size_t in_progress = running(v);
    int rows, cols;

    if (!v->dirty || (!now && t - v->last_draw_ms < REDRAW_INTERVAL_MS))
        return;
    getmaxyx(stdscr, rows, cols);
    ui_layout_modules(cols, rows, v->n, &l);
    erase();
    snprintf(title, sizeof title, " nt_flash  %u done, %u failed, %zu in progress", v->done, v->failed,
             in_progress);
    if (l.too_small) {
        put(0, 0, cols, A_BOLD, title);
        put(rows > 1 ? 1 : 0, 0, cols, A_NORMAL,
            "Terminal too small: make it at least 40x4, or press q to stop");
        refresh();
        v->dirty = false;
        v->last_draw_ms = t;
        return;
    }
    put(0, 0, cols, A_REVERSE | A_BOLD, title);
    mvchgat(0, 0, -1, A_REVERSE | A_BOLD, 0, NULL);
    put(l.header_y, l.port_x, UI_MOD_PORT_COLS, A_DIM, "module");
    put(l.header_y, l.phase_x, UI_MOD_PHASE_COLS, A_DIM, "phase");
    put(l.header_y, l.pct_x, UI_MOD_PCT_COLS, A_DIM, "   %");
    if (l.left_x >= 0)
        put(l.header_y, l.left_x, UI_MOD_LEFT_COLS, A_DIM, "time left");
    put(l.header_y, l.result_x, l.result_w, A_DIM, "result");
    for (int i = 0; i < l.rows_shown; i++)
        draw_row(v->mods[i], &l, l.first_y + i);
    if (l.more_y >= 0) {
        char more[64];
        snprintf(more, sizeof more, "... and %zu more", v->n - (size_t)l.rows_shown);
        put(l.more_y, 1, cols - 2, A_NORMAL, more);
    }
    if (v->n == 0 || (v->j->loop && in_progress == 0 && !v->stopping && !v->ended))
        put(l.first_y + (l.more_y >= 0 ? l.rows_shown + 1 : l.rows_shown), 1, cols - 2, A_NORMAL,
            v->n == 0 ? "Waiting for modules in bootloader mode (Menu > Misc > Enter bootloader mode)"
                      : "Waiting for the next module in bootloader mode");
    /* A question or a notice takes the footer's place: the title keeps the count. */
    snprintf(title, sizeof title, " %s",
             v->ended           ? "Press any key to exit."
                 : v->prompt[0] ? v->prompt
                                : "q stop all (after the current command)   Ctrl-C stop all");
    put(l.footer_y, 0, cols, A_BOLD, title);
    refresh();
    v->dirty = false;
    v->last_draw_ms = t;
}

/* ---- keys and the loop --------------------------------------------------- */

static bool any_destructive(const struct multi_view *v)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->mods[i]->th && ui_model_in_destructive_phase(v->mods[i]->m))
            return true;
    return false;
}

static void stop_all(struct multi_view *v)
{
    v->stopping = true;
    v->confirm = false;
    nt_stop_request(v->j->stop, 0);
    snprintf(v->prompt, sizeof v->prompt, "%s",
             running(v) ? "Stopping all after the current command..." : "Stopping...");
    v->dirty = true;
}

static bool hung_up(void)
{
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static void read_keys(struct multi_view *v)
{
    int ch;

    if (v->terminal_gone || hung_up()) {
        v->terminal_gone = true;
        return;
    }
    while ((ch = getch()) != ERR) {
        v->dirty = true;
        if (ch == KEY_RESIZE)
            continue;
        if (v->ended) {
            v->key = true;
            continue;
        }
        if (ch == 'q' || ch == 'Q') {
            if (v->stopping)
                continue;
            if (any_destructive(v) && !v->confirm) {
                v->confirm = true;
                snprintf(v->prompt, sizeof v->prompt, "Press q again to stop all after the current command");
                continue;
            }
            stop_all(v);
        } else if (v->confirm) {
            v->confirm = false;
            v->prompt[0] = '\0';
        }
    }
    draw(v, true);
}

static void wait_input(const struct multi_view *v, int ms)
{
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

    if (v->terminal_gone)
        clock_sleep_us((int64_t)ms * 1000, NULL);
    else
        poll(&p, 1, ms);
}

void ui_multi_run(const struct ui_multi_job *j, struct ui_multi_out *out)
{
    struct multi_view *v = calloc(1, sizeof *v);
    int64_t deadline;

    memset(out, 0, sizeof *out);
    if (!v) {
        snprintf(out->error, sizeof out->error, "out of memory starting the view of several modules");
        out->code = 5;
        return;
    }
    v->j = j;
    v->all = j->cfg->all || j->nports > 0;
    v->out = out;
    v->t0_ms = clock_now_ms();
    v->dirty = true;
    deadline = v->t0_ms + (int64_t)(j->wait_limit_s * 1000.0);
    nodelay(stdscr, TRUE);
    keypad(stdscr, TRUE);
    clearok(curscr, TRUE);
    for (;;) {
        int64_t t = clock_now_ms();

        drain(v);
        if (!v->stopping && nt_stop_signal(j->stop))
            stop_all(v);
        read_keys(v);
        /* Ctrl-C between modules: the loop ends at once (below, without
         * --loop, a stop before any module is the line mode's exit 4). */
        if (v->stopping && running(v) == 0 && (j->loop || v->started_any))
            break;
        if (t - v->last_scan_ms >= SCAN_INTERVAL_MS) {
            v->last_scan_ms = t;
            look(v, !v->stopping && (j->loop || !v->started_any));
        }
        if (!j->loop && v->started_any && running(v) == 0)
            break;
        if (!j->loop && !v->started_any && (v->stopping || (j->wait_limit_s > 0 && t >= deadline))) {
            if (v->stopping)
                snprintf(out->error, sizeof out->error,
                         "stopped before any Disting NT in bootloader mode was found: on each module choose "
                         "Menu > Misc > Enter bootloader mode, check the USB cables, and run again");
            else
                snprintf(out->error, sizeof out->error,
                         "no Disting NT in bootloader mode found within %g s: on each module choose Menu > "
                         "Misc > Enter bootloader mode, check the USB cables, and run again (-t sets how "
                         "long to wait)",
                         j->wait_limit_s);
            out->code = 4;
            break;
        }
        draw(v, false);
        wait_input(v, WAIT_MS);
    }
    /* The results stay on screen until a key, unless the user stopped. */
    v->ended = true;
    v->prompt[0] = '\0';
    v->dirty = true;
    draw(v, true);
    while (!v->stopping && !v->key && !v->terminal_gone && !nt_stop_signal(j->stop) &&
           out->error[0] == '\0') {
        wait_input(v, 100);
        read_keys(v);
    }
    for (size_t i = 0; i < v->n; i++) {
        if (v->mods[i]->th)
            finish(v, v->mods[i]);
        free(v->mods[i]->m);
        free(v->mods[i]);
    }
    free(v);
}

void ui_multi_print(const struct ui_multi_out *out)
{
    char safe[NT_TEXT_SAFE_CAP(sizeof out->results[0])];
    for (size_t i = 0; i < out->nlines; i++) {
        nt_text_safe(safe, sizeof safe, out->results[i]);
        printf("%s\n", safe);
    }
    if (out->nlines)
        printf("nt_flash: %u of %zu modules flashed, %zu failed\n", out->ok, out->nlines,
               out->nlines - out->ok);
    fflush(stdout);
    for (size_t i = 0; i < out->nhints; i++) {
        char hsafe[NT_TEXT_SAFE_CAP(sizeof out->hints[0])];
        nt_text_safe(hsafe, sizeof hsafe, out->hints[i]);
        fprintf(stderr, "nt_flash: %s\n", hsafe);
    }
    fflush(stderr);
    if (out->error[0]) {
        nt_text_safe(safe, sizeof safe, out->error);
        fprintf(stderr, "nt_flash: %s\n", safe);
        fflush(stderr);
    }
}

void ui_multi_out_free(struct ui_multi_out *out)
{
    free(out->results);
    free(out->hints);
    out->hints = NULL;
    out->nhints = out->hints_cap = 0;
    out->results = NULL;
    out->nlines = out->cap = 0;
}
