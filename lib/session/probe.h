/* Probing an idle boot device for its state (probe.c). */
#ifndef NT_PROBE_H
#define NT_PROBE_H

#include <stddef.h>

#include "nt_err.h"
#include "transport.h"

/* Longest state text probe_device writes, NUL included. */
#define PROBE_STATE_MAX 48

/* Open the device, ask it one harmless question and close it. state gets
 * "hab=open|closed", "version=M1.0.0", "-" (a device nt_flash does not
 * flash), or on failure "no-permission", "no-answer", "gone" or "busy"
 * with err saying how to fix it. */
nt_status probe_device(struct tp_bus *bus, const struct tp_devinfo *info, double tscale, char *state,
                       size_t cap, struct nt_err *err);

#endif
