/* Internals shared by the files of the libusb backend (usb.c: bus,
 * enumeration and monitor; usb_dev.c: an open device). Not a public API. */
#ifndef NT_USB_INT_H
#define NT_USB_INT_H

#include <libusb.h>

#include "transport.h"
#include "usb.h"

#define USB_EVENT_QUEUE_LEN 64
#define USB_KNOWN_MAX 32

struct usb_bus {
    struct tp_bus base;
    libusb_context *ctx;
    bool hotplug; /* libusb hotplug in use (else polling) */
    libusb_hotplug_callback_handle hp;
    struct tp_event evq[USB_EVENT_QUEUE_LEN];
    size_t evq_head, evq_count;
    struct tp_devinfo known[USB_KNOWN_MAX]; /* polling: the last scan */
    size_t nknown;
    int64_t last_poll_ms;
};

/* Fill info from a libusb device; false when it is not a recognised NXP
 * boot device (or has no port path). */
bool usb_devinfo_from(libusb_device *dev, struct tp_devinfo *info);

/* Map a libusb error code to a status and one sentence; `what` names the
 * operation ("sending a report"), port the device. */
nt_status usb_map_error(int rc, struct nt_err *err, const char *what, const char *port);

/* Let libusb deliver transfer completions and hotplug events for up to ms
 * (every callback of the backend runs inside this, on the caller's thread). */
void usb_pump_events(libusb_context *ctx, int ms);

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
