/* Unit tests for the base helpers: error values, byte order and timeout
 * scaling. */
#include "bytes.h"
#include "tap.h"
#include "clock.h"
#include "nt_err.h"
#include "text.h"

static void test_err_set_and_prefix(void)
{
    struct nt_err e;
    CHECK_EQ_INT(nt_err_set(&e, NT_E_IO, "read %d bytes", 3), NT_E_IO);
    CHECK_EQ_STR(e.msg, "read 3 bytes");
    nt_err_prefix(&e, "writing %s", "firmware");
    CHECK_EQ_STR(e.msg, "writing firmware: read 3 bytes");
    CHECK_EQ_STR(nt_status_name(NT_E_DISCONNECT), "disconnect");
    CHECK_EQ_INT(nt_err_set(NULL, NT_E_TIMEOUT, "x"), NT_E_TIMEOUT);
}

static void test_bytes(void)
{
    uint8_t b[4];
    put_le32(b, 0x12345678);
    CHECK(b[0] == 0x78 && b[3] == 0x12);
    CHECK_EQ_INT(get_le32(b), 0x12345678);
    put_be32(b, 0x20001C00);
    CHECK(b[0] == 0x20 && b[1] == 0x00 && b[2] == 0x1C && b[3] == 0x00);
    CHECK_EQ_INT(get_be32(b), 0x20001C00);
    put_be16(b, 0x0404);
    CHECK_EQ_INT(get_be16(b), 0x0404);
    put_le16(b, 0x03F4);
    CHECK(b[0] == 0xF4 && b[1] == 0x03);
}

static void test_clock_scale(void)
{
    CHECK_EQ_INT(clock_scale_ms(5000, 1.0, 200), 5000);
    CHECK_EQ_INT(clock_scale_ms(5000, 0.1, 200), 500);
    CHECK_EQ_INT(clock_scale_ms(5000, 0.0, 200), 200);
}

static void test_text_safe(void)
{
    char out[64];

    /* Printable ASCII, backslash and valid non-ASCII UTF-8 pass unchanged. */
    CHECK_EQ_INT(nt_text_safe(out, sizeof out, "a\\b \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), 15);
    CHECK_EQ_STR(out, "a\\b \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* C0 controls, DEL, C1 (in UTF-8), line separators and bidi overrides. */
    nt_text_safe(out, sizeof out, "a\nb\rc\td\x1b\x7f");
    CHECK_EQ_STR(out, "a\\x0ab\\x0dc\\x09d\\x1b\\x7f");
    nt_text_safe(out, sizeof out, "\xc2\x85\xc2\x9b\xe2\x80\xa8\xe2\x80\xae\xe2\x81\xa6");
    CHECK_EQ_STR(out, "\\xc2\\x85\\xc2\\x9b\\xe2\\x80\\xa8\\xe2\\x80\\xae\\xe2\\x81\\xa6");
    /* Invalid UTF-8: a lone continuation, an overlong NUL, a surrogate, a cut sequence. */
    nt_text_safe(out, sizeof out, "\x80|\xc0\x80|\xed\xa0\x80|\xe2\x82");
    CHECK_EQ_STR(out, "\\x80|\\xc0\\x80|\\xed\\xa0\\x80|\\xe2\\x82");
    /* Idempotent: escaped text passes a second time unchanged. */
    {
        char twice[64];
        nt_text_safe(out, sizeof out, "x\ny");
        nt_text_safe(twice, sizeof twice, out);
        CHECK_EQ_STR(twice, out);
    }
    /* Cut only between characters, never inside an escape. */
    CHECK_EQ_INT(nt_text_safe(out, 6, "ab\ncd"), 2);
    CHECK_EQ_STR(out, "ab");
    CHECK_EQ_INT(nt_text_safe(out, 4,
                              "a\xc3\xa9"
                              "b"),
                 3);
    CHECK_EQ_STR(out, "a\xc3\xa9");
}

int main(void)
{
    RUN(test_err_set_and_prefix);
    RUN(test_bytes);
    RUN(test_clock_scale);
    RUN(test_text_safe);
    return check_finish();
}
