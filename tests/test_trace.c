/* Trace decorator tests: the exact line format of spec.md §6, truncation
 * after 64 bytes, nothing logged for timed-out reads, and pass-through. */
#include <stdlib.h>

#include "check.h"
#include "clock.h"
#include "fake_tp.h"

/* A trace file inside the build tree ($TMPDIR under make check). */
static FILE *trace_file(char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/test_trace.XXXXXX", dir && *dir ? dir : ".");
    int fd = mkstemp(path);
    return fd < 0 ? NULL : fdopen(fd, "w+");
}

static char *slurp(FILE *f)
{
    long n;
    char *s;
    fflush(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = calloc(1, (size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    return s;
}

/* Drop the "<seconds> " field so lines can be compared exactly. */
static const char *after_time(const char *line)
{
    const char *sp = strchr(line, ' ');
    return sp ? sp + 1 : line;
}

static void test_sdp_out_line(void)
{
    char path[512];
    FILE *tf = trace_file(path, sizeof path);
    struct fake_tp *f = fake_tp_new(TP_KIND_SDP, 65, 1025);
    struct tp_dev *t;
    struct nt_err err = { 0 };
    uint8_t cmd[17] = { 1, 5, 5 };
    char *text;

    CHECK(tf != NULL);
    if (!tf)
        return;
    t = tp_trace_wrap(&f->dev, tf, clock_now_us());
    CHECK(t != &f->dev);
    CHECK_EQ_INT(t->info.kind, TP_KIND_SDP);
    CHECK_EQ_INT(t->in_report_max, 65);
    CHECK_EQ_INT(tp_write(t, cmd, sizeof cmd, 100, &err), NT_OK);
    CHECK_EQ_INT(f->nout, 1);
    CHECK_MEM(f->out[0].data, cmd, 17);
    text = slurp(tf);
    CHECK_EQ_STR(after_time(text), "OUT sdp 17 01 05 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n");
    /* "<seconds, 3 decimals>": a small start offset gives 0.0xx. */
    CHECK(text[1] == '.' && text[5] == ' ');
    free(text);
    tp_close(t);
    CHECK_EQ_INT(f->closed, 1);
    fake_tp_free(f);
    fclose(tf);
    remove(path);
}

static void test_in_truncated_and_timeouts_silent(void)
{
    char path[512];
    FILE *tf = trace_file(path, sizeof path);
    struct fake_tp *f = fake_tp_new(TP_KIND_MBOOT, 1016, 1016);
    struct tp_dev *t;
    struct nt_err err = { 0 };
    uint8_t buf[1016];
    size_t len = 0;
    char *text, want[1024];
    int off;

    CHECK(tf != NULL);
    if (!tf)
        return;
    t = tp_trace_wrap(&f->dev, tf, clock_now_us() - 2500000); /* started 2.5 s ago */
    fake_tp_queue_hex(f, "03 00 0C 00 A0 00 00 02 00 00 00 00 05 00 00 00", 1016);
    CHECK_EQ_INT(tp_read(t, buf, sizeof buf, &len, 0, &err), NT_OK);
    CHECK_EQ_INT(len, 1016);
    CHECK_EQ_INT(buf[4], 0xA0);
    CHECK_EQ_INT(tp_read(t, buf, sizeof buf, &len, 10, &err), NT_E_TIMEOUT);
    text = slurp(tf);
    off = snprintf(want, sizeof want, "IN mboot 1016 03 00 0c 00 a0 00 00 02 00 00 00 00 05 00 00 00");
    for (int i = 16; i < 64; i++)
        off += snprintf(want + off, sizeof want - (size_t)off, " 00");
    snprintf(want + off, sizeof want - (size_t)off, " +952\n");
    CHECK_EQ_STR(after_time(text), want); /* one line only: the timeout logged nothing */
    CHECK(strncmp(text, "2.", 2) == 0);
    free(text);
    tp_close(t);
    fake_tp_free(f);
    fclose(tf);
    remove(path);
}

static void test_exactly_64_bytes_no_suffix(void)
{
    char path[512];
    FILE *tf = trace_file(path, sizeof path);
    struct fake_tp *f = fake_tp_new(TP_KIND_SDP, 65, 1025);
    struct tp_dev *t;
    struct nt_err err = { 0 };
    uint8_t r[64];
    char *text;

    CHECK(tf != NULL);
    if (!tf)
        return;
    memset(r, 0xAB, sizeof r);
    t = tp_trace_wrap(&f->dev, tf, clock_now_us());
    CHECK_EQ_INT(tp_write(t, r, sizeof r, 100, &err), NT_OK);
    text = slurp(tf);
    CHECK(strstr(text, "+") == NULL);
    CHECK_CONTAINS(text, " 64 ab ab");
    CHECK_EQ_INT(strlen(after_time(text)), strlen("OUT sdp 64") + 64 * 3 + 1);
    free(text);
    tp_close(t);
    fake_tp_free(f);
    fclose(tf);
    remove(path);
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
    char path[512];
    FILE *tf = trace_file(path, sizeof path);
    struct fake_tp *f = fake_tp_new(TP_KIND_MBOOT, 1016, 1016);
    struct tp_dev *t;
    struct nt_err err = { 0 };
    uint8_t r[4] = { 2, 0, 0, 0 };
    char *text;

    CHECK(tf != NULL);
    if (!tf)
        return;
    f->on_write = refuse;
    t = tp_trace_wrap(&f->dev, tf, clock_now_us());
    CHECK_EQ_INT(tp_write(t, r, sizeof r, 100, &err), NT_E_TIMEOUT);
    f->on_write = NULL;
    CHECK_EQ_INT(tp_write(t, r, sizeof r, 100, &err), NT_OK);
    text = slurp(tf);
    CHECK_EQ_STR(after_time(text), "OUT mboot 4 02 00 00 00\n");
    free(text);
    tp_close(t);
    fake_tp_free(f);
    fclose(tf);
    remove(path);
}

int main(void)
{
    RUN(test_sdp_out_line);
    RUN(test_in_truncated_and_timeouts_silent);
    RUN(test_exactly_64_bytes_no_suffix);
    RUN(test_failed_write_not_logged);
    return check_finish();
}
