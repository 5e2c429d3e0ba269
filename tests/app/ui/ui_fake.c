/* A scripted stand-in for the session and the bus, so the tmux tests drive
 * the real full-screen UI (ui_run) through every screen without USB, the
 * virtual module or main.c: `ui_fake SCENARIO [SECONDS]` where SECONDS is how
 * long the scripted flash takes (default 3). Exit codes as in the README's "Exit codes". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "clock.h"
#include "pkg.h"
#include "session.h"
#include "ui.h"
#include "ui_testdev.h"

#define FAKE_PACKET_BYTES 1012u /* MCUboot max packet (doc/protocol.md §3.7) */
#define FAKE_FIRMWARE_BYTES (4u * 1024 * 1024)
#define FAKE_FLASHLOADER_BYTES (94u * 1024)
#define FAKE_MAX_DEVICES 8

/* Signals reach the view through a stop request, as in nt_flash (app/signals.c). */
static struct nt_stop fake_stop;
static void on_stop_signal(int sig) { nt_stop_request(&fake_stop, sig); }

/* ---- the bus: devices from the scenario, arrivals and removals on a timeline */

struct fake_bus {
    struct tp_bus bus;
    struct tp_devinfo dev[FAKE_MAX_DEVICES];
    size_t ndev;
    int64_t t0_ms;
    double arrive_s, leave_s; /* <0: never */
    bool arrived, left;
    struct tp_devinfo late; /* the device that arrives and leaves */
};

static nt_status fb_scan(struct tp_bus *b, struct tp_devinfo *out, size_t max, size_t *count,
                         struct nt_err *err)
{
    struct fake_bus *fb = (struct fake_bus *)b;

    (void)err;
    for (size_t i = 0; i < fb->ndev && i < max; i++)
        out[i] = fb->dev[i];
    *count = fb->ndev;
    return NT_OK;
}

static nt_status fb_next_event(struct tp_bus *b, int timeout_ms, struct tp_event *ev, struct nt_err *err)
{
    struct fake_bus *fb = (struct fake_bus *)b;
    double t = (double)(clock_now_ms() - fb->t0_ms) / 1000.0;

    (void)err;
    if (fb->arrive_s >= 0 && !fb->arrived && t >= fb->arrive_s) {
        fb->arrived = true;
        ev->type = TP_EV_ARRIVED;
        ev->dev = fb->late;
        return NT_OK;
    }
    if (fb->leave_s >= 0 && fb->arrived && !fb->left && t >= fb->leave_s) {
        fb->left = true;
        ev->type = TP_EV_LEFT;
        ev->dev = fb->late;
        return NT_OK;
    }
    clock_sleep_us((int64_t)timeout_ms * 1000, NULL);
    return NT_E_TIMEOUT;
}

static nt_status fb_open(struct tp_bus *b, const struct tp_devinfo *id, struct tp_dev **out,
                         struct nt_err *err)
{
    (void)b;
    (void)out;
    return nt_err_set(err, NT_E_UNSUPPORTED, "the fake bus opens nothing (%s)", id->port);
}

static const struct tp_bus_ops fake_bus_ops = { fb_scan, fb_next_event, fb_open, NULL, NULL };

/* ---- the session: the phases (README, "How a flash works") on a timeline --------------- */

struct fake_run {
    const struct sess_config *cfg;
    int64_t t0_us;
    double seconds;      /* length of the whole scripted flash */
    const char *fail_at; /* phase name where it fails, or NULL */
    struct pkg pkg;
};

static struct fake_run fake;

/* An event of this type stamped with the scripted session's clock. */
static struct sess_event fake_event(enum sess_event_type type)
{
    struct sess_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.t = (double)(clock_now_us() - fake.t0_us) / 1e6;
    ev.pkg = &fake.pkg;
    return ev;
}

static void send_event(const struct sess_event *ev) { fake.cfg->sink(fake.cfg->user, ev); }

static void emit(enum sess_event_type type, enum sess_phase ph, uint64_t done, uint64_t total)
{
    struct sess_event ev = fake_event(type);

    ev.phase = ph;
    ev.done = done;
    ev.total = total;
    send_event(&ev);
}

static void emit_log(enum sess_log_level level, const char *text)
{
    struct sess_event ev = fake_event(SESS_EV_LOG);

    ev.level = level;
    ev.text = text;
    send_event(&ev);
}

static void emit_device(enum sess_event_type type, const struct tp_devinfo *d)
{
    struct sess_event ev = fake_event(type);

    ev.dev = d;
    send_event(&ev);
}

static nt_status fail(nt_status st, struct nt_err *err, const char *msg)
{
    struct sess_event ev = fake_event(SESS_EV_FAILED);

    nt_err_set(err, st, "%s", msg);
    ev.err = err;
    send_event(&ev);
    return st;
}

static bool stopped(void) { return nt_stop_requested(fake.cfg->stop); }

/* One phase moving `total` units in packets over `share` of the run; the stop
 * flag is obeyed between packets (the safe point) or, when `waiting`, at once. */
static nt_status phase(enum sess_phase ph, const char *name, uint64_t total, double share, struct nt_err *err)
{
    uint64_t packets = total ? (total + FAKE_PACKET_BYTES - 1) / FAKE_PACKET_BYTES : 1;
    int64_t per_packet_us = (int64_t)(fake.seconds * share * 1e6 / (double)packets);

    emit(SESS_EV_PHASE_START, ph, 0, total);
    for (uint64_t p = 0; p < packets; p++) {
        uint64_t done = (p + 1) * FAKE_PACKET_BYTES;
        if (stopped())
            return fail(NT_E_INTERRUPTED, err,
                        "stopped by the user; the module keeps "
                        "its bootloader, so flash it again to finish");
        if (fake.fail_at && !strcmp(fake.fail_at, name) && p == packets / 2)
            return fail(NT_E_STATUS, err,
                        "erasing 0x60000000: the flashloader answered "
                        "status 10200 (kStatusMemoryRangeInvalid); check the package");
        clock_sleep_us(per_packet_us, NULL);
        if (total)
            emit(SESS_EV_PROGRESS, ph, done > total ? total : done, total);
        else
            emit(SESS_EV_IDLE, ph, 0, 0);
    }
    emit(SESS_EV_PHASE_DONE, ph, total, total);
    return NT_OK;
}

static nt_status fake_session(const struct sess_config *cfg, struct sess_result *res, struct nt_err *err)
{
    struct tp_devinfo target = ui_test_dev(TP_KIND_SDP, cfg->port ? cfg->port : "sim-1");
    struct tp_devinfo loader = ui_test_dev(TP_KIND_MBOOT, target.port);
    nt_status st;

    fake.cfg = cfg;
    fake.t0_us = clock_now_us();
    memset(res, 0, sizeof *res);
    if (cfg->url && (st = phase(SESS_PH_DOWNLOAD, "download", 3u << 20, 0.1, err)) != NT_OK)
        return st;
    emit(SESS_EV_PACKAGE, SESS_PH_EXTRACT, 0, 0);
    if ((st = phase(SESS_PH_WAIT, "wait", 0, 0.05, err)) != NT_OK)
        return st;
    emit_device(SESS_EV_DEVICE_DETECTED, &target);
    if ((st = phase(SESS_PH_UPLOAD, "upload", FAKE_FLASHLOADER_BYTES, 0.1, err)) != NT_OK)
        return st;
    emit_device(SESS_EV_DEVICE_DETECTED, &loader);
    emit_log(SESS_LOG_WARN, "the flashloader took 1.2 s to enumerate");
    if ((st = phase(SESS_PH_CONFIGURE, "configure", 0, 0.02, err)) != NT_OK ||
        (st = phase(SESS_PH_ERASE, "erase", FAKE_FIRMWARE_BYTES + 4096, 0.25, err)) != NT_OK ||
        (st = phase(SESS_PH_WRITE, "write", FAKE_FIRMWARE_BYTES, 0.55, err)) != NT_OK ||
        (st = phase(SESS_PH_RESET, "reset", 0, 0.02, err)) != NT_OK)
        return st;
    emit(SESS_EV_FINISHED, SESS_PH_RESET, 0, 0);
    return NT_OK;
}

static void fake_pkg(struct pkg *p, const char *source)
{
    memset(p, 0, sizeof *p);
    snprintf(p->source, sizeof p->source, "%s", source);
    snprintf(p->version, sizeof p->version, "1.9.0");
    snprintf(p->processor, sizeof p->processor, "MIMXRT1062");
    snprintf(p->flashloader.name, sizeof p->flashloader.name,
             "bootable_images/unsigned_MIMXRT1060_flashloader.bin");
    p->flashloader.size = FAKE_FLASHLOADER_BYTES;
    snprintf(p->firmware.name, sizeof p->firmware.name, "disting_NT.bin");
    p->firmware.size = FAKE_FIRMWARE_BYTES;
    for (int i = 0; i < 32; i++) {
        p->flashloader.sha256[i] = (uint8_t)(0x11 * (i % 16));
        p->firmware.sha256[i] = (uint8_t)(0xab ^ i);
    }
}

static int exit_code(nt_status st)
{
    switch (st) {
    case NT_OK: return 0;
    case NT_E_USAGE:
    case NT_E_AMBIGUOUS: return 1;
    case NT_E_PACKAGE: return 2;
    case NT_E_DOWNLOAD: return 3;
    case NT_E_NODEVICE: return 4;
    default: return 5;
    }
}

int main(int argc, char **argv)
{
    const char *scenario = argc > 1 ? argv[1] : "flash";
    struct fake_bus fb;
    struct sess_config sess;
    struct ui_config ui;
    struct nt_err err;
    struct sess_result res;
    nt_status st;

    memset(&fb, 0, sizeof fb);
    memset(&sess, 0, sizeof sess);
    memset(&ui, 0, sizeof ui);
    fb.bus.ops = &fake_bus_ops;
    fb.t0_ms = clock_now_ms();
    fb.arrive_s = fb.leave_s = -1;
    fake.seconds = argc > 2 ? atof(argv[2]) : 3.0;
    fake_pkg(&fake.pkg,
             strcmp(scenario, "url") ? "/tmp/disting_NT_1.9.0.zip"
                                     : "https://example.com/disting_NT_1.9.0.zip");
    sess.package_path = "disting_NT_1.9.0.zip";
    sess.bus = &fb.bus;
    ui.bus = &fb.bus;
    ui.sess = &sess;
    ui.run = fake_session;
    if (!strcmp(scenario, "monitor")) {
        ui.sess = NULL;
        fb.dev[fb.ndev++] = ui_test_dev(TP_KIND_MBOOT, "1-4.2");
        fb.late = ui_test_dev(TP_KIND_SDP, "sim-7");
        fb.arrive_s = 1.0;
        fb.leave_s = 2.5;
    } else if (!strcmp(scenario, "pick")) {
        fb.dev[fb.ndev++] = ui_test_dev(TP_KIND_SDP, "sim-1");
        fb.dev[fb.ndev++] = ui_test_dev(TP_KIND_SDP, "sim-2");
        fb.dev[fb.ndev++] = ui_test_dev(TP_KIND_MBOOT, "sim-3");
        /* Another NXP ROM that is listed but cannot be flashed. */
        fb.dev[fb.ndev] = ui_test_dev(TP_KIND_OTHER, "usb-9");
        fb.dev[fb.ndev].pid = 0x0145;
        snprintf(fb.dev[fb.ndev++].desc, sizeof fb.dev[0].desc, "i.MX RT1170 ROM");
    } else if (!strcmp(scenario, "url")) {
        sess.package_path = NULL;
        sess.url = fake.pkg.source;
        fb.dev[fb.ndev++] = ui_test_dev(TP_KIND_SDP, "sim-1");
    } else if (!strcmp(scenario, "fail")) {
        fake.fail_at = "erase";
        fb.dev[fb.ndev++] = ui_test_dev(TP_KIND_SDP, "sim-1");
    } else {
        fb.dev[fb.ndev++] = ui_test_dev(TP_KIND_SDP, "sim-1");
    }
    /* The tmux tests signal this process by id. */
    if (getenv("UI_FAKE_PIDFILE")) {
        FILE *f = fopen(getenv("UI_FAKE_PIDFILE"), "w");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
    }
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
    signal(SIGHUP, SIG_IGN);
    ui.stop = &fake_stop;
    if (!ui_terminal_ok()) {
        fprintf(stderr, "ui_fake: not a usable terminal\n");
        return 77;
    }
    /* ui_run leaves its own final block on the terminal, as in nt_flash. */
    st = ui_run(&ui, &res, &err);
    return exit_code(st);
}
