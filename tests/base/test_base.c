/* Unit tests for the base helpers: error values, byte order and timeout
 * scaling. */
#include "bytes.h"
#include "tap.h"
#include "clock.h"
#include "nt_err.h"

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

int main(void)
{
    RUN(test_err_set_and_prefix);
    RUN(test_bytes);
    RUN(test_clock_scale);
    return check_finish();
}
