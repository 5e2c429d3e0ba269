/* The virtual bus: tp_bus/tp_dev (transport.h) on top of vmod engines. It
 * maps modelled time to wall time (wall seconds = modelled seconds x speed;
 * speed 0 = every modelled wait passes at once), turns presence changes into
 * ARRIVED/LEFT events for every subscription, and writes dump= and stats=
 * when destroyed.
 *
 * Threads (the contract in transport.h): one mutex guards the engines and
 * the event queues. It is held only while the model computes (a report in,
 * a report out, time advanced) and never while a caller waits: a wait
 * computes its wake-up time under the lock and sleeps without it, so
 * sessions on different modules run side by side. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "vmod_int.h"

#define VBUS_MAX_MODULES VMOD_MODULES_MAX
#define VBUS_SETTLE_MAX_STEPS 100000
/* At speed 0 nothing is modelled as taking time, but another thread's
 * session may still make a module leave or arrive: a bus waiter looks again
 * this often. */
#define VBUS_IDLE_POLL_US 1000
#define US_PER_S 1e6
#define US_PER_MS 1000
#define VBUS_SPEED_MBPS 480

struct vbus;

/* A subscription made by subscribe(): its own event queue. */
struct vsub {
    struct tp_bus base;
    struct vbus *bus;
    struct tp_evq q;
    struct vsub *next;
};

struct vbus {
    struct tp_bus base;
    pthread_mutex_t lock;
    struct vmod_config cfg;
    unsigned n;
    struct vmod_engine *eng[VBUS_MAX_MODULES];
    unsigned seen_epoch[VBUS_MAX_MODULES];
    int seen_presence[VBUS_MAX_MODULES];
    struct tp_evq q;   /* the bus's own subscription */
    struct vsub *subs; /* the others */
    int64_t wall0_us;
};

struct vdev {
    struct tp_dev base;
    struct vbus *bus;
    unsigned idx;
    unsigned epoch;
};

static void devinfo(unsigned idx, int kind, struct tp_devinfo *d)
{
    memset(d, 0, sizeof *d);
    d->kind = (enum tp_kind)kind;
    snprintf(d->port, sizeof d->port, "sim-%u", idx + 1);
    d->vid = kind == TP_KIND_SDP ? TP_ROM_VID : TP_FLASHLOADER_VID;
    d->pid = kind == TP_KIND_SDP ? TP_ROM_PID : TP_FLASHLOADER_PID;
    d->speed_mbps = VBUS_SPEED_MBPS;
    snprintf(d->desc, sizeof d->desc, "%s",
             kind == TP_KIND_SDP ? "SE Blank RT Family (virtual)" : "USB COMPOSITE DEVICE (virtual)");
    if (kind == TP_KIND_APP) {
        d->vid = TP_APP_VID;
        d->pid = TP_APP_PID;
        snprintf(d->desc, sizeof d->desc, "disting NT (virtual)");
    }
}

/* Every subscription gets the event (a full queue forgets its oldest: its
 * reader is not listening, and scan() still tells the truth). */
static void push_event(struct vbus *b, enum tp_event_type type, unsigned idx, int kind)
{
    struct tp_event ev;
    ev.type = type;
    devinfo(idx, kind, &ev.dev);
    tp_evq_push(&b->q, &ev);
    for (struct vsub *s = b->subs; s; s = s->next)
        tp_evq_push(&s->q, &ev);
}

static void collect_events(struct vbus *b)
{
    for (unsigned i = 0; i < b->n; i++) {
        const struct vmod_engine *e = b->eng[i];
        if (e->epoch == b->seen_epoch[i])
            continue;
        if (b->seen_presence[i] >= 0)
            push_event(b, TP_EV_LEFT, i, b->seen_presence[i]);
        if (e->presence >= 0)
            push_event(b, TP_EV_ARRIVED, i, e->presence);
        b->seen_epoch[i] = e->epoch;
        b->seen_presence[i] = e->presence;
    }
}

/* Bring every engine's modelled time up to the wall clock. */
static void sync(struct vbus *b)
{
    if (b->cfg.speed > 0) {
        double target = (double)(clock_now_us() - b->wall0_us) / US_PER_S / b->cfg.speed;
        for (unsigned i = 0; i < b->n; i++)
            if (target > b->eng[i]->now)
                vmod_engine_advance(b->eng[i], target - b->eng[i]->now);
    } else {
        for (unsigned i = 0; i < b->n; i++) {
            double nc;
            for (int k = 0; k < VBUS_SETTLE_MAX_STEPS && (nc = vmod_engine_next_change(b->eng[i])) >= 0; k++)
                vmod_engine_advance(b->eng[i], nc);
        }
    }
    collect_events(b);
}

/* When to look again: at the next modelled change (of one engine, or of any
 * when idx < 0) or the deadline. Called with the lock held; returns 0 once
 * the deadline has passed (or, at speed 0, when nothing can change). The
 * caller sleeps until then without the lock (sleep_until). */
static int64_t wake_time(struct vbus *b, int idx, int64_t deadline_us)
{
    int64_t now = clock_now_us();
    if (b->cfg.speed <= 0 || now >= deadline_us)
        return 0;
    double best = -1;
    for (unsigned i = 0; i < b->n; i++) {
        if (idx >= 0 && (unsigned)idx != i)
            continue;
        double nc = vmod_engine_next_change(b->eng[i]);
        if (nc >= 0 && (best < 0 || nc < best))
            best = nc;
    }
    int64_t wake = deadline_us;
    if (best >= 0 && now + (int64_t)(best * b->cfg.speed * US_PER_S) + 1 < deadline_us)
        wake = now + (int64_t)(best * b->cfg.speed * US_PER_S) + 1;
    return wake;
}

static void sleep_until(int64_t wake_us)
{
    int64_t now = clock_now_us();
    if (wake_us > now)
        clock_sleep_us(wake_us - now, NULL);
}

static nt_status bus_scan(struct tp_bus *bus, struct tp_devinfo *out, size_t max, size_t *count,
                          struct nt_err *err)
{
    (void)err;
    struct vbus *b = (struct vbus *)bus;
    pthread_mutex_lock(&b->lock);
    sync(b);
    size_t n = 0;
    for (unsigned i = 0; i < b->n; i++) {
        if (b->eng[i]->presence < 0)
            continue;
        if (n < max)
            devinfo(i, b->eng[i]->presence, &out[n]);
        n++;
    }
    pthread_mutex_unlock(&b->lock);
    *count = n;
    return NT_OK;
}

/* next_event on queue q of bus b (the bus's own or a subscription's). */
static nt_status queue_next_event(struct vbus *b, struct tp_evq *q, int timeout_ms, struct tp_event *ev,
                                  struct nt_err *err)
{
    int64_t deadline = clock_now_us() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * US_PER_MS;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        sync(b);
        bool got = tp_evq_pop(q, ev);
        int64_t wake = got ? 0 : wake_time(b, -1, deadline);
        pthread_mutex_unlock(&b->lock);
        if (got)
            return NT_OK;
        int64_t now = clock_now_us();
        if (wake == 0 && b->cfg.speed <= 0 && now < deadline)
            wake = now + VBUS_IDLE_POLL_US < deadline ? now + VBUS_IDLE_POLL_US : deadline;
        if (wake == 0)
            return nt_err_set(err, NT_E_TIMEOUT, "no virtual module arrived or left within %d ms",
                              timeout_ms);
        sleep_until(wake);
    }
}

static nt_status bus_next_event(struct tp_bus *bus, int timeout_ms, struct tp_event *ev, struct nt_err *err)
{
    struct vbus *b = (struct vbus *)bus;
    return queue_next_event(b, &b->q, timeout_ms, ev, err);
}

static const struct tp_dev_ops VDEV_OPS;

static nt_status bus_open(struct tp_bus *bus, const struct tp_devinfo *id, struct tp_dev **out,
                          struct nt_err *err)
{
    struct vbus *b = (struct vbus *)bus;
    pthread_mutex_lock(&b->lock);
    sync(b);
    for (unsigned i = 0; i < b->n; i++) {
        struct tp_devinfo info;
        devinfo(i, (int)id->kind, &info);
        if (strcmp(info.port, id->port))
            continue;
        if (b->eng[i]->presence != (int)id->kind)
            break;
        struct vdev *d = calloc(1, sizeof *d);
        if (!d) {
            pthread_mutex_unlock(&b->lock);
            return nt_err_set(err, NT_E_NOMEM, "cannot allocate a virtual device handle");
        }
        d->base.ops = &VDEV_OPS;
        d->base.info = info;
        d->base.in_report_max = id->kind == TP_KIND_SDP ? VMOD_ROM_STATUS_LEN : VMOD_FL_REPORT_LEN;
        d->base.out_report_max = id->kind == TP_KIND_SDP ? VMOD_ROM_OUT_MAX : VMOD_FL_REPORT_LEN;
        if (id->kind == TP_KIND_APP) /* USB-MIDI: one bulk transfer of event packets */
            d->base.in_report_max = d->base.out_report_max = VMOD_APP_XFER_MAX;
        d->bus = b;
        d->idx = i;
        d->epoch = b->eng[i]->epoch;
        pthread_mutex_unlock(&b->lock);
        *out = &d->base;
        return NT_OK;
    }
    pthread_mutex_unlock(&b->lock);
    return nt_err_set(err, NT_E_DISCONNECT,
                      "virtual module %s is not attached as %s: scan the bus again and open what it lists",
                      id->port, tp_kind_name(id->kind));
}

static nt_status gone(struct vdev *d, struct nt_err *err)
{
    return nt_err_set(err, NT_E_DISCONNECT, "virtual module %s (%s) left the bus", d->base.info.port,
                      tp_kind_name(d->base.info.kind));
}

static nt_status dev_write(struct tp_dev *dev, const uint8_t *report, size_t len, int timeout_ms,
                           struct nt_err *err)
{
    struct vdev *d = (struct vdev *)dev;
    struct vmod_engine *e = d->bus->eng[d->idx];
    int64_t deadline = clock_now_us() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * US_PER_MS;
    if (len == 0 || len > dev->out_report_max)
        return nt_err_set(err, NT_E_IO, "OUT report of %zu bytes does not fit %s (1..%zu bytes)", len,
                          dev->info.port, dev->out_report_max);
    for (;;) {
        pthread_mutex_lock(&d->bus->lock);
        sync(d->bus);
        nt_status st = e->epoch != d->epoch ? NT_E_DISCONNECT : vmod_engine_out(e, report, len);
        int64_t wake = st == NT_E_TIMEOUT ? wake_time(d->bus, (int)d->idx, deadline) : 0;
        pthread_mutex_unlock(&d->bus->lock);
        if (st == NT_OK)
            return NT_OK;
        if (st != NT_E_TIMEOUT)
            return gone(d, err);
        if (wake == 0)
            return nt_err_set(err, NT_E_TIMEOUT,
                              "virtual module %s did not take the OUT report within %d ms (busy, hung, "
                              "or an IN report is waiting to be read)",
                              dev->info.port, timeout_ms);
        sleep_until(wake);
    }
}

static nt_status dev_read(struct tp_dev *dev, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                          struct nt_err *err)
{
    struct vdev *d = (struct vdev *)dev;
    struct vmod_engine *e = d->bus->eng[d->idx];
    int64_t deadline = clock_now_us() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * US_PER_MS;
    for (;;) {
        pthread_mutex_lock(&d->bus->lock);
        sync(d->bus);
        if (e->epoch != d->epoch) {
            pthread_mutex_unlock(&d->bus->lock);
            return gone(d, err);
        }
        if (e->q_len && e->q[0].ready_at <= e->now + 1e-9 && e->q[0].len > cap) {
            size_t big = e->q[0].len;
            pthread_mutex_unlock(&d->bus->lock);
            return nt_err_set(err, NT_E_IO, "IN report of %zu bytes from %s overflows a %zu-byte buffer", big,
                              dev->info.port, cap);
        }
        if (vmod_engine_in(e, buf, cap, len)) {
            collect_events(d->bus);
            pthread_mutex_unlock(&d->bus->lock);
            return NT_OK;
        }
        int64_t wake = wake_time(d->bus, (int)d->idx, deadline);
        pthread_mutex_unlock(&d->bus->lock);
        if (wake == 0)
            return nt_err_set(err, NT_E_TIMEOUT, "no IN report from virtual module %s within %d ms",
                              dev->info.port, timeout_ms);
        sleep_until(wake);
    }
}

static void dev_close(struct tp_dev *dev)
{
    struct vdev *d = (struct vdev *)dev;
    struct vmod_engine *e = d->bus->eng[d->idx];
    /* A jumping ROM or resetting flashloader does not wait for a host that
     * has stopped listening. */
    pthread_mutex_lock(&d->bus->lock);
    if (e->epoch == d->epoch && e->leave_on_drain)
        vmod__leave(e);
    pthread_mutex_unlock(&d->bus->lock);
    free(d);
}

static const struct tp_dev_ops VDEV_OPS = { dev_write, dev_read, dev_close };

static void bus_destroy(struct tp_bus *bus)
{
    struct vbus *b = (struct vbus *)bus;
    if (!b)
        return;
    /* Errors here have no caller to go to (destroy returns nothing); a missing
     * dump or stats file is what the user then sees. */
    if (b->n)
        vmod__save((const struct vmod_engine *const *)b->eng, b->n, NULL);
    for (unsigned i = 0; i < b->n; i++)
        vmod_engine_free(b->eng[i]);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* --- subscriptions: scan and open go to the bus, events to the own queue --- */

static nt_status sub_scan(struct tp_bus *bus, struct tp_devinfo *out, size_t max, size_t *count,
                          struct nt_err *err)
{
    return bus_scan(&((struct vsub *)bus)->bus->base, out, max, count, err);
}

static nt_status sub_next_event(struct tp_bus *bus, int timeout_ms, struct tp_event *ev, struct nt_err *err)
{
    struct vsub *s = (struct vsub *)bus;
    return queue_next_event(s->bus, &s->q, timeout_ms, ev, err);
}

static nt_status sub_open(struct tp_bus *bus, const struct tp_devinfo *id, struct tp_dev **out,
                          struct nt_err *err)
{
    return bus_open(&((struct vsub *)bus)->bus->base, id, out, err);
}

static void sub_destroy(struct tp_bus *bus)
{
    struct vsub *s = (struct vsub *)bus;
    if (!s)
        return;
    pthread_mutex_lock(&s->bus->lock);
    for (struct vsub **p = &s->bus->subs; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->bus->lock);
    free(s);
}

static nt_status bus_subscribe(struct tp_bus *bus, struct tp_bus **view, struct nt_err *err);

static const struct tp_bus_ops VSUB_OPS = { sub_scan, sub_next_event, sub_open, sub_destroy, bus_subscribe };
static const struct tp_bus_ops VBUS_OPS = { bus_scan, bus_next_event, bus_open, bus_destroy, bus_subscribe };

static nt_status bus_subscribe(struct tp_bus *bus, struct tp_bus **view, struct nt_err *err)
{
    struct vbus *b = bus->ops == &VSUB_OPS ? ((struct vsub *)bus)->bus : (struct vbus *)bus;
    struct vsub *s = calloc(1, sizeof *s);
    if (!s)
        return nt_err_set(err, NT_E_NOMEM, "cannot allocate a virtual bus subscription");
    s->base.ops = &VSUB_OPS;
    s->bus = b;
    pthread_mutex_lock(&b->lock);
    /* Bring the model up to now first: what happened before the view was
     * made goes to the older subscriptions only. */
    sync(b);
    s->next = b->subs;
    b->subs = s;
    pthread_mutex_unlock(&b->lock);
    *view = &s->base;
    return NT_OK;
}

nt_status vmod_bus_save(struct tp_bus *bus, struct nt_err *err)
{
    struct vbus *b = (struct vbus *)bus;
    nt_status st = NT_OK;

    if (b->n)
        st = vmod__save((const struct vmod_engine *const *)b->eng, b->n, err);
    for (unsigned i = 0; i < b->n; i++)
        b->eng[i]->cfg.dump_path[0] = b->eng[i]->cfg.stats_path[0] = '\0';
    return st;
}

nt_status vmod_bus_new(const struct vmod_config *cfg, struct tp_bus **out, struct nt_err *err)
{
    if (cfg->modules < 1 || cfg->modules > VBUS_MAX_MODULES)
        return nt_err_set(err, NT_E_USAGE, "invalid --simulate key 'modules': %u is not 1..%d", cfg->modules,
                          VBUS_MAX_MODULES);
    struct vbus *b = calloc(1, sizeof *b);
    if (!b)
        return nt_err_set(err, NT_E_NOMEM, "cannot allocate the virtual bus");
    b->base.ops = &VBUS_OPS;
    pthread_mutex_init(&b->lock, NULL);
    b->cfg = *cfg;
    for (unsigned i = 0; i < cfg->modules; i++) {
        nt_status st = vmod_engine_new(cfg, i, &b->eng[i], err);
        if (st != NT_OK) {
            b->cfg.dump_path[0] = b->cfg.stats_path[0] = '\0';
            bus_destroy(&b->base);
            return st;
        }
        b->n++;
        /* Modules attached at start are there already: no ARRIVED for them. */
        b->seen_epoch[i] = b->eng[i]->epoch;
        b->seen_presence[i] = b->eng[i]->presence;
    }
    b->wall0_us = clock_now_us();
    *out = &b->base;
    return NT_OK;
}
