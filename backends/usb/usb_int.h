/* Internals shared by the files of the libusb backend (usb.c: bus,
 * enumeration and monitor; usb_dev.c: an open device). Not a public API. */
#ifndef NT_USB_INT_H
#define NT_USB_INT_H

#include <libusb.h>
#include <pthread.h>
#include <stdatomic.h>

#include "transport.h"
#include "usb.h"

#define USB_KNOWN_MAX 32

struct usb_bus;

/* A subscription (transport.h): its own event queue on the shared bus. */
struct usb_view {
    struct tp_bus base;
    struct usb_bus *bus;
    struct tp_evq q;
    struct usb_view *next;
};

/* Threads: one libusb context and one pump thread per bus. The pump runs
 * libusb's event handling, so hotplug and transfer callbacks normally run
 * there (libusb may also run them on a thread inside a synchronous
 * transfer); every callback takes `lock`, changes state, broadcasts `cond`
 * and lets go. Readers wait on `cond`. `lock` is never held across a
 * synchronous transfer or any other wait but the condition wait. */
struct usb_bus {
    struct tp_bus base;
    libusb_context *ctx;
    bool hotplug; /* libusb hotplug in use (else polling) */
    libusb_hotplug_callback_handle hp;
    pthread_mutex_t lock; /* guards evq, views, and every open device's IN state */
    pthread_cond_t cond;  /* broadcast whenever any of that changes */
    struct tp_evq evq;    /* the bus's own subscription */
    struct usb_view *views;
    /* Pump thread only. */
    struct tp_devinfo known[USB_KNOWN_MAX]; /* polling: the last scan */
    size_t nknown;
    int64_t last_poll_ms;
    pthread_t pump;
    bool pump_started;
    atomic_int quit;
};

/* Fill info from a libusb device; false when it is not a recognised NXP
 * boot device (or has no port path). */
bool usb_devinfo_from(libusb_device *dev, struct tp_devinfo *info);

/* Map a libusb error code to a status and one sentence; `what` names the
 * operation ("sending a report"), port the device. */
nt_status usb_map_error(int rc, struct nt_err *err, const char *what, const char *port);

/* With bus->lock held: wait on bus->cond until something changes or the
 * monotonic deadline (clock_now_ms) passes. */
void usb_wait(struct usb_bus *bus, int64_t deadline_ms);

/* One bulk or interrupt transfer on endpoint ep, as libusb_bulk_transfer /
 * libusb_interrupt_transfer, but waited for on the bus's condition variable:
 * libusb's synchronous calls, made while the pump thread handles events,
 * free the transfer under the pump thread's feet (usb_dev.c). */
int usb_wait_transfer(struct usb_bus *bus, libusb_device_handle *h, uint8_t ep, bool bulk, uint8_t *buf,
                      int len, int *done, unsigned ms);

/* Open dev as the device described by info (usb_dev.c). */
nt_status usb_dev_open(struct usb_bus *bus, libusb_device *dev, const struct tp_devinfo *info,
                       struct tp_dev **out, struct nt_err *err);

/* Open dev as a running module over USB-MIDI (usb_midi.c). */
nt_status usb_midi_open(struct usb_bus *bus, libusb_device *dev, const struct tp_devinfo *info,
                        struct tp_dev **out, struct nt_err *err);

/* The error of a failed libusb_open or claim: the access sentence with the
 * node's owner and mode for LIBUSB_ERROR_ACCESS (usb_dev.c). */
nt_status usb_open_error(int rc, libusb_device *dev, const struct tp_devinfo *info, struct nt_err *err);

#endif
