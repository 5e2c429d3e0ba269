/* The HID-report transport: one small interface that the libusb backend
 * (usb_*.c) and the virtual Disting NT (vmod_*.c) both implement, so that the
 * protocol and session code above it runs unchanged on real and virtual
 * hardware. Reports always start with their report ID byte. */
#ifndef NT_TRANSPORT_H
#define NT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nt_err.h"

/* USB identities of the two boot devices (doc/protocol.md §1). */
#define TP_ROM_VID 0x1FC9
#define TP_ROM_PID 0x0135
#define TP_FLASHLOADER_VID 0x15A2
#define TP_FLASHLOADER_PID 0x0073
/* The Disting NT running its firmware: a USB-MIDI device (doc/running.md §1). */
#define TP_APP_VID 0x3773
#define TP_APP_PID 0x0001

/* Report sizes on the wire, report-ID byte included (doc/protocol.md §1.1,
 * §1.2). They live here, not in lib/proto, because the USB backend sizes its
 * transfers with them. The virtual module keeps its own copies on purpose
 * (backends/vmod/vmod_int.h). */
#define TP_SDP_CMD_REPORT_LEN 17    /* ROM report 1: a 16-byte command */
#define TP_SDP_DATA_REPORT_LEN 1025 /* ROM report 2: 1024 data bytes */
#define TP_SDP_IN_REPORT_MAX 65     /* ROM report 4 (64 bytes), the largest IN report */
#define TP_MBOOT_REPORT_LEN 1016    /* every flashloader report, both directions */

enum tp_kind {
    TP_KIND_SDP,   /* i.MX RT ROM serial downloader, 1FC9:0135 */
    TP_KIND_MBOOT, /* NXP MCU flashloader (MCUboot), 15A2:0073 */
    TP_KIND_OTHER, /* another NXP ROM/bootloader we recognise but do not flash */
    TP_KIND_APP    /* the module running its firmware: USB-MIDI, SysEx in 4-byte
                      event packets (doc/running.md). Its "reports" are whole
                      bulk transfers of event packets, a multiple of 4 bytes. */
};

#define TP_PORT_MAX 40
#define TP_DESC_MAX 64

/* Identity of one attached device. `port` is stable across the ROM-to-
 * flashloader re-enumeration: "BUS-PORT[.PORT...]" on USB (from
 * libusb_get_port_numbers), "sim-N" for virtual modules. */
struct tp_devinfo {
    enum tp_kind kind;
    char port[TP_PORT_MAX];
    uint16_t vid, pid;
    int speed_mbps;         /* 1.5, 12, 480...: 0 when unknown */
    char desc[TP_DESC_MAX]; /* e.g. "i.MX RT ROM (SDP)" */
};

/* What is known about a USB ID: the kind, a short mode name for --list
 * ("sdp", "mboot", "rt1050-sdp"...) and a description (tp_ids.c). */
struct tp_known_id {
    uint16_t vid, pid;
    enum tp_kind kind;
    const char *mode;
    const char *desc;
};
/* NULL when the ID is neither an NXP boot device nor a running Disting NT
 * we recognise. The table in tp_ids.c is the ONE place that says which USB
 * devices are modules. */
const struct tp_known_id *tp_lookup_id(uint16_t vid, uint16_t pid);

/* Protocol name of a kind as used in progress lines and traces: "sdp", "mboot", "app", "other". */
const char *tp_kind_name(enum tp_kind kind);

enum tp_event_type { TP_EV_ARRIVED, TP_EV_LEFT };

struct tp_event {
    enum tp_event_type type;
    struct tp_devinfo dev;
};

struct tp_bus;
struct tp_dev;

/* Threading contract (several sessions flashing several modules at once,
 * each on its own thread; app/multi.c):
 * - A bus may be used by several threads at once: scan, open and subscribe
 *   are safe to call concurrently; so are next_event calls on DIFFERENT
 *   subscriptions (the bus itself and each view returned by subscribe).
 *   One subscription is read by one thread at a time.
 * - Every subscription sees every arrival and removal that happens after it
 *   was made, in order, in its own queue (TP_EVQ_LEN events; when a reader
 *   falls that far behind, the oldest are dropped and scan() still tells
 *   the truth). A session follows its own module's re-enumeration by
 *   filtering its queue by port path.
 * - An open device (tp_dev) belongs to one thread at a time. Devices of the
 *   same bus may be used by different threads at once: a backend never
 *   holds a lock of its own across a transfer or a wait, so one module that
 *   is slow or stops answering never holds up another.
 * - Backends keep one event source per bus (the libusb backend: one libusb
 *   context and one event pump thread; the virtual bus: one modelled clock
 *   per module, advanced under the bus lock).
 * - destroy runs once, after every other thread has stopped using the bus,
 *   its views and its devices (views are destroyed before the bus). */

/* A small ring of bus events: each subscription owns one. Not locked: the
 * backend that fills it holds its own lock. */
#define TP_EVQ_LEN 64
struct tp_evq {
    struct tp_event ev[TP_EVQ_LEN];
    size_t head, count;
};
/* Append ev; when the ring is full the oldest event is forgotten. */
void tp_evq_push(struct tp_evq *q, const struct tp_event *ev);
/* Take the oldest event; false when there is none. */
bool tp_evq_pop(struct tp_evq *q, struct tp_event *ev);

/* A bus: the set of attached NXP bootloader devices, and their comings and goings. */
struct tp_bus_ops {
    /* Fill out[0..max) with the devices attached now; *count gets how many
     * there are (may exceed max). */
    nt_status (*scan)(struct tp_bus *bus, struct tp_devinfo *out, size_t max, size_t *count,
                      struct nt_err *err);
    /* Wait up to timeout_ms for one arrival or removal. NT_E_TIMEOUT when
     * nothing happened. Events already pending are returned at once. */
    nt_status (*next_event)(struct tp_bus *bus, int timeout_ms, struct tp_event *ev, struct nt_err *err);
    /* Open the device with this kind and port. Stale IN reports are NOT
     * drained here: that is the protocol layer's job (doc/protocol.md §6.1). */
    nt_status (*open)(struct tp_bus *bus, const struct tp_devinfo *id, struct tp_dev **out,
                      struct nt_err *err);
    void (*destroy)(struct tp_bus *bus);
    /* A view of the same bus with its own event queue (see the threading
     * contract above): scan and open act on the shared bus, next_event
     * returns only what happened after the view was made. Destroying the
     * view ends the subscription; the bus stays. */
    nt_status (*subscribe)(struct tp_bus *bus, struct tp_bus **view, struct nt_err *err);
};

struct tp_bus {
    const struct tp_bus_ops *ops;
};

/* An open device. */
struct tp_dev_ops {
    /* Send one OUT report of len bytes (report[0] = report ID). The backend
     * picks interrupt OUT or SET_REPORT as the device requires. */
    nt_status (*write)(struct tp_dev *dev, const uint8_t *report, size_t len, int timeout_ms,
                       struct nt_err *err);
    /* Receive the next IN report into buf (buf[0] = report ID), *len = its
     * length. timeout_ms == 0 means "only a report that has already
     * arrived": backends keep IN reports queued, so this poll is cheap.
     * NT_E_TIMEOUT when none came, NT_E_DISCONNECT when the device left. */
    nt_status (*read)(struct tp_dev *dev, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                      struct nt_err *err);
    void (*close)(struct tp_dev *dev);
};

struct tp_dev {
    const struct tp_dev_ops *ops;
    struct tp_devinfo info;
    size_t in_report_max;  /* largest IN report including the ID byte (TP_SDP_IN_REPORT_MAX or
                              TP_MBOOT_REPORT_LEN) */
    size_t out_report_max; /* largest OUT report including the ID byte (TP_SDP_DATA_REPORT_LEN or
                              TP_MBOOT_REPORT_LEN) */
};

/* Convenience wrappers, so callers read naturally. */
static inline nt_status tp_write(struct tp_dev *d, const uint8_t *r, size_t n, int ms, struct nt_err *e)
{
    return d->ops->write(d, r, n, ms, e);
}
static inline nt_status tp_read(struct tp_dev *d, uint8_t *b, size_t cap, size_t *n, int ms, struct nt_err *e)
{
    return d->ops->read(d, b, cap, n, ms, e);
}
static inline void tp_close(struct tp_dev *d)
{
    if (d)
        d->ops->close(d);
}

/* Largest report either boot device uses, ID included (ROM data report). */
#define TP_REPORT_MAX TP_SDP_DATA_REPORT_LEN

/* Read and drop IN reports that are already queued or arrive within poll_ms
 * of each other: stale answers from an earlier session would otherwise be
 * taken as the answer to the next command (doc/protocol.md §6.1). More than
 * max_reports is NT_E_PROTOCOL. *dropped (may be NULL) gets the count. */
nt_status tp_drain(struct tp_dev *dev, int poll_ms, unsigned max_reports, unsigned *dropped,
                   struct nt_err *err);

/* Wrap dev so that every report is logged to a trace file (README, "Trace"). The
 * returned device owns `inner` (closing it closes inner). start_us is the
 * clock_now_us() value that time 0.000 refers to. */
struct tp_dev *tp_trace_wrap(struct tp_dev *inner, FILE *file, int64_t start_us);
/* (On allocation failure tp_trace_wrap returns NULL and inner stays the
 * caller's, still open.) */

#endif
