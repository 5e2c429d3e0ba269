/* The --list line format; the probing --list does is in list_probe.c. */
#include "list.h"

#include "usb.h"

#define LIST_PORT_WIDTH 14
#define LIST_MODE_WIDTH 13
#define LIST_SPEED_WIDTH 5

const char *list_mode_name(const struct tp_devinfo *dev)
{
    const struct usb_known_id *id;

    if (dev->kind != TP_KIND_OTHER)
        return tp_kind_name(dev->kind);
    id = usb_lookup_id(dev->vid, dev->pid);
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
