/* Unit tests for the USB-independent parts of the usb area: port paths, the
 * NXP ID table, the --list line format, the permission message and the
 * choice of the module to flash (refusing to guess between several), and
 * list_print on the virtual bus. */
#include "tap.h"
#include "list.h"
#include "select.h"
#include "usb.h"
#include "vmod.h"

static struct tp_devinfo dev(enum tp_kind kind, const char *port, uint16_t vid, uint16_t pid, int mbps)
{
    struct tp_devinfo d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    snprintf(d.port, sizeof d.port, "%s", port);
    d.vid = vid;
    d.pid = pid;
    d.speed_mbps = mbps;
    return d;
}

static void test_port_paths(void)
{
    char buf[TP_PORT_MAX];
    const uint8_t ports[] = { 1, 2, 3 };
    CHECK(usb_format_port(buf, sizeof buf, 1, ports, 1));
    CHECK_EQ_STR(buf, "1-1");
    CHECK(usb_format_port(buf, sizeof buf, 3, ports, 3));
    CHECK_EQ_STR(buf, "3-1.2.3");
    CHECK(!usb_format_port(buf, sizeof buf, 1, ports, 0)); /* root hub */
    CHECK(!usb_format_port(buf, 5, 1, ports, 3));          /* does not fit */
}

static void test_known_ids(void)
{
    const struct tp_known_id *id = tp_lookup_id(0x1FC9, 0x0135);
    CHECK(id && id->kind == TP_KIND_SDP);
    id = tp_lookup_id(0x15A2, 0x0073);
    CHECK(id && id->kind == TP_KIND_MBOOT);
    id = tp_lookup_id(0x1FC9, 0x0130);
    CHECK(id && id->kind == TP_KIND_OTHER);
    CHECK(tp_lookup_id(0x1FC9, 0x0001) == NULL);
    CHECK(tp_lookup_id(0x046D, 0xC52B) == NULL);
}

static void test_line_format(void)
{
    char line[LIST_LINE_MAX];
    struct tp_devinfo rom = dev(TP_KIND_SDP, "1-1.2", 0x1FC9, 0x0135, 480);
    struct tp_devinfo fl = dev(TP_KIND_MBOOT, "1-1.3", 0x15A2, 0x0073, 12);
    struct tp_devinfo other = dev(TP_KIND_OTHER, "2-4", 0x1FC9, 0x0130, 1);

    list_format_line(line, sizeof line, &rom, "hab=open");
    CHECK_EQ_STR(line, "1-1.2          1fc9:0135  sdp           480M  hab=open");
    list_format_line(line, sizeof line, &fl, "version=M1.0.0");
    CHECK_EQ_STR(line, "1-1.3          15a2:0073  mboot         12M   version=M1.0.0");
    list_format_line(line, sizeof line, &other, "-");
    CHECK_EQ_STR(line, "2-4            1fc9:0130  rt1050-sdp    1.5M  -");
    CHECK_EQ_STR(list_mode_name(&other), "rt1050-sdp");
}

static void test_select_one(void)
{
    struct tp_devinfo d[2] = { dev(TP_KIND_OTHER, "2-4", 0x1FC9, 0x0130, 480),
                               dev(TP_KIND_SDP, "1-1.2", 0x1FC9, 0x0135, 480) };
    struct nt_err e;
    size_t idx = 99;
    CHECK_EQ_INT(select_module(d, 2, NULL, &idx, &e), NT_OK);
    CHECK_EQ_INT(idx, 1); /* the other ROM is no candidate */
}

static void test_select_refuses_to_guess(void)
{
    struct tp_devinfo d[2] = { dev(TP_KIND_SDP, "1-1.2", 0x1FC9, 0x0135, 480),
                               dev(TP_KIND_MBOOT, "1-1.3", 0x15A2, 0x0073, 480) };
    struct nt_err e;
    size_t idx = 99;
    CHECK_EQ_INT(select_module(d, 2, NULL, &idx, &e), NT_E_AMBIGUOUS);
    CHECK_EQ_STR(e.msg,
                 "2 modules are in bootloader mode (1-1.2 (sdp), 1-1.3 (mboot)): "
                 "choose one with --port PATH");
    CHECK_EQ_INT(idx, 99);
    CHECK_EQ_INT(select_module(d, 2, "1-1.3", &idx, &e), NT_OK);
    CHECK_EQ_INT(idx, 1);
    CHECK_EQ_INT(select_module(d, 2, "1-9", &idx, &e), NT_E_NODEVICE);
    CHECK_EQ_STR(e.msg,
                 "no module in bootloader mode at port 1-9 (attached: 1-1.2 (sdp), "
                 "1-1.3 (mboot)); check the port path with --list");
}

static void test_select_none(void)
{
    struct nt_err e;
    size_t idx;
    CHECK_EQ_INT(select_module(NULL, 0, NULL, &idx, &e), NT_E_NODEVICE);
    CHECK_CONTAINS(e.msg, "no module in bootloader mode is attached");
}

static void test_candidates(void)
{
    struct tp_devinfo d[3] = { dev(TP_KIND_SDP, "1-1", 0x1FC9, 0x0135, 480),
                               dev(TP_KIND_OTHER, "1-2", 0x1FC9, 0x0130, 480),
                               dev(TP_KIND_MBOOT, "1-3", 0x15A2, 0x0073, 480) };
    char buf[64];
    CHECK_EQ_INT(select_format_candidates(buf, sizeof buf, d, 3), 2);
    CHECK_EQ_STR(buf, "1-1 (sdp), 1-3 (mboot)");
    CHECK_EQ_INT(select_format_candidates(buf, 8, d, 3), 2); /* truncated, still counted */
    CHECK_EQ_INT(strlen(buf), 7);
    {
        struct tp_devinfo r[3] = { d[2], d[1], d[0] }; /* any scan order */
        select_format_candidates(buf, sizeof buf, r, 3);
        CHECK_EQ_STR(buf, "1-1 (sdp), 1-3 (mboot)");
    }
}

static void test_access_message(void)
{
    struct nt_err e;
    CHECK_EQ_INT(usb_access_error(&e, "/dev/bus/usb/001/005", true, 0, 0, 020664), NT_E_ACCESS);
    CHECK_EQ_STR(e.msg,
                 "no permission to open the module's USB device node /dev/bus/usb/001/005 "
                 "(owner root:root, mode 0664): install the udev rule with 'sudo cp "
                 "doc/60-nt-flash.rules /etc/udev/rules.d/ && sudo udevadm control "
                 "--reload-rules && sudo udevadm trigger', then replug the module");
    usb_access_error(&e, "/dev/bus/usb/002/003", false, 0, 0, 0);
    CHECK_CONTAINS(e.msg, "/dev/bus/usb/002/003 (owner and mode unknown)");
}

/* list_print on the virtual bus: --list works on any transport bus. */
static char *list_sim(const char *spec)
{
    struct vmod_config vc;
    struct tp_bus *bus = NULL;
    struct nt_err e;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    vmod_config_defaults(&vc);
    vc.speed = 0;
    CHECK_EQ_INT(vmod_parse_spec(spec, &vc, &e), NT_OK);
    CHECK_EQ_INT(vmod_bus_new(&vc, &bus, &e), NT_OK);
    if (bus) {
        CHECK_EQ_INT(list_print(out, bus, &(struct probe_opts){ .tscale = 0 }, &e), NT_OK);
        bus->ops->destroy(bus);
    }
    fclose(out);
    return text;
}

static void test_list_virtual_bus(void)
{
    char *t = list_sim("modules=2");
    CHECK_EQ_STR(t,
                 "sim-1          1fc9:0135  sdp           480M  hab=open\n"
                 "sim-2          1fc9:0135  sdp           480M  hab=open\n");
    free(t);
    t = list_sim("start=mboot,hab=closed");
    CHECK_EQ_STR(t, "sim-1          15a2:0073  mboot         480M  version=M1.0.0\n");
    free(t);
    t = list_sim("hab=closed");
    CHECK_EQ_STR(t, "sim-1          1fc9:0135  sdp           480M  hab=closed\n");
    free(t);
    t = list_sim("start=none");
    CHECK_EQ_STR(t, "# no NXP bootloader devices found\n");
    free(t);
}

int main(void)
{
    RUN(test_port_paths);
    RUN(test_known_ids);
    RUN(test_line_format);
    RUN(test_select_one);
    RUN(test_select_refuses_to_guess);
    RUN(test_select_none);
    RUN(test_candidates);
    RUN(test_access_message);
    RUN(test_list_virtual_bus);
    return check_finish();
}
