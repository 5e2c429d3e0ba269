/* Choosing the module to flash among the attached devices (select.c). */
#ifndef NT_SELECT_H
#define NT_SELECT_H

#include <stddef.h>

#include "nt_err.h"
#include "transport.h"

/* Most devices a scan looks at when choosing. */
#define SELECT_MAX_DEVICES 32

/* Choose the module to flash among the scanned devices (only sdp and mboot
 * devices are candidates). With port: the candidate at that port, or
 * NT_E_NODEVICE. Without: the only candidate; NT_E_NODEVICE when there is
 * none, NT_E_AMBIGUOUS (naming every candidate and --port) when there are
 * several, since guessing could flash the wrong module. */
nt_status select_module(const struct tp_devinfo *devs, size_t n, const char *port, size_t *index,
                        struct nt_err *err);

/* "1-1.2 (sdp), 1-1.3 (mboot)": the candidates in port order, for
 * messages. Returns the number of candidates. */
size_t select_format_candidates(char *buf, size_t cap, const struct tp_devinfo *devs, size_t n);

#endif
