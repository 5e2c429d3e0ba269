/* Unit tests of the UI's text helpers: sizes, rates, durations, time left
 * and the UTF-8 and ASCII gauges, byte for byte. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "ui_fmt.h"

static void test_bytes(void)
{
    char b[32];

    ui_fmt_bytes(0, b, sizeof b);
    CHECK_EQ_STR(b, "0 B");
    ui_fmt_bytes(1023, b, sizeof b);
    CHECK_EQ_STR(b, "1023 B");
    ui_fmt_bytes(1024, b, sizeof b);
    CHECK_EQ_STR(b, "1.00 KiB");
    ui_fmt_bytes(4096 + 512, b, sizeof b);
    CHECK_EQ_STR(b, "4.50 KiB");
    ui_fmt_bytes(50 * 1024, b, sizeof b);
    CHECK_EQ_STR(b, "50.0 KiB");
    ui_fmt_bytes(1023 * 1024, b, sizeof b);
    CHECK_EQ_STR(b, "1023 KiB");
    ui_fmt_bytes(4u * 1024 * 1024, b, sizeof b);
    CHECK_EQ_STR(b, "4.00 MiB");
    /* Floored, never rounded up past what was done. */
    ui_fmt_bytes(4u * 1024 * 1024 - 1, b, sizeof b);
    CHECK_EQ_STR(b, "3.99 MiB");
    ui_fmt_bytes(3ull * 1024 * 1024 * 1024, b, sizeof b);
    CHECK_EQ_STR(b, "3.00 GiB");
}

static void test_rate(void)
{
    char b[32];

    ui_fmt_rate(0, b, sizeof b);
    CHECK_EQ_STR(b, "-");
    ui_fmt_rate(-5, b, sizeof b);
    CHECK_EQ_STR(b, "-");
    ui_fmt_rate(512.7, b, sizeof b);
    CHECK_EQ_STR(b, "512 B/s");
    ui_fmt_rate(1.5 * 1024 * 1024, b, sizeof b);
    CHECK_EQ_STR(b, "1.50 MiB/s");
    ui_fmt_rate(300.0 * 1024, b, sizeof b);
    CHECK_EQ_STR(b, "300 KiB/s");
}

static void test_duration(void)
{
    char b[32];

    ui_fmt_duration(0, b, sizeof b);
    CHECK_EQ_STR(b, "0.0s");
    ui_fmt_duration(0.45, b, sizeof b);
    CHECK_EQ_STR(b, "0.4s");
    ui_fmt_duration(9.99, b, sizeof b);
    CHECK_EQ_STR(b, "9.9s");
    ui_fmt_duration(12.7, b, sizeof b);
    CHECK_EQ_STR(b, "12s");
    ui_fmt_duration(65, b, sizeof b);
    CHECK_EQ_STR(b, "1m05s");
    ui_fmt_duration(3600 + 180, b, sizeof b);
    CHECK_EQ_STR(b, "1h03m");
    ui_fmt_duration(-1, b, sizeof b);
    CHECK_EQ_STR(b, "-");
}

static void test_eta(void)
{
    char b[32];

    ui_fmt_eta(1024, 4096, 1024, b, sizeof b);
    CHECK_EQ_STR(b, "3.0s");
    ui_fmt_eta(0, 4096, 0, b, sizeof b);
    CHECK_EQ_STR(b, "-");
    ui_fmt_eta(10, 0, 100, b, sizeof b);
    CHECK_EQ_STR(b, "-");
    ui_fmt_eta(4096, 4096, 100, b, sizeof b);
    CHECK_EQ_STR(b, "0.0s");
}

static void test_percent(void)
{
    CHECK_EQ_INT(ui_percent(0, 0), 0);
    CHECK_EQ_INT(ui_percent(1, 3), 33);
    CHECK_EQ_INT(ui_percent(999, 1000), 99);
    CHECK_EQ_INT(ui_percent(1000, 1000), 100);
    CHECK_EQ_INT(ui_percent(2000, 1000), 100);
}

static void test_gauge_ascii(void)
{
    char b[64];

    CHECK_EQ_INT(ui_gauge(0.5, 10, false, b, sizeof b), 10);
    CHECK_EQ_STR(b, "#####.....");
    ui_gauge(0, 4, false, b, sizeof b);
    CHECK_EQ_STR(b, "....");
    ui_gauge(1.7, 4, false, b, sizeof b);
    CHECK_EQ_STR(b, "####");
    ui_gauge(0.99, 4, false, b, sizeof b);
    CHECK_EQ_STR(b, "###.");
    /* Truncated to the buffer, still terminated. */
    CHECK_EQ_INT(ui_gauge(1, 10, false, b, 5), 4);
    CHECK_EQ_STR(b, "####");
    CHECK_EQ_INT(ui_gauge(1, 0, false, b, sizeof b), 0);
    CHECK_EQ_STR(b, "");
}

static void test_gauge_utf8(void)
{
    char b[128];

    /* 0.5 of 3 cells = 12 eighths: one full block, one half block, one shade. */
    ui_gauge(0.5, 3, true, b, sizeof b);
    CHECK_EQ_STR(b, "\u2588\u258c\u2591");
    ui_gauge(1, 2, true, b, sizeof b);
    CHECK_EQ_STR(b, "\u2588\u2588");
    ui_gauge(0, 2, true, b, sizeof b);
    CHECK_EQ_STR(b, "\u2591\u2591");
    /* 1/16 of 2 cells = one eighth. */
    ui_gauge(1.0 / 16, 2, true, b, sizeof b);
    CHECK_EQ_STR(b, "\u258f\u2591");
    /* A cell that does not fit whole is left out rather than cut. */
    CHECK_EQ_INT(ui_gauge(1, 3, true, b, 8), 6);
    CHECK_EQ_STR(b, "\u2588\u2588");
}

static void test_sha_and_fit(void)
{
    uint8_t sha[32];
    char hex[65], b[32];

    for (int i = 0; i < 32; i++)
        sha[i] = (uint8_t)(i * 9 + 0xa0);
    ui_fmt_sha256(sha, hex);
    CHECK_EQ_INT(strlen(hex), 64);
    CHECK(strncmp(hex, "a0a9b2bbc4", 10) == 0);
    ui_fmt_fit("hello world", 20, b, sizeof b);
    CHECK_EQ_STR(b, "hello world");
    ui_fmt_fit("hello world", 8, b, sizeof b);
    CHECK_EQ_STR(b, "hello...");
    ui_fmt_fit("hello world", 2, b, sizeof b);
    CHECK_EQ_STR(b, "he");
}

int main(void)
{
    RUN(test_bytes);
    RUN(test_rate);
    RUN(test_duration);
    RUN(test_eta);
    RUN(test_percent);
    RUN(test_gauge_ascii);
    RUN(test_gauge_utf8);
    RUN(test_sha_and_fit);
    return check_finish();
}
