/* Transport helpers shared by every backend and protocol. */
#include "transport.h"

const char *tp_kind_name(enum tp_kind kind)
{
    switch (kind) {
    case TP_KIND_SDP: return "sdp";
    case TP_KIND_MBOOT: return "mboot";
    case TP_KIND_APP: return "app";
    case TP_KIND_OTHER: break;
    }
    return "other";
}

nt_status tp_drain(struct tp_dev *dev, int poll_ms, unsigned max_reports, unsigned *dropped,
                   struct nt_err *err)
{
    uint8_t buf[TP_REPORT_MAX];
    unsigned n = 0;

    for (;;) {
        size_t len = 0;
        nt_status st = tp_read(dev, buf, sizeof buf, &len, poll_ms, err);
        if (st == NT_E_TIMEOUT)
            break;
        if (st != NT_OK)
            return st;
        if (++n >= max_reports)
            return nt_err_set(err, NT_E_PROTOCOL,
                              "the device keeps sending reports (%u unread): unplug the module "
                              "and try again",
                              n);
    }
    nt_err_clear(err);
    if (dropped)
        *dropped = n;
    return NT_OK;
}

void tp_evq_push(struct tp_evq *q, const struct tp_event *ev)
{
    if (q->count == TP_EVQ_LEN) {
        q->head = (q->head + 1) % TP_EVQ_LEN;
        q->count--;
    }
    q->ev[(q->head + q->count) % TP_EVQ_LEN] = *ev;
    q->count++;
}

bool tp_evq_pop(struct tp_evq *q, struct tp_event *ev)
{
    if (q->count == 0)
        return false;
    *ev = q->ev[q->head];
    q->head = (q->head + 1) % TP_EVQ_LEN;
    q->count--;
    return true;
}
