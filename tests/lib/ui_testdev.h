/* A bootloader device identity for the UI tests (model tests and the
 * scripted harness), so both describe devices the same way. */
#ifndef NT_TESTS_UI_TESTDEV_H
#define NT_TESTS_UI_TESTDEV_H

#include <stdio.h>
#include <string.h>

#include "transport.h"

static inline struct tp_devinfo ui_test_dev(enum tp_kind kind, const char *port)
{
    struct tp_devinfo d;

    memset(&d, 0, sizeof d);
    d.kind = kind;
    snprintf(d.port, sizeof d.port, "%s", port);
    d.vid = kind == TP_KIND_SDP ? TP_ROM_VID : TP_FLASHLOADER_VID;
    d.pid = kind == TP_KIND_SDP ? TP_ROM_PID : TP_FLASHLOADER_PID;
    snprintf(d.desc, sizeof d.desc, "%s",
             kind == TP_KIND_SDP ? "i.MX RT ROM (SDP)" : "MCU flashloader (MCUboot)");
    return d;
}

#endif
