/* --all and --loop (issue 12): every module gets its own session on its own
 * thread, with its own port (so the session follows that module across its
 * re-enumeration and never touches another) and its own subscription to the
 * shared bus (transport.h). A module that fails, leaves or stops answering
 * fails alone. The main thread watches the bus: with --all it starts every
 * module in bootloader mode when the run starts; with --loop it goes on
 * starting each module that arrives (one at a time, or all with --all) until
 * Ctrl-C, never the same module twice until it has left the bus. */
#include "multi.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "exit_code.h"
#include "out.h"
#include "pkg.h"
#include "select.h"

/* How long the main thread waits for a bus event before it looks again
 * (slots that finished, a stop request). */
#define MULTI_TICK_MS 100
#define MULTI_SLOTS_MAX SELECT_MAX_DEVICES
#define US_PER_S 1e6

/* The package download, done once and shared: the first session's call
 * downloads, the others get a copy of the same bytes. */
struct dl_cache {
    pthread_mutex_t lock;
    sess_download_fn real;
    void *real_user;
    bool done;
    nt_status st;
    struct nt_err err;
    uint8_t *data;
    size_t len;
    char name[256];
};

/* One module in flight. */
struct slot {
    char port[TP_PORT_MAX];
    pthread_t thread;
    struct tp_bus *view;
    struct sess_config sc;
    struct out_state out;
    atomic_int finished;
    int code;
};

struct multi {
    const struct multi_config *mc;
    struct slot *slots[MULTI_SLOTS_MAX];
    size_t nslots;
    /* Ports flashed (or failed) in this run and still attached. */
    char done[MULTI_SLOTS_MAX][TP_PORT_MAX];
    size_t ndone;
    int worst;
    unsigned started;
};

static nt_status cached_download(void *user, const char *url, nt_progress_fn progress, void *progress_user,
                                 uint8_t **data, size_t *len, char *name, size_t name_cap, struct nt_err *err)
{
    struct dl_cache *c = user;
    nt_status st;

    /* Held across the download on purpose: the other sessions need its bytes. */
    pthread_mutex_lock(&c->lock);
    if (!c->done) {
        nt_err_clear(&c->err);
        c->st = c->real(c->real_user, url, progress, progress_user, &c->data, &c->len, c->name,
                        sizeof c->name, &c->err);
        c->done = true;
    }
    st = c->st;
    if (st != NT_OK) {
        if (err)
            *err = c->err;
    } else if (!(*data = malloc(c->len ? c->len : 1))) {
        st = nt_err_set(err, NT_E_NOMEM, "out of memory copying the downloaded package");
    } else {
        memcpy(*data, c->data, c->len);
        *len = c->len;
        if (name_cap)
            snprintf(name, name_cap, "%s", c->name);
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

struct multi_dl {
    struct dl_cache c;
};

struct multi_dl *multi_dl_share(struct sess_config *sc)
{
    struct multi_dl *dl = calloc(1, sizeof *dl);

    if (!dl)
        return NULL;
    pthread_mutex_init(&dl->c.lock, NULL);
    dl->c.real = sc->download;
    dl->c.real_user = sc->download_user;
    sc->download = cached_download;
    sc->download_user = &dl->c;
    return dl;
}

void multi_dl_free(struct multi_dl *dl)
{
    if (!dl)
        return;
    free(dl->c.data);
    pthread_mutex_destroy(&dl->c.lock);
    free(dl);
}

static void result_line(const char *fmt, ...) NT_PRINTF(1, 2);
static void result_line(const char *fmt, ...)
{
    va_list ap;
    /* Whole, escaped and under the stream's lock (out.h). */
    va_start(ap, fmt);
    out_vprint(stdout, fmt, ap);
    va_end(ap);
}

static void *slot_main(void *arg)
{
    struct slot *s = arg;
    struct sess_result res;
    struct nt_err err;
    int64_t t0 = clock_now_us();
    nt_status st;

    nt_err_clear(&err);
    st = sess_run(&s->sc, &res, &err);
    s->code = exit_code_for(st, &res);
    if (s->code == EXIT_OK)
        result_line("RESULT %s OK %s %.1f", s->port, res.pkg ? res.pkg->version : "unknown",
                    (double)(clock_now_us() - t0) / US_PER_S);
    else
        result_line("RESULT %s FAILED %d %s", s->port, s->code, err.msg);
    pkg_free(res.pkg);
    atomic_store(&s->finished, 1);
    return NULL;
}

static bool port_chosen(const struct cli_opts *o, const char *port)
{
    if (o->nports == 0)
        return true;
    for (int i = 0; i < o->nports; i++)
        if (strcmp(o->ports[i], port) == 0)
            return true;
    return false;
}

static bool in_flight(const struct multi *m, const char *port)
{
    for (size_t i = 0; i < m->nslots; i++)
        if (strcmp(m->slots[i]->port, port) == 0)
            return true;
    return false;
}

static bool is_done(const struct multi *m, const char *port)
{
    for (size_t i = 0; i < m->ndone; i++)
        if (strcmp(m->done[i], port) == 0)
            return true;
    return false;
}

static void forget_done(struct multi *m, const char *port)
{
    for (size_t i = 0; i < m->ndone; i++) {
        if (strcmp(m->done[i], port) == 0) {
            memmove(m->done[i], m->done[m->ndone - 1], TP_PORT_MAX);
            m->ndone--;
            return;
        }
    }
}

static nt_status start_slot(struct multi *m, const char *port, struct nt_err *err)
{
    const struct multi_config *mc = m->mc;
    struct slot *s;
    nt_status st;

    if (m->nslots == MULTI_SLOTS_MAX)
        return NT_OK; /* the others wait for a free slot */
    s = calloc(1, sizeof *s);
    if (!s)
        return nt_err_set(err, NT_E_NOMEM, "out of memory starting a session for %s", port);
    snprintf(s->port, sizeof s->port, "%s", port);
    st = mc->bus->ops->subscribe(mc->bus, &s->view, err);
    if (st != NT_OK) {
        free(s);
        return st;
    }
    s->sc = *mc->sess;
    s->sc.port = s->port;
    s->sc.bus = s->view;
    s->sc.trace = NULL;
    out_init(&s->out, &out_lines_format, stdout, stderr, mc->opts->verbose);
    s->out.prefix = s->port;
    s->sc.sink = out_sink;
    s->sc.user = &s->out;
    if (pthread_create(&s->thread, NULL, slot_main, s) != 0) {
        s->view->ops->destroy(s->view);
        free(s);
        return nt_err_set(err, NT_E_NOMEM, "cannot start a thread for the module at %s", port);
    }
    m->slots[m->nslots++] = s;
    m->started++;
    return NT_OK;
}

/* Join the sessions that finished; their ports count as done. */
static void reap(struct multi *m)
{
    for (size_t i = 0; i < m->nslots;) {
        struct slot *s = m->slots[i];
        if (!atomic_load(&s->finished)) {
            i++;
            continue;
        }
        pthread_join(s->thread, NULL);
        if (s->code > m->worst)
            m->worst = s->code;
        if (m->ndone < MULTI_SLOTS_MAX)
            memcpy(m->done[m->ndone++], s->port, TP_PORT_MAX);
        s->view->ops->destroy(s->view);
        free(s);
        m->slots[i] = m->slots[--m->nslots];
    }
}

/* Look at the bus: forget done modules that left; start the new ones. */
static nt_status look(struct multi *m, bool may_start, struct nt_err *err)
{
    const struct cli_opts *o = m->mc->opts;
    struct tp_devinfo devs[SELECT_MAX_DEVICES];
    size_t n = 0;
    nt_status st = m->mc->bus->ops->scan(m->mc->bus, devs, SELECT_MAX_DEVICES, &n, err);
    const char *after = NULL;

    if (st != NT_OK)
        return st;
    if (n > SELECT_MAX_DEVICES)
        n = SELECT_MAX_DEVICES;
    for (size_t i = 0; i < m->ndone;) {
        bool present = false;
        for (size_t k = 0; k < n; k++)
            present |= strcmp(devs[k].port, m->done[i]) == 0;
        if (present)
            i++;
        else
            forget_done(m, m->done[i]);
    }
    if (!may_start)
        return NT_OK;
    /* In port order, as --list shows them. */
    for (;;) {
        size_t best = n;
        for (size_t k = 0; k < n; k++) {
            if ((devs[k].kind != TP_KIND_SDP && devs[k].kind != TP_KIND_MBOOT) ||
                (after && strcmp(devs[k].port, after) <= 0))
                continue;
            if (best == n || strcmp(devs[k].port, devs[best].port) < 0)
                best = k;
        }
        if (best == n)
            return NT_OK;
        after = devs[best].port;
        if (!port_chosen(o, after) || in_flight(m, after) || is_done(m, after))
            continue;
        if (!o->all && m->nslots > 0)
            return NT_OK; /* --loop alone: one module at a time */
        st = start_slot(m, after, err);
        if (st != NT_OK)
            return st;
    }
}

/* Validate the package (or download it) once before any module is touched,
 * so a bad package is one message, not one failure per module. */
static int check_package(const struct multi_config *mc, struct dl_cache *dl)
{
    struct sess_config sc = *mc->sess;
    struct sess_result res;
    struct nt_err err;
    nt_status st;

    sc.dry_run = true;
    sc.bus = NULL;
    sc.sink = NULL;
    sc.trace = NULL;
    sc.download = cached_download;
    sc.download_user = dl;
    nt_err_clear(&err);
    st = sess_run(&sc, &res, &err);
    pkg_free(res.pkg);
    if (st == NT_OK)
        return EXIT_OK;
    out_print(stderr, "nt_flash: %s", err.msg);
    return exit_code_for(st, &res);
}

int multi_run(const struct multi_config *mc)
{
    const struct cli_opts *o = mc->opts;
    struct dl_cache dl;
    struct sess_config shared = *mc->sess;
    struct multi_config mine = *mc;
    struct multi m;
    struct tp_bus *watch = NULL;
    struct nt_err err;
    int64_t deadline = clock_now_ms() + (int64_t)(o->timeout_s * 1000.0);
    bool started_all = false, broken = false;
    int code;

    memset(&dl, 0, sizeof dl);
    pthread_mutex_init(&dl.lock, NULL);
    dl.real = mc->sess->download;
    dl.real_user = mc->sess->download_user;
    shared.download = cached_download;
    shared.download_user = &dl;
    mine.sess = &shared;
    memset(&m, 0, sizeof m);
    m.mc = &mine;
    nt_err_clear(&err);

    /* Each session opens the package with libzip, which converts ZIP times
     * with the C library's time zone. With TZ unset, glibc re-reads and
     * re-allocates its copy of the zone name on every conversion (under a
     * lock of its own that race detectors cannot see); naming the default
     * zone explicitly, before any thread exists, makes every later
     * conversion a plain read. Same zone, same times. */
    setenv("TZ", ":/etc/localtime", 0);
    tzset();
    code = check_package(mc, &dl);
    if (code != EXIT_OK)
        goto out;
    if (!mc->bus) {
        out_print(stderr, "nt_flash: %s", mc->bus_error ? mc->bus_error->msg : "no USB bus");
        code = EXIT_NODEVICE;
        goto out;
    }
    if (!mc->bus->ops->subscribe || mc->bus->ops->subscribe(mc->bus, &watch, &err) != NT_OK) {
        out_print(stderr, "nt_flash: %s", err.msg[0] ? err.msg : "this bus serves one session only");
        code = EXIT_NODEVICE;
        goto out;
    }
    for (;;) {
        struct tp_event ev;
        bool stopping = nt_stop_requested(shared.stop) || broken;

        reap(&m);
        if (stopping && m.nslots == 0) {
            /* --all stopped before any module was found: like one module
             * stopped while waiting, nothing was found (exit 4). Between
             * modules of a --loop the loop just ends. */
            if (!o->loop && !started_all && !broken) {
                out_print(stderr, "nt_flash: interrupted while waiting for the modules; nothing was flashed");
                m.worst = EXIT_NODEVICE;
            }
            break;
        }
        /* --all alone: the modules attached when the run starts (the first
         * look that finds any); --loop: every look. */
        if (look(&m, !stopping && (o->loop || !started_all), &err) != NT_OK) {
            /* The bus itself failed: start nothing more, let the others finish. */
            out_print(stderr, "nt_flash: %s", err.msg);
            if (m.worst < EXIT_FLASH)
                m.worst = EXIT_FLASH;
            broken = stopping = true;
        }
        if (m.started > 0)
            started_all = true;
        if (!o->loop && started_all && m.nslots == 0)
            break;
        if (!o->loop && !started_all && (clock_now_ms() >= deadline || stopping)) {
            out_print(stderr,
                      "nt_flash: no Disting NT in bootloader mode found within %g s: on each module choose "
                      "Menu > Misc > Enter bootloader mode, check the USB cables, and run again (-t sets "
                      "how long to wait)",
                      o->timeout_s);
            m.worst = EXIT_NODEVICE;
            break;
        }
        /* Sleep until the bus changes or a tick passes; a module that left
         * may come back before the next look. */
        if (watch->ops->next_event(watch, MULTI_TICK_MS, &ev, &err) == NT_OK && ev.type == TP_EV_LEFT)
            forget_done(&m, ev.dev.port);
    }
    code = m.worst;
out:
    if (watch)
        watch->ops->destroy(watch);
    free(dl.data);
    pthread_mutex_destroy(&dl.lock);
    return code;
}
