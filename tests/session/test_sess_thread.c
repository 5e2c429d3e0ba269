/* The session on its own thread (lib/session/sess_thread.c): events reach
 * the front end in order and intact although the session reuses its
 * buffers, a stop request is honoured only at the session's safe points
 * (the erase command in flight completes), and no thread is left running
 * after any way out: success, failure, stop, a front end that stops
 * reading early. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "pkg.h"
#include "sess_thread.h"
#include "synthpkg.h"
#include "tap.h"
#include "mboot.h"
#include "vmod.h"

#define SCRIPT_EVENTS 2000
#define FW_SMALL (128u * 1024)
#define ERASE_PIECE 0x10000u /* the session's erase command size */

static char tmpdir[512];
static int threads_at_start; /* the process's own */
/* ThreadSanitizer starts a thread of its own with the first pthread_create. */
#if defined(__SANITIZE_THREAD__)
#define TOOL_THREADS 1
#else
#define TOOL_THREADS 0
#endif

/* Threads of this process, from /proc (Linux); -1 when unknown. */
static int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* No more threads than at the start (plus the tool's own). A joined thread
 * may still be counted for a moment while it finishes exiting (under
 * qemu-user, tests/cross.sh, the emulator clears the joined tid before its
 * host thread is gone), so wait up to a second; a leaked thread stays. */
#define THREADS_SETTLE_POLLS 100
#define THREADS_SETTLE_POLL_US 10000
static bool no_thread_left(void)
{
    for (int i = 0; i < THREADS_SETTLE_POLLS; i++) {
        if (thread_count() <= threads_at_start + TOOL_THREADS)
            return true;
        usleep(THREADS_SETTLE_POLL_US);
    }
    return false;
}

/* A scripted session: logs, devices and progress from reused stack
 * buffers, as the real one does, then success. */
static nt_status script_run(const struct sess_config *cfg, struct sess_result *res, struct nt_err *err)
{
    char text[64];
    struct tp_devinfo dev;
    struct nt_err ferr;

    memset(res, 0, sizeof *res);
    for (int i = 0; i < SCRIPT_EVENTS; i++) {
        struct sess_event ev;
        memset(&ev, 0, sizeof ev);
        ev.t = i;
        switch (i % 4) {
        case 0:
            ev.type = SESS_EV_LOG;
            snprintf(text, sizeof text, "line %d", i);
            ev.text = text;
            break;
        case 1:
            ev.type = SESS_EV_DEVICE_ARRIVED;
            memset(&dev, 0, sizeof dev);
            snprintf(dev.port, sizeof dev.port, "port-%d", i);
            ev.dev = &dev;
            break;
        default:
            ev.type = SESS_EV_PROGRESS;
            ev.phase = SESS_PH_WRITE;
            ev.done = (uint64_t)i;
            ev.total = SCRIPT_EVENTS;
            break;
        }
        cfg->sink(cfg->user, &ev);
        /* The buffers are reused at once: the queue must hold copies. */
        memset(text, 'x', sizeof text - 1);
        text[sizeof text - 1] = '\0';
        memset(&dev, 'y', sizeof dev);
    }
    nt_err_set(&ferr, NT_E_STATUS, "scripted failure");
    {
        struct sess_event ev = { .type = SESS_EV_FAILED, .t = SCRIPT_EVENTS, .err = &ferr };
        cfg->sink(cfg->user, &ev);
    }
    memset(&ferr, 0, sizeof ferr);
    res->module_touched = true;
    return nt_err_set(err, NT_E_STATUS, "scripted failure");
}

static void test_events_in_order_and_intact(void)
{
    struct sess_config sc;
    struct sess_thread *t;
    struct sess_event ev;
    struct sess_result res;
    struct nt_err err;
    double last_t = -1;
    int logs = 0, devs = 0, bad = 0, failed = 0;
    uint64_t last_done = 0;

    memset(&sc, 0, sizeof sc);
    CHECK_EQ_INT(sess_thread_start(&sc, script_run, NULL, NULL, &t, &err), NT_OK);
    while (!sess_thread_ended(t)) {
        if (!sess_thread_next(t, 50, &ev))
            continue;
        if (ev.t < last_t)
            bad++;
        last_t = ev.t;
        if (ev.type == SESS_EV_LOG) {
            char want[64];
            snprintf(want, sizeof want, "line %d", (int)ev.t);
            bad += strcmp(ev.text, want) != 0;
            bad += logs * 4 != (int)ev.t; /* not one log line lost */
            logs++;
        } else if (ev.type == SESS_EV_DEVICE_ARRIVED) {
            char want[64];
            snprintf(want, sizeof want, "port-%d", (int)ev.t);
            bad += strcmp(ev.dev->port, want) != 0;
            devs++;
        } else if (ev.type == SESS_EV_PROGRESS) {
            bad += ev.done < last_done;
            last_done = ev.done;
        } else if (ev.type == SESS_EV_FAILED) {
            CHECK_EQ_STR(ev.err->msg, "scripted failure");
            failed++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(logs, SCRIPT_EVENTS / 4);
    CHECK_EQ_INT(devs, SCRIPT_EVENTS / 4);
    CHECK_EQ_INT(failed, 1);
    CHECK_EQ_INT(last_done, SCRIPT_EVENTS - 1); /* merged progress keeps the newest */
    CHECK(!sess_thread_next(t, 0, &ev));
    CHECK_EQ_INT(sess_thread_join(t, &res, &err), NT_E_STATUS);
    CHECK(res.module_touched);
    CHECK_EQ_STR(err.msg, "scripted failure");
    CHECK(no_thread_left());
}

/* The front end leaves without reading (a hung-up terminal): the join
 * still waits for the session and frees what was queued. */
static void test_join_without_reading(void)
{
    struct sess_config sc;
    struct sess_thread *t;
    struct sess_result res;
    struct nt_err err;

    memset(&sc, 0, sizeof sc);
    CHECK_EQ_INT(sess_thread_start(&sc, script_run, NULL, NULL, &t, &err), NT_OK);
    CHECK_EQ_INT(sess_thread_join(t, &res, &err), NT_E_STATUS);
    CHECK(no_thread_left());
}

static struct tp_bus *virtual_bus(const char *spec)
{
    struct vmod_config vc;
    struct tp_bus *bus = NULL;
    struct nt_err err;

    vmod_config_defaults(&vc);
    if (vmod_parse_spec(spec, &vc, &err) != NT_OK || vmod_bus_new(&vc, &bus, &err) != NT_OK) {
        fprintf(stderr, "virtual bus: %s\n", err.msg);
        exit(99);
    }
    return bus;
}

/* A bus decorator that asks for a stop the moment the first erase command
 * has been sent: the request arrives while that command is in flight. */
struct stop_bus {
    struct tp_bus bus;
    struct tp_bus *inner;
    struct nt_stop *stop;
};

struct stop_dev {
    struct tp_dev dev;
    struct tp_dev *inner;
    struct nt_stop *stop;
};

static nt_status sd_write(struct tp_dev *d, const uint8_t *r, size_t n, int ms, struct nt_err *e)
{
    struct stop_dev *sd = (struct stop_dev *)d;
    nt_status st = tp_write(sd->inner, r, n, ms, e);

    if (sd->stop && n > 4 && r[0] == MBOOT_REPORT_CMD_OUT && r[4] == MBOOT_CMD_FLASH_ERASE_REGION)
        nt_stop_request(sd->stop, 0);
    return st;
}

static nt_status sd_read(struct tp_dev *d, uint8_t *b, size_t cap, size_t *n, int ms, struct nt_err *e)
{
    return tp_read(((struct stop_dev *)d)->inner, b, cap, n, ms, e);
}

static void sd_close(struct tp_dev *d)
{
    tp_close(((struct stop_dev *)d)->inner);
    free(d);
}

static const struct tp_dev_ops stop_dev_ops = { sd_write, sd_read, sd_close };

static nt_status sb_scan(struct tp_bus *b, struct tp_devinfo *out, size_t max, size_t *count,
                         struct nt_err *e)
{
    struct tp_bus *in = ((struct stop_bus *)b)->inner;
    return in->ops->scan(in, out, max, count, e);
}

static nt_status sb_next_event(struct tp_bus *b, int ms, struct tp_event *ev, struct nt_err *e)
{
    struct tp_bus *in = ((struct stop_bus *)b)->inner;
    return in->ops->next_event(in, ms, ev, e);
}

static nt_status sb_open(struct tp_bus *b, const struct tp_devinfo *id, struct tp_dev **out, struct nt_err *e)
{
    struct stop_bus *sb = (struct stop_bus *)b;
    struct stop_dev *sd = calloc(1, sizeof *sd);
    nt_status st;

    if (!sd)
        return nt_err_set(e, NT_E_NOMEM, "out of memory");
    st = sb->inner->ops->open(sb->inner, id, &sd->inner, e);
    if (st != NT_OK) {
        free(sd);
        return st;
    }
    sd->dev = *sd->inner;
    sd->dev.ops = &stop_dev_ops;
    sd->stop = sb->stop;
    *out = &sd->dev;
    return NT_OK;
}

static void sb_destroy(struct tp_bus *b) { (void)b; }

static const struct tp_bus_ops stop_bus_ops = {
    .scan = sb_scan, .next_event = sb_next_event, .open = sb_open, .destroy = sb_destroy
};

static void make_pkg(char *path, size_t cap)
{
    char why[256];

    snprintf(path, cap, "%s/thread.zip", tmpdir);
    if (access(path, R_OK) != 0 && synth_write(path, "plain", FW_SMALL, "1.2.3", why, sizeof why) != 0) {
        fprintf(stderr, "cannot make package: %s\n", why);
        exit(99);
    }
}

struct real_run {
    int erase_progress_after_stop; /* erase answers that arrived after the request */
    uint64_t erase_done_at_end;
    int finished, failed;
    enum sess_phase failed_phase;
    char failed_msg[NT_ERR_MSG_MAX];
};

/* Run a real session on the virtual module per spec; stop (when asked)
 * while the first erase command is in flight. */
static nt_status real_session(const char *spec, bool stop_in_erase, struct real_run *rr,
                              struct sess_result *res, struct nt_err *err)
{
    char pkg[600];
    struct tp_bus *bus = virtual_bus(spec);
    struct nt_stop stop;
    struct stop_bus sb = { .bus = { &stop_bus_ops }, .inner = bus, .stop = stop_in_erase ? &stop : NULL };
    bool stopped;
    struct sess_config sc;
    struct sess_thread *t;
    struct sess_event ev;
    nt_status st;

    make_pkg(pkg, sizeof pkg);
    memset(rr, 0, sizeof *rr);
    memset(&stop, 0, sizeof stop);
    memset(&sc, 0, sizeof sc);
    sc.package_path = pkg;
    sc.bus = &sb.bus;
    sc.wait_timeout_s = 2;
    sc.tscale = 1;
    sc.stop = &stop;
    st = sess_thread_start(&sc, NULL, NULL, NULL, &t, err);
    if (st != NT_OK)
        return st;
    while (!sess_thread_ended(t)) {
        if (!sess_thread_next(t, 20, &ev))
            continue;
        stopped = nt_stop_requested(&stop);
        if (ev.type == SESS_EV_PROGRESS && ev.phase == SESS_PH_ERASE) {
            rr->erase_progress_after_stop += stopped && ev.done > 0;
            rr->erase_done_at_end = ev.done;
        } else if (ev.type == SESS_EV_FINISHED) {
            rr->finished++;
        } else if (ev.type == SESS_EV_FAILED) {
            rr->failed++;
            rr->failed_phase = ev.phase;
            snprintf(rr->failed_msg, sizeof rr->failed_msg, "%s", ev.err ? ev.err->msg : "");
        }
    }
    st = sess_thread_join(t, res, err);
    pkg_free(res->pkg);
    res->pkg = NULL;
    bus->ops->destroy(bus);
    return st;
}

/* The stop comes while the first 64 KiB erase command is in flight (400 ms
 * on this module): that command still completes and is reported, and the
 * session stops before the next. */
static void test_stop_waits_for_the_command_in_flight(void)
{
    struct real_run rr;
    struct sess_result res;
    struct nt_err err;

    CHECK_EQ_INT(real_session("speed=1,start=mboot,block_ms=400,sector_ms=25", true, &rr, &res, &err),
                 NT_E_INTERRUPTED);
    CHECK_EQ_INT(rr.failed, 1);
    CHECK_EQ_INT(rr.finished, 0);
    CHECK_EQ_INT(rr.failed_phase, SESS_PH_ERASE);
    CHECK_EQ_INT(rr.erase_progress_after_stop, 1);
    CHECK_EQ_INT(rr.erase_done_at_end, ERASE_PIECE);
    CHECK_CONTAINS(rr.failed_msg, "stopped by request during the erase at 0x60010000");
    CHECK(res.module_touched);
    CHECK(no_thread_left());
}

static void test_success_and_failure_leave_nothing_running(void)
{
    struct real_run rr;
    struct sess_result res;
    struct nt_err err;

    CHECK_EQ_INT(real_session("speed=0,start=mboot", false, &rr, &res, &err), NT_OK);
    CHECK_EQ_INT(rr.finished, 1);
    CHECK(no_thread_left());
    CHECK_EQ_INT(real_session("speed=0,start=mboot,fault=unplug@write", false, &rr, &res, &err),
                 NT_E_DISCONNECT);
    CHECK_EQ_INT(rr.failed, 1);
    CHECK(no_thread_left());
}

int main(void)
{
    const char *t = getenv("TMPDIR");

    snprintf(tmpdir, sizeof tmpdir, "%s/test_sess_thread.XXXXXX", t ? t : ".");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 99;
    }
    threads_at_start = thread_count();
    RUN(test_events_in_order_and_intact);
    RUN(test_join_without_reading);
    RUN(test_stop_waits_for_the_command_in_flight);
    RUN(test_success_and_failure_leave_nothing_running);
    return check_finish();
}
