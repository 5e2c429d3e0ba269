/* Probing an idle boot device for its state (probe.c). */
#ifndef NT_PROBE_H
#define NT_PROBE_H

#include <stddef.h>

#include "nt_err.h"
#include "transport.h"

/* Longest state text probe_device writes, NUL included. */
#define PROBE_STATE_MAX 48

/* How to ask: the host timeout scale (simulation speed; 1 on USB) and the
 * SysEx ID a running module answers to (--sysex-id). */
struct probe_opts {
    double tscale;
    unsigned sysex_id;
};

/* Open the device, ask it one harmless question and close it. state gets
 * "hab=open|closed", "version=M1.0.0", for a running module "version=1.15.0"
 * (its firmware) or "running, version unknown", "-" (a device nt_flash does
 * not flash), or on failure "no-permission", "no-answer", "gone" or "busy"
 * with err saying how to fix it. */
nt_status probe_device(struct tp_bus *bus, const struct tp_devinfo *info, const struct probe_opts *po,
                       char *state, size_t cap, struct nt_err *err);

#endif
