/* The --trace decorator (README, "Trace"): a tp_dev that forwards every transfer
 * to the device it wraps and logs each completed one as a line of hex. */
#include "transport.h"

#include <stdlib.h>

#include "clock.h"

/* README, "Trace": at most this many bytes are shown, then "+<k>" as its own
 * space-separated token for the k bytes not shown. */
#define TRACE_SHOWN_BYTES_MAX 64

struct trace_dev {
    struct tp_dev base; /* first member: a struct tp_dev * is a struct trace_dev * */
    struct tp_dev *inner;
    FILE *file;
    int64_t start_us;
};

static void trace_line(struct trace_dev *t, const char *dir, const uint8_t *bytes, size_t len)
{
    int64_t us = clock_now_us() - t->start_us;
    size_t shown = len < TRACE_SHOWN_BYTES_MAX ? len : TRACE_SHOWN_BYTES_MAX;

    if (us < 0)
        us = 0;
    fprintf(t->file, "%lld.%03lld %s %s %zu", (long long)(us / 1000000), (long long)(us % 1000000 / 1000),
            dir, tp_kind_name(t->inner->info.kind), len);
    for (size_t i = 0; i < shown; i++)
        fprintf(t->file, " %02x", bytes[i]);
    if (len > shown)
        fprintf(t->file, " +%zu", len - shown);
    fputc('\n', t->file);
    /* Flushed per line so a trace of a crashed or killed run is complete. */
    fflush(t->file);
}

/* Only transfers that happened are logged: a failed write or a read that
 * timed out moved no report. */
static nt_status trace_write(struct tp_dev *dev, const uint8_t *report, size_t len, int timeout_ms,
                             struct nt_err *err)
{
    struct trace_dev *t = (struct trace_dev *)dev;
    nt_status st = tp_write(t->inner, report, len, timeout_ms, err);
    if (st == NT_OK)
        trace_line(t, "OUT", report, len);
    return st;
}

static nt_status trace_read(struct tp_dev *dev, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                            struct nt_err *err)
{
    struct trace_dev *t = (struct trace_dev *)dev;
    nt_status st = tp_read(t->inner, buf, cap, len, timeout_ms, err);
    if (st == NT_OK)
        trace_line(t, "IN", buf, *len);
    return st;
}

static void trace_close(struct tp_dev *dev)
{
    struct trace_dev *t = (struct trace_dev *)dev;
    tp_close(t->inner);
    free(t);
}

static const struct tp_dev_ops trace_ops = { trace_write, trace_read, trace_close };

struct tp_dev *tp_trace_wrap(struct tp_dev *inner, FILE *file, int64_t start_us)
{
    struct trace_dev *t;

    if (!inner || !file)
        return inner;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL; /* inner stays open and the caller's */
    t->base.ops = &trace_ops;
    t->base.info = inner->info;
    t->base.in_report_max = inner->in_report_max;
    t->base.out_report_max = inner->out_report_max;
    t->inner = inner;
    t->file = file;
    t->start_us = start_us;
    return &t->base;
}
