/* The libusb-1.0 backend of the transport interface (transport.h): finds the
 * i.MX RT ROM and the NXP flashloader on USB, talks HID reports to them the
 * way each device requires (doc/protocol.md §1, §4) and reports arrivals and
 * removals through libusb hotplug or, where that is missing, by polling. */
#ifndef NT_USB_H
#define NT_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"
#include "transport.h"

/* The udev rule shipped in doc/ and installed by `make install`. */
#define USB_UDEV_RULE_NAME "60-nt-flash.rules"

/* A bus over its own libusb context. NT_E_UNSUPPORTED (with a plain
 * sentence) when this machine has no usable USB subsystem. Close every
 * device opened from the bus before destroying it. Arrivals and removals
 * come from libusb hotplug where libusb has it; the environment variable
 * NT_FLASH_USB_NO_HOTPLUG (any value) forces the polling fallback, for
 * tests and for hosts whose hotplug misbehaves. */
nt_status usb_bus_new(struct tp_bus **out, struct nt_err *err);

/* Format "BUS-PORT[.PORT...]" (dfu-util / sysfs style). Returns false when
 * it does not fit or nports is 0 (a root hub). */
bool usb_format_port(char *out, size_t cap, uint8_t bus, const uint8_t *ports, int nports);

/* The NT_E_ACCESS sentence for a device node that cannot be opened: names
 * the node, its owner and mode (from st_uid/st_gid/st_mode; pass
 * have_stat=false when stat failed) and how to install the udev rule.
 * Kept separate so tests can check it without a permission failure. */
nt_status usb_access_error(struct nt_err *err, const char *node, bool have_stat, unsigned uid, unsigned gid,
                           unsigned mode);

#endif
