/* `nt_flash --list`: scan a bus, probe each NXP boot device (probe.c) and
 * print one line each in the format documented in list.h. */
#include "list.h"

#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "probe.h"

#define LIST_PORT_WIDTH 14
#define LIST_MODE_WIDTH 13
#define LIST_SPEED_WIDTH 5

const char *list_mode_name(const struct tp_devinfo *dev)
{
    const struct tp_known_id *id;

    if (dev->kind != TP_KIND_OTHER)
        return tp_kind_name(dev->kind);
    id = tp_lookup_id(dev->vid, dev->pid);
    return id ? id->mode : "other";
}

static void format_speed(char *buf, size_t cap, int mbps)
{
    if (mbps == 1)
        snprintf(buf, cap, "1.5M"); /* low speed is stored rounded */
    else if (mbps > 0)
        snprintf(buf, cap, "%dM", mbps);
    else
        snprintf(buf, cap, "?");
}

void list_format_line(char *buf, size_t cap, const struct tp_devinfo *dev, const char *state)
{
    char speed[16];

    format_speed(speed, sizeof speed, dev->speed_mbps);
    snprintf(buf, cap, "%-*s %04x:%04x  %-*s %-*s %s", LIST_PORT_WIDTH, dev->port, dev->vid, dev->pid,
             LIST_MODE_WIDTH, list_mode_name(dev), LIST_SPEED_WIDTH, speed, state);
}

static int by_port(const void *a, const void *b)
{
    return strcmp(((const struct tp_devinfo *)a)->port, ((const struct tp_devinfo *)b)->port);
}

nt_status list_print(FILE *out, struct tp_bus *bus, const struct probe_opts *po, struct nt_err *err)
{
    struct tp_devinfo devs[LIST_MAX_DEVICES];
    struct nt_err problems[LIST_MAX_DEVICES];
    size_t n = 0;
    nt_status st = bus->ops->scan(bus, devs, LIST_MAX_DEVICES, &n, err);

    if (st != NT_OK)
        return st;
    if (n > LIST_MAX_DEVICES)
        n = LIST_MAX_DEVICES;
    if (n == 0) {
        out_print(out, "%s", LIST_NO_DEVICES_LINE);
        fflush(out);
        return NT_OK;
    }
    qsort(devs, n, sizeof devs[0], by_port); /* a stable order for eyes and scripts */
    for (size_t i = 0; i < n; i++) {
        char state[PROBE_STATE_MAX], line[LIST_LINE_MAX];
        nt_err_clear(&problems[i]);
        probe_device(bus, &devs[i], po, state, sizeof state, &problems[i]);
        list_format_line(line, sizeof line, &devs[i], state);
        out_print(out, "%s", line);
    }
    for (size_t i = 0; i < n; i++)
        if (problems[i].status != NT_OK)
            out_print(out, "# %s: %s", devs[i].port, problems[i].msg);
    fflush(out);
    return NT_OK;
}
