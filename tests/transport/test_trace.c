/* Trace decorator tests: the exact line format (README, "Trace"), truncation
 * after 64 bytes, nothing logged for timed-out reads, and pass-through. */
#include <stdlib.h>

#include "tap.h"
#include "clock.h"
#include "fake_tp.h"

/* A fake device wrapped by the tracer, writing to a file inside the build
 * tree ($TMPDIR under make check). */
struct fixture {
    char path[512];
    FILE *file;
    struct fake_tp *fake;
    struct tp_dev *dev;
    char *text;
};

static int fixture_open(struct fixture *x, enum tp_kind kind, size_t report_max, int64_t start_us)
{
    const char *dir = getenv("TMPDIR");
    int fd;
    memset(x, 0, sizeof *x);
    snprintf(x->path, sizeof x->path, "%s/test_trace.XXXXXX", dir && *dir ? dir : ".");
    fd = mkstemp(x->path);
    x->file = fd < 0 ? NULL : fdopen(fd, "w+");
    CHECK(x->file != NULL);
    if (!x->file)
        return 0;
    x->fake = fake_tp_new(kind, report_max, report_max);
    x->dev = tp_trace_wrap(&x->fake->dev, x->file, start_us);
    CHECK(x->dev != NULL && x->dev != &x->fake->dev);
    return x->dev != NULL;
}

/* The whole trace so far (the tracer flushes each line itself). */
static const char *fixture_text(struct fixture *x)
{
    long n;
    free(x->text);
    fseek(x->file, 0, SEEK_END);
    n = ftell(x->file);
    rewind(x->file);
    x->text = calloc(1, (size_t)n + 1);
    if (fread(x->text, 1, (size_t)n, x->file) != (size_t)n)
        x->text[0] = '\0';
    return x->text;
}

static void fixture_close(struct fixture *x)
{
    tp_close(x->dev);
    CHECK_EQ_INT(x->fake->closed, 1); /* closing the tracer closes the device */
    fake_tp_free(x->fake);
    fclose(x->file);
    remove(x->path);
    free(x->text);
}

/* Drop the "<seconds> " field so lines can be compared exactly. */
static const char *after_time(const char *line)
{
    const char *sp = strchr(line, ' ');
    return sp ? sp + 1 : line;
}

static void test_sdp_out_line(void)
{
    struct fixture x;
    struct nt_err err = { 0 };
    uint8_t cmd[17] = { 1, 5, 5 };
    const char *text;

    if (!fixture_open(&x, TP_KIND_SDP, 1025, clock_now_us()))
        return;
    CHECK_EQ_INT(x.dev->info.kind, TP_KIND_SDP);
    CHECK_EQ_INT(x.dev->in_report_max, 1025);
    CHECK_EQ_INT(tp_write(x.dev, cmd, sizeof cmd, 100, &err), NT_OK);
    CHECK_EQ_INT(x.fake->nout, 1);
    CHECK_MEM(x.fake->out[0].data, cmd, 17);
    text = fixture_text(&x);
    CHECK_EQ_STR(after_time(text), "OUT sdp 17 01 05 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n");
    /* "<seconds, 3 decimals>": a start moments ago gives "0.xxx ". */
    CHECK(text[0] == '0' && text[1] == '.' && text[5] == ' ');
    fixture_close(&x);
}

static void test_in_truncated_and_timeouts_silent(void)
{
    struct fixture x;
    struct nt_err err = { 0 };
    uint8_t buf[1016];
    size_t len = 0;
    char want[1024];
    const char *text;
    int off;

    if (!fixture_open(&x, TP_KIND_MBOOT, 1016, clock_now_us() - 2500000)) /* started 2.5 s ago */
        return;
    fake_tp_queue_hex(x.fake, "03 00 0C 00 A0 00 00 02 00 00 00 00 05 00 00 00", 1016);
    CHECK_EQ_INT(tp_read(x.dev, buf, sizeof buf, &len, 0, &err), NT_OK);
    CHECK_EQ_INT(len, 1016);
    CHECK_EQ_INT(buf[4], 0xA0);
    CHECK_EQ_INT(tp_read(x.dev, buf, sizeof buf, &len, 10, &err), NT_E_TIMEOUT);
    text = fixture_text(&x);
    off = snprintf(want, sizeof want, "IN mboot 1016 03 00 0c 00 a0 00 00 02 00 00 00 00 05 00 00 00");
    for (int i = 16; i < 64; i++)
        off += snprintf(want + off, sizeof want - (size_t)off, " 00");
    snprintf(want + off, sizeof want - (size_t)off, " +952\n");
    CHECK_EQ_STR(after_time(text), want); /* one line only: the timeout logged nothing */
    CHECK(strncmp(text, "2.", 2) == 0);
    fixture_close(&x);
}

static void test_exactly_64_bytes_no_suffix(void)
{
    struct fixture x;
    struct nt_err err = { 0 };
    uint8_t r[64];
    const char *text;

    if (!fixture_open(&x, TP_KIND_SDP, 1025, clock_now_us()))
        return;
    memset(r, 0xAB, sizeof r);
    CHECK_EQ_INT(tp_write(x.dev, r, sizeof r, 100, &err), NT_OK);
    text = fixture_text(&x);
    CHECK(strchr(text, '+') == NULL);
    CHECK_CONTAINS(text, " 64 ab ab");
    CHECK_EQ_INT(strlen(after_time(text)), strlen("OUT sdp 64") + 64 * 3 + 1);
    fixture_close(&x);
}

static nt_status refuse(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    (void)f;
    (void)r;
    (void)len;
    (void)user;
    return NT_E_TIMEOUT;
}

static void test_failed_write_not_logged(void)
{
    struct fixture x;
    struct nt_err err = { 0 };
    uint8_t r[4] = { 2, 0, 0, 0 };

    if (!fixture_open(&x, TP_KIND_MBOOT, 1016, clock_now_us()))
        return;
    x.fake->on_write = refuse;
    CHECK_EQ_INT(tp_write(x.dev, r, sizeof r, 100, &err), NT_E_TIMEOUT);
    x.fake->on_write = NULL;
    CHECK_EQ_INT(tp_write(x.dev, r, sizeof r, 100, &err), NT_OK);
    CHECK_EQ_STR(after_time(fixture_text(&x)), "OUT mboot 4 02 00 00 00\n");
    fixture_close(&x);
}

int main(void)
{
    RUN(test_sdp_out_line);
    RUN(test_in_truncated_and_timeouts_silent);
    RUN(test_exactly_64_bytes_no_suffix);
    RUN(test_failed_write_not_logged);
    return check_finish();
}
