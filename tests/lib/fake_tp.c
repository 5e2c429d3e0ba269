/* The scripted fake transport of fake_tp.h. */
#include "fake_tp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *fake_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "fake_tp: out of memory\n");
        exit(99);
    }
    return q;
}

static void fake_push(struct fake_tp_report **arr, size_t *count, size_t *cap, const uint8_t *b, size_t len,
                      size_t pad_to)
{
    size_t n = len > pad_to ? len : pad_to;
    if (*count == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *arr = fake_xrealloc(*arr, *cap * sizeof **arr);
    }
    (*arr)[*count].data = fake_xrealloc(NULL, n ? n : 1);
    memset((*arr)[*count].data, 0, n ? n : 1);
    if (len)
        memcpy((*arr)[*count].data, b, len);
    (*arr)[*count].len = n;
    (*count)++;
}

static nt_status fake_write(struct tp_dev *dev, const uint8_t *report, size_t len, int timeout_ms,
                            struct nt_err *err)
{
    struct fake_tp *f = (struct fake_tp *)dev;
    (void)timeout_ms;
    if (f->block_out_while_in_pending && f->in_count > f->in_head) {
        f->write_timeouts++;
        return nt_err_set(err, NT_E_TIMEOUT, "fake: OUT not accepted (device sending IN)");
    }
    if (f->on_write) {
        nt_status st = f->on_write(f, report, len, f->user);
        if (st != NT_OK) {
            if (st == NT_E_TIMEOUT)
                f->write_timeouts++;
            return nt_err_set(err, st, "fake: write refused");
        }
    }
    fake_push(&f->out, &f->nout, &f->out_cap, report, len, 0);
    return NT_OK;
}

static nt_status fake_read(struct tp_dev *dev, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                           struct nt_err *err)
{
    struct fake_tp *f = (struct fake_tp *)dev;
    struct fake_tp_report *r;

    f->last_read_cap = cap;
    if (timeout_ms == 0)
        f->polls++;
    else {
        f->reads++;
        f->last_read_timeout_ms = timeout_ms;
    }
    if (f->in_head == f->in_count && f->empty_read == NT_E_DISCONNECT)
        return nt_err_set(err, NT_E_DISCONNECT, "fake: device left");
    if (f->in_head == f->in_count || (timeout_ms == 0 && f->poll_blind)) {
        if (timeout_ms != 0)
            f->read_timeouts++;
        return nt_err_set(err, NT_E_TIMEOUT, "fake: nothing to read");
    }
    r = &f->in[f->in_head++];
    *len = r->len < cap ? r->len : cap;
    memcpy(buf, r->data, *len);
    return NT_OK;
}

static void fake_close(struct tp_dev *dev) { ((struct fake_tp *)dev)->closed++; }

static const struct tp_dev_ops fake_ops = { fake_write, fake_read, fake_close };

struct fake_tp *fake_tp_new(enum tp_kind kind, size_t in_max, size_t out_max)
{
    struct fake_tp *f = fake_xrealloc(NULL, sizeof *f);
    memset(f, 0, sizeof *f);
    f->dev.ops = &fake_ops;
    f->dev.info.kind = kind;
    snprintf(f->dev.info.port, sizeof f->dev.info.port, "fake-1");
    f->dev.in_report_max = in_max;
    f->dev.out_report_max = out_max;
    f->empty_read = NT_E_TIMEOUT;
    return f;
}

void fake_tp_free(struct fake_tp *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nout; i++)
        free(f->out[i].data);
    for (size_t i = 0; i < f->in_count; i++)
        free(f->in[i].data);
    free(f->out);
    free(f->in);
    free(f);
}

void fake_tp_queue(struct fake_tp *f, const uint8_t *bytes, size_t len, size_t pad_to)
{
    fake_push(&f->in, &f->in_count, &f->in_cap, bytes, len, pad_to);
}

size_t fake_tp_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*hex && n < cap) {
        char *end;
        unsigned long v = strtoul(hex, &end, 16);
        if (end == hex)
            break;
        out[n++] = (uint8_t)v;
        hex = end;
    }
    return n;
}

void fake_tp_queue_hex(struct fake_tp *f, const char *hex, size_t pad_to)
{
    uint8_t buf[2048];
    size_t n = fake_tp_hex(hex, buf, sizeof buf);
    fake_tp_queue(f, buf, n, pad_to);
}
