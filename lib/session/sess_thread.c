/* The session runner: sess_run on a pthread, its events copied into a
 * mutex-guarded queue that the front end drains. Consecutive progress
 * events of one phase within the same whole percent (and idle ticks) merge
 * while they wait, so a front end that looks only every few milliseconds
 * never falls behind the per-packet progress of a write, and the line
 * front ends still see every percent. */
#include "sess_thread.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "pkg.h"

#define SESS_THREAD_TEXT_MAX 512 /* = sess_log's buffer */

struct ev_node {
    struct ev_node *next;
    struct sess_event ev;
    struct tp_devinfo dev;
    struct nt_err err;
    char text[SESS_THREAD_TEXT_MAX];
};

struct sess_thread {
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct ev_node *head, *tail; /* guarded by lock */
    bool returned;               /* guarded by lock: run() has returned */
    struct ev_node *held;        /* the event last handed out (front end only) */
    int64_t t0_us;
    sess_run_fn run;
    struct sess_config cfg;
    sess_sink_fn tee; /* the caller's sink, if any: called as events happen */
    void *tee_user;
    /* The caller's question and its user (cfg->user is the queue's). */
    bool (*confirm_reboot)(void *user, const struct tp_devinfo *dev, const char *version);
    void *confirm_user;
    /* Written by the thread before `returned`, read after the join. */
    nt_status status;
    struct sess_result res;
    struct nt_err err;
};

static uint64_t whole_percent(uint64_t done, uint64_t total) { return total ? done * 100 / total : 0; }

/* A progress event (or idle tick) that only updates the one still waiting
 * at the tail: the front end loses nothing by seeing only the newer. */
static bool merges_into(const struct ev_node *tail, const struct sess_event *ev)
{
    if (!tail || tail->ev.type != ev->type || tail->ev.phase != ev->phase)
        return false;
    if (ev->type == SESS_EV_IDLE)
        return true;
    return ev->type == SESS_EV_PROGRESS && tail->ev.total == ev->total &&
        whole_percent(tail->ev.done, tail->ev.total) == whole_percent(ev->done, ev->total);
}

static void queue_sink(void *user, const struct sess_event *ev)
{
    struct sess_thread *t = user;
    struct ev_node *n;

    if (t->tee)
        t->tee(t->tee_user, ev);
    pthread_mutex_lock(&t->lock);
    if (merges_into(t->tail, ev)) {
        t->tail->ev.t = ev->t;
        t->tail->ev.done = ev->done;
        t->tail->ev.total = ev->total;
        pthread_mutex_unlock(&t->lock);
        return;
    }
    pthread_mutex_unlock(&t->lock);

    n = calloc(1, sizeof *n);
    if (!n)
        return; /* out of memory: the front end misses one event, the result still comes from the join */
    n->ev = *ev;
    if (ev->dev) {
        n->dev = *ev->dev;
        n->ev.dev = &n->dev;
    }
    if (ev->err) {
        n->err = *ev->err;
        n->ev.err = &n->err;
    }
    if (ev->text) {
        snprintf(n->text, sizeof n->text, "%s", ev->text);
        n->ev.text = n->text;
    }
    pthread_mutex_lock(&t->lock);
    if (t->tail)
        t->tail->next = n;
    else
        t->head = n;
    t->tail = n;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

static bool thread_confirm(void *user, const struct tp_devinfo *dev, const char *version)
{
    struct sess_thread *t = user;
    return t->confirm_reboot(t->confirm_user, dev, version);
}

static void *thread_main(void *arg)
{
    struct sess_thread *t = arg;
    nt_status st;

    nt_err_clear(&t->err);
    st = t->run(&t->cfg, &t->res, &t->err);
    pthread_mutex_lock(&t->lock);
    t->status = st;
    t->returned = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

nt_status sess_thread_start(const struct sess_config *cfg, sess_run_fn run, sess_sink_fn tee, void *tee_user,
                            struct sess_thread **out, struct nt_err *err)
{
    struct sess_thread *t = calloc(1, sizeof *t);
    pthread_condattr_t ca;
    sigset_t block, old;
    int rc;

    *out = NULL;
    if (!t)
        return nt_err_set(err, NT_E_NOMEM, "out of memory starting the session");
    t->cfg = *cfg;
    t->tee = tee;
    t->tee_user = tee_user;
    t->confirm_reboot = cfg->confirm_reboot;
    t->confirm_user = cfg->user;
    t->cfg.sink = queue_sink;
    t->cfg.user = t;
    t->cfg.confirm_reboot = cfg->confirm_reboot ? thread_confirm : NULL;
    t->run = run ? run : sess_run;
    t->t0_us = clock_now_us();
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);

    /* The new thread inherits this mask: stop signals go to the front end. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = pthread_create(&t->tid, NULL, thread_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&t->cond);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return nt_err_set(err, NT_E_NOMEM, "cannot start the session thread: %s", strerror(rc));
    }
    *out = t;
    return NT_OK;
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

bool sess_thread_next(struct sess_thread *t, int timeout_ms, struct sess_event *ev)
{
    struct timespec until;
    struct ev_node *n;

    free(t->held);
    t->held = NULL;
    deadline_after(&until, timeout_ms > 0 ? timeout_ms : 0);
    pthread_mutex_lock(&t->lock);
    while (!t->head && !t->returned && timeout_ms > 0) {
        int rc = pthread_cond_timedwait(&t->cond, &t->lock, &until);
        if (rc == ETIMEDOUT)
            break;
    }
    n = t->head;
    if (n) {
        t->head = n->next;
        if (!t->head)
            t->tail = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    if (!n)
        return false;
    t->held = n;
    *ev = n->ev;
    return true;
}

bool sess_thread_ended(struct sess_thread *t)
{
    bool ended;

    pthread_mutex_lock(&t->lock);
    ended = t->returned && !t->head;
    pthread_mutex_unlock(&t->lock);
    return ended;
}

double sess_thread_elapsed(const struct sess_thread *t) { return (double)(clock_now_us() - t->t0_us) / 1e6; }

nt_status sess_thread_join(struct sess_thread *t, struct sess_result *res, struct nt_err *err)
{
    nt_status st;

    pthread_join(t->tid, NULL);
    free(t->held);
    while (t->head) {
        struct ev_node *n = t->head;
        t->head = n->next;
        free(n);
    }
    st = t->status;
    if (res)
        *res = t->res;
    else if (t->res.pkg && t->run == sess_run)
        pkg_free(t->res.pkg); /* nobody wants the package: as sess_run does with no result */
    if (err)
        *err = t->err;
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    free(t);
    return st;
}
