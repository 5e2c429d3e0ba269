/* The virtual module in its running state (vmod_app.c, doc/running.md):
 * USB-MIDI packets in and out on the virtual bus, the version answer, the
 * SysEx ID check, the bootloader and reboot messages, firmware before 1.15,
 * and the version of the flashed image after a reset. */
#include "tap.h"
#include "vmod.h"

#include <string.h>

/* Event packets of the messages (written out here, not built with the host's
 * code, so both sides are checked against the bytes). */
static const uint8_t VERSION_REQ_ID0[] = { 0x04, 0xF0, 0x00, 0x21, 0x04, 0x27,
                                           0x6D, 0x00, 0x06, 0x22, 0xF7, 0x00 };
static const uint8_t BOOTLOADER_ID0[] = { 0x04, 0xF0, 0x00, 0x21, 0x04, 0x27,
                                          0x6D, 0x00, 0x07, 0x7F, 0x7F, 0xF7 };
static const uint8_t REBOOT_ID0[] = {
    0x04, 0xF0, 0x00, 0x21, 0x04, 0x27, 0x6D, 0x00, 0x06, 0x7F, 0xF7, 0x00
};

static struct tp_bus *bus(const char *spec)
{
    struct vmod_config c;
    struct tp_bus *b = NULL;
    struct nt_err e;
    vmod_config_defaults(&c);
    c.speed = 0;
    if (vmod_parse_spec(spec, &c, &e) != NT_OK || vmod_bus_new(&c, &b, &e) != NT_OK)
        fprintf(stderr, "bus %s: %s\n", spec, e.msg);
    return b;
}

static struct tp_dev *open_app(struct tp_bus *b)
{
    struct tp_devinfo info = { .kind = TP_KIND_APP };
    struct tp_dev *d = NULL;
    struct nt_err e;
    snprintf(info.port, sizeof info.port, "sim-1");
    if (b->ops->open(b, &info, &d, &e) != NT_OK)
        return NULL;
    return d;
}

/* Read one IN transfer and unpack its SysEx bytes into msg. */
static size_t read_sysex(struct tp_dev *d, uint8_t *msg, size_t cap, int ms)
{
    uint8_t buf[512];
    size_t n = 0, m = 0;
    struct nt_err e;
    if (tp_read(d, buf, sizeof buf, &n, ms, &e) != NT_OK)
        return 0;
    CHECK_EQ_INT(n % 4, 0);
    for (size_t i = 0; i < n; i += 4) {
        size_t k = (buf[i] & 0xF) == 4 ? 3 : (size_t)((buf[i] & 0xF) - 4);
        for (size_t j = 0; j < k && m < cap; j++)
            msg[m++] = buf[i + 1 + j];
    }
    return m;
}

static void test_start_app_is_listed(void)
{
    struct tp_bus *b = bus("start=app");
    struct tp_devinfo devs[2];
    size_t n = 0;
    struct nt_err e;
    CHECK_EQ_INT(b->ops->scan(b, devs, 2, &n, &e), NT_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(devs[0].kind, TP_KIND_APP);
    CHECK_EQ_INT(devs[0].vid, 0x3773);
    CHECK_EQ_INT(devs[0].pid, 0x0001);
    CHECK_EQ_STR(devs[0].port, "sim-1");
    b->ops->destroy(b);
}

static void test_version_answer(void)
{
    struct tp_bus *b = bus("start=app,app_version=1.16.2");
    struct tp_dev *d = open_app(b);
    struct nt_err e;
    uint8_t msg[64];
    static const uint8_t want[] = { 0xF0, 0x00, 0x21, 0x27, 0x6D, 0x00, 0x32, '1', '.', '1', '6', '.',
                                    '2',  0,    'v',  'i',  'r',  't',  'u',  'a', 'l', 0,   0xF7 };
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ_INT(tp_write(d, VERSION_REQ_ID0, sizeof VERSION_REQ_ID0, 100, &e), NT_OK);
    CHECK_EQ_INT(read_sysex(d, msg, sizeof msg, 100), sizeof want);
    CHECK_MEM(msg, want, sizeof want);
    tp_close(d);
    b->ops->destroy(b);
}

static void test_wrong_sysex_id_never_answered(void)
{
    struct tp_bus *b = bus("start=app,sysex_id=5");
    struct tp_dev *d = open_app(b);
    struct tp_devinfo devs[2];
    struct nt_err e;
    uint8_t msg[64];
    size_t n = 0;
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ_INT(tp_write(d, VERSION_REQ_ID0, sizeof VERSION_REQ_ID0, 100, &e), NT_OK);
    CHECK_EQ_INT(read_sysex(d, msg, sizeof msg, 50), 0);
    CHECK_EQ_INT(tp_write(d, BOOTLOADER_ID0, sizeof BOOTLOADER_ID0, 100, &e), NT_OK);
    CHECK_EQ_INT(b->ops->scan(b, devs, 2, &n, &e), NT_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(devs[0].kind, TP_KIND_APP);
    tp_close(d);
    b->ops->destroy(b);
}

static void test_bootloader_message_reboots_into_rom(void)
{
    struct tp_bus *b = bus("start=app");
    struct tp_dev *d = open_app(b);
    struct tp_event ev;
    struct nt_err e;
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ_INT(tp_write(d, BOOTLOADER_ID0, sizeof BOOTLOADER_ID0, 100, &e), NT_OK);
    tp_close(d);
    CHECK_EQ_INT(b->ops->next_event(b, 100, &ev, &e), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_LEFT);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_APP);
    CHECK_EQ_INT(b->ops->next_event(b, 100, &ev, &e), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_ARRIVED);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_SDP);
    CHECK_EQ_STR(ev.dev.port, "sim-1");
    b->ops->destroy(b);
}

static void test_plain_reboot_comes_back_running(void)
{
    struct tp_bus *b = bus("start=app");
    struct tp_dev *d = open_app(b);
    struct tp_event ev;
    struct nt_err e;
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ_INT(tp_write(d, REBOOT_ID0, sizeof REBOOT_ID0, 100, &e), NT_OK);
    tp_close(d);
    CHECK_EQ_INT(b->ops->next_event(b, 100, &ev, &e), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_LEFT);
    CHECK_EQ_INT(b->ops->next_event(b, 100, &ev, &e), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_ARRIVED);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_APP);
    b->ops->destroy(b);
}

/* Before 1.15 the firmware answers the version request but stays running
 * on the bootloader message. */
static void test_firmware_1_14_ignores_bootloader_message(void)
{
    struct tp_bus *b = bus("start=app,app_version=1.14.0");
    struct tp_dev *d = open_app(b);
    struct tp_event ev;
    struct nt_err e;
    uint8_t msg[64];
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ_INT(tp_write(d, VERSION_REQ_ID0, sizeof VERSION_REQ_ID0, 100, &e), NT_OK);
    CHECK(read_sysex(d, msg, sizeof msg, 100) > 13);
    CHECK_MEM(msg + 7, "1.14.0", 7);
    CHECK_EQ_INT(tp_write(d, BOOTLOADER_ID0, sizeof BOOTLOADER_ID0, 100, &e), NT_OK);
    CHECK_EQ_INT(b->ops->next_event(b, 50, &ev, &e), NT_E_TIMEOUT);
    tp_close(d);
    b->ops->destroy(b);
}

static void test_unknown_version_is_silent(void)
{
    struct tp_bus *b = bus("start=app,app_version=");
    struct tp_dev *d = open_app(b);
    struct nt_err e;
    uint8_t msg[64];
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ_INT(tp_write(d, VERSION_REQ_ID0, sizeof VERSION_REQ_ID0, 100, &e), NT_OK);
    CHECK_EQ_INT(read_sysex(d, msg, sizeof msg, 50), 0);
    tp_close(d);
    b->ops->destroy(b);
}

/* After the flashloader's reset the engine boots the NOR's image: a NOR
 * without the marker runs with an unknown version, which answers nothing
 * (the marked case is the full flash in tests/app/running_cli.sh). */
static void test_reset_runs_flashed_version(void)
{
    struct vmod_config c;
    struct vmod_engine *eng = NULL;
    struct nt_err e;
    uint8_t in[1100];
    size_t n;
    const uint8_t reset[8] = { 1, 0, 4, 0, 0x0B, 0, 0, 0 };
    vmod_config_defaults(&c);
    c.speed = 0;
    CHECK_EQ_INT(vmod_parse_spec("start=mboot,app_boot=1", &c, &e), NT_OK);
    CHECK_EQ_INT(vmod_engine_new(&c, 0, &eng, &e), NT_OK);
    if (!eng)
        return;
    CHECK_EQ_INT(vmod_engine_out(eng, reset, sizeof reset), NT_OK);
    CHECK(vmod_engine_in(eng, in, sizeof in, &n));
    vmod_engine_advance(eng, 1.0);
    CHECK_EQ_INT(vmod_engine_presence(eng), TP_KIND_APP);
    /* the NOR holds old firmware without the marker: no answer */
    CHECK_EQ_INT(vmod_engine_out(eng, VERSION_REQ_ID0, sizeof VERSION_REQ_ID0), NT_OK);
    vmod_engine_advance(eng, 0.1);
    CHECK(!vmod_engine_in(eng, in, sizeof in, &n));
    vmod_engine_free(eng);
}

int main(void)
{
    RUN(test_start_app_is_listed);
    RUN(test_version_answer);
    RUN(test_wrong_sysex_id_never_answered);
    RUN(test_bootloader_message_reboots_into_rom);
    RUN(test_plain_reboot_comes_back_running);
    RUN(test_firmware_1_14_ignores_bootloader_message);
    RUN(test_unknown_version_is_silent);
    RUN(test_reset_runs_flashed_version);
    return check_finish();
}
