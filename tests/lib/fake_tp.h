/* A scripted fake tp_dev for protocol tests: it records every OUT report,
 * serves queued IN reports, and lets a test react to each OUT report (queue
 * answers, refuse the write) like a device would. */
#ifndef NT_TESTS_FAKE_TP_H
#define NT_TESTS_FAKE_TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct fake_tp;

/* Called for each OUT report before it is accepted; return NT_OK to accept
 * it or an error status (e.g. NT_E_TIMEOUT) to make the write fail. */
typedef nt_status (*fake_tp_on_write)(struct fake_tp *f, const uint8_t *report, size_t len, void *user);

struct fake_tp_report {
    uint8_t *data;
    size_t len;
};

struct fake_tp {
    struct tp_dev dev;
    /* OUT reports accepted, in order. */
    struct fake_tp_report *out;
    size_t nout, out_cap;
    /* IN reports not yet read. */
    struct fake_tp_report *in;
    size_t in_head, in_count, in_cap;
    /* What a read returns when nothing is queued: NT_E_TIMEOUT or NT_E_DISCONNECT. */
    nt_status empty_read;
    /* Reads with timeout 0 see nothing (an answer still on its way). */
    bool poll_blind;
    /* Writes time out while an IN report is queued: the device is blocked
     * in its IN send (doc/protocol.md §3.5). */
    bool block_out_while_in_pending;
    fake_tp_on_write on_write;
    void *user;
    /* Counters for assertions. */
    unsigned reads, polls, read_timeouts, write_timeouts, closed;
    size_t last_read_cap;
    int last_read_timeout_ms; /* of the last read with a non-zero timeout */
};

struct fake_tp *fake_tp_new(enum tp_kind kind, size_t in_max, size_t out_max);
void fake_tp_free(struct fake_tp *f);
/* Queue an IN report, zero padded to pad_to bytes when pad_to > len. */
void fake_tp_queue(struct fake_tp *f, const uint8_t *bytes, size_t len, size_t pad_to);
/* Queue an IN report given as hex ("03 56 78 78 56"), zero padded to pad_to. */
void fake_tp_queue_hex(struct fake_tp *f, const char *hex, size_t pad_to);
/* Parse hex into out (cap bytes); returns the byte count. */
size_t fake_tp_hex(const char *hex, uint8_t *out, size_t cap);

#endif
