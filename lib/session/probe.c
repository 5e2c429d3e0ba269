/* Asking an idle boot device what it is, without changing it: the ROM's HAB
 * state (SDP ERROR_STATUS) or the flashloader's version (GetProperty 1).
 * Returns data for a front end to show; --list and the device monitor use it. */
#include "probe.h"

#include <stdint.h>
#include <stdio.h>

#include "mboot.h"
#include "running.h"
#include "sdp.h"

/* MCUboot CurrentVersion: 'M' in the top byte, then major, minor, bugfix
 * (doc/protocol.md §3.8). */
#define LIST_VERSION_NAME_SHIFT 24

static void format_version(char *buf, size_t cap, uint32_t v)
{
    char name = (char)(v >> LIST_VERSION_NAME_SHIFT);

    if (name >= 'A' && name <= 'Z')
        snprintf(buf, cap, "version=%c%u.%u.%u", name, (v >> 16) & 0xFFu, (v >> 8) & 0xFFu, v & 0xFFu);
    else
        snprintf(buf, cap, "version=%u.%u.%u", (v >> 16) & 0xFFu, (v >> 8) & 0xFFu, v & 0xFFu);
}

static nt_status probe_open_device(struct tp_dev *dev, double tscale, char *state, size_t cap,
                                   struct nt_err *err)
{
    nt_status st;

    if (dev->info.kind == TP_KIND_SDP) {
        struct sdp_host h = { .dev = dev, .tscale = tscale };
        uint32_t hab = 0, status = 0;
        st = sdp_drain(&h, NULL, err);
        if (st == NT_OK)
            st = sdp_error_status(&h, &hab, &status, err);
        if (st == NT_OK)
            snprintf(state, cap, "hab=%s", hab == SDP_HAB_CLOSED ? "closed" : "open");
    } else {
        struct mboot_host h = { .dev = dev, .tscale = tscale };
        uint32_t version = 0;
        size_t count = 0;
        st = mboot_drain(&h, NULL, err);
        if (st == NT_OK)
            st = mboot_get_property(&h, MBOOT_PROP_CURRENT_VERSION, 0, &version, 1, &count, err);
        if (st == NT_OK && count < 1)
            st = nt_err_set(err, NT_E_PROTOCOL,
                            "the flashloader answered GetProperty(1) "
                            "without a value");
        if (st == NT_OK)
            format_version(state, cap, version);
    }
    return st;
}

static const char *state_for_failure(nt_status st)
{
    switch (st) {
    case NT_E_ACCESS: return "no-permission";
    case NT_E_TIMEOUT: return "no-answer";
    case NT_E_DISCONNECT: return "gone";
    default: return "busy";
    }
}

nt_status probe_device(struct tp_bus *bus, const struct tp_devinfo *info, const struct probe_opts *po,
                       char *state, size_t cap, struct nt_err *err)
{
    struct tp_dev *dev = NULL;
    nt_status st;

    if (info->kind == TP_KIND_OTHER) {
        snprintf(state, cap, "-");
        return NT_OK;
    }
    if (info->kind == TP_KIND_APP) {
        char version[RUNNING_VERSION_MAX];
        st = running_ask_version(bus, info, po->sysex_id, po->tscale, version, sizeof version, err);
        if (st == NT_OK) {
            snprintf(state, cap, "version=%s", version);
            nt_err_clear(err);
        } else if (st == NT_E_TIMEOUT || st == NT_E_PROTOCOL) {
            /* silence is an answer too: firmware that does not say (doc/running.md §4) */
            snprintf(state, cap, "running, version unknown");
            nt_err_clear(err);
            st = NT_OK;
        } else {
            snprintf(state, cap, "%s", state_for_failure(st));
        }
        return st;
    }
    st = bus->ops->open(bus, info, &dev, err);
    if (st == NT_OK) {
        st = probe_open_device(dev, po->tscale, state, cap, err);
        tp_close(dev);
    }
    if (st != NT_OK)
        snprintf(state, cap, "%s", state_for_failure(st));
    return st;
}
