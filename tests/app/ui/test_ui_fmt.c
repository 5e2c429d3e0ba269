/* Unit tests of the UI's text helpers: sizes, rates, durations, time left
 * and the UTF-8 and ASCII gauges, byte for byte. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "ui_fmt.h"

struct num_case {
    double in;
    const char *want;
};

typedef void (*num_fmt_fn)(double v, char *out, size_t cap);

static void fmt_bytes_d(double v, char *out, size_t cap) { ui_fmt_bytes((uint64_t)v, out, cap); }

/* Each input through fmt gives exactly its expected text. */
static void check_table(num_fmt_fn fmt, const struct num_case *c, size_t n)
{
    char b[32];

    for (size_t i = 0; i < n; i++) {
        fmt(c[i].in, b, sizeof b);
        CHECK_EQ_STR(b, c[i].want);
    }
}

#define TABLE(fmt, cases) check_table(fmt, cases, sizeof cases / sizeof cases[0])

static void test_bytes(void)
{
    static const struct num_case cases[] = {
        { 0, "0 B" },
        { 1023, "1023 B" },
        { 1024, "1.00 KiB" },
        { 4096 + 512, "4.50 KiB" },
        { 50 * 1024, "50.0 KiB" },
        { 1023 * 1024, "1023 KiB" },
        { 4194304, "4.00 MiB" },
        /* Floored, never rounded up past what was done. */
        { 4194303, "3.99 MiB" },
        { 3.0 * 1024 * 1024 * 1024, "3.00 GiB" },
    };
    TABLE(fmt_bytes_d, cases);
}

static void test_rate(void)
{
    static const struct num_case cases[] = {
        { 0, "-" },
        { -5, "-" },
        { 512.7, "512 B/s" },
        { 1.5 * 1024 * 1024, "1.50 MiB/s" },
        { 300.0 * 1024, "300 KiB/s" },
    };
    TABLE(ui_fmt_rate, cases);
}

static void test_duration(void)
{
    static const struct num_case cases[] = {
        { 0, "0.0s" },   { 0.45, "0.4s" },        { 9.99, "9.9s" }, { 12.7, "12s" },
        { 65, "1m05s" }, { 3600 + 180, "1h03m" }, { -1, "-" },
    };
    TABLE(ui_fmt_duration, cases);
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

static void test_fit(void)
{
    char b[32];

    ui_fmt_fit("hello world", 20, b, sizeof b);
    CHECK_EQ_STR(b, "hello world");
    ui_fmt_fit("hello world", 8, b, sizeof b);
    CHECK_EQ_STR(b, "hello...");
    ui_fmt_fit("hello world", 2, b, sizeof b);
    CHECK_EQ_STR(b, "he");
    ui_fmt_fit_tail("/very/long/path/pkg.zip", 14, b, sizeof b);
    CHECK_EQ_STR(b, "...ath/pkg.zip");
    ui_fmt_fit_tail("/a/pkg.zip", 14, b, sizeof b);
    CHECK_EQ_STR(b, "/a/pkg.zip");
    /* Never starts inside a UTF-8 sequence. */
    ui_fmt_fit_tail("abcd\u00e9f", 5, b, sizeof b);
    CHECK_EQ_STR(b, "...f");
}

static void test_wrap(void)
{
    const char *msg = "writing firmware at 0x60002000: the module left the bus; plug it in again";
    size_t adv, n;

    n = ui_fmt_wrap("short", 10, &adv);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(adv, 5);
    /* Breaks at the last space in the row, and skips it. */
    n = ui_fmt_wrap(msg, 30, &adv);
    CHECK_EQ_INT(n, 19);
    CHECK(strncmp(msg, "writing firmware at", n) == 0);
    CHECK_EQ_INT(adv, 20);
    CHECK_EQ_INT(ui_fmt_wrap_rows(msg, 30), 3);
    CHECK_EQ_INT(ui_fmt_wrap_rows("", 30), 1);
    /* No space in the second half: a hard cut at the width. */
    n = ui_fmt_wrap("abcdefghij klmnopqrstuvwxyz", 20, &adv);
    CHECK_EQ_INT(n, 20);
    CHECK_EQ_INT(adv, 20);
    /* Never inside a UTF-8 sequence: "aaa" + U+2588 (3 bytes) at a 4-byte row. */
    n = ui_fmt_wrap("aaa\u2588bbb", 4, &adv);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(ui_fmt_wrap_rows("aaa\u2588bbb", 4), 3);
}

int main(void)
{
    RUN(test_wrap);
    RUN(test_bytes);
    RUN(test_rate);
    RUN(test_duration);
    RUN(test_eta);
    RUN(test_percent);
    RUN(test_gauge_ascii);
    RUN(test_gauge_utf8);
    RUN(test_fit);
    return check_finish();
}
