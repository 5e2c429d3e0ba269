/* Unit tests of the UI model: event streams in, what each panel would say
 * out (device states, gauges, rates, log, dirty panels), no terminal. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "pkg.h"
#include "sess_report.h"
#include "ui_model.h"
#include "ui_testdev.h"

static void send(struct ui_model *m, enum sess_event_type type, double t, enum sess_phase ph, uint64_t done,
                 uint64_t total)
{
    struct sess_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.t = t;
    ev.phase = ph;
    ev.done = done;
    ev.total = total;
    ui_model_apply(m, &ev);
}

static void send_dev(struct ui_model *m, enum sess_event_type type, double t, const struct tp_devinfo *d)
{
    struct sess_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.t = t;
    ev.dev = d;
    ui_model_apply(m, &ev);
}

static void test_devices_reenumerate_on_one_port(void)
{
    struct ui_model m;
    struct tp_devinfo rom = ui_test_dev(TP_KIND_SDP, "1-4.2"), fl = ui_test_dev(TP_KIND_MBOOT, "1-4.2");
    struct tp_devinfo other = ui_test_dev(TP_KIND_SDP, "1-3");
    char st[32];

    ui_model_init(&m, false);
    m.dirty = 0;
    send_dev(&m, SESS_EV_DEVICE_ARRIVED, 0.1, &rom);
    send_dev(&m, SESS_EV_DEVICE_ARRIVED, 0.2, &other);
    CHECK_EQ_INT(m.ndev, 2);
    CHECK(m.dirty & (1u << UI_PANEL_DEVICES));
    CHECK(m.dirty & (1u << UI_PANEL_LOG));
    send_dev(&m, SESS_EV_DEVICE_DETECTED, 0.3, &rom);
    CHECK_EQ_STR(m.target_port, "1-4.2");
    ui_model_device_state(&m, &rom, st, sizeof st);
    CHECK_EQ_STR(st, "flashing 0%");
    ui_model_device_state(&m, &other, st, sizeof st);
    CHECK_EQ_STR(st, "idle");
    /* The flashloader replaces the ROM at the same port; the ROM's late
     * removal does not take the flashloader away. */
    send_dev(&m, SESS_EV_DEVICE_ARRIVED, 1.0, &fl);
    CHECK_EQ_INT(m.ndev, 2);
    /* Listed in port order, whatever order they came in. */
    CHECK_EQ_STR(m.dev[0].port, "1-3");
    CHECK_EQ_INT(m.dev[1].kind, TP_KIND_MBOOT);
    send_dev(&m, SESS_EV_DEVICE_LEFT, 1.1, &rom);
    CHECK_EQ_INT(m.ndev, 2);
    send_dev(&m, SESS_EV_DEVICE_LEFT, 1.2, &other);
    CHECK_EQ_INT(m.ndev, 1);
    CHECK_EQ_STR(m.dev[0].port, "1-4.2");
    CHECK_CONTAINS(ui_model_log_line(&m, m.log_count - 1)->text, "Device left: 1-3 sdp");
}

static void test_gauges_rates_and_durations(void)
{
    struct ui_model m;
    char text[128];

    ui_model_init(&m, false);
    CHECK_EQ_INT(m.gauge[UI_G_WRITE].state, UI_GS_PENDING);
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "");
    send(&m, SESS_EV_PHASE_START, 10.0, SESS_PH_WRITE, 0, 0);
    CHECK(ui_model_in_destructive_phase(&m));
    /* Too early for a rate: bytes only, no guessed time left. */
    send(&m, SESS_EV_PROGRESS, 10.1, SESS_PH_WRITE, 4096, 4u << 20);
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "4.00 KiB / 4.00 MiB");
    m.dirty = 0;
    send(&m, SESS_EV_PROGRESS, 12.0, SESS_PH_WRITE, 1u << 20, 4u << 20);
    CHECK(m.dirty & (1u << UI_PANEL_PHASES));
    CHECK(!(m.dirty & (1u << UI_PANEL_PACKAGE)));
    /* 1 MiB in 2 s: 512 KiB/s, 3 MiB left = 6 s. */
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "1.00 MiB / 4.00 MiB  512 KiB/s  6.0s left");
    /* Idle ticks move the clock: the rate falls while nothing is acknowledged. */
    send(&m, SESS_EV_IDLE, 12.5, SESS_PH_WRITE, 0, 0);
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "1.00 MiB / 4.00 MiB  409 KiB/s  7.5s left");
    /* A command in flight for a second or more gets its own moving clock. */
    send(&m, SESS_EV_IDLE, 14.0, SESS_PH_WRITE, 0, 0);
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "1.00 MiB / 4.00 MiB  12s left  command 2.0s");
    /* ... which moves with the view's clock alone, no event needed. */
    m.dirty = 0;
    ui_model_tick(&m, 15.5);
    CHECK(m.dirty & (1u << UI_PANEL_PHASES));
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "1.00 MiB / 4.00 MiB  16s left  command 3.5s");
    m.dirty = 0;
    ui_model_tick(&m, 15.0); /* never backwards */
    CHECK_EQ_INT(m.dirty, 0);
    CHECK_EQ_INT((int)(m.now * 10), 155);
    send(&m, SESS_EV_PHASE_DONE, 18.0, SESS_PH_WRITE, 4u << 20, 4u << 20);
    CHECK(!ui_model_in_destructive_phase(&m));
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "4.00 MiB  512 KiB/s  done in 8.0s");
    /* A phase too quick to measure shows its size and time, not "-". */
    send(&m, SESS_EV_PHASE_START, 18.0, SESS_PH_UPLOAD, 0, 0);
    send(&m, SESS_EV_PHASE_DONE, 18.0, SESS_PH_UPLOAD, 1024, 1024);
    ui_model_gauge_text(&m, UI_G_UPLOAD, text, sizeof text);
    CHECK_EQ_STR(text, "1.00 KiB  done in 0.0s");
    send(&m, SESS_EV_PHASE_START, 18.0, SESS_PH_CONFIGURE, 0, 0);
    send(&m, SESS_EV_PHASE_DONE, 18.25, SESS_PH_CONFIGURE, 0, 0);
    ui_model_gauge_text(&m, UI_G_CONFIGURE, text, sizeof text);
    CHECK_EQ_STR(text, "done in 0.2s");
    /* Phases without a gauge leave every gauge alone. */
    send(&m, SESS_EV_PHASE_START, 19.0, SESS_PH_FCB, 0, 0);
    CHECK(ui_model_in_destructive_phase(&m));
    CHECK_EQ_INT(m.phase, SESS_PH_FCB);
}

static void test_overall_percent_and_result(void)
{
    struct ui_model m;
    struct tp_devinfo rom = ui_test_dev(TP_KIND_SDP, "sim-1");
    char st[32];

    ui_model_init(&m, false);
    send_dev(&m, SESS_EV_DEVICE_DETECTED, 0, &rom);
    send(&m, SESS_EV_PHASE_START, 0, SESS_PH_UPLOAD, 0, 0);
    send(&m, SESS_EV_PHASE_DONE, 1, SESS_PH_UPLOAD, 100, 100);
    send(&m, SESS_EV_PHASE_START, 1, SESS_PH_CONFIGURE, 0, 0);
    send(&m, SESS_EV_PHASE_DONE, 1, SESS_PH_CONFIGURE, 0, 0);
    CHECK_EQ_INT(ui_model_overall_percent(&m), 12);
    send(&m, SESS_EV_PROGRESS, 2, SESS_PH_ERASE, 50, 100);
    ui_model_device_state(&m, &rom, st, sizeof st);
    CHECK_EQ_STR(st, "flashing 24%");
    send(&m, SESS_EV_FINISHED, 9, SESS_PH_RESET, 0, 0);
    ui_model_device_state(&m, &rom, st, sizeof st);
    CHECK_EQ_STR(st, "done");
    CHECK_EQ_INT(ui_model_overall_percent(&m), 100);
    CHECK_EQ_STR(m.result, "Flashing complete in 9.0 s.");
    /* A dry run that succeeds flashed nothing, and says so. */
    ui_model_init(&m, false);
    m.dry_run = true;
    send(&m, SESS_EV_FINISHED, 0.1, SESS_PH_EXTRACT, 0, 0);
    CHECK_EQ_STR(m.result, "The package is valid; nothing was flashed (--dry-run).");
}

static void test_failure_marks_gauge_and_logs(void)
{
    struct ui_model m;
    struct tp_devinfo rom = ui_test_dev(TP_KIND_SDP, "sim-1");
    struct nt_err err;
    struct sess_event ev;
    char st[64];

    ui_model_init(&m, false);
    send_dev(&m, SESS_EV_DEVICE_DETECTED, 0, &rom);
    send(&m, SESS_EV_PHASE_START, 1, SESS_PH_ERASE, 0, 0);
    send(&m, SESS_EV_PROGRESS, 2, SESS_PH_ERASE, 4096, 8192);
    nt_err_set(&err, NT_E_STATUS, "erase failed with status 10200");
    memset(&ev, 0, sizeof ev);
    ev.type = SESS_EV_FAILED;
    ev.t = 3;
    ev.phase = SESS_PH_ERASE;
    ev.err = &err;
    ev.dev = &rom;
    ui_model_apply(&m, &ev);
    /* The error, then how to recover, as the line front ends say it. */
    CHECK_EQ_STR(ui_model_log_line(&m, m.log_count - 2)->text, "erase failed with status 10200");
    CHECK_EQ_INT(ui_model_log_line(&m, m.log_count - 1)->level, SESS_LOG_WARN);
    CHECK_CONTAINS(ui_model_log_line(&m, m.log_count - 1)->text, "The module at sim-1 stopped in the ");
    {
        /* The advice for this cause (an error status in the erase), the same as sess_report.c gives. */
        char advice[SESS_REPORT_MAX];
        sess_recovery_advice(SESS_PH_ERASE, &err, advice, sizeof advice);
        CHECK_CONTAINS(ui_model_log_line(&m, m.log_count - 1)->text, advice);
        CHECK_CONTAINS(advice, "the flashloader is still running");
    }
    CHECK_EQ_INT(m.gauge[UI_G_ERASE].state, UI_GS_FAILED);
    ui_model_gauge_text(&m, UI_G_ERASE, st, sizeof st);
    CHECK_EQ_STR(st, "failed after 4.00 KiB");
    ui_model_device_state(&m, &rom, st, sizeof st);
    CHECK_EQ_STR(st, "failed");
    CHECK_EQ_STR(m.result, "erase failed with status 10200");
    CHECK_EQ_INT(ui_model_log_line(&m, m.log_count - 2)->level, SESS_LOG_ERROR);
    CHECK(!ui_model_in_destructive_phase(&m));
}

static void test_package_and_log_ring(void)
{
    struct ui_model m;
    static struct pkg p;
    struct sess_event ev;

    ui_model_init(&m, true);
    memset(&p, 0, sizeof p);
    snprintf(p.version, sizeof p.version, "1.9.0");
    snprintf(p.source, sizeof p.source, "https://example.com/x.zip");
    snprintf(p.firmware.name, sizeof p.firmware.name, "dir/disting_NT.bin");
    p.firmware.size = 3u << 20;
    p.firmware.sha256[0] = 0xde;
    p.firmware.sha256[31] = 0x01;
    memset(&ev, 0, sizeof ev);
    ev.type = SESS_EV_PACKAGE;
    ev.pkg = &p;
    m.dirty = 0;
    ui_model_apply(&m, &ev);
    CHECK(m.dirty & (1u << UI_PANEL_PACKAGE));
    CHECK_EQ_STR(m.firmware.name, "disting_NT.bin");
    CHECK_EQ_INT(m.firmware.size, 3u << 20);
    CHECK(strncmp(m.firmware.sha256, "de00", 4) == 0);
    CHECK(strcmp(m.firmware.sha256 + 62, "01") == 0);
    CHECK_EQ_STR(ui_model_log_line(&m, 0)->text, "Package 1.9.0: firmware disting_NT.bin (3.00 MiB)");
    /* The ring keeps the newest lines, oldest first, and flattens newlines. */
    for (int i = 0; i < UI_LOG_LINES + 10; i++)
        ui_model_log(&m, SESS_LOG_INFO, i, "line %d\nmore", i);
    CHECK_EQ_INT(m.log_count, UI_LOG_LINES);
    CHECK_EQ_STR(ui_model_log_line(&m, 0)->text, "line 10 more");
    CHECK(ui_model_log_line(&m, UI_LOG_LINES) == NULL);
}

/* Waiting: instructions in the log, a countdown of -t (or the time so far)
 * that moves with the clock alone. */
static void test_waiting_for_the_module(void)
{
    struct ui_model m;
    char text[128];

    ui_model_init(&m, false);
    m.wait_limit_s = 30;
    snprintf(m.wait_port, sizeof m.wait_port, "1-4.2");
    send(&m, SESS_EV_PHASE_START, 1.0, SESS_PH_WAIT, 0, 0);
    CHECK_EQ_INT(m.log_count, 0); /* a module already there needs no instructions */
    ui_model_tick(&m, 2.1);
    CHECK_EQ_STR(ui_model_log_line(&m, m.log_count - 3)->text,
                 "Waiting for the module at port 1-4.2 in bootloader mode.");
    CHECK_EQ_STR(ui_model_log_line(&m, m.log_count - 2)->text,
                 "On the module choose Menu > Misc > Enter bootloader mode.");
    CHECK_CONTAINS(ui_model_log_line(&m, m.log_count - 1)->text, "nt_flash --list");
    m.dirty = 0;
    ui_model_tick(&m, 4.2);
    CHECK(m.dirty & (1u << UI_PANEL_TITLE));
    ui_model_wait_text(&m, text, sizeof text);
    CHECK_EQ_STR(text, "Waiting for the module in bootloader mode: 27s left");
    m.dirty = 0;
    ui_model_tick(&m, 4.5); /* same second: the title stays */
    CHECK(!(m.dirty & (1u << UI_PANEL_TITLE)));
    m.wait_limit_s = 0;
    ui_model_wait_text(&m, text, sizeof text);
    CHECK_EQ_STR(text, "Waiting for the module in bootloader mode: 3s so far");
}

/* The whole job at a glance: the window title and the overall time left;
 * a flashloader found running marks the upload skipped. */
static void test_window_title_and_skipped_upload(void)
{
    struct ui_model m;
    struct tp_devinfo loader = ui_test_dev(TP_KIND_MBOOT, "1-4.2");
    char text[128];

    ui_model_init(&m, false);
    ui_model_window_title(&m, text, sizeof text);
    CHECK_EQ_STR(text, "nt_flash: waiting");
    send(&m, SESS_EV_PHASE_START, 1.0, SESS_PH_WAIT, 0, 0);
    ui_model_window_title(&m, text, sizeof text);
    CHECK_EQ_STR(text, "nt_flash: waiting");
    send(&m, SESS_EV_PHASE_DONE, 2.0, SESS_PH_WAIT, 0, 0);
    send_dev(&m, SESS_EV_DEVICE_DETECTED, 2.0, &loader);
    CHECK_EQ_INT(m.gauge[UI_G_UPLOAD].state, UI_GS_DONE);
    ui_model_gauge_text(&m, UI_G_UPLOAD, text, sizeof text);
    CHECK_EQ_STR(text, "skipped: the flashloader was already running");
    CHECK(ui_model_overall_left(&m) < 0); /* no package yet */
    m.have_package = true;
    m.firmware.size = 1u << 20;
    /* Before any phase has a rate: the typical ones. Configure 1 s, erase
     * 1 MiB + 4 KiB at 64 KiB per 0.7 s, write 1 MiB at 256 KiB/s, verify
     * 1 MiB at 512 KiB/s, reset 1 s. */
    CHECK_EQ_INT((int)(ui_model_overall_left(&m) * 100 + 0.5),
                 (int)((2.0 + 0.7 * 16.0625 + 4.0 + 2.0) * 100 + 0.5));
    send(&m, SESS_EV_PHASE_START, 2.0, SESS_PH_CONFIGURE, 0, 0);
    send(&m, SESS_EV_PHASE_DONE, 2.0, SESS_PH_CONFIGURE, 0, 0);
    send(&m, SESS_EV_PHASE_START, 2.0, SESS_PH_ERASE, 0, 0);
    /* Measured: a quarter of the erase in 1 s, so 3 s more for the erase;
     * this erase runs 2.81 times as fast as the typical one, and the write,
     * verify and reset to come are expected to as well: 1.42 s, 0.71 s and
     * 0.36 s. */
    send(&m, SESS_EV_PROGRESS, 3.0, SESS_PH_ERASE, 1052672 / 4, 1052672);
    CHECK_EQ_INT((int)(ui_model_overall_left(&m) * 10 + 0.5), 55);
    /* The command in flight makes it grow, never shrink; the title's
     * overall figures are redrawn once a second. */
    m.dirty = 0;
    ui_model_tick(&m, 3.4);
    CHECK(!(m.dirty & (1u << UI_PANEL_TITLE)));
    ui_model_tick(&m, 4.0);
    CHECK(m.dirty & (1u << UI_PANEL_TITLE));
    CHECK(ui_model_overall_left(&m) > 8.0);
    send(&m, SESS_EV_PROGRESS, 4.0, SESS_PH_ERASE, 1052672, 1052672);
    send(&m, SESS_EV_PHASE_DONE, 4.0, SESS_PH_ERASE, 1052672, 1052672);
    ui_model_window_title(&m, text, sizeof text);
    /* The whole erase at 5.62 times the typical rate: 0.71 s + 0.36 s +
     * 0.18 s to go. */
    CHECK_EQ_STR(text, "nt_flash 37% erase 1.2s left");
    send(&m, SESS_EV_FINISHED, 9.0, SESS_PH_RESET, 0, 0);
    ui_model_window_title(&m, text, sizeof text);
    CHECK_EQ_STR(text, "nt_flash: done");
}

/* An official release: version, date and first changes for the package
 * panel, every change in the log; nothing for a plain package. */
static void test_release_shown(void)
{
    static const char *const changes[] = { "New algorithm: Foo", "Fixed bar", "Faster boot" };
    struct ui_model m;

    ui_model_init(&m, true);
    ui_model_set_release(&m, NULL, NULL, NULL, 0);
    CHECK_EQ_STR(m.release_version, "");
    CHECK_EQ_INT(m.log_count, 0);
    m.dirty = 0;
    ui_model_set_release(&m, "1.19.0", "14/10/2026", changes, 3);
    CHECK(m.dirty & (1u << UI_PANEL_PACKAGE));
    CHECK_EQ_STR(m.release_version, "1.19.0");
    CHECK_EQ_STR(m.release_date, "14/10/2026");
    CHECK_EQ_INT(m.release_changes, 3);
    CHECK_EQ_STR(m.release_change[0], "New algorithm: Foo");
    CHECK_EQ_STR(m.release_change[1], "Fixed bar");
    CHECK_EQ_INT(m.log_count, 4);
    CHECK_EQ_STR(ui_model_log_line(&m, 0)->text, "Firmware 1.19.0 of 14/10/2026: 3 changes listed");
    CHECK_EQ_STR(ui_model_log_line(&m, 3)->text, "  - Faster boot");
}

/* A running module's state names a newer official release when one is known. */
static void test_running_older_than_latest(void)
{
    struct ui_model m;
    struct tp_devinfo d = ui_test_dev(TP_KIND_APP, "1-2");
    char state[64];

    ui_model_init(&m, false);
    ui_model_set_running(&m, "1-2", "1.16.0");
    ui_model_device_state(&m, &d, state, sizeof state);
    CHECK_EQ_STR(state, "running 1.16.0");
    ui_model_set_latest(&m, "1.19.0");
    ui_model_device_state(&m, &d, state, sizeof state);
    CHECK_EQ_STR(state, "running 1.16.0, 1.19.0 out");
    ui_model_set_running(&m, "1-2", "1.19.0");
    ui_model_device_state(&m, &d, state, sizeof state);
    CHECK_EQ_STR(state, "running 1.19.0");
    ui_model_set_running(&m, "1-2", "1.20.0");
    ui_model_device_state(&m, &d, state, sizeof state);
    CHECK_EQ_STR(state, "running 1.20.0");
}

int main(void)
{
    RUN(test_devices_reenumerate_on_one_port);
    RUN(test_gauges_rates_and_durations);
    RUN(test_overall_percent_and_result);
    RUN(test_failure_marks_gauge_and_logs);
    RUN(test_package_and_log_ring);
    RUN(test_waiting_for_the_module);
    RUN(test_window_title_and_skipped_upload);
    RUN(test_release_shown);
    RUN(test_running_older_than_latest);
    return check_finish();
}
