/* The libusb transport through the real libusb against umockdev-emulated
 * modules (tests/usbemu.c): enumeration and identity, module choice, kernel
 * driver detach and claim, both OUT paths, stale reports, timeouts, STALL,
 * unplug during a write, ROM-to-flashloader re-enumeration, permissions. */
#include <libusb.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bytes.h"
#include "tap.h"
#include "list.h"
#include "select.h"
#include "mboot.h"
#include "sdp.h"
#include "usb.h"
#include "usbemu.h"
#include "vmod.h"

#define T_MS 2000 /* generous: emulated transfers share 2 busy CPUs */
#define MAX_MODULES 3
#define FL_LOAD_ADDR 0x20001C00u /* where nt-flash loads the flashloader (doc/package.md §0) */
#define FL_IMAGE_BYTES (16u * 1024)
#define NOR_BASE 0x60000000u
#define APP_OFFSET 0x1000u
#define CONFIG_ADDR 0x2000u
#define NOR_OPTION 0xC0000008u /* QSPI NOR, as nt-flash configures it */
#define FCB_OPTION 0xF000000Fu /* program the FlexSPI config block */
#define FLASH_IMAGE_BYTES (1024u * 1024)

struct fixture {
    struct usbemu *emu;
    struct usbemu_module *mod[MAX_MODULES];
    struct vmod_engine *eng[MAX_MODULES];
    size_t n;
    struct tp_bus *bus;
};

static int skip_status;

struct modspec {
    const char *port;
    bool mboot;
    int speed;
    const char *vmod_spec; /* extra key=value settings of the virtual module, or NULL */
    bool rom_stalls;
    unsigned unplug_after;
    bool deny;
    unsigned in_eproto; /* IN transfers that end with -EPROTO first */
};

/* A testbed with the modules, then a USB bus (libusb after the testbed:
 * doc/design.md §7.1 item 1). false (and the test skipped) without umockdev. */
static bool setup(struct fixture *f, const struct modspec *specs, size_t n)
{
    struct nt_err e;
    int rc;

    memset(f, 0, sizeof *f);
    rc = usbemu_new(&f->emu);
    if (rc != 0) {
        skip_status = rc;
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct usbemu_module_cfg cfg = { 0 };
        struct vmod_config vc;
        vmod_config_defaults(&vc);
        vc.speed = 0;
        vc.flash_size = 2u * 1024 * 1024;
        vc.start = specs[i].mboot ? VMOD_START_MBOOT : VMOD_START_SDP;
        if (specs[i].vmod_spec)
            CHECK_EQ_INT(vmod_parse_spec(specs[i].vmod_spec, &vc, &e), NT_OK);
        CHECK_EQ_INT(vmod_engine_new(&vc, (unsigned)i, &f->eng[i], &e), NT_OK);
        cfg.port = specs[i].port;
        cfg.speed_mbps = specs[i].speed;
        cfg.rom_stalls_set_report = specs[i].rom_stalls;
        cfg.unplug_after_out = specs[i].unplug_after;
        cfg.deny_access = specs[i].deny;
        cfg.in_eproto = specs[i].in_eproto;
        cfg.model = usbemu_vmod_model(f->eng[i]);
        f->mod[i] = usbemu_add_module(f->emu, &cfg);
        CHECK(usbemu_wait_presence(f->mod[i], specs[i].mboot ? TP_KIND_MBOOT : TP_KIND_SDP, T_MS));
    }
    f->n = n;
    CHECK_EQ_INT(usb_bus_new(&f->bus, &e), NT_OK);
    return f->bus != NULL;
}

static void teardown(struct fixture *f)
{
    if (f->bus)
        f->bus->ops->destroy(f->bus);
    usbemu_free(f->emu);
    for (size_t i = 0; i < f->n; i++)
        vmod_engine_free(f->eng[i]);
}

static nt_status open_port(struct fixture *f, const char *port, struct tp_dev **dev, struct nt_err *e)
{
    struct tp_devinfo devs[8];
    size_t n = 0, idx = 0;
    nt_status st = f->bus->ops->scan(f->bus, devs, 8, &n, e);
    if (st == NT_OK)
        st = select_module(devs, n, port, &idx, e);
    if (st == NT_OK)
        st = f->bus->ops->open(f->bus, &devs[idx], dev, e);
    return st;
}

static size_t error_status_cmd(uint8_t cmd[SDP_CMD_REPORT_LEN])
{
    sdp_encode_command(cmd, SDP_ERROR_STATUS, 0, 0, 0, 0);
    return SDP_CMD_REPORT_LEN;
}

static size_t get_property_cmd(uint8_t *rep, size_t cap)
{
    struct mboot_packet p = { .tag = MBOOT_CMD_GET_PROPERTY,
                              .nparams = 2,
                              .params = { MBOOT_PROP_CURRENT_VERSION, 0 } };
    return mboot_encode_command(rep, cap, &p);
}

static void test_enumeration_and_identity(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, false, 0, false, 0 },
                                 { "1-3", true, 12, NULL, false, 0, false, 0 } };
    struct fixture f;
    struct tp_devinfo devs[8];
    struct nt_err e;
    size_t n = 0;

    if (!setup(&f, s, 2))
        goto out;
    CHECK_EQ_INT(f.bus->ops->scan(f.bus, devs, 8, &n, &e), NT_OK);
    CHECK_EQ_INT(n, 2); /* the hubs are not NXP devices */
    for (size_t i = 0; i < n && i < 8; i++) {
        if (devs[i].kind == TP_KIND_SDP) {
            CHECK_EQ_STR(devs[i].port, "1-1.2");
            CHECK_EQ_INT(devs[i].vid, 0x1FC9);
            CHECK_EQ_INT(devs[i].pid, 0x0135);
            CHECK_EQ_INT(devs[i].speed_mbps, 480);
        } else {
            CHECK_EQ_INT(devs[i].kind, TP_KIND_MBOOT);
            CHECK_EQ_STR(devs[i].port, "1-3");
            CHECK_EQ_INT(devs[i].vid, 0x15A2);
            CHECK_EQ_INT(devs[i].pid, 0x0073);
            CHECK_EQ_INT(devs[i].speed_mbps, 12);
        }
    }
out:
    teardown(&f);
}

static void test_two_modules_and_port_selection(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, false, 0, false, 0 },
                                 { "1-1.3", false, 480, NULL, false, 0, false, 0 } };
    uint8_t cmd[SDP_CMD_REPORT_LEN];
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct usbemu_stats a, b;
    struct nt_err e;

    if (!setup(&f, s, 2))
        goto out;
    CHECK_EQ_INT(open_port(&f, NULL, &dev, &e), NT_E_AMBIGUOUS);
    CHECK_CONTAINS(e.msg, "1-1.2 (sdp)");
    CHECK_CONTAINS(e.msg, "1-1.3 (sdp)");
    CHECK_CONTAINS(e.msg, "--port");
    CHECK_EQ_INT(open_port(&f, "1-1.3", &dev, &e), NT_OK);
    if (dev) {
        CHECK_EQ_STR(dev->info.port, "1-1.3");
        CHECK_EQ_INT(tp_write(dev, cmd, error_status_cmd(cmd), T_MS, &e), NT_OK);
        tp_close(dev);
    }
    usbemu_get_stats(f.mod[0], &a);
    usbemu_get_stats(f.mod[1], &b);
    CHECK_EQ_INT(a.out_set_report, 0); /* the other module was left alone */
    CHECK_EQ_INT(b.out_set_report, 1);
out:
    teardown(&f);
}

static void test_detach_claim_and_reattach(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, false, 0, false, 0 } };
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct usbemu_stats st;
    struct nt_err e;

    if (!setup(&f, s, 1))
        goto out;
    usbemu_get_stats(f.mod[0], &st);
    CHECK(st.driver_bound);
    CHECK_EQ_INT(open_port(&f, NULL, &dev, &e), NT_OK);
    usbemu_get_stats(f.mod[0], &st);
    CHECK_EQ_INT(st.detaches, 1);
    CHECK_EQ_INT(st.claims, 1);
    CHECK(!st.driver_bound);
    tp_close(dev);
    usbemu_get_stats(f.mod[0], &st);
    CHECK(st.driver_bound); /* auto-detach gives usbhid back on release */
    CHECK_EQ_INT(st.reattaches, 1);
out:
    teardown(&f);
}

static void test_rom_set_report_and_in(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, false, 0, false, 0 } };
    uint8_t cmd[SDP_CMD_REPORT_LEN], buf[1100];
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct usbemu_stats st;
    struct nt_err e;
    size_t len = 0;

    if (!setup(&f, s, 1) || open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    CHECK_EQ_INT(dev->in_report_max, 65);
    CHECK_EQ_INT(dev->out_report_max, 1025);
    CHECK_EQ_INT(tp_write(dev, cmd, error_status_cmd(cmd), T_MS, &e), NT_OK);
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, T_MS, &e), NT_OK);
    CHECK_EQ_INT(len, 5);
    CHECK_MEM(buf, ((const uint8_t[]){ 3, 0x56, 0x78, 0x78, 0x56 }), 5); /* HAB open */
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, T_MS, &e), NT_OK);
    CHECK_EQ_INT(len, 65);
    CHECK_EQ_INT(buf[0], 4);
    usbemu_get_stats(f.mod[0], &st);
    CHECK_EQ_INT(st.out_set_report, 1);
    CHECK_EQ_INT(st.out_interrupt, 0);
    CHECK_EQ_INT(st.out_last_len, 17); /* SET_REPORT carries the report as is */
    CHECK_EQ_INT(st.in_urb_len, 65);   /* doc/protocol.md §1.3 */
    tp_close(dev);
out:
    teardown(&f);
}

static void test_flashloader_interrupt_out_padded(void)
{
    const struct modspec s[] = { { "1-1.2", true, 480, NULL, false, 0, false, 0 } };
    uint8_t cmd[MBOOT_REPORT_LEN], buf[1100];
    struct mboot_packet rsp;
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct usbemu_stats st;
    struct nt_err e;
    size_t len = 0, n;
    bool is_abort = true;

    if (!setup(&f, s, 1) || open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    CHECK_EQ_INT(dev->in_report_max, 1016);
    n = get_property_cmd(cmd, sizeof cmd);
    CHECK(n > 4 && n < 64);
    CHECK_EQ_INT(tp_write(dev, cmd, n, T_MS, &e), NT_OK); /* the short framed length */
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, T_MS, &e), NT_OK);
    CHECK_EQ_INT(len, 1016);
    CHECK_EQ_INT(mboot_decode_response(buf, len, &rsp, &is_abort, &e), NT_OK);
    CHECK_EQ_INT(rsp.tag, MBOOT_RSP_GET_PROPERTY);
    CHECK_EQ_INT(rsp.params[0], 0);
    CHECK_EQ_INT(rsp.params[1], 0x4D010000); /* "M1.0.0" */
    usbemu_get_stats(f.mod[0], &st);
    CHECK_EQ_INT(st.out_interrupt, 1);
    CHECK_EQ_INT(st.out_set_report, 0);
    CHECK_EQ_INT(st.out_last_len, 1016); /* always a full report */
    CHECK_EQ_INT(st.in_urb_len, 1016);   /* exactly one report per read */
    tp_close(dev);
out:
    teardown(&f);
}

static void test_stale_reports_are_left_to_the_protocol(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, false, 0, false, 0 } };
    const uint8_t stale[65] = { 4, 0x12, 0x34, 0x34, 0x12 };
    uint8_t cmd[SDP_CMD_REPORT_LEN], buf[100];
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct nt_err e;
    size_t len = 0;

    if (!setup(&f, s, 1))
        goto out;
    usbemu_inject_in(f.mod[0], stale, sizeof stale);
    if (open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    CHECK_EQ_INT(tp_write(dev, cmd, error_status_cmd(cmd), T_MS, &e), NT_OK);
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, T_MS, &e), NT_OK);
    CHECK_EQ_INT(len, 65);
    CHECK_MEM(buf, stale, 65); /* not drained by the transport */
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, T_MS, &e), NT_OK);
    CHECK_EQ_INT(len, 5);
    CHECK_EQ_INT(buf[0], 3);
    tp_close(dev);
out:
    teardown(&f);
}

/* in_eproto: IN transfers that first end with a protocol error (a busy hub,
 * doc/protocol.md §6.16); returns the status of one GetProperty exchange. */
static nt_status exchange_after_glitches(unsigned in_eproto, size_t *len)
{
    const struct modspec s[] = { { "1-1.2", true, 480, NULL, false, 0, false, in_eproto } };
    uint8_t rep[MBOOT_REPORT_LEN];
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct nt_err e;
    nt_status st = NT_E_INTERNAL;

    if (!setup(&f, s, 1))
        goto out;
    if (open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    CHECK_EQ_INT(tp_write(dev, rep, get_property_cmd(rep, sizeof rep), T_MS, &e), NT_OK);
    st = tp_read(dev, rep, sizeof rep, len, T_MS, &e);
    tp_close(dev);
out:
    teardown(&f);
    return st;
}

static void test_in_glitches_are_retried(void)
{
    size_t len = 0;
    nt_status st = exchange_after_glitches(2, &len);
    if (st != NT_E_INTERNAL || skip_status == 0) {
        CHECK_EQ_INT(st, NT_OK);
        CHECK_EQ_INT(len, MBOOT_REPORT_LEN);
    }
}

static void test_in_errors_in_a_row_stop_reads(void)
{
    size_t len = 0;
    nt_status st = exchange_after_glitches(10, &len);
    if (st != NT_E_INTERNAL || skip_status == 0)
        CHECK_EQ_INT(st, NT_E_IO);
}

static void test_timeouts_and_nak(void)
{
    const struct modspec s[] = { { "1-1.2", true, 480, NULL, false, 0, false, 0 } };
    uint8_t cmd[MBOOT_REPORT_LEN], buf[1100];
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct nt_err e;
    size_t len = 0, n;
    nt_status st = NT_OK;
    int sent = 0;

    if (!setup(&f, s, 1) || open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, 0, &e), NT_E_TIMEOUT); /* a poll */
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, 50, &e), NT_E_TIMEOUT);
    CHECK_EQ_STR(e.msg, "no report from the module at port 1-1.2 within 50 ms");
    /* Never reading: the host queue fills, the flashloader blocks in its IN
     * send and NAKs OUT reports, so the write times out (doc/protocol.md §3.5). */
    n = get_property_cmd(cmd, sizeof cmd);
    while (sent < 40 && (st = tp_write(dev, cmd, n, 100, &e)) == NT_OK)
        sent++;
    CHECK_EQ_INT(st, NT_E_TIMEOUT);
    CHECK_CONTAINS(e.msg, "sending a report: the module at port 1-1.2 did not respond in time");
    CHECK(sent >= 2 && sent < 40);
    /* Reading frees the way: every answer comes, in order. */
    for (int i = 0; i < sent; i++) {
        CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, T_MS, &e), NT_OK);
        CHECK_EQ_INT(buf[4], MBOOT_RSP_GET_PROPERTY);
    }
    tp_close(dev);
out:
    teardown(&f);
}

static void test_stall(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, true, 0, false, 0 } };
    uint8_t cmd[SDP_CMD_REPORT_LEN];
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct usbemu_stats st;
    struct nt_err e;

    if (!setup(&f, s, 1) || open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    CHECK_EQ_INT(tp_write(dev, cmd, error_status_cmd(cmd), T_MS, &e), NT_E_IO);
    CHECK_CONTAINS(e.msg, "sending a report: the module at port 1-1.2 stalled the request");
    usbemu_get_stats(f.mod[0], &st);
    CHECK_EQ_INT(st.set_report_stalled, 1);
    tp_close(dev);
out:
    teardown(&f);
}

/* The flashloader itself refuses SET_REPORT: checked with raw libusb, since
 * the backend never sends it one (emulator fidelity, doc/protocol.md §1.2). */
static void test_flashloader_stalls_set_report(void)
{
    const struct modspec s[] = { { "1-1.2", true, 480, NULL, false, 0, false, 0 } };
    struct fixture f;
    libusb_context *ctx = NULL;
    libusb_device_handle *h;
    uint8_t rep[17] = { 1 };

    if (!setup(&f, s, 1))
        goto out;
    CHECK_EQ_INT(libusb_init(&ctx), 0);
    h = libusb_open_device_with_vid_pid(ctx, TP_FLASHLOADER_VID, TP_FLASHLOADER_PID);
    CHECK(h != NULL);
    if (h) {
        CHECK_EQ_INT(libusb_control_transfer(h, 0x21, 0x09, 0x0201, 0, rep, sizeof rep, 1000),
                     LIBUSB_ERROR_PIPE);
        libusb_close(h);
    }
    libusb_exit(ctx);
out:
    teardown(&f);
}

static void test_unplug_during_write(void)
{
    const struct modspec s[] = { { "1-1.2", true, 480, NULL, false, 3, false, 0 } };
    uint8_t cmd[MBOOT_REPORT_LEN], buf[1100];
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct tp_event ev;
    struct nt_err e;
    size_t len, n;
    nt_status st;
    int answers = 0;

    if (!setup(&f, s, 1) || open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    n = get_property_cmd(cmd, sizeof cmd);
    CHECK_EQ_INT(tp_write(dev, cmd, n, T_MS, &e), NT_OK);
    CHECK_EQ_INT(tp_read(dev, buf, sizeof buf, &len, T_MS, &e), NT_OK);
    CHECK_EQ_INT(tp_write(dev, cmd, n, T_MS, &e), NT_OK);
    CHECK_EQ_INT(tp_write(dev, cmd, n, T_MS, &e), NT_E_DISCONNECT); /* the 3rd: plug pulled */
    CHECK_EQ_STR(e.msg,
                 "sending a report: the module at port 1-1.2 left the bus (unplugged or "
                 "reset); check the cable and put the module back in bootloader mode");
    /* the answer that arrived before may still be read, then the loss shows */
    while ((st = tp_read(dev, buf, sizeof buf, &len, T_MS, &e)) == NT_OK && answers < 5)
        answers++;
    CHECK(answers <= 1);
    CHECK_EQ_INT(st, NT_E_DISCONNECT);
    CHECK_EQ_INT(tp_write(dev, cmd, n, T_MS, &e), NT_E_DISCONNECT);
    tp_close(dev);
    CHECK_EQ_INT(f.bus->ops->next_event(f.bus, T_MS, &ev, &e), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_LEFT);
    CHECK_EQ_STR(ev.dev.port, "1-1.2");
out:
    teardown(&f);
}

/* A flashloader image the ROM model accepts: an IVT at its load address
 * (tag D1, length 0x20, version 0x41, entry inside the image, self pointer). */
static uint8_t *make_flashloader(void)
{
    static const uint8_t ivt_header[4] = { 0xD1, 0x00, 0x20, 0x41 };
    uint8_t *img = calloc(1, FL_IMAGE_BYTES);

    for (uint32_t i = 32; i < FL_IMAGE_BYTES; i++)
        img[i] = (uint8_t)(i * 7 + 3);
    memcpy(img, ivt_header, sizeof ivt_header);
    put_le32(img + 4, FL_LOAD_ADDR + 0x400 + 1); /* entry (thumb) */
    put_le32(img + 20, FL_LOAD_ADDR);            /* self */
    return img;
}

/* The ROM jumps to the flashloader: LEFT (sdp) then ARRIVED (mboot) at the
 * same port path, through hotplug or (polling) device-list diffs. */
static void reenumerate(bool polling)
{
    const struct modspec s[] = { { "1-1.2", false, 480, "enum_delay=0.05", false, 0, false, 0 } };
    uint8_t *img = make_flashloader();
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct tp_event ev;
    struct nt_err e;
    uint32_t version = 0;
    size_t count = 0;

    if (polling)
        setenv("NT_FLASH_USB_NO_HOTPLUG", "1", 1);
    if (!setup(&f, s, 1) || open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    {
        struct sdp_host h = { dev, 1.0 };
        CHECK_EQ_INT(sdp_write_file(&h, FL_LOAD_ADDR, img, FL_IMAGE_BYTES, NULL, NULL, &e), NT_OK);
        CHECK_EQ_INT(sdp_jump(&h, FL_LOAD_ADDR, &e), NT_OK);
    }
    CHECK_EQ_INT(f.bus->ops->next_event(f.bus, T_MS, &ev, &e), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_LEFT);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_SDP);
    CHECK_EQ_STR(ev.dev.port, "1-1.2");
    tp_close(dev);
    dev = NULL;
    CHECK_EQ_INT(f.bus->ops->next_event(f.bus, T_MS, &ev, &e), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_ARRIVED);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_MBOOT);
    CHECK_EQ_STR(ev.dev.port, "1-1.2"); /* the same port path: the same module */
    CHECK_EQ_INT(f.bus->ops->next_event(f.bus, 50, &ev, &e), NT_E_TIMEOUT);
    CHECK_EQ_INT(f.bus->ops->open(f.bus, &ev.dev, &dev, &e), NT_OK);
    if (dev) {
        struct mboot_host m = { dev, 1.0, 0 };
        CHECK_EQ_INT(mboot_get_property(&m, MBOOT_PROP_CURRENT_VERSION, 0, &version, 1, &count, &e), NT_OK);
        CHECK_EQ_INT(version, 0x4D010000);
        tp_close(dev);
    }
out:
    unsetenv("NT_FLASH_USB_NO_HOTPLUG");
    teardown(&f);
    free(img);
}

static void test_reenumeration_hotplug(void) { reenumerate(false); }

static void test_reenumeration_polling(void) { reenumerate(true); }

static void test_permission_denied(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, false, 0, true, 0 } };
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct nt_err e;
    char node[64], want[128];
    struct tp_devinfo info;
    size_t n = 0;
    nt_status st;

    if (!setup(&f, s, 1))
        goto out;
    usbemu_node(f.mod[0], node, sizeof node);
    CHECK_EQ_INT(f.bus->ops->scan(f.bus, &info, 1, &n, &e), NT_OK);
    CHECK_EQ_INT(n, 1);
    usbemu_drop_privileges(true);
    st = f.bus->ops->open(f.bus, &info, &dev, &e);
    usbemu_drop_privileges(false);
    CHECK_EQ_INT(st, NT_E_ACCESS);
    snprintf(want, sizeof want, "USB device node %s (owner root:root, mode 0600)", node);
    CHECK_CONTAINS(e.msg, want);
    CHECK_CONTAINS(e.msg, "sudo cp doc/60-nt-flash.rules /etc/udev/rules.d/");
    if (st == NT_OK)
        tp_close(dev);
out:
    teardown(&f);
}

static void count_progress(void *user, uint64_t done, uint64_t total)
{
    uint64_t *calls = user;
    (void)done;
    (void)total;
    (*calls)++;
}

/* Wait for the next arrival of kind, skipping other events. */
static bool wait_arrival(struct tp_bus *bus, enum tp_kind kind, struct tp_devinfo *info)
{
    struct tp_event ev;
    struct nt_err e;

    while (bus->ops->next_event(bus, T_MS, &ev, &e) == NT_OK) {
        if (ev.type == TP_EV_ARRIVED && ev.dev.kind == kind) {
            *info = ev.dev;
            return true;
        }
    }
    return false;
}

static void upload_and_jump(struct tp_dev *dev, const uint8_t *img)
{
    struct sdp_host h = { dev, 1.0 };
    uint32_t hab = 0, status = 0;
    struct nt_err e;

    CHECK_EQ_INT(sdp_drain(&h, NULL, &e), NT_OK);
    CHECK_EQ_INT(sdp_error_status(&h, &hab, &status, &e), NT_OK);
    CHECK_EQ_INT(hab, SDP_HAB_OPEN);
    CHECK_EQ_INT(sdp_write_file(&h, FL_LOAD_ADDR, img, FL_IMAGE_BYTES, NULL, NULL, &e), NT_OK);
    CHECK_EQ_INT(sdp_jump(&h, FL_LOAD_ADDR, &e), NT_OK);
}

/* The flashloader half of the flow (doc/protocol.md §0 steps 4-11). */
static void flash_app(struct tp_dev *dev, const uint8_t *app, uint32_t len, uint64_t *progress)
{
    struct mboot_host m = { dev, 1.0, 0 };
    uint32_t version = 0;
    size_t count = 0;
    bool answered = false;
    struct nt_err e;

    CHECK_EQ_INT(mboot_drain(&m, NULL, &e), NT_OK);
    CHECK_EQ_INT(mboot_get_property(&m, MBOOT_PROP_CURRENT_VERSION, 0, &version, 1, &count, &e), NT_OK);
    CHECK_EQ_INT(mboot_fill_memory(&m, CONFIG_ADDR, 4, NOR_OPTION, &e), NT_OK);
    CHECK_EQ_INT(mboot_configure_memory(&m, MBOOT_MEM_FLEXSPI_NOR, CONFIG_ADDR, &e), NT_OK);
    CHECK_EQ_INT(mboot_erase_region(&m, NOR_BASE, len + APP_OFFSET, MBOOT_MEM_FLEXSPI_NOR, &e), NT_OK);
    CHECK_EQ_INT(mboot_fill_memory(&m, CONFIG_ADDR, 4, FCB_OPTION, &e), NT_OK);
    CHECK_EQ_INT(mboot_configure_memory(&m, MBOOT_MEM_FLEXSPI_NOR, CONFIG_ADDR, &e), NT_OK);
    CHECK_EQ_INT(mboot_write_memory(&m, NOR_BASE + APP_OFFSET, app, len, MBOOT_MEM_FLEXSPI_NOR,
                                    count_progress, progress, &e),
                 NT_OK);
    CHECK_EQ_INT(mboot_reset(&m, &answered, &e), NT_OK);
}

/* Both stages through the real libusb path: the ROM takes the flashloader
 * by SET_REPORT, the module re-enumerates, the flashloader takes 1 MiB by
 * interrupt OUT; the NOR then holds the FCB and exactly the image. */
static void test_full_flash_1mib(void)
{
    /* app_boot=never: after the reset the module stays off the bus, so the
     * check below cannot miss a short absence on a slow host (valgrind). */
    const struct modspec s[] = { { "1-1.2", false, 480, "app_boot=never", false, 0, false, 0 } };
    uint8_t *img = make_flashloader(), *app = malloc(FLASH_IMAGE_BYTES);
    struct fixture f;
    struct tp_dev *dev = NULL;
    struct tp_devinfo fl;
    struct usbemu_stats st;
    struct nt_err e;
    uint64_t progress = 0, nor_size = 0;
    const uint8_t *nor;

    for (uint32_t i = 0; i < FLASH_IMAGE_BYTES; i++)
        app[i] = (uint8_t)((i >> 8) ^ (i * 31));
    if (!setup(&f, s, 1) || open_port(&f, NULL, &dev, &e) != NT_OK)
        goto out;
    upload_and_jump(dev, img);
    tp_close(dev);
    dev = NULL;
    CHECK(wait_arrival(f.bus, TP_KIND_MBOOT, &fl));
    CHECK_EQ_STR(fl.port, "1-1.2");
    CHECK_EQ_INT(f.bus->ops->open(f.bus, &fl, &dev, &e), NT_OK);
    if (!dev)
        goto out;
    flash_app(dev, app, FLASH_IMAGE_BYTES, &progress);
    tp_close(dev);
    CHECK(usbemu_wait_presence(f.mod[0], -1, T_MS)); /* reset: off the bus */
    CHECK(progress >= FLASH_IMAGE_BYTES / 1012);
    usbemu_get_stats(f.mod[0], &st);
    CHECK_EQ_INT(st.enumerations, 2);
    CHECK(st.out_set_report >= FL_IMAGE_BYTES / 1024);
    CHECK(st.out_interrupt >= FLASH_IMAGE_BYTES / 1012);
    nor = vmod_engine_nor(f.eng[0], &nor_size);
    CHECK(nor_size >= APP_OFFSET + FLASH_IMAGE_BYTES);
    CHECK_EQ_INT(get_le32(nor), 0x42464346); /* "FCFB": the FlexSPI config block */
    CHECK_MEM(nor + APP_OFFSET, app, FLASH_IMAGE_BYTES);
    CHECK_EQ_INT(nor[APP_OFFSET - 1], 0xFF); /* erased, between FCB and image */
out:
    teardown(&f);
    free(img);
    free(app);
}

/* --list over USB: sorted by port, probed, the exact documented columns. */
static void test_list_over_usb(void)
{
    const struct modspec s[] = { { "1-3", true, 12, NULL, false, 0, false, 0 },
                                 { "1-1.2", false, 480, "hab=closed", false, 0, false, 0 } };
    struct fixture f;
    struct nt_err e;
    char *text = NULL;
    size_t size = 0;
    FILE *out;

    if (!setup(&f, s, 2))
        goto out;
    out = open_memstream(&text, &size);
    CHECK_EQ_INT(list_print(out, f.bus, &(struct probe_opts){ .tscale = 1.0 }, &e), NT_OK);
    fclose(out);
    CHECK_EQ_STR(text,
                 "1-1.2          1fc9:0135  sdp           480M  hab=closed\n"
                 "1-3            15a2:0073  mboot         12M   version=M1.0.0\n");
    free(text);
out:
    teardown(&f);
}

/* A module this user may not open: listed, with the fix as a comment line. */
static void test_list_no_permission(void)
{
    const struct modspec s[] = { { "1-1.2", false, 480, NULL, false, 0, true, 0 } };
    struct fixture f;
    struct nt_err e;
    char *text = NULL;
    size_t size = 0;
    FILE *out;

    if (!setup(&f, s, 1))
        goto out;
    out = open_memstream(&text, &size);
    usbemu_drop_privileges(true);
    CHECK_EQ_INT(list_print(out, f.bus, &(struct probe_opts){ .tscale = 1.0 }, &e), NT_OK);
    usbemu_drop_privileges(false);
    fclose(out);
    CHECK_CONTAINS(text,
                   "1-1.2          1fc9:0135  sdp           480M  no-permission\n"
                   "# 1-1.2: no permission to open the module's USB device node ");
    CHECK_CONTAINS(text, "udevadm trigger', then replug the module\n");
    free(text);
out:
    teardown(&f);
}

/* This machine's real /dev, before any testbed, in a child process: libusb
 * remembers the usbfs path it found for the rest of the process. */
static void test_no_usb_subsystem(void)
{
    struct stat sb;
    struct nt_err e;
    int fds[2], status = -1;
    pid_t pid;

    if (stat("/sys/bus/usb", &sb) == 0) {
        printf("# this machine has USB: the no-USB message is not exercised\n");
        return;
    }
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        struct tp_bus *bus = NULL;
        /* The whole struct goes through the pipe: no byte may be left
         * uninitialised (valgrind checks what write() sends). */
        memset(&e, 0, sizeof e);
        e.status = usb_bus_new(&bus, &e);
        if (bus)
            bus->ops->destroy(bus);
        if (write(fds[1], &e, sizeof e) != (ssize_t)sizeof e)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    memset(&e, 0, sizeof e);
    CHECK_EQ_INT(read(fds[0], &e, sizeof e), sizeof e);
    close(fds[0]);
    waitpid(pid, &status, 0);
    /* Also fails when a memory checker flags the child (its error exit code). */
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ_INT(e.status, NT_E_UNSUPPORTED);
    CHECK_EQ_STR(e.msg,
                 "this machine has no USB subsystem (/sys/bus/usb does not exist), so no "
                 "module can be found; run nt_flash on a computer with USB, or try it "
                 "with --simulate");
}

int main(void)
{
    struct usbemu *probe;

    RUN(test_no_usb_subsystem); /* first: before any testbed or libusb context */
    skip_status = usbemu_new(&probe);
    if (skip_status != 0)
        snprintf(tap_skip_rest, sizeof tap_skip_rest, "umockdev cannot emulate USB here (status %d)",
                 skip_status);
    else
        usbemu_free(probe);
    RUN(test_enumeration_and_identity);
    RUN(test_two_modules_and_port_selection);
    RUN(test_detach_claim_and_reattach);
    RUN(test_rom_set_report_and_in);
    RUN(test_flashloader_interrupt_out_padded);
    RUN(test_stale_reports_are_left_to_the_protocol);
    RUN(test_timeouts_and_nak);
    RUN(test_in_glitches_are_retried);
    RUN(test_in_errors_in_a_row_stop_reads);
    RUN(test_stall);
    RUN(test_flashloader_stalls_set_report);
    RUN(test_unplug_during_write);
    RUN(test_reenumeration_hotplug);
    RUN(test_reenumeration_polling);
    RUN(test_permission_denied);
    RUN(test_list_over_usb);
    RUN(test_list_no_permission);
    RUN(test_full_flash_1mib);
    return check_finish();
}
