/* Unit tests of the UI model: event streams in, what each panel would say
 * out (device states, gauges, rates, log, dirty panels), no terminal. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "pkg.h"
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
    send(&m, SESS_EV_IDLE, 14.0, SESS_PH_WRITE, 0, 0);
    ui_model_gauge_text(&m, UI_G_WRITE, text, sizeof text);
    CHECK_EQ_STR(text, "1.00 MiB / 4.00 MiB  256 KiB/s  12s left");
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
    CHECK_CONTAINS(ui_model_log_line(&m, m.log_count - 1)->text, sess_recovery_hint(SESS_PH_ERASE));
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

int main(void)
{
    RUN(test_devices_reenumerate_on_one_port);
    RUN(test_gauges_rates_and_durations);
    RUN(test_overall_percent_and_result);
    RUN(test_failure_marks_gauge_and_logs);
    RUN(test_package_and_log_ring);
    RUN(test_release_shown);
    return check_finish();
}
