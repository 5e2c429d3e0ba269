/* Talking to a running Disting NT (running.c, doc/running.md): ask its
 * firmware version, reboot it into bootloader mode. Used by the session
 * (before the flash and after the reset) and by --list and the monitor. */
#ifndef NT_RUNNING_H
#define NT_RUNNING_H

#include <stdbool.h>
#include <stddef.h>

#include "nt_err.h"
#include "transport.h"

/* How long a running module gets to answer the version request. A module
 * that stays silent is shown as running, version unknown. */
#define RUNNING_VERSION_TIMEOUT_MS 500
/* Default for --wait-restart: how long the module may take to come back
 * running after the reset. */
#define RUNNING_RESTART_DEFAULT_S 20.0
/* The first firmware that takes the bootloader message (doc/running.md §2). */
#define RUNNING_BOOTLOADER_MIN_VERSION "1.15"
#define RUNNING_VERSION_MAX 64

/* Open the module, send the version request (SysEx ID sysex_id) and wait
 * for its answer. NT_OK with version filled; NT_E_TIMEOUT when no answer
 * came in time; other statuses when the module could not be opened. */
nt_status running_ask_version(struct tp_bus *bus, const struct tp_devinfo *info, unsigned sysex_id,
                              double tscale, char *version, size_t cap, struct nt_err *err);

/* Open the module and send the bootloader message. The module then leaves
 * the bus and the ROM arrives on the same port. */
nt_status running_enter_bootloader(struct tp_bus *bus, const struct tp_devinfo *info, unsigned sysex_id,
                                   struct nt_err *err);

/* Whether firmware of this version reboots into the bootloader on the
 * SysEx message (1.15 and later). */
bool running_takes_bootloader_message(const char *version);

#endif
