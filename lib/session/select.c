/* Which module a session flashes: exactly one NXP boot device in SDP or
 * MCUboot mode, or the one at --port; never a guess between several. Part of
 * the session layer, so it knows nothing of USB or of --list's format. */
#include "select.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool is_candidate(const struct tp_devinfo *d)
{
    return d->kind == TP_KIND_SDP || d->kind == TP_KIND_MBOOT;
}

/* The candidate with the smallest port after `after` (NULL: the first), or n. */
static size_t next_by_port(const struct tp_devinfo *devs, size_t n, const char *after)
{
    size_t best = n;

    for (size_t i = 0; i < n; i++) {
        if (!is_candidate(&devs[i]) || (after && strcmp(devs[i].port, after) <= 0))
            continue;
        if (best == n || strcmp(devs[i].port, devs[best].port) < 0)
            best = i;
    }
    return best;
}

size_t select_format_candidates(char *buf, size_t cap, const struct tp_devinfo *devs, size_t n)
{
    size_t count = 0, used = 0;
    const char *after = NULL;

    if (cap > 0)
        buf[0] = '\0';
    /* in port order, like --list, whatever order the bus found them in */
    for (size_t i = next_by_port(devs, n, NULL); i < n; i = next_by_port(devs, n, after)) {
        if (used < cap) {
            int w = snprintf(buf + used, cap - used, "%s%s (%s)", count ? ", " : "", devs[i].port,
                             tp_kind_name(devs[i].kind));
            used += w > 0 ? (size_t)w : 0;
        }
        after = devs[i].port;
        count++;
    }
    return count;
}

nt_status select_module(const struct tp_devinfo *devs, size_t n, const char *port, size_t *index,
                        struct nt_err *err)
{
    char names[NT_ERR_MSG_MAX / 2];
    size_t count = select_format_candidates(names, sizeof names, devs, n);
    size_t found = n;

    for (size_t i = 0; i < n; i++) {
        if (!is_candidate(&devs[i]) || (port && strcmp(devs[i].port, port) != 0))
            continue;
        if (found != n && !port)
            return nt_err_set(err, NT_E_AMBIGUOUS,
                              "%zu modules are in bootloader mode (%s): choose one with "
                              "--port PATH",
                              count, names);
        found = i;
    }
    if (found == n) {
        if (port)
            return nt_err_set(err, NT_E_NODEVICE,
                              "no module in bootloader mode at port %s "
                              "(attached: %s); check the port path with --list",
                              port, count ? names : "none");
        return nt_err_set(err, NT_E_NODEVICE,
                          "no module in bootloader mode is attached; put "
                          "the Disting NT in bootloader mode (Menu > Misc > Enter bootloader mode)");
    }
    *index = found;
    return NT_OK;
}
