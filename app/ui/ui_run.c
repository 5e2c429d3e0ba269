/* The full-screen UI's main flow: terminal setup and teardown, signals as
 * flags, the device monitor, the module picker, and the session, which runs
 * on its own thread (sess_thread.c) while this one drains its events, reads
 * keys, answers its questions and redraws at most ten times a second; and
 * the final block left on the terminal when the view closes. */
#include "config.h"

#include "ui.h"

#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "clock.h"
#include "pkg.h"
#include "probe.h"
#include "select.h"
#include "sess_report.h"
#include "sess_thread.h"
#include "text.h"
#include "ui_model.h"
#include "ui_multi.h"
#include "ui_screen.h"

/* "Until the user quits": a year, which no deadline arithmetic overflows. */
#define UI_WAIT_UNTIL_QUIT_S (365.0 * 24 * 3600)
/* At most ten redraws a second: progress comes per packet, the eye and an
 * SSH link need far fewer frames (doc/design.md §2.1). */
#define REDRAW_INTERVAL_MS 100
/* How long the monitor and picker wait for a bus event before reading keys. */
#define BUS_POLL_MS 50
/* How long the result screen waits for a key before checking signals again. */
#define RESULT_KEY_WAIT_MS 100
/* While the session runs (on its own thread), how long the view waits for
 * a key before it looks at the session's queue again: events are shown at
 * most this late, keys at once. */
#define SESSION_WAIT_MS 20
/* Events applied between two looks at the keys, so that a burst never
 * keeps a key waiting. */
#define EVENTS_PER_PASS 256
#define ALL_PANELS ((1u << UI_PANEL_COUNT) - 1)

/* For the atexit safety net: curses is up and the terminal not yet restored. */
static bool ui_curses_active;

struct ui_ctx {
    struct ui_config *cfg;
    struct ui_model m;
    struct ui_screen s;
    int64_t last_draw_ms;
    bool confirm;           /* q pressed once during erase or write */
    bool quit;              /* the user asked to stop (q confirmed, or a signal) */
    bool chosen;            /* the picker's Enter */
    bool terminal_gone;     /* the terminal hung up (an SSH link dropped) */
    bool done_key;          /* a key after DONE, while the module restarts: leave then */
    char port[TP_PORT_MAX]; /* the module picked */
    struct nt_stop *stop;   /* the app's (signals and 'q'), or own_stop */
    struct nt_stop own_stop;
    struct sess_config sess; /* the caller's job, with this view's sink and choice of port */
    struct sess_result *res; /* the caller's: what the session left */
    /* A question from the session's thread (confirm_reboot). */
    pthread_mutex_t ask_lock;
    pthread_cond_t ask_cond;
    enum { ASK_NONE, ASK_PENDING, ASK_SHOWN, ASK_ANSWERED } ask_state; /* guarded by ask_lock */
    bool ask_yes;
    struct tp_devinfo ask_dev;
    char ask_version[64];
    bool asking;           /* the question is on screen (this thread only) */
    int64_t view_t0_ms;    /* one time base for the whole view (log times never run backwards) */
    double sess_offset;    /* where the running session's clock starts on it */
    bool title_ok;         /* the terminal shows a window title */
    char window_title[96]; /* the last one set */
    bool belled;           /* the result's bell was rung */
    /* For the final block printed once the view has closed. */
    bool failed, failed_on_module, finished;
    bool running_again; /* the module runs its firmware again after the flash */
    char running_version[64];
    struct nt_err fail_err;
    enum sess_phase fail_phase;
    struct tp_devinfo fail_dev;
    double finish_t;
    /* 'a' in the picker: flash every listed module in bootloader mode. */
    bool all_asking, all_chosen;
    char all_ports[SELECT_MAX_DEVICES][TP_PORT_MAX];
    size_t nall;
    /* Several modules ran (ui_multi.c): their results for the final block. */
    bool multi_ran;
    struct ui_multi_out multi;
};

static void ui_atexit(void)
{
    if (ui_curses_active) {
        endwin();
        ui_curses_active = false;
    }
}

const char *ui_terminal_problem(char *buf, size_t cap)
{
    const char *term = getenv("TERM");
    int errret = 0;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        snprintf(buf, cap, "the input or the output is not a terminal");
    else if (!term || !*term)
        snprintf(buf, cap, "TERM is not set");
    else if (strcmp(term, "dumb") == 0)
        snprintf(buf, cap, "TERM=dumb cannot move the cursor");
    /* errret non-NULL: setupterm reports instead of printing and exiting. */
    else if (setupterm(term, STDOUT_FILENO, &errret) != OK || errret != 1)
        snprintf(buf, cap,
                 "this machine has no terminfo entry for TERM=%s (install it, or run with "
                 "TERM=xterm-256color)",
                 term);
    else {
        del_curterm(cur_term);
        return NULL;
    }
    return buf;
}

bool ui_terminal_ok(void)
{
    char why[160];
    return ui_terminal_problem(why, sizeof why) == NULL;
}

/* ---- terminal ---------------------------------------------------------- */

struct ui_term {
    SCREEN *scr;
    char *old_ctype;
};

#ifdef HAVE_NCURSESW
static bool locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}
#endif

static bool colors_wanted(void)
{
    const char *nc = getenv("NO_COLOR");

    /* no-color.org: set and not empty disables colour. */
    return !(nc && *nc) && has_colors();
}

/* Put back the locale that ui_run found. */
static void restore_process_state(struct ui_term *t)
{
    if (t->old_ctype)
        setlocale(LC_CTYPE, t->old_ctype);
    free(t->old_ctype);
    t->old_ctype = NULL;
}

static nt_status term_start(struct ui_ctx *c, struct ui_term *t, struct nt_err *err)
{
    static bool atexit_done;
    const char *ctype = setlocale(LC_CTYPE, NULL);
    bool utf8;

    /* Only LC_CTYPE: numbers in traces and messages keep the C locale's '.'. */
    t->old_ctype = ctype ? strdup(ctype) : NULL;
    setlocale(LC_CTYPE, "");
#ifdef HAVE_NCURSESW
    utf8 = locale_is_utf8();
#else
    utf8 = false;
#endif
    /* The app's signal handlers are already in place, so curses leaves
     * SIGINT/SIGTERM alone and a stop waits for a safe point. */
    t->scr = newterm(NULL, stdout, stdin);
    if (!t->scr) {
        restore_process_state(t);
        return nt_err_set(err, NT_E_UNSUPPORTED,
                          "cannot start the full-screen UI on terminal '%s'; use --batch",
                          getenv("TERM") ? getenv("TERM") : "");
    }
    set_term(t->scr);
    ui_curses_active = true;
    if (!atexit_done) {
        atexit(ui_atexit);
        atexit_done = true;
    }
    cbreak();
    noecho();
    curs_set(0);
    ui_screen_init(&c->s, utf8, colors_wanted(), c->s.with_package);
    return NT_OK;
}

static void term_stop(struct ui_term *t)
{
    endwin();
    ui_curses_active = false;
    delscreen(t->scr);
    restore_process_state(t);
}

/* ---- drawing and keys --------------------------------------------------- */

/* Terminals (and tmux) that show a window title get the job's state there
 * too, so a glance at a tab or a tmux status line tells how far it is. */
static bool window_title_supported(void)
{
    static const char *const families[] = { "xterm", "screen", "tmux", "rxvt", "alacritty", "foot", "kitty" };
    const char *term = getenv("TERM");

    for (size_t i = 0; term && i < sizeof families / sizeof families[0]; i++)
        if (strncmp(term, families[i], strlen(families[i])) == 0)
            return true;
    return false;
}

static void window_title(struct ui_ctx *c)
{
    char t[sizeof c->window_title];

    if (!c->title_ok || !c->s.with_package)
        return;
    ui_model_window_title(&c->m, t, sizeof t);
    if (strcmp(t, c->window_title) == 0)
        return;
    memcpy(c->window_title, t, sizeof t);
    /* OSC 2, ended by ST (not BEL, which is the result's bell). */
    fprintf(stdout, "\033]2;%s\033\\", t);
    fflush(stdout);
}

/* One bell when the result arrives, for someone who looked away. */
static void result_bell(struct ui_ctx *c)
{
    if (c->belled || (c->m.run != UI_RS_FINISHED && c->m.run != UI_RS_FAILED) || !c->s.with_package)
        return;
    c->belled = true;
    beep();
}

static void redraw(struct ui_ctx *c, bool now)
{
    int64_t t = clock_now_ms();

    if (!c->m.dirty)
        return;
    if (!now && t - c->last_draw_ms < REDRAW_INTERVAL_MS)
        return;
    ui_screen_layout(&c->s, &c->m, false);
    ui_screen_draw(&c->s, &c->m);
    c->last_draw_ms = t;
    window_title(c);
    result_bell(c);
}

static void set_prompt(struct ui_ctx *c, const char *text)
{
    snprintf(c->s.prompt, sizeof c->s.prompt, "%s", text);
    c->m.dirty |= 1u << UI_PANEL_TITLE;
}

static void request_stop(struct ui_ctx *c, const char *why)
{
    bool careful = ui_model_in_destructive_phase(&c->m);

    c->quit = true;
    c->confirm = false;
    nt_stop_request(c->stop, 0);
    set_prompt(c, careful ? "Stopping after the current command..." : "Stopping...");
    ui_model_log(&c->m, SESS_LOG_WARN, c->m.now, "%s: stopping %s", why,
                 careful ? "after the current command" : "now");
}

/* True when a signal was newly acknowledged (to be drawn at once). */
static bool check_signals(struct ui_ctx *c)
{
    int sig = nt_stop_signal(c->stop);

    if (!sig || c->quit)
        return false;
    request_stop(c, sig == SIGINT ? "Ctrl-C" : sig == SIGTERM ? "SIGTERM" : "Signal");
    return true;
}

static void toggle_help(struct ui_ctx *c)
{
    c->s.show_help = !c->s.show_help;
    c->m.dirty = ALL_PANELS;
}

static void flash_key(struct ui_ctx *c, int ch)
{
    /* The flash is done and the session only waits for the module to run
     * its firmware again: a key ends that wait and the view, as on the
     * result screen. */
    if (c->m.run == UI_RS_FINISHED) {
        c->done_key = true;
        nt_stop_request(c->stop, 0);
        return;
    }
    if (ch == 'q' || ch == 'Q') {
        if (c->quit)
            return;
        if (ui_model_in_destructive_phase(&c->m) && !c->confirm) {
            c->confirm = true;
            set_prompt(c, "Press q again to stop after the current command");
            return;
        }
        request_stop(c, "Quit requested");
    } else if (c->confirm) {
        c->confirm = false;
        set_prompt(c, "");
    }
}

/* 'a' in the picker: the modules listed in bootloader mode, after a yes. */
static void ask_all(struct ui_ctx *c)
{
    char q[UI_PROMPT_MAX];

    c->nall = 0;
    for (size_t i = 0; i < c->m.ndev && c->nall < SELECT_MAX_DEVICES; i++)
        if (c->m.dev[i].kind == TP_KIND_SDP || c->m.dev[i].kind == TP_KIND_MBOOT)
            snprintf(c->all_ports[c->nall++], TP_PORT_MAX, "%s", c->m.dev[i].port);
    if (c->nall == 0)
        return;
    snprintf(q, sizeof q, "Flash %zu modules? [y/N]", c->nall);
    set_prompt(c, q);
    c->all_asking = true;
}

static void answer_all(struct ui_ctx *c, bool yes)
{
    c->all_asking = false;
    set_prompt(c, "");
    if (yes)
        c->all_chosen = true;
    else
        ui_model_log(&c->m, SESS_LOG_INFO, c->m.now, "Not flashing all: choose one module, or press a again");
}

static void pick_key(struct ui_ctx *c, int ch)
{
    struct ui_model *m = &c->m;

    if ((ch == KEY_UP || ch == 'k') && m->selected > 0)
        m->selected--;
    else if ((ch == KEY_DOWN || ch == 'j') && m->selected + 1 < m->ndev)
        m->selected++;
    else if (ch == 'a' || ch == 'A')
        ask_all(c);
    else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && m->ndev > 0) {
        const struct tp_devinfo *d = &m->dev[m->selected];
        struct nt_err e;
        size_t index;
        /* The session's own rule decides what can be flashed. */
        if (select_module(m->dev, m->ndev, d->port, &index, &e) != NT_OK) {
            ui_model_log(m, SESS_LOG_WARN, m->now, "%s", e.msg);
            return;
        }
        snprintf(c->port, sizeof c->port, "%s", d->port);
        c->chosen = true;
    }
    m->dirty |= 1u << UI_PANEL_DEVICES;
}

/* Read every pending key and act on it for the current mode; what a key
 * changed is drawn at once (the redraw limit is for progress, not for keys). */
/* Has the terminal gone away (an SSH session that dropped)? SIGHUP is
 * ignored so that a flash in progress finishes; without its terminal the
 * UI must not then wait for a key that can never come. */
static bool terminal_hung_up(void)
{
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static void answer_question(struct ui_ctx *c, bool yes);

static void read_keys(struct ui_ctx *c)
{
    bool any = false;
    int ch;

    if (c->terminal_gone || terminal_hung_up()) {
        c->terminal_gone = true;
        /* A flash keeps going; anything else (monitor, picker, the result
         * screen) has nobody left to answer it. */
        if (c->s.mode != UI_MODE_FLASH)
            c->quit = true;
        return;
    }

    while ((ch = wgetch(ui_screen_input(&c->s))) != ERR) {
        any = true;
        if (ch == KEY_RESIZE) {
            ui_screen_layout(&c->s, &c->m, true);
            continue;
        }
        /* With the help open any key only closes it (on the result
         * screen too: the key that was meant for the help never exits). */
        if (ch == '?' || c->s.show_help) {
            toggle_help(c);
            continue;
        }
        if (c->all_asking) {
            answer_all(c, ch == 'y' || ch == 'Y');
            continue;
        }
        if (c->asking) {
            if (ch == 'y' || ch == 'Y')
                answer_question(c, true);
            else if (ch == 'n' || ch == 'N' || ch == 'q' || ch == 'Q' || ch == '\n' || ch == '\r' ||
                     ch == KEY_ENTER || ch == 27 /* Esc */)
                answer_question(c, false);
            continue;
        }
        if (c->s.mode == UI_MODE_FLASH)
            flash_key(c, ch);
        else if (ch == 'q' || ch == 'Q')
            c->quit = true;
        else if (c->s.mode == UI_MODE_PICK)
            pick_key(c, ch);
        else if (c->s.mode == UI_MODE_RESULT)
            c->quit = true; /* any key leaves the result screen */
    }
    if (any)
        redraw(c, true);
}

/* ---- session ------------------------------------------------------------ */

/* Sleep until a key arrives or ms pass; a terminal that hung up has no keys
 * to wait for, so then just sleep. Signals cut the wait short. */
static void wait_for_input(struct ui_ctx *c, int ms)
{
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

    if (c->terminal_gone)
        clock_sleep_us((int64_t)ms * 1000, NULL);
    else
        poll(&p, 1, ms);
}

/* Keep what the final block needs: the copies in ev die with the next event. */
static void remember_result(struct ui_ctx *c, const struct sess_event *ev)
{
    if (ev->type == SESS_EV_FINISHED) {
        c->finished = true;
        c->finish_t = ev->t;
    } else if (ev->type == SESS_EV_RUNNING) {
        c->running_again = true;
        snprintf(c->running_version, sizeof c->running_version, "%s", ev->text ? ev->text : "");
    } else if (ev->type == SESS_EV_FAILED) {
        c->failed = true;
        c->fail_phase = ev->phase;
        if (ev->err)
            c->fail_err = *ev->err;
        c->failed_on_module = ev->dev != NULL;
        if (ev->dev)
            c->fail_dev = *ev->dev;
    }
}

/* Apply what the session has queued; true when something other than
 * progress came (drawn at once, not at the next frame). */
static bool drain_events(struct ui_ctx *c, struct sess_thread *th, bool *more)
{
    struct sess_event ev;
    bool urgent = false;
    int n = 0;

    *more = false;
    while (sess_thread_next(th, 0, &ev)) {
        remember_result(c, &ev);
        /* -v shows the session's detail, as it does on the error stream. */
        if (ev.type == SESS_EV_LOG && ev.level == SESS_LOG_DEBUG && !c->cfg->verbose)
            continue;
        ev.t += c->sess_offset;
        ui_model_apply(&c->m, &ev);
        urgent |= ev.type != SESS_EV_PROGRESS && ev.type != SESS_EV_IDLE;
        if (++n == EVENTS_PER_PASS) {
            *more = true;
            break;
        }
    }
    return urgent;
}

/* The session found a running module and no --enter-bootloader: ask
 * (doc/running.md). The session asks on its own thread and waits (the
 * flash has not started); this thread owns the terminal, so it shows the
 * question and answers it (serve_question, answer_question). */
static bool confirm_reboot(void *user, const struct tp_devinfo *dev, const char *version)
{
    struct ui_ctx *c = user;
    bool yes;

    pthread_mutex_lock(&c->ask_lock);
    c->ask_dev = *dev;
    snprintf(c->ask_version, sizeof c->ask_version, "%s", version ? version : "");
    c->ask_state = ASK_PENDING;
    while (c->ask_state != ASK_ANSWERED)
        pthread_cond_wait(&c->ask_cond, &c->ask_lock);
    yes = c->ask_yes;
    c->ask_state = ASK_NONE;
    pthread_mutex_unlock(&c->ask_lock);
    return yes;
}

/* On this thread: a question the session is waiting on goes on screen. */
static void serve_question(struct ui_ctx *c)
{
    char q[UI_PROMPT_MAX];
    bool pending;

    pthread_mutex_lock(&c->ask_lock);
    pending = c->ask_state == ASK_PENDING;
    if (pending)
        c->ask_state = ASK_SHOWN;
    pthread_mutex_unlock(&c->ask_lock);
    if (!pending)
        return;
    ui_model_device_add(&c->m, &c->ask_dev);
    ui_model_set_running(&c->m, c->ask_dev.port, c->ask_version);
    snprintf(q, sizeof q, "Reboot the module at %s into bootloader mode? [y/N]", c->ask_dev.port);
    set_prompt(c, q);
    c->asking = true;
    redraw(c, true);
}

static void answer_question(struct ui_ctx *c, bool yes)
{
    if (!c->asking)
        return;
    c->asking = false;
    set_prompt(c, "");
    ui_model_log(&c->m, yes ? SESS_LOG_INFO : SESS_LOG_WARN, c->m.now,
                 yes ? "Rebooting the module at %s into bootloader mode"
                     : "Not rebooting the module at %s: waiting for bootloader mode (Menu > Misc > Enter "
                       "bootloader mode)",
                 c->ask_dev.port);
    pthread_mutex_lock(&c->ask_lock);
    c->ask_yes = yes;
    c->ask_state = ASK_ANSWERED;
    pthread_cond_signal(&c->ask_cond);
    pthread_mutex_unlock(&c->ask_lock);
    redraw(c, true);
}

/* A running module's version for its row (probe.c asks it over USB-MIDI). */
static void probe_running(struct ui_ctx *c, const struct tp_devinfo *d)
{
    char state[PROBE_STATE_MAX];
    struct probe_opts po;
    struct nt_err e;

    if (d->kind != TP_KIND_APP || !c->cfg->bus)
        return;
    nt_err_clear(&e);
    po.tscale = c->cfg->sess ? c->cfg->sess->tscale : 1.0;
    po.sysex_id = c->cfg->sess ? c->cfg->sess->sysex_id : 0;
    if (probe_device(c->cfg->bus, d, &po, state, sizeof state, &e) == NT_OK)
        ui_model_set_running(&c->m, d->port, strncmp(state, "version=", 8) == 0 ? state + 8 : "");
}

/* ---- bus: monitor and picker ------------------------------------------ */

static void bus_device(struct ui_ctx *c, enum sess_event_type type, const struct tp_devinfo *d)
{
    struct sess_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.t = c->m.now;
    ev.dev = d;
    ui_model_apply(&c->m, &ev);
    if (type == SESS_EV_DEVICE_ARRIVED)
        probe_running(c, d);
}

/* The monitor's HAB and version column: one harmless question to an idle
 * device (never while the session runs: the bus is the session's then). */
static void probe_one(struct ui_ctx *c, const struct tp_devinfo *d)
{
    char state[PROBE_STATE_MAX];
    struct nt_err e;

    struct probe_opts po = { .tscale = c->cfg->tscale,
                             .sysex_id = c->cfg->sess ? c->cfg->sess->sysex_id : 0 };

    /* A running module gets its version column from probe_running. */
    if (!c->cfg->probe || !c->cfg->bus || d->kind == TP_KIND_APP)
        return;
    nt_err_clear(&e);
    probe_device(c->cfg->bus, d, &po, state, sizeof state, &e);
    ui_model_device_probe(&c->m, d->port, state);
}

static void scan_bus(struct ui_ctx *c)
{
    struct tp_devinfo devs[UI_MAX_DEVICES];
    size_t n = 0;
    struct nt_err e;

    if (!c->cfg->bus)
        return;
    nt_err_clear(&e);
    if (c->cfg->bus->ops->scan(c->cfg->bus, devs, UI_MAX_DEVICES, &n, &e) != NT_OK) {
        ui_model_log(&c->m, SESS_LOG_WARN, 0, "Listing devices failed: %s", e.msg);
        return;
    }
    for (size_t i = 0; i < n && i < UI_MAX_DEVICES; i++) {
        ui_model_device_add(&c->m, &devs[i]);
        probe_running(c, &devs[i]);
        probe_one(c, &devs[i]);
    }
    ui_model_log(&c->m, SESS_LOG_INFO, 0, "%zu NXP bootloader device%s attached", n, n == 1 ? "" : "s");
}

/* Wait up to timeout_ms for one arrival or removal and show it. False when
 * there is no bus to wait on (the caller sleeps instead). */
static bool poll_bus(struct ui_ctx *c, int timeout_ms)
{
    struct tp_bus *bus = c->cfg->bus;
    struct tp_event ev;
    struct nt_err e;
    nt_status st;

    if (!bus)
        return false;
    nt_err_clear(&e);
    st = bus->ops->next_event(bus, timeout_ms, &ev, &e);
    if (st == NT_OK) {
        bus_device(c, ev.type == TP_EV_ARRIVED ? SESS_EV_DEVICE_ARRIVED : SESS_EV_DEVICE_LEFT, &ev.dev);
        if (ev.type == TP_EV_ARRIVED && c->s.mode != UI_MODE_RESULT)
            probe_one(c, &ev.dev);
    } else if (st != NT_E_TIMEOUT)
        clock_sleep_us((int64_t)timeout_ms * 1000, c->stop); /* no busy loop on a bus error */
    return true;
}

/* Follow the bus until the user quits (or, picking, chooses a module). */
static void watch_bus(struct ui_ctx *c)
{
    while (!c->quit && !c->chosen && !c->all_chosen) {
        c->m.now = (double)(clock_now_ms() - c->view_t0_ms) / 1000.0;
        if (!poll_bus(c, BUS_POLL_MS))
            clock_sleep_us(BUS_POLL_MS * 1000, c->stop);
        if (nt_stop_signal(c->stop))
            c->quit = true;
        read_keys(c);
        redraw(c, false);
    }
}

/* Would the session refuse to guess between the attached modules? */
static bool several_candidates(const struct ui_model *m)
{
    struct nt_err e;
    size_t index;

    return select_module(m->dev, m->ndev, NULL, &index, &e) == NT_E_AMBIGUOUS;
}

static nt_status pick_module(struct ui_ctx *c, struct nt_err *err)
{
    c->s.mode = UI_MODE_PICK;
    c->m.selected = 0;
    c->m.dirty = ALL_PANELS;
    c->chosen = false;
    watch_bus(c);
    c->s.mode = UI_MODE_FLASH;
    c->m.dirty = ALL_PANELS;
    if (c->all_chosen)
        return NT_OK;
    if (!c->chosen)
        return nt_err_set(err, NT_E_AMBIGUOUS,
                          "several modules are attached and none was chosen; pick one with "
                          "the arrow keys and Enter, or pass --port");
    c->sess.port = c->port;
    snprintf(c->m.wait_port, sizeof c->m.wait_port, "%s", c->port);
    ui_model_log(&c->m, SESS_LOG_INFO, c->m.now, "Chosen: the module at %s", c->port);
    return NT_OK;
}

/* The session ended without a final event (it must not, but the screen
 * should still tell the truth): derive it from the status. */
static void settle_result(struct ui_ctx *c, nt_status st, const struct nt_err *err)
{
    struct sess_event ev;

    if (c->m.run == UI_RS_FINISHED || c->m.run == UI_RS_FAILED)
        return;
    memset(&ev, 0, sizeof ev);
    ev.type = st == NT_OK ? SESS_EV_FINISHED : SESS_EV_FAILED;
    ev.t = c->m.now;
    ev.err = err;
    ui_model_apply(&c->m, &ev);
}

/* The session runs on its own thread; this thread owns the terminal: it
 * applies the queued events, moves the clock of the command in flight,
 * answers keys and signals, and follows resizes, whatever the device is
 * doing. The thread is joined before this returns. */
static nt_status run_session(struct ui_ctx *c, struct nt_err *err)
{
    struct sess_thread *th;
    struct sess_result res;
    nt_status st;

    memset(&res, 0, sizeof res);
    c->sess_offset = (double)(clock_now_ms() - c->view_t0_ms) / 1000.0;
    c->m.sess_t0 = c->sess_offset;
    st = sess_thread_start(&c->sess, c->cfg->run, c->cfg->log_sink, c->cfg->log_user, &th, err);
    if (st != NT_OK) {
        *c->res = res;
        return st;
    }
    while (!sess_thread_ended(th)) {
        bool more, urgent = drain_events(c, th, &more);
        ui_model_tick(&c->m, c->sess_offset + sess_thread_elapsed(th));
        urgent |= check_signals(c);
        serve_question(c);
        read_keys(c);
        /* Nobody left to answer, or a stop: the answer is no. */
        if (c->asking && (c->quit || c->terminal_gone))
            answer_question(c, false);
        redraw(c, urgent);
        if (!more && !sess_thread_ended(th))
            wait_for_input(c, SESSION_WAIT_MS);
    }
    st = sess_thread_join(th, &res, err);
    if (res.pkg)
        pkg_free(res.pkg);
    res.pkg = NULL;
    *c->res = res;
    return st;
}

static void forget_run(struct ui_model *m)
{
    memset(m->gauge, 0, sizeof m->gauge);
    m->run = UI_RS_IDLE;
    m->target_port[0] = '\0';
    m->dirty = ALL_PANELS;
}

/* Several modules at once, on this terminal (ui_multi.c); the exit code
 * goes to the caller through cfg. */
static void run_multi(struct ui_ctx *c, const char (*ports)[TP_PORT_MAX], size_t nports)
{
    struct ui_multi_job j = { .cfg = c->cfg,
                              .sess = &c->sess,
                              .stop = c->stop,
                              .ports = ports,
                              .nports = nports,
                              .loop = c->cfg->loop,
                              .wait_limit_s = c->m.wait_limit_s };

    ui_multi_run(&j, &c->multi);
    c->multi_ran = true;
    c->cfg->multi_ran = true;
    c->cfg->multi_code = c->multi.code;
}

static nt_status flash_job(struct ui_ctx *c, struct nt_err *err)
{
    struct sess_config *sess = &c->sess;
    nt_status st;

    if (!sess->port && several_candidates(&c->m) && pick_module(c, err) != NT_OK)
        return err->status;
    if (c->all_chosen) {
        run_multi(c, c->all_ports, c->nall);
        return NT_OK;
    }
    redraw(c, true);
    st = run_session(c, err);
    /* Several modules turned up while the session waited: let the user choose. */
    if (st == NT_E_AMBIGUOUS && !c->quit && !sess->port) {
        ui_model_log(&c->m, SESS_LOG_WARN, c->m.now, "%s", err->msg);
        forget_run(&c->m);
        if (pick_module(c, err) != NT_OK)
            return err->status;
        nt_err_clear(err);
        if (c->all_chosen) {
            run_multi(c, c->all_ports, c->nall);
            return NT_OK;
        }
        redraw(c, true);
        st = run_session(c, err);
    }
    settle_result(c, st, err);
    return st;
}

/* The result stays on screen until a key (doc/design.md §2.1), unless the user
 * already asked to leave. */
static void wait_for_key(struct ui_ctx *c)
{
    if (c->quit || c->done_key || nt_stop_signal(c->stop))
        return;
    c->s.mode = UI_MODE_RESULT;
    c->s.show_help = false;
    set_prompt(c, "");
    c->m.dirty = ALL_PANELS;
    while (!c->quit && !nt_stop_signal(c->stop)) {
        redraw(c, true);
        if (!poll_bus(c, RESULT_KEY_WAIT_MS))
            napms(RESULT_KEY_WAIT_MS);
        read_keys(c);
    }
}

/* Once the terminal is back to normal: what happened, where the user will
 * still see it (the alternate screen is gone). A failure or a stop says
 * exactly what the line front ends say on the error stream. */
static void print_final_block(const struct ui_ctx *c, nt_status st, const struct nt_err *err)
{
    char text[SESS_REPORT_MAX], safe[NT_TEXT_SAFE_CAP(SESS_REPORT_MAX)];

    /* Names and messages from a package or a device are escaped (text.h):
     * they can never forge a line or drive the terminal. */
    if (st == NT_OK && c->finished) {
        sess_success_report("nt_flash: ", c->m.version, c->m.target_port, c->finish_t,
                            c->m.gauge[UI_G_VERIFY].state == UI_GS_DONE ? c->m.gauge[UI_G_VERIFY].done : 0,
                            text, sizeof text);
        text[strcspn(text, "\n")] = '\0';
        nt_text_safe(safe, sizeof safe, text);
        printf("%s\n", safe);
        if (c->running_again) {
            snprintf(text, sizeof text, "nt_flash: the module runs firmware %s again",
                     c->running_version[0] ? c->running_version : "of unknown version");
            nt_text_safe(safe, sizeof safe, text);
            printf("%s\n", safe);
        }
        fflush(stdout);
        return;
    }
    if (st == NT_OK)
        return;
    /* The same lines as the line front ends (sess_report.c). */
    nt_text_safe(safe, sizeof safe,
                 c->failed && c->fail_err.msg[0] ? c->fail_err.msg
                     : err->msg[0]               ? err->msg
                                                 : "failed");
    fprintf(stderr, "nt_flash: %s\n", safe);
    if (c->failed && c->failed_on_module) {
        sess_state_line(c->fail_phase, &c->fail_dev, &c->fail_err, text, sizeof text);
        nt_text_safe(safe, sizeof safe, text);
        fprintf(stderr, "nt_flash: %s\n", safe);
    }
    fflush(stderr);
}

/* The job's session config: this view's stop, wait and question. */
static void setup_job(struct ui_ctx *c)
{
    const struct ui_config *cfg = c->cfg;

    c->sess = *cfg->sess;
    c->sess.stop = c->stop;
    /* No -t: the view waits until the user quits (q or Ctrl-C). */
    if (cfg->wait_until_quit)
        c->sess.wait_timeout_s = UI_WAIT_UNTIL_QUIT_S;
    c->m.wait_limit_s = cfg->wait_until_quit ? 0 : c->sess.wait_timeout_s;
    snprintf(c->m.wait_port, sizeof c->m.wait_port, "%s", c->sess.port ? c->sess.port : "");
    /* The session's question comes with this view as its user. */
    c->sess.user = c;
    c->sess.confirm_reboot = confirm_reboot;
}

nt_status ui_run(struct ui_config *cfg, struct sess_result *res, struct nt_err *err)
{
    struct ui_ctx *c;
    struct ui_term term;
    bool monitor = !cfg->sess || (!cfg->sess->package_path && !cfg->sess->url);
    nt_status st;

    nt_err_clear(err);
    c = calloc(1, sizeof *c);
    if (!c)
        return nt_err_set(err, NT_E_NOMEM, "out of memory starting the full-screen UI");
    c->cfg = cfg;
    pthread_mutex_init(&c->ask_lock, NULL);
    pthread_cond_init(&c->ask_cond, NULL);
    c->stop = cfg->stop ? cfg->stop : &c->own_stop;
    c->res = res;
    memset(res, 0, sizeof *res);
    ui_model_init(&c->m, !monitor && cfg->sess->url);
    ui_model_set_latest(&c->m, cfg->latest_release);
    ui_model_set_release(&c->m, cfg->release_version, cfg->release_date, cfg->release_changes,
                         cfg->release_n_changes);
    c->m.dry_run = !monitor && cfg->sess->dry_run;
    c->s.with_package = !monitor;
    memset(&term, 0, sizeof term);
    if ((st = term_start(c, &term, err)) != NT_OK) {
        free(c);
        return st;
    }
    c->title_ok = window_title_supported();
    c->view_t0_ms = clock_now_ms();
    if (!monitor)
        setup_job(c);
    if (!monitor && (cfg->all || cfg->loop)) {
        /* --all, --loop: the rows of ui_multi.c from the start. */
        char(*ports)[TP_PORT_MAX] = calloc(cfg->nports > 0 ? (size_t)cfg->nports : 1, TP_PORT_MAX);
        for (int i = 0; ports && i < cfg->nports; i++)
            snprintf(ports[i], TP_PORT_MAX, "%s", cfg->ports[i]);
        run_multi(c, (const char(*)[TP_PORT_MAX])ports, ports ? (size_t)cfg->nports : 0);
        free(ports);
        st = NT_OK;
        goto done;
    }
    ui_screen_layout(&c->s, &c->m, true);
    scan_bus(c);
    redraw(c, true);
    if (monitor) {
        watch_bus(c);
        st = NT_OK;
    } else {
        st = flash_job(c, err);
        if (!c->multi_ran) {
            c->m.dirty = ALL_PANELS;
            redraw(c, true);
            wait_for_key(c);
        }
    }
done:
    ui_screen_free(&c->s);
    term_stop(&term);
    if (c->multi_ran) {
        ui_multi_print(&c->multi);
        ui_multi_out_free(&c->multi);
    } else if (!monitor)
        print_final_block(c, st, err);
    pthread_cond_destroy(&c->ask_cond);
    pthread_mutex_destroy(&c->ask_lock);
    free(c);
    return st;
}
