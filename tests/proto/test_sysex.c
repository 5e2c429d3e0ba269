/* SysEx and USB-MIDI tests: the exact bytes of the bootloader, reboot and
 * version messages (ID masked to 7 bits), the version answer parser, and the
 * event packets of every SysEx code index number, packed and unpacked. */
#include "tap.h"
#include "fake_tp.h"
#include "sysex.h"

static void check_hex(const uint8_t *got, size_t n, const char *want_hex)
{
    uint8_t want[64];
    size_t wn = fake_tp_hex(want_hex, want, sizeof want);
    CHECK_EQ_INT(n, wn);
    if (n == wn)
        CHECK_MEM(got, want, n);
}

static void test_bootloader_message(void)
{
    uint8_t m[SYSEX_BOOTLOADER_LEN];
    check_hex(m, sysex_bootloader(m, 0), "F0 00 21 27 6D 00 7F 7F F7");
    check_hex(m, sysex_bootloader(m, 1), "F0 00 21 27 6D 01 7F 7F F7");
    check_hex(m, sysex_bootloader(m, 0xFF), "F0 00 21 27 6D 7F 7F 7F F7");
    check_hex(m, sysex_bootloader(m, 0x80 | 5), "F0 00 21 27 6D 05 7F 7F F7");
}

static void test_reboot_and_version_request(void)
{
    uint8_t m[SYSEX_REBOOT_LEN];
    check_hex(m, sysex_reboot(m, 3), "F0 00 21 27 6D 03 7F F7");
    check_hex(m, sysex_version_request(m, 0), "F0 00 21 27 6D 00 22 F7");
    check_hex(m, sysex_version_request(m, 0x1FE), "F0 00 21 27 6D 7E 22 F7");
}

static void test_parse_version(void)
{
    uint8_t m[64];
    char v[SYSEX_VERSION_MAX], d[32];
    struct nt_err e = { 0 };
    size_t n = fake_tp_hex("F0 00 21 27 6D 02 32 31 2E 31 35 2E 30 00 4A 61 6E 20 20 31 00 F7", m, sizeof m);

    CHECK_EQ_INT(sysex_parse_version(m, n, 2, v, sizeof v, d, sizeof d, &e), NT_OK);
    CHECK_EQ_STR(v, "1.15.0");
    CHECK_EQ_STR(d, "Jan  1");
    /* another module's ID: not our answer */
    CHECK_EQ_INT(sysex_parse_version(m, n, 3, v, sizeof v, d, sizeof d, &e), NT_E_PROTOCOL);
    /* no date, no NUL before F7 */
    n = fake_tp_hex("F0 00 21 27 6D 00 32 31 2E 32 F7", m, sizeof m);
    CHECK_EQ_INT(sysex_parse_version(m, n, 0, v, sizeof v, d, sizeof d, &e), NT_OK);
    CHECK_EQ_STR(v, "1.2");
    CHECK_EQ_STR(d, "");
    /* another command */
    n = fake_tp_hex("F0 00 21 27 6D 00 30 31 00 F7", m, sizeof m);
    CHECK_EQ_INT(sysex_parse_version(m, n, 0, v, sizeof v, NULL, 0, &e), NT_E_PROTOCOL);
    /* a control byte */
    n = fake_tp_hex("F0 00 21 27 6D 00 32 31 07 00 F7", m, sizeof m);
    CHECK_EQ_INT(sysex_parse_version(m, n, 0, v, sizeof v, NULL, 0, &e), NT_E_PROTOCOL);
}

static void test_version_cmp(void)
{
    CHECK(sysex_version_cmp("1.14.0", "1.15.0") < 0);
    CHECK(sysex_version_cmp("1.15", "1.15.0") == 0);
    CHECK(sysex_version_cmp("v1.16.2", "1.16.10") < 0);
    CHECK(sysex_version_cmp("2.0.0", "1.99.9") > 0);
    CHECK(sysex_version_cmp("beta", "0.1") < 0);
}

/* Every SysEx code index number: 3n bytes end with CIN 7, 3n+1 with CIN 5,
 * 3n+2 with CIN 6; the cable number sits in the high nibble. */
static void test_pack_every_cin(void)
{
    uint8_t m[SYSEX_BOOTLOADER_LEN], p[64];

    sysex_bootloader(m, 0); /* 9 bytes: 4 4 7 */
    check_hex(p, usbmidi_pack(m, 9, 0, p, sizeof p), "04 F0 00 21  04 27 6D 00  07 7F 7F F7");
    /* 8 bytes: 4 4 6 */
    check_hex(p, usbmidi_pack(m, 8, 0, p, sizeof p), "04 F0 00 21  04 27 6D 00  06 7F 7F 00");
    sysex_version_request(m, 0);
    /* 8 bytes on cable 1 */
    check_hex(p, usbmidi_pack(m, 8, 1, p, sizeof p), "14 F0 00 21  14 27 6D 00  16 22 F7 00");
    /* 7 bytes: 4 4 5 */
    {
        const uint8_t seven[] = { 0xF0, 1, 2, 3, 4, 5, 0xF7 };
        check_hex(p, usbmidi_pack(seven, 7, 0, p, sizeof p), "04 F0 01 02  04 03 04 05  05 F7 00 00");
    }
    /* 2 and 3 byte messages: one packet */
    {
        const uint8_t two[] = { 0xF0, 0xF7 }, three[] = { 0xF0, 0x01, 0xF7 };
        check_hex(p, usbmidi_pack(two, 2, 0, p, sizeof p), "06 F0 F7 00");
        check_hex(p, usbmidi_pack(three, 3, 15, p, sizeof p), "F7 F0 01 F7");
    }
    /* too small */
    CHECK_EQ_INT(usbmidi_pack(m, 8, 0, p, 11), 0);
}

static void test_unpack(void)
{
    struct usbmidi_rx rx = { 0 };
    uint8_t p[64], want[32];
    size_t n = fake_tp_hex("04 F0 00 21  04 27 6D 00  04 32 31 2E  04 31 35 00  05 F7 00 00", p, sizeof p);
    size_t wn = fake_tp_hex("F0 00 21 27 6D 00 32 31 2E 31 35 00 F7", want, sizeof want);
    int done = 0;

    for (size_t i = 0; i < n; i += 4)
        done += usbmidi_feed(&rx, p + i);
    CHECK_EQ_INT(done, 1);
    CHECK_EQ_INT(rx.len, wn);
    CHECK_MEM(rx.msg, want, wn);

    /* CIN 6 and 7 endings, a note-on in between is ignored */
    memset(&rx, 0, sizeof rx);
    n = fake_tp_hex("04 F0 00 21  09 90 40 7F  06 27 F7 00", p, sizeof p);
    done = 0;
    for (size_t i = 0; i < n; i += 4)
        done += usbmidi_feed(&rx, p + i);
    CHECK_EQ_INT(done, 1);
    check_hex(rx.msg, rx.len, "F0 00 21 27 F7");
    n = fake_tp_hex("07 F0 01 F7", p, sizeof p);
    CHECK(usbmidi_feed(&rx, p));
    check_hex(rx.msg, rx.len, "F0 01 F7");

    /* CIN 5 with a one-byte system common message (F6 tune request) is not an end */
    memset(&rx, 0, sizeof rx);
    n = fake_tp_hex("04 F0 00 21  05 F6 00 00", p, sizeof p);
    CHECK(!usbmidi_feed(&rx, p));
    CHECK(!usbmidi_feed(&rx, p + 4));
    CHECK(rx.active);

    /* an end without a start is nothing */
    memset(&rx, 0, sizeof rx);
    n = fake_tp_hex("07 01 02 F7", p, sizeof p);
    CHECK(!usbmidi_feed(&rx, p));
}

static void test_roundtrip_long(void)
{
    uint8_t m[200], p[400];
    struct usbmidi_rx rx = { 0 };
    size_t n;
    int done = 0;

    m[0] = SYSEX_START;
    for (size_t i = 1; i < sizeof m - 1; i++)
        m[i] = (uint8_t)(i & 0x7F);
    m[sizeof m - 1] = SYSEX_END;
    n = usbmidi_pack(m, sizeof m, 2, p, sizeof p);
    CHECK_EQ_INT(n, 67 * 4);
    for (size_t i = 0; i < n; i += 4) {
        CHECK_EQ_INT(p[i] >> 4, 2);
        done += usbmidi_feed(&rx, p + i);
    }
    CHECK_EQ_INT(done, 1);
    CHECK_EQ_INT(rx.len, sizeof m);
    CHECK_MEM(rx.msg, m, sizeof m);
}

static void test_overflow_dropped(void)
{
    struct usbmidi_rx rx = { 0 };
    const uint8_t start[4] = { 0x04, 0xF0, 1, 2 }, mid[4] = { 0x04, 3, 4, 5 }, end[4] = { 0x05, 0xF7, 0, 0 };
    CHECK(!usbmidi_feed(&rx, start));
    for (int i = 0; i < SYSEX_MSG_MAX / 3 + 2; i++)
        CHECK(!usbmidi_feed(&rx, mid));
    CHECK(!usbmidi_feed(&rx, end));
}

int main(void)
{
    RUN(test_bootloader_message);
    RUN(test_reboot_and_version_request);
    RUN(test_parse_version);
    RUN(test_version_cmp);
    RUN(test_pack_every_cin);
    RUN(test_unpack);
    RUN(test_roundtrip_long);
    RUN(test_overflow_dropped);
    return check_finish();
}
