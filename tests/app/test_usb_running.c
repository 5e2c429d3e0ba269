/* A running module through the real libusb against a umockdev-emulated
 * USB-MIDI device (tests/lib/usbemu.c, the virtual module's engine as the
 * model): identity and --list, the version request and its answer as exact
 * USB-MIDI packets on the wire, snd-usb-audio detached for the exchange and
 * reattached after, and the bootloader message re-enumerating the module as
 * the ROM on the same port. */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "running.h"
#include "tap.h"
#include "usb.h"
#include "usbemu.h"
#include "vmod.h"

#define T_MS 2000 /* generous: emulated transfers share 2 busy CPUs */
#define PORT "1-2"

struct fixture {
    struct usbemu *emu;
    struct usbemu_module *mod;
    struct vmod_engine *eng;
    struct tp_bus *bus;
};

static int skip_status;

static bool setup(struct fixture *f, const char *spec)
{
    struct usbemu_module_cfg cfg = { 0 };
    struct vmod_config vc;
    struct nt_err e;
    int rc;

    memset(f, 0, sizeof *f);
    rc = usbemu_new(&f->emu);
    if (rc != 0) {
        skip_status = rc;
        return false;
    }
    vmod_config_defaults(&vc);
    vc.speed = 0;
    vc.flash_size = 2u * 1024 * 1024;
    CHECK_EQ_INT(vmod_parse_spec(spec, &vc, &e), NT_OK);
    CHECK_EQ_INT(vmod_engine_new(&vc, 0, &f->eng, &e), NT_OK);
    cfg.port = PORT;
    cfg.speed_mbps = 480;
    cfg.model = usbemu_vmod_model(f->eng);
    f->mod = usbemu_add_module(f->emu, &cfg);
    CHECK(usbemu_wait_presence(f->mod, TP_KIND_APP, T_MS));
    CHECK_EQ_INT(usb_bus_new(&f->bus, &e), NT_OK);
    return f->bus != NULL;
}

static void teardown(struct fixture *f)
{
    if (f->bus)
        f->bus->ops->destroy(f->bus);
    usbemu_free(f->emu);
    vmod_engine_free(f->eng);
}

static bool find_app(struct fixture *f, struct tp_devinfo *out)
{
    struct tp_devinfo devs[8];
    size_t n = 0;
    struct nt_err e;
    if (f->bus->ops->scan(f->bus, devs, 8, &n, &e) != NT_OK)
        return false;
    for (size_t i = 0; i < n && i < 8; i++)
        if (devs[i].kind == TP_KIND_APP) {
            *out = devs[i];
            return true;
        }
    return false;
}

static void check_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t wn)
{
    CHECK_EQ_INT(n, wn);
    if (n == wn)
        CHECK_MEM(got, want, n);
}

static void test_identity_and_list(void)
{
    struct fixture f;
    struct tp_devinfo d;
    char line[256];
    FILE *out;
    size_t len = 0;
    char *text = NULL;
    struct nt_err e;

    if (!setup(&f, "start=app,app_version=1.16.0")) {
        SKIP_CASE("umockdev is not active");
        goto out;
    }
    CHECK(find_app(&f, &d));
    CHECK_EQ_STR(d.port, PORT);
    CHECK_EQ_INT(d.vid, 0x3773);
    CHECK_EQ_INT(d.pid, 0x0001);
    out = open_memstream(&text, &len);
    CHECK_EQ_INT(list_print(out, f.bus, &(struct probe_opts){ .tscale = 1.0 }, &e), NT_OK);
    fclose(out);
    snprintf(line, sizeof line, "%-14s 3773:0001  %-13s %-5s version=1.16.0\n", PORT, "app", "480M");
    CHECK_EQ_STR(text, line);
    free(text);
out:
    teardown(&f);
}

/* The version request goes out as three event packets and the answer comes
 * back as eight; snd-usb-audio is detached only for the exchange. */
static void test_version_request_exact_packets(void)
{
    static const uint8_t req[] = { 0x04, 0xF0, 0x00, 0x21, 0x04, 0x27, 0x6D, 0x00, 0x06, 0x22, 0xF7, 0x00 };
    static const uint8_t ans[] = { 0x04, 0xF0, 0x00, 0x21, 0x04, 0x27, 0x6D, 0x00, 0x04, 0x32, '1',
                                   '.',  0x04, '1',  '6',  '.',  0x04, '0',  0x00, 'v',  0x04, 'i',
                                   'r',  't',  0x04, 'u',  'a',  'l',  0x06, 0x00, 0xF7, 0x00 };
    struct fixture f;
    struct tp_devinfo d;
    struct usbemu_stats st;
    char version[RUNNING_VERSION_MAX] = "";
    struct nt_err e;

    if (!setup(&f, "start=app,app_version=1.16.0")) {
        SKIP_CASE("umockdev is not active");
        goto out;
    }
    CHECK(find_app(&f, &d));
    usbemu_get_stats(f.mod, &st);
    CHECK(st.driver_bound);
    CHECK_EQ_INT(running_ask_version(f.bus, &d, 0, 1.0, version, sizeof version, &e), NT_OK);
    CHECK_EQ_STR(version, "1.16.0");
    usbemu_get_stats(f.mod, &st);
    check_bytes(st.out_log, st.out_log_len, req, sizeof req);
    check_bytes(st.in_log, st.in_log_len, ans, sizeof ans);
    CHECK_EQ_INT(st.out_bulk, 1);
    CHECK_EQ_INT(st.detaches, 1);
    CHECK_EQ_INT(st.claims, 1);
    CHECK_EQ_INT(st.reattaches, 1);
    CHECK(st.driver_bound); /* the sound system has the module back */
out:
    teardown(&f);
}

static void test_silent_module_times_out(void)
{
    struct fixture f;
    struct tp_devinfo d;
    struct usbemu_stats st;
    char version[RUNNING_VERSION_MAX] = "";
    struct nt_err e;

    if (!setup(&f, "start=app,sysex_id=9")) {
        SKIP_CASE("umockdev is not active");
        goto out;
    }
    CHECK(find_app(&f, &d));
    CHECK_EQ_INT(running_ask_version(f.bus, &d, 0, 1.0, version, sizeof version, &e), NT_E_TIMEOUT);
    CHECK_CONTAINS(e.msg, "did not answer the version request (SysEx ID 0)");
    usbemu_get_stats(f.mod, &st);
    CHECK_EQ_INT(st.in_log_len, 0);
    CHECK(st.driver_bound);
out:
    teardown(&f);
}

static void test_bootloader_message_reenumerates_as_rom(void)
{
    static const uint8_t msg[] = { 0x04, 0xF0, 0x00, 0x21, 0x04, 0x27, 0x6D, 0x00, 0x07, 0x7F, 0x7F, 0xF7 };
    struct fixture f;
    struct tp_devinfo d, devs[8];
    struct usbemu_stats st;
    struct nt_err e;
    size_t n = 0;

    if (!setup(&f, "start=app")) {
        SKIP_CASE("umockdev is not active");
        goto out;
    }
    CHECK(find_app(&f, &d));
    CHECK_EQ_INT(running_enter_bootloader(f.bus, &d, 0, &e), NT_OK);
    usbemu_get_stats(f.mod, &st);
    check_bytes(st.out_log, st.out_log_len, msg, sizeof msg);
    CHECK_EQ_INT(st.detaches, 1);
    CHECK(usbemu_wait_presence(f.mod, TP_KIND_SDP, T_MS));
    CHECK_EQ_INT(f.bus->ops->scan(f.bus, devs, 8, &n, &e), NT_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(devs[0].kind, TP_KIND_SDP);
    CHECK_EQ_STR(devs[0].port, PORT);
    usbemu_get_stats(f.mod, &st);
    CHECK_EQ_INT(st.enumerations, 2);
out:
    teardown(&f);
}

int main(void)
{
    struct usbemu *probe;

    skip_status = usbemu_new(&probe);
    if (skip_status != 0)
        snprintf(tap_skip_rest, sizeof tap_skip_rest, "umockdev cannot emulate USB here (status %d)",
                 skip_status);
    else
        usbemu_free(probe);
    RUN(test_identity_and_list);
    RUN(test_version_request_exact_packets);
    RUN(test_silent_module_times_out);
    RUN(test_bootloader_message_reenumerates_as_rom);
    return check_finish();
}
