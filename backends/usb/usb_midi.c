/* A running Disting NT over USB-MIDI (doc/running.md §3): claim its
 * MIDIStreaming interface (detaching the kernel's snd-usb-audio only while
 * nt_flash holds it, and reattaching it on close so other MIDI programs see
 * the module again), write USB-MIDI event packets to the bulk OUT endpoint
 * and read them from the bulk IN endpoint with a timeout. Each transfer is
 * waited for in turn (usb_wait_transfer): a running module is only asked
 * one short question at a time. */
#include "usb_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* USB Audio class, MIDIStreaming subclass (USB MIDI 1.0 §4.3). */
#define USB_CLASS_AUDIO_ID 0x01
#define USB_SUBCLASS_MIDISTREAMING 0x03
/* One bulk transfer of event packets, both ways: a full-speed packet
 * holds 16 event packets, a high-speed one 128. */
#define USB_MIDI_XFER_MAX 512
#define USB_MIDI_PACKET_LEN 4
/* A "poll only" read (timeout 0) still needs a libusb timeout: 0 is forever. */
#define USB_MIDI_POLL_MS 1

struct usb_midi {
    struct tp_dev base;
    struct usb_bus *bus;
    libusb_device_handle *h;
    int iface;
    uint8_t ep_in, ep_out;
    bool in_is_bulk, out_is_bulk;
    unsigned in_mps;
    bool detached; /* we detached the kernel driver: reattach on close */
    bool gone;
};

/* The first MIDIStreaming interface with an IN and an OUT endpoint. */
static nt_status find_midi(struct usb_midi *d, libusb_device *dev, struct nt_err *err)
{
    struct libusb_config_descriptor *cfg;
    int rc = libusb_get_active_config_descriptor(dev, &cfg);

    if (rc != 0)
        return usb_map_error(rc, err, "reading the configuration descriptor", d->base.info.port);
    for (int i = 0; i < cfg->bNumInterfaces && !d->ep_in; i++) {
        for (int a = 0; a < cfg->interface[i].num_altsetting; a++) {
            const struct libusb_interface_descriptor *alt = &cfg->interface[i].altsetting[a];
            uint8_t in = 0, out = 0;
            bool in_bulk = false, out_bulk = false;
            unsigned mps = 0;
            if (alt->bInterfaceClass != USB_CLASS_AUDIO_ID ||
                alt->bInterfaceSubClass != USB_SUBCLASS_MIDISTREAMING)
                continue;
            for (int e = 0; e < alt->bNumEndpoints; e++) {
                const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];
                int type = ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
                if (type != LIBUSB_TRANSFER_TYPE_BULK && type != LIBUSB_TRANSFER_TYPE_INTERRUPT)
                    continue;
                if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN) {
                    if (!in) {
                        in = ep->bEndpointAddress;
                        in_bulk = type == LIBUSB_TRANSFER_TYPE_BULK;
                        mps = ep->wMaxPacketSize & 0x7FF;
                    }
                } else if (!out) {
                    out = ep->bEndpointAddress;
                    out_bulk = type == LIBUSB_TRANSFER_TYPE_BULK;
                }
            }
            if (in && out) {
                d->iface = alt->bInterfaceNumber;
                d->ep_in = in;
                d->ep_out = out;
                d->in_is_bulk = in_bulk;
                d->out_is_bulk = out_bulk;
                d->in_mps = mps ? mps : USB_MIDI_PACKET_LEN;
                break;
            }
        }
    }
    libusb_free_config_descriptor(cfg);
    if (!d->ep_in)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the %04x:%04x device at port %s has no USB-MIDI interface with an IN and "
                          "an OUT endpoint; it is not a running Disting NT",
                          d->base.info.vid, d->base.info.pid, d->base.info.port);
    return NT_OK;
}

static int transfer(struct usb_midi *d, uint8_t ep, bool bulk, uint8_t *buf, int len, int *done, unsigned ms)
{
    return usb_wait_transfer(d->bus, d->h, ep, bulk, buf, len, done, ms);
}

static nt_status midi_write(struct tp_dev *base, const uint8_t *pkts, size_t len, int timeout_ms,
                            struct nt_err *err)
{
    struct usb_midi *d = (struct usb_midi *)base;
    uint8_t buf[USB_MIDI_XFER_MAX];
    int sent = 0, rc;

    if (len == 0 || len > sizeof buf || len % USB_MIDI_PACKET_LEN)
        return nt_err_set(err, NT_E_INTERNAL, "%zu bytes are not whole USB-MIDI event packets (4..%d)", len,
                          USB_MIDI_XFER_MAX);
    if (d->gone)
        return usb_map_error(LIBUSB_ERROR_NO_DEVICE, err, "sending MIDI", d->base.info.port);
    memcpy(buf, pkts, len);
    rc = transfer(d, d->ep_out, d->out_is_bulk, buf, (int)len, &sent,
                  timeout_ms > 0 ? (unsigned)timeout_ms : USB_MIDI_POLL_MS);
    if (rc == LIBUSB_ERROR_NO_DEVICE)
        d->gone = true;
    if (rc < 0)
        return usb_map_error(rc, err, "sending MIDI", d->base.info.port);
    if ((size_t)sent != len)
        return nt_err_set(err, NT_E_IO, "sending MIDI: the module at port %s took %d of %zu bytes",
                          d->base.info.port, sent, len);
    return NT_OK;
}

static nt_status midi_read(struct tp_dev *base, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                           struct nt_err *err)
{
    struct usb_midi *d = (struct usb_midi *)base;
    size_t want = cap < USB_MIDI_XFER_MAX ? cap : USB_MIDI_XFER_MAX;
    int got = 0, rc;

    /* whole packets only, so the device never overflows the request */
    if (want >= d->in_mps)
        want -= want % d->in_mps;
    if (want < USB_MIDI_PACKET_LEN)
        return nt_err_set(err, NT_E_INTERNAL, "a %zu-byte buffer holds no USB-MIDI packet", cap);
    if (d->gone)
        return usb_map_error(LIBUSB_ERROR_NO_DEVICE, err, "reading MIDI", d->base.info.port);
    rc = transfer(d, d->ep_in, d->in_is_bulk, buf, (int)want, &got,
                  timeout_ms > 0 ? (unsigned)timeout_ms : USB_MIDI_POLL_MS);
    if (rc == LIBUSB_ERROR_TIMEOUT && got == 0)
        return nt_err_set(err, NT_E_TIMEOUT, "no MIDI from the module at port %s within %d ms",
                          d->base.info.port, timeout_ms);
    if (rc == LIBUSB_ERROR_NO_DEVICE)
        d->gone = true;
    if (rc < 0 && rc != LIBUSB_ERROR_TIMEOUT)
        return usb_map_error(rc, err, "reading MIDI", d->base.info.port);
    *len = (size_t)got - (size_t)got % USB_MIDI_PACKET_LEN;
    return NT_OK;
}

static void midi_close(struct tp_dev *base)
{
    struct usb_midi *d = (struct usb_midi *)base;

    libusb_release_interface(d->h, d->iface);
    /* Give the module back to the sound system (a module that left the bus
     * after a reboot message has no driver to give back). */
    if (d->detached && !d->gone)
        libusb_attach_kernel_driver(d->h, d->iface);
    libusb_close(d->h);
    free(d);
}

static const struct tp_dev_ops usb_midi_ops = {
    .write = midi_write,
    .read = midi_read,
    .close = midi_close,
};

nt_status usb_midi_open(struct usb_bus *bus, libusb_device *dev, const struct tp_devinfo *info,
                        struct tp_dev **out, struct nt_err *err)
{
    struct usb_midi *d = calloc(1, sizeof *d);
    nt_status st;
    int rc;

    (void)bus;
    *out = NULL;
    if (!d)
        return nt_err_set(err, NT_E_NOMEM, "out of memory opening port %s", info->port);
    d->base.ops = &usb_midi_ops;
    d->base.info = *info;
    d->base.in_report_max = d->base.out_report_max = USB_MIDI_XFER_MAX;
    d->bus = bus;
    rc = libusb_open(dev, &d->h);
    if (rc != 0) {
        free(d);
        return usb_open_error(rc, dev, info, err);
    }
    st = find_midi(d, dev, err);
    if (st == NT_OK) {
        rc = libusb_kernel_driver_active(d->h, d->iface);
        if (rc == 1) {
            rc = libusb_detach_kernel_driver(d->h, d->iface);
            if (rc != 0)
                st = usb_map_error(rc, err, "detaching the kernel's MIDI driver", info->port);
            else
                d->detached = true;
        }
    }
    if (st == NT_OK) {
        rc = libusb_claim_interface(d->h, d->iface);
        if (rc != 0)
            st = usb_open_error(rc, dev, info, err);
    }
    if (st != NT_OK) {
        if (d->detached)
            libusb_attach_kernel_driver(d->h, d->iface);
        libusb_close(d->h);
        free(d);
        return st;
    }
    *out = &d->base;
    return NT_OK;
}
