/* One open USB boot device: claim it, send OUT reports the way the device
 * needs them (SET_REPORT for the ROM, interrupt OUT for the flashloader) and
 * keep an interrupt IN transfer pending into a small queue, so the protocol
 * layer can poll for IN reports cheaply (doc/protocol.md §1.3, §3.5). The IN
 * state is guarded by the bus lock (the completion runs on the bus's pump
 * thread). OUT reports go as asynchronous transfers too, which the caller
 * waits for on the bus's condition variable: libusb's synchronous calls,
 * made from a session thread while the pump thread handles events, let the
 * caller free a transfer that the pump thread is still finishing (libusb
 * issue #1263; ThreadSanitizer sees it with libusb 1.0.26). */
#include "usb_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"

#define USB_IN_QUEUE_LEN 8
#define USB_IN_GLITCH_RETRIES 3 /* transfer errors in a row before IN reads stop */
/* HID class request SET_REPORT(Output) on EP0 (HID 1.11 §7.2.2). */
#define USB_HID_SET_REPORT_TYPE 0x21
#define USB_HID_SET_REPORT 0x09
#define USB_HID_REPORT_OUTPUT 0x0200
#define USB_HID_INTERFACE 0
/* How long close() waits for the cancelled IN transfer to come back. */
#define USB_CANCEL_WAIT_MS 1000
/* An OUT transfer has libusb's timeout; past it by this much, it is
 * cancelled (a lost completion must not hang the session). */
#define USB_OUT_GRACE_MS 1000

struct usb_dev {
    struct tp_dev base;
    struct usb_bus *bus;
    libusb_device_handle *h;
    uint8_t ep_in, ep_out; /* ep_out 0: no OUT endpoint, use SET_REPORT */
    bool pad_out;          /* always send full-size OUT reports */
    unsigned ep_in_mps;    /* the IN endpoint's wMaxPacketSize */
    struct libusb_transfer *xfer;
    /* IN buffers hold the larger device's report (the flashloader's; each
     * read asks for exactly one report, doc/protocol.md §1.3); the OUT
     * buffer the largest OUT report (the ROM's data report). */
    uint8_t xbuf[TP_MBOOT_REPORT_LEN];
    bool xfer_active;
    bool closing;         /* usb_dev_close began: submit no more IN transfers */
    bool gone;            /* the device left the bus */
    int in_error;         /* a libusb error that stopped IN reads, or 0 */
    unsigned in_glitches; /* transfer errors in a row, see in_done */
    uint8_t q[USB_IN_QUEUE_LEN][TP_MBOOT_REPORT_LEN];
    size_t qlen[USB_IN_QUEUE_LEN];
    size_t qhead, qcount;
    /* OUT: the setup packet (SET_REPORT) and the report, one transfer. */
    struct libusb_transfer *out_xfer;
    bool out_active;
    enum libusb_transfer_status out_status;
    int out_actual;
    uint8_t outbuf[LIBUSB_CONTROL_SETUP_SIZE + TP_SDP_DATA_REPORT_LEN];
};

static void LIBUSB_CALL in_done(struct libusb_transfer *t);

/* With the bus lock held. */
static void submit_in(struct usb_dev *d)
{
    int rc;

    if (d->closing || d->xfer_active || d->gone || d->in_error || d->qcount == USB_IN_QUEUE_LEN)
        return;
    rc = libusb_submit_transfer(d->xfer);
    if (rc == 0)
        d->xfer_active = true;
    else if (rc == LIBUSB_ERROR_NO_DEVICE)
        d->gone = true;
    else
        d->in_error = rc;
}

static void in_done_locked(struct libusb_transfer *t);

static void LIBUSB_CALL in_done(struct libusb_transfer *t)
{
    struct usb_dev *d = t->user_data;
    struct usb_bus *bus = d->bus;

    pthread_mutex_lock(&bus->lock);
    in_done_locked(t);
    pthread_cond_broadcast(&bus->cond);
    pthread_mutex_unlock(&bus->lock);
}

static void in_done_locked(struct libusb_transfer *t)
{
    struct usb_dev *d = t->user_data;

    d->xfer_active = false;
    switch (t->status) {
    case LIBUSB_TRANSFER_COMPLETED:
        d->in_glitches = 0;
        if (t->actual_length > 0) {
            size_t slot = (d->qhead + d->qcount) % USB_IN_QUEUE_LEN;
            memcpy(d->q[slot], t->buffer, (size_t)t->actual_length);
            d->qlen[slot] = (size_t)t->actual_length;
            d->qcount++;
        }
        submit_in(d); /* with a full queue the device waits, as with a slow host */
        break;
    case LIBUSB_TRANSFER_CANCELLED: break;
    case LIBUSB_TRANSFER_NO_DEVICE: d->gone = true; break;
    case LIBUSB_TRANSFER_STALL: d->in_error = LIBUSB_ERROR_PIPE; break;
    case LIBUSB_TRANSFER_OVERFLOW: d->in_error = LIBUSB_ERROR_OVERFLOW; break;
    default:
        /* -EPROTO/-EILSEQ/-ETIME: a glitch on a busy hub (doc/protocol.md §6.16)
         * or the device tearing USB down. Try again a few times before
         * giving up; a disconnect shows up as NO_DEVICE meanwhile. */
        if (++d->in_glitches <= USB_IN_GLITCH_RETRIES)
            submit_in(d);
        else
            d->in_error = LIBUSB_ERROR_IO;
        break;
    }
}

static nt_status usb_dev_read(struct tp_dev *base, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                              struct nt_err *err)
{
    struct usb_dev *d = (struct usb_dev *)base;
    int64_t deadline = clock_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    nt_status st;

    pthread_mutex_lock(&d->bus->lock);
    for (;;) {
        if (d->qcount > 0) {
            size_t n = d->qlen[d->qhead];
            /* A ROM that pads its reports to the packet size: the bytes past
             * the largest report (65) carry nothing (doc/protocol.md §1.1). */
            if (n > cap && d->base.info.kind != TP_KIND_MBOOT && cap >= TP_SDP_IN_REPORT_MAX)
                n = cap;
            if (n > cap) {
                st = nt_err_set(err, NT_E_INTERNAL,
                                "an IN report of %zu bytes does not fit the %zu-byte buffer", n, cap);
                break;
            }
            memcpy(buf, d->q[d->qhead], n);
            *len = n;
            d->qhead = (d->qhead + 1) % USB_IN_QUEUE_LEN;
            d->qcount--;
            submit_in(d);
            st = NT_OK;
            break;
        }
        if (d->gone) {
            st = usb_map_error(LIBUSB_ERROR_NO_DEVICE, err, "reading a report", d->base.info.port);
            break;
        }
        if (d->in_error) {
            st = usb_map_error(d->in_error, err, "reading a report", d->base.info.port);
            break;
        }
        submit_in(d);
        if (clock_now_ms() >= deadline) {
            st = nt_err_set(err, NT_E_TIMEOUT, "no report from the module at port %s within %d ms",
                            d->base.info.port, timeout_ms);
            break;
        }
        usb_wait(d->bus, deadline);
    }
    pthread_mutex_unlock(&d->bus->lock);
    return st;
}

static void LIBUSB_CALL out_done(struct libusb_transfer *t)
{
    struct usb_dev *d = t->user_data;

    pthread_mutex_lock(&d->bus->lock);
    d->out_status = t->status;
    d->out_actual = t->actual_length;
    d->out_active = false;
    pthread_cond_broadcast(&d->bus->cond);
    pthread_mutex_unlock(&d->bus->lock);
}

static int out_status_error(enum libusb_transfer_status st)
{
    switch (st) {
    case LIBUSB_TRANSFER_COMPLETED: return 0;
    case LIBUSB_TRANSFER_TIMED_OUT:
    case LIBUSB_TRANSFER_CANCELLED: return LIBUSB_ERROR_TIMEOUT;
    case LIBUSB_TRANSFER_STALL: return LIBUSB_ERROR_PIPE;
    case LIBUSB_TRANSFER_NO_DEVICE: return LIBUSB_ERROR_NO_DEVICE;
    case LIBUSB_TRANSFER_OVERFLOW: return LIBUSB_ERROR_OVERFLOW;
    default: return LIBUSB_ERROR_IO;
    }
}

/* Send the prepared OUT transfer and wait for its completion. Returns 0 or
 * a libusb error; *sent gets the bytes the device took. */
static int out_transfer(struct usb_dev *d, unsigned tmo, int *sent)
{
    int64_t deadline = clock_now_ms() + (int64_t)tmo + USB_OUT_GRACE_MS;
    int rc;

    pthread_mutex_lock(&d->bus->lock);
    d->out_active = true;
    rc = libusb_submit_transfer(d->out_xfer);
    if (rc != 0) {
        d->out_active = false;
        pthread_mutex_unlock(&d->bus->lock);
        return rc;
    }
    while (d->out_active && clock_now_ms() < deadline)
        usb_wait(d->bus, deadline);
    if (d->out_active) {
        /* libusb's own timeout should have ended it: cancel, and wait for
         * the callback, which owns the transfer until it has run. */
        libusb_cancel_transfer(d->out_xfer);
        while (d->out_active)
            usb_wait(d->bus, clock_now_ms() + USB_CANCEL_WAIT_MS);
    }
    rc = out_status_error(d->out_status);
    *sent = d->out_actual;
    pthread_mutex_unlock(&d->bus->lock);
    return rc;
}

/* Wait until the pump thread has left libusb's event handling once: after a
 * transfer's callback ran, libusb may still be in its own code around it,
 * so a transfer is freed only after this. */
static void pump_barrier(struct usb_bus *bus)
{
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x01000105
    libusb_interrupt_event_handler(bus->ctx);
#endif
    libusb_lock_events(bus->ctx);
    libusb_unlock_events(bus->ctx);
}

struct xfer_wait {
    struct usb_bus *bus;
    bool active;
    enum libusb_transfer_status status;
    int actual;
};

static void LIBUSB_CALL wait_done(struct libusb_transfer *t)
{
    struct xfer_wait *w = t->user_data;

    pthread_mutex_lock(&w->bus->lock);
    w->status = t->status;
    w->actual = t->actual_length;
    w->active = false;
    pthread_cond_broadcast(&w->bus->cond);
    pthread_mutex_unlock(&w->bus->lock);
}

int usb_wait_transfer(struct usb_bus *bus, libusb_device_handle *h, uint8_t ep, bool bulk, uint8_t *buf,
                      int len, int *done, unsigned ms)
{
    struct libusb_transfer *t = libusb_alloc_transfer(0);
    struct xfer_wait w = { .bus = bus, .active = true };
    int64_t deadline = clock_now_ms() + (int64_t)ms + USB_OUT_GRACE_MS;
    int rc;

    *done = 0;
    if (!t)
        return LIBUSB_ERROR_NO_MEM;
    if (bulk)
        libusb_fill_bulk_transfer(t, h, ep, buf, len, wait_done, &w, ms);
    else
        libusb_fill_interrupt_transfer(t, h, ep, buf, len, wait_done, &w, ms);
    pthread_mutex_lock(&bus->lock);
    rc = libusb_submit_transfer(t);
    if (rc != 0) {
        pthread_mutex_unlock(&bus->lock);
        libusb_free_transfer(t);
        return rc;
    }
    while (w.active && clock_now_ms() < deadline)
        usb_wait(bus, deadline);
    if (w.active) {
        libusb_cancel_transfer(t);
        while (w.active)
            usb_wait(bus, clock_now_ms() + USB_CANCEL_WAIT_MS);
    }
    pthread_mutex_unlock(&bus->lock);
    pump_barrier(bus);
    libusb_free_transfer(t);
    *done = w.actual;
    /* Like libusb's synchronous calls: a timeout may have moved some data. */
    return out_status_error(w.status);
}

static nt_status usb_dev_write(struct tp_dev *base, const uint8_t *report, size_t len, int timeout_ms,
                               struct nt_err *err)
{
    struct usb_dev *d = (struct usb_dev *)base;
    unsigned tmo = timeout_ms > 0 ? (unsigned)timeout_ms : 1; /* libusb: 0 would mean forever */
    int rc, sent = 0;
    size_t n = len;

    if (len == 0 || len > d->base.out_report_max || len > TP_SDP_DATA_REPORT_LEN)
        return nt_err_set(err, NT_E_INTERNAL, "an OUT report of %zu bytes (1..%zu allowed)", len,
                          d->base.out_report_max);
    pthread_mutex_lock(&d->bus->lock);
    bool gone = d->gone;
    pthread_mutex_unlock(&d->bus->lock);
    if (gone)
        return usb_map_error(LIBUSB_ERROR_NO_DEVICE, err, "sending a report", d->base.info.port);
    if (d->pad_out && len < d->base.out_report_max)
        /* full-size reports: a short write of a multiple of 64 would hang a
         * full-speed device waiting for a short packet (doc/protocol.md §1.3) */
        n = d->base.out_report_max;
    if (d->ep_out) {
        memcpy(d->outbuf, report, len);
        memset(d->outbuf + len, 0, n - len);
        libusb_fill_interrupt_transfer(d->out_xfer, d->h, d->ep_out, d->outbuf, (int)n, out_done, d, tmo);
    } else {
        uint8_t *data = d->outbuf + LIBUSB_CONTROL_SETUP_SIZE;
        memcpy(data, report, len);
        libusb_fill_control_setup(d->outbuf, USB_HID_SET_REPORT_TYPE, USB_HID_SET_REPORT,
                                  (uint16_t)(USB_HID_REPORT_OUTPUT | report[0]), USB_HID_INTERFACE,
                                  (uint16_t)n);
        libusb_fill_control_transfer(d->out_xfer, d->h, d->outbuf, out_done, d, tmo);
    }
    rc = out_transfer(d, tmo, &sent);
    if (rc == LIBUSB_ERROR_NO_DEVICE) {
        pthread_mutex_lock(&d->bus->lock);
        d->gone = true;
        pthread_mutex_unlock(&d->bus->lock);
    }
    if (rc < 0)
        return usb_map_error(rc, err, "sending a report", d->base.info.port);
    if ((size_t)sent != n)
        return nt_err_set(err, NT_E_IO,
                          "sending a report: the module at port %s took %d of %zu "
                          "bytes; replug the module and retry",
                          d->base.info.port, sent, n);
    return NT_OK;
}

static void usb_dev_close(struct tp_dev *base)
{
    struct usb_dev *d = (struct usb_dev *)base;
    int64_t deadline = clock_now_ms() + USB_CANCEL_WAIT_MS;
    bool active;

    /* A failed cancel means the transfer is already finishing (or the device
     * left): either way its callback still has to run on the pump thread. */
    pthread_mutex_lock(&d->bus->lock);
    /* A report that completes while the cancel is on its way would make
     * in_done submit the transfer again, uncancelled: the wait below would
     * time out and leak it, still submitted on a handle about to close. */
    d->closing = true;
    if (d->xfer_active)
        libusb_cancel_transfer(d->xfer);
    while (d->xfer_active && clock_now_ms() < deadline)
        usb_wait(d->bus, deadline);
    active = d->xfer_active;
    pthread_mutex_unlock(&d->bus->lock);
    /* The callbacks have run, but the pump thread may still be in libusb's
     * code around them. */
    pump_barrier(d->bus);
    if (!active)
        libusb_free_transfer(d->xfer);
    /* else: leak it; freeing a transfer libusb still owns would be worse */
    libusb_free_transfer(d->out_xfer);                 /* never active here: writes wait for it */
    libusb_release_interface(d->h, USB_HID_INTERFACE); /* re-attaches usbhid */
    libusb_close(d->h);
    free(d);
}

static const struct tp_dev_ops usb_dev_ops = {
    .write = usb_dev_write,
    .read = usb_dev_read,
    .close = usb_dev_close,
};

/* Interface 0's interrupt endpoints, from the active configuration. */
static nt_status find_endpoints(struct usb_dev *d, libusb_device *dev, struct nt_err *err)
{
    struct libusb_config_descriptor *cfg;
    const struct libusb_interface_descriptor *alt;
    int rc = libusb_get_active_config_descriptor(dev, &cfg);

    if (rc != 0)
        return usb_map_error(rc, err, "reading the configuration descriptor", d->base.info.port);
    if (cfg->bNumInterfaces < 1 || cfg->interface[0].num_altsetting < 1) {
        libusb_free_config_descriptor(cfg);
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the %04x:%04x device at port %s has no interface "
                          "0; it is not an NXP boot device",
                          d->base.info.vid, d->base.info.pid, d->base.info.port);
    }
    alt = &cfg->interface[0].altsetting[0];
    for (int i = 0; i < alt->bNumEndpoints; i++) {
        const struct libusb_endpoint_descriptor *ep = &alt->endpoint[i];
        if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_INTERRUPT)
            continue;
        if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN) {
            if (!d->ep_in) {
                d->ep_in = ep->bEndpointAddress;
                d->ep_in_mps = ep->wMaxPacketSize & 0x7FF;
            }
        } else if (!d->ep_out) {
            d->ep_out = ep->bEndpointAddress;
        }
    }
    libusb_free_config_descriptor(cfg);
    if (!d->ep_in)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the %04x:%04x device at port %s has no interrupt IN "
                          "endpoint; it is not an NXP boot device",
                          d->base.info.vid, d->base.info.pid, d->base.info.port);
    if (d->base.info.kind == TP_KIND_MBOOT && !d->ep_out)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the flashloader at port %s has no interrupt OUT "
                          "endpoint (it refuses SET_REPORT, doc/protocol.md §1.2); replug the module",
                          d->base.info.port);
    return NT_OK;
}

nt_status usb_open_error(int rc, libusb_device *dev, const struct tp_devinfo *info, struct nt_err *err)
{
    char node[64];
    struct stat sb;
    bool have;

    if (rc != LIBUSB_ERROR_ACCESS)
        return usb_map_error(rc, err, "opening the module", info->port);
    snprintf(node, sizeof node, "/dev/bus/usb/%03u/%03u", libusb_get_bus_number(dev),
             libusb_get_device_address(dev));
    have = stat(node, &sb) == 0;
    return usb_access_error(err, node, have, have ? (unsigned)sb.st_uid : 0, have ? (unsigned)sb.st_gid : 0,
                            have ? (unsigned)sb.st_mode : 0);
}

static nt_status claim(struct usb_dev *d, libusb_device *dev, struct nt_err *err)
{
    int rc = libusb_set_auto_detach_kernel_driver(d->h, 1);

    /* NOT_SUPPORTED: a platform without kernel drivers to detach (fine). */
    if (rc != 0 && rc != LIBUSB_ERROR_NOT_SUPPORTED)
        return usb_map_error(rc, err, "detaching the kernel HID driver", d->base.info.port);
    rc = libusb_claim_interface(d->h, USB_HID_INTERFACE);
    if (rc != 0)
        return usb_open_error(rc, dev, &d->base.info, err);
    return NT_OK;
}

nt_status usb_dev_open(struct usb_bus *bus, libusb_device *dev, const struct tp_devinfo *info,
                       struct tp_dev **out, struct nt_err *err)
{
    struct usb_dev *d;
    size_t in_len;
    nt_status st;
    int rc;

    *out = NULL;
    if (info->kind == TP_KIND_APP) /* a running module speaks USB-MIDI, not HID */
        return usb_midi_open(bus, dev, info, out, err);
    d = calloc(1, sizeof *d);
    if (!d)
        return nt_err_set(err, NT_E_NOMEM, "out of memory opening port %s", info->port);
    d->base.ops = &usb_dev_ops;
    d->base.info = *info;
    d->bus = bus;
    if (info->kind == TP_KIND_MBOOT) {
        d->base.in_report_max = d->base.out_report_max = TP_MBOOT_REPORT_LEN;
        d->pad_out = true;
    } else {
        d->base.in_report_max = TP_SDP_IN_REPORT_MAX;
        d->base.out_report_max = TP_SDP_DATA_REPORT_LEN;
    }
    in_len = d->base.in_report_max;
    rc = libusb_open(dev, &d->h);
    if (rc != 0) {
        free(d);
        return usb_open_error(rc, dev, info, err);
    }
    st = find_endpoints(d, dev, err);
    if (st == NT_OK)
        st = claim(d, dev, err);
    if (st == NT_OK && (!(d->xfer = libusb_alloc_transfer(0)) || !(d->out_xfer = libusb_alloc_transfer(0)))) {
        libusb_free_transfer(d->xfer);
        libusb_release_interface(d->h, 0);
        st = nt_err_set(err, NT_E_NOMEM, "out of memory opening port %s", info->port);
    }
    if (st != NT_OK) {
        libusb_close(d->h);
        free(d);
        return st;
    }
    /* The ROM's reports (5 and 65 bytes) end with a short packet whatever its
     * wMaxPacketSize, which doc/protocol.md §1.1 leaves unconfirmed at high speed;
     * asking for at least one whole packet rules out LIBUSB_ERROR_OVERFLOW
     * should the ROM pad its reports. The flashloader's read stays exactly
     * one 1016-byte report (doc/protocol.md §1.3). */
    if (info->kind != TP_KIND_MBOOT && d->ep_in_mps > in_len)
        in_len = d->ep_in_mps < sizeof d->xbuf ? d->ep_in_mps : sizeof d->xbuf;
    libusb_fill_interrupt_transfer(d->xfer, d->h, d->ep_in, d->xbuf, (int)in_len, in_done, d, 0);
    pthread_mutex_lock(&bus->lock);
    submit_in(d);
    rc = d->gone ? LIBUSB_ERROR_NO_DEVICE : d->in_error;
    pthread_mutex_unlock(&bus->lock);
    if (rc != 0) {
        st = usb_map_error(rc, err, "starting to read reports", info->port);
        usb_dev_close(&d->base);
        return st;
    }
    *out = &d->base;
    return NT_OK;
}
