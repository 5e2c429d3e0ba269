/* `nt_flash --list`: works on any transport bus (USB or the virtual one).
 *
 * --list output, one line per attached NXP boot device in port order, fields
 * separated by blanks (fixed-width columns, no header):
 *
 *     PORT           VID:PID    MODE          SPEED STATE
 *     1-1.2          1fc9:0135  sdp           480M  hab=open
 *     1-1.3          15a2:0073  mboot         480M  version=M1.0.0
 *     2-4            1fc9:0130  rt1050-sdp    12M   -
 *
 * MODE is sdp (the i.MX RT1060 ROM), mboot (the NXP flashloader) or the
 * short name of another NXP ROM nt_flash recognises but does not flash.
 * STATE comes from a probe of idle devices: hab=open|closed (ROM
 * ERROR_STATUS), version=... (flashloader GetProperty 1), or busy,
 * no-permission, no-answer when the probe failed, "-" when not probed.
 * Lines starting with '#' are comments: "# no NXP bootloader devices found"
 * when there is none, and "# PORT: sentence" saying how to fix a failed probe. */
#ifndef NT_LIST_H
#define NT_LIST_H

#include <stddef.h>
#include <stdio.h>

#include "nt_err.h"
#include "probe.h"
#include "transport.h"

#define LIST_LINE_MAX 128
/* The comment line --list prints when nothing is attached. */
#define LIST_NO_DEVICES_LINE "# no NXP bootloader devices found"
#define LIST_MAX_DEVICES 32

/* Scan bus, probe each device and print the lines above. NT_OK also when
 * there is no device; an error only when the bus cannot be scanned. */
nt_status list_print(FILE *out, struct tp_bus *bus, const struct probe_opts *po, struct nt_err *err);

/* One --list line (without newline) for dev with the given STATE text. */
void list_format_line(char *buf, size_t cap, const struct tp_devinfo *dev, const char *state);

/* Mode column text of a device: "sdp", "mboot", or another ROM's short name. */
const char *list_mode_name(const struct tp_devinfo *dev);

#endif
