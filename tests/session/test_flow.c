/* The protocol hosts and the session against the virtual module at speed 0:
 * a whole flash of a 4 MiB image with the flash contents checked byte for
 * byte, the event stream's shape, and every fault kind ending in the right
 * error without hanging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "mboot.h"
#include "pkg.h"
#include "session.h"
#include "synthpkg.h"
#include "vmod.h"

#define FW_4M (4u * 1024 * 1024)
#define FW_SMALL (128u * 1024)

static char tmpdir[512];

struct seen {
    int phase_started[SESS_PH_COUNT];
    int progress[SESS_PH_COUNT];
    uint64_t last_done[SESS_PH_COUNT];
    int backwards;
    int detected_sdp, detected_mboot, finished, failed;
    enum sess_phase failed_phase;
};

static void sink(void *user, const struct sess_event *ev)
{
    struct seen *s = user;
    switch (ev->type) {
    case SESS_EV_PHASE_START: s->phase_started[ev->phase]++; break;
    case SESS_EV_PROGRESS:
        if (ev->done < s->last_done[ev->phase])
            s->backwards++;
        s->last_done[ev->phase] = ev->done;
        s->progress[ev->phase]++;
        break;
    case SESS_EV_DEVICE_DETECTED:
        if (ev->dev->kind == TP_KIND_SDP)
            s->detected_sdp++;
        else
            s->detected_mboot++;
        break;
    case SESS_EV_FINISHED: s->finished++; break;
    case SESS_EV_FAILED:
        s->failed++;
        s->failed_phase = ev->phase;
        break;
    default: break;
    }
}

static void make_pkg(char *path, size_t cap, size_t fw_size)
{
    char why[256];
    snprintf(path, cap, "%s/distingNT_%zu.zip", tmpdir, fw_size);
    if (access(path, R_OK) == 0)
        return;
    if (synth_write(path, "plain", fw_size, "1.2.3", why, sizeof why) != 0) {
        fprintf(stderr, "cannot make package: %s\n", why);
        exit(99);
    }
}

static nt_status run_on_bus(struct tp_bus *bus, const char *pkg_path, struct seen *seen, struct nt_err *err)
{
    struct sess_config sc;
    memset(&sc, 0, sizeof sc);
    memset(seen, 0, sizeof *seen);
    sc.package_path = pkg_path;
    sc.bus = bus;
    sc.wait_timeout_s = 2;
    sc.tscale = 0;
    sc.sink = sink;
    sc.user = seen;
    return sess_run(&sc, NULL, err);
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

/* Flash pkg_path on a virtual module at speed 0 with the settings in spec;
 * returns the status. */
static nt_status flash(const char *pkg_path, const char *spec, struct seen *seen, struct nt_err *err)
{
    char full[1300];
    struct tp_bus *bus;
    nt_status st;

    snprintf(full, sizeof full, "speed=0%s%s", *spec ? "," : "", spec);
    bus = virtual_bus(full);
    st = run_on_bus(bus, pkg_path, seen, err);
    bus->ops->destroy(bus);
    return st;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void check_flash_contents(const char *dump_path, size_t fw_size)
{
    size_t len = 0, i, erase_end = (0x1000 + fw_size + 0xFFF) & ~(size_t)0xFFF;
    uint8_t *nor = read_file(dump_path, &len);
    uint8_t *fw = malloc(fw_size);
    int non_ff = 0;

    CHECK(nor != NULL);
    if (!nor || !fw) {
        free(fw);
        return;
    }
    synth_firmware(fw, fw_size);
    synth_mark_version(fw, fw_size, "1.2.3"); /* as make_pkg's synth_write */
    CHECK_EQ_INT(len, erase_end);
    CHECK(memcmp(nor, "FCFB", 4) == 0);
    for (i = 0x200; i < 0x1000; i++)
        non_ff += nor[i] != 0xFF;
    CHECK_EQ_INT(non_ff, 0);
    if (len >= 0x1000 + fw_size)
        CHECK_MEM(nor + 0x1000, fw, fw_size);
    non_ff = 0;
    for (i = 0x1000 + fw_size; i < len; i++)
        non_ff += nor[i] != 0xFF;
    CHECK_EQ_INT(non_ff, 0);
    free(nor);
    free(fw);
}

static void test_whole_flash_4mib(void)
{
    char pkg[600], spec[1200], dump[600];
    struct seen seen;
    struct nt_err err;

    make_pkg(pkg, sizeof pkg, FW_4M);
    snprintf(dump, sizeof dump, "%s/flow_4m.bin", tmpdir);
    snprintf(spec, sizeof spec, "dump=%s", dump);
    CHECK_EQ_INT(flash(pkg, spec, &seen, &err), NT_OK);
    CHECK_EQ_INT(seen.finished, 1);
    CHECK_EQ_INT(seen.failed, 0);
    CHECK_EQ_INT(seen.detected_sdp, 1);
    CHECK_EQ_INT(seen.detected_mboot, 1);
    CHECK_EQ_INT(seen.backwards, 0);
    CHECK(seen.progress[SESS_PH_UPLOAD] > 80);
    /* erase in 64 KiB pieces: 65 answers for 4 MiB + 4 KiB, plus the 0% event */
    CHECK_EQ_INT(seen.progress[SESS_PH_ERASE], 66);
    CHECK_EQ_INT(seen.last_done[SESS_PH_WRITE], FW_4M);
    check_flash_contents(dump, FW_4M);
}

static void test_flashloader_already_running(void)
{
    char pkg[600], spec[1200], dump[600];
    struct seen seen;
    struct nt_err err;

    make_pkg(pkg, sizeof pkg, FW_SMALL);
    snprintf(dump, sizeof dump, "%s/flow_mboot.bin", tmpdir);
    snprintf(spec, sizeof spec, "start=mboot,dump=%s", dump);
    CHECK_EQ_INT(flash(pkg, spec, &seen, &err), NT_OK);
    CHECK_EQ_INT(seen.detected_sdp, 0);
    CHECK_EQ_INT(seen.phase_started[SESS_PH_UPLOAD], 0);
    check_flash_contents(dump, FW_SMALL);
}

struct fault_case {
    const char *spec;
    nt_status want;
    enum sess_phase phase; /* where the failure is reported */
};

static void test_every_fault(void)
{
    static const struct fault_case cases[] = {
        { "fault=unplug@upload", NT_E_DISCONNECT, SESS_PH_UPLOAD },
        { "fault=unplug@configure", NT_E_DISCONNECT, SESS_PH_CONFIGURE },
        { "fault=unplug@erase", NT_E_DISCONNECT, SESS_PH_ERASE },
        { "fault=unplug@write", NT_E_DISCONNECT, SESS_PH_WRITE },
        { "fault=status@configure", NT_E_STATUS, SESS_PH_CONFIGURE },
        { "fault=status@erase", NT_E_STATUS, SESS_PH_ERASE },
        { "fault=status@write", NT_E_STATUS, SESS_PH_WRITE },
        { "fault=status@reset", NT_E_STATUS, SESS_PH_RESET },
        { "fault=silent@upload", NT_E_TIMEOUT, SESS_PH_UPLOAD },
        { "fault=silent@configure", NT_E_TIMEOUT, SESS_PH_CONFIGURE },
        { "fault=silent@erase", NT_E_TIMEOUT, SESS_PH_ERASE },
        { "fault=silent@write", NT_E_TIMEOUT, SESS_PH_WRITE },
        { "fault=badjump", NT_E_STATUS, SESS_PH_UPLOAD },
        { "fault=noenum", NT_E_TIMEOUT, SESS_PH_ENUM },
        { "fault=stale", NT_OK, SESS_PH_RESET },
        { "fault=unplug@reset", NT_OK, SESS_PH_RESET },
        { "fault=silent@reset", NT_OK, SESS_PH_RESET },
    };
    char pkg[600];
    size_t i;

    make_pkg(pkg, sizeof pkg, FW_SMALL);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct seen seen;
        struct nt_err err;
        nt_status st;

        nt_err_clear(&err);
        st = flash(pkg, cases[i].spec, &seen, &err);
        if (st != cases[i].want)
            fprintf(stderr, "  %s: got %s (%s)\n", cases[i].spec, nt_status_name(st), err.msg);
        CHECK_EQ_INT(st, cases[i].want);
        if (cases[i].want != NT_OK) {
            CHECK_EQ_INT(seen.failed, 1);
            CHECK_EQ_INT(seen.finished, 0);
            if (seen.failed_phase != cases[i].phase)
                fprintf(stderr, "  %s: failed in %s\n", cases[i].spec, sess_phase_name(seen.failed_phase));
            CHECK_EQ_INT(seen.failed_phase, cases[i].phase);
            CHECK(err.msg[0] != '\0');
        } else {
            CHECK_EQ_INT(seen.finished, 1);
        }
    }
}

/* A bus that delegates to the virtual one but refuses the first opens, as a
 * freshly enumerated device can while the kernel and udev are still busy. */
struct flaky_bus {
    struct tp_bus bus;
    struct tp_bus *inner;
    int refusals;
    int opens;
};

static nt_status flaky_scan(struct tp_bus *b, struct tp_devinfo *out, size_t max, size_t *n, struct nt_err *e)
{
    struct flaky_bus *f = (struct flaky_bus *)b;
    return f->inner->ops->scan(f->inner, out, max, n, e);
}

static nt_status flaky_next(struct tp_bus *b, int ms, struct tp_event *ev, struct nt_err *e)
{
    struct flaky_bus *f = (struct flaky_bus *)b;
    return f->inner->ops->next_event(f->inner, ms, ev, e);
}

static nt_status flaky_open(struct tp_bus *b, const struct tp_devinfo *id, struct tp_dev **d,
                            struct nt_err *e)
{
    struct flaky_bus *f = (struct flaky_bus *)b;
    if (f->opens++ < f->refusals)
        return nt_err_set(e, NT_E_ACCESS, "permission denied (still settling)");
    return f->inner->ops->open(f->inner, id, d, e);
}

static void flaky_destroy(struct tp_bus *b) { (void)b; }

static const struct tp_bus_ops flaky_ops = { flaky_scan, flaky_next, flaky_open, flaky_destroy, NULL };

static void test_open_retried_while_the_device_settles(void)
{
    char pkg[600];
    struct seen seen;
    struct nt_err err;
    struct flaky_bus f = { .bus = { &flaky_ops }, .refusals = 3 };

    make_pkg(pkg, sizeof pkg, FW_SMALL);
    f.inner = virtual_bus("speed=0");
    CHECK_EQ_INT(run_on_bus(&f.bus, pkg, &seen, &err), NT_OK);
    CHECK_EQ_INT(seen.finished, 1);
    CHECK(f.opens >= 5); /* 3 refusals, then the ROM and the flashloader */
    f.inner->ops->destroy(f.inner);
}

/* An earlier host died in the middle of a WriteMemory data phase and left
 * the flashloader waiting for data: running again must simply work. */
static void test_rerun_after_a_host_died_mid_write(void)
{
    char pkg[600];
    struct seen seen;
    struct nt_err err;
    struct tp_bus *bus = virtual_bus("speed=0,start=mboot");
    struct tp_devinfo devs[2];
    size_t n = 0, len = 0;
    struct tp_dev *dev = NULL;
    uint8_t report[MBOOT_REPORT_LEN], data[1012];
    struct mboot_packet cmd = {
        .tag = MBOOT_CMD_WRITE_MEMORY, .flags = 1, .nparams = 3, .params = { 0x20200000u, 4096, 0 }
    };

    make_pkg(pkg, sizeof pkg, FW_SMALL);
    CHECK_EQ_INT(bus->ops->scan(bus, devs, 2, &n, &err), NT_OK);
    CHECK_EQ_INT(bus->ops->open(bus, &devs[0], &dev, &err), NT_OK);
    if (!dev)
        return;
    mboot_encode_command(report, sizeof report, &cmd);
    CHECK_EQ_INT(tp_write(dev, report, sizeof report, 1000, &err), NT_OK);
    CHECK_EQ_INT(tp_read(dev, report, sizeof report, &len, 1000, &err), NT_OK); /* Generic(0) */
    memset(data, 0x5A, sizeof data);
    mboot_encode_data(report, sizeof report, data, sizeof data);
    CHECK_EQ_INT(tp_write(dev, report, sizeof report, 1000, &err), NT_OK);
    tp_close(dev); /* 3084 bytes still expected */

    CHECK_EQ_INT(run_on_bus(bus, pkg, &seen, &err), NT_OK);
    if (seen.failed)
        fprintf(stderr, "  rerun failed: %s\n", err.msg);
    CHECK_EQ_INT(seen.finished, 1);
    bus->ops->destroy(bus);
}

/* --- the stop rule at the end of a flash -------------------------------
 * A stop request that arrives before the last command (the reset) was sent
 * stops the run; one that arrives after it lets the reset finish. A spy
 * bus sees the reset command go out, and requests the stop either from
 * the session's own events (before) or right after the reset was sent. */
enum stop_when { STOP_IN_LAST_WRITE, STOP_AT_RESET_START, STOP_AFTER_RESET_SENT };

struct spy_bus {
    struct tp_bus bus;
    struct tp_bus *inner;
    struct nt_stop *stop;
    enum stop_when when;
    int resets_sent;
    uint64_t fw_size;
};

struct spy_dev {
    struct tp_dev dev;
    struct tp_dev *inner;
    struct spy_bus *bus;
};

static bool is_reset_command(const uint8_t *report, size_t len)
{
    uint8_t want[MBOOT_REPORT_LEN];
    struct mboot_packet cmd = { .tag = MBOOT_CMD_RESET };
    size_t n = mboot_encode_command(want, sizeof want, &cmd);
    return n > 0 && len >= n && memcmp(report, want, n) == 0;
}

static nt_status spy_write(struct tp_dev *d, const uint8_t *r, size_t n, int ms, struct nt_err *e)
{
    struct spy_dev *s = (struct spy_dev *)d;
    nt_status st = tp_write(s->inner, r, n, ms, e);
    if (st == NT_OK && is_reset_command(r, n)) {
        s->bus->resets_sent++;
        if (s->bus->when == STOP_AFTER_RESET_SENT)
            nt_stop_request(s->bus->stop, 2);
    }
    return st;
}

static nt_status spy_read(struct tp_dev *d, uint8_t *buf, size_t cap, size_t *len, int ms, struct nt_err *e)
{
    return tp_read(((struct spy_dev *)d)->inner, buf, cap, len, ms, e);
}

static void spy_close(struct tp_dev *d)
{
    tp_close(((struct spy_dev *)d)->inner);
    free(d);
}

static const struct tp_dev_ops spy_dev_ops = { spy_write, spy_read, spy_close };

static nt_status spy_scan(struct tp_bus *b, struct tp_devinfo *out, size_t max, size_t *n, struct nt_err *e)
{
    struct spy_bus *s = (struct spy_bus *)b;
    return s->inner->ops->scan(s->inner, out, max, n, e);
}

static nt_status spy_next(struct tp_bus *b, int ms, struct tp_event *ev, struct nt_err *e)
{
    struct spy_bus *s = (struct spy_bus *)b;
    return s->inner->ops->next_event(s->inner, ms, ev, e);
}

static nt_status spy_open(struct tp_bus *b, const struct tp_devinfo *id, struct tp_dev **d, struct nt_err *e)
{
    struct spy_bus *s = (struct spy_bus *)b;
    struct spy_dev *sd;
    nt_status st = s->inner->ops->open(s->inner, id, d, e);
    if (st != NT_OK)
        return st;
    sd = calloc(1, sizeof *sd);
    if (!sd) {
        tp_close(*d);
        return nt_err_set(e, NT_E_NOMEM, "spy");
    }
    sd->dev = **d;
    sd->dev.ops = &spy_dev_ops;
    sd->inner = *d;
    sd->bus = s;
    *d = &sd->dev;
    return NT_OK;
}

static void spy_destroy(struct tp_bus *b) { (void)b; }

static const struct tp_bus_ops spy_ops = { spy_scan, spy_next, spy_open, spy_destroy, NULL };

struct stop_seen {
    struct seen seen;
    struct spy_bus *spy;
};

/* The session's events: request the stop during the last write command (a
 * progress report of the image header page, which is written last) or as
 * the reset phase starts, before the reset is sent. */
static void stop_sink(void *user, const struct sess_event *ev)
{
    struct stop_seen *ss = user;
    struct spy_bus *spy = ss->spy;

    sink(&ss->seen, ev);
    if (spy->when == STOP_IN_LAST_WRITE && ev->type == SESS_EV_PROGRESS && ev->phase == SESS_PH_WRITE &&
        ev->done > spy->fw_size - 0x1000 && ev->done < spy->fw_size)
        nt_stop_request(spy->stop, 2);
    if (spy->when == STOP_AT_RESET_START && ev->type == SESS_EV_PHASE_START && ev->phase == SESS_PH_RESET)
        nt_stop_request(spy->stop, 2);
}

static nt_status flash_with_stop(enum stop_when when, struct stop_seen *ss, struct nt_err *err)
{
    static struct nt_stop stop;
    char pkg[600];
    struct sess_config sc;
    struct spy_bus *spy = ss->spy;
    nt_status st;

    memset(&stop, 0, sizeof stop);
    make_pkg(pkg, sizeof pkg, FW_SMALL);
    memset(&ss->seen, 0, sizeof ss->seen);
    spy->bus.ops = &spy_ops;
    spy->inner = virtual_bus("speed=0");
    spy->stop = &stop;
    spy->when = when;
    spy->fw_size = FW_SMALL;
    memset(&sc, 0, sizeof sc);
    sc.package_path = pkg;
    sc.bus = &spy->bus;
    sc.wait_timeout_s = 2;
    sc.tscale = 0;
    sc.sink = stop_sink;
    sc.user = ss;
    sc.stop = &stop;
    st = sess_run(&sc, NULL, err);
    spy->inner->ops->destroy(spy->inner);
    return st;
}

static void test_stop_during_the_last_write_stops_before_the_reset(void)
{
    struct spy_bus spy = { 0 };
    struct stop_seen ss = { .spy = &spy };
    struct nt_err err;

    /* Stopped at the next safe point after the write (before the read-back
     * or the reset, whichever comes first); the reset is never sent. */
    CHECK_EQ_INT(flash_with_stop(STOP_IN_LAST_WRITE, &ss, &err), NT_E_INTERRUPTED);
    CHECK_EQ_INT(spy.resets_sent, 0);
    CHECK_EQ_INT(ss.seen.finished, 0);
    CHECK_CONTAINS(err.msg, "stopped by request");
}

static void test_stop_as_the_reset_starts_stops(void)
{
    struct spy_bus spy = { 0 };
    struct stop_seen ss = { .spy = &spy };
    struct nt_err err;

    CHECK_EQ_INT(flash_with_stop(STOP_AT_RESET_START, &ss, &err), NT_E_INTERRUPTED);
    CHECK_EQ_INT(spy.resets_sent, 0);
    CHECK_EQ_INT(ss.seen.finished, 0);
    CHECK_EQ_INT(ss.seen.failed_phase, SESS_PH_RESET);
    CHECK_CONTAINS(err.msg, "before the reset");
}

static void test_stop_after_the_reset_was_sent_lets_it_finish(void)
{
    struct spy_bus spy = { 0 };
    struct stop_seen ss = { .spy = &spy };
    struct nt_err err;

    CHECK_EQ_INT(flash_with_stop(STOP_AFTER_RESET_SENT, &ss, &err), NT_OK);
    CHECK_EQ_INT(spy.resets_sent, 1);
    CHECK_EQ_INT(ss.seen.finished, 1);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_flow.XXXXXX", t ? t : ".");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 99;
    }
    RUN(test_whole_flash_4mib);
    RUN(test_flashloader_already_running);
    RUN(test_every_fault);
    RUN(test_open_retried_while_the_device_settles);
    RUN(test_rerun_after_a_host_died_mid_write);
    RUN(test_stop_during_the_last_write_stops_before_the_reset);
    RUN(test_stop_as_the_reset_starts_stops);
    RUN(test_stop_after_the_reset_was_sent_lets_it_finish);
    return check_finish();
}
