/* The libusb bus: which NXP boot devices are attached, where (port path),
 * and their comings and goings (libusb hotplug, or polling the device list
 * where hotplug is missing), delivered to every subscription. One pump
 * thread per bus runs libusb's event handling, so that several sessions
 * on several threads share one context (usb_int.h). Opening a device is in
 * usb_dev.c. */
#include "usb_int.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"

/* Without hotplug the device list is compared with the previous one this often. */
#define USB_POLL_INTERVAL_MS 200
#define USB_PUMP_ERROR_PAUSE_MS 50 /* after a libusb event-handling error */
/* The pump's longest single wait in libusb (it is woken earlier to stop). */
#define USB_PUMP_SLICE_MS 100
/* USB hubs chain at most 7 tiers (USB 2.0 §4.1.1), so 7 port numbers. */
#define USB_PORT_DEPTH_MAX 7
#define USB_USBFS_ROOT "/dev/bus/usb"
/* Present whenever the kernel has USB support, even with nothing attached. */
#define USB_SYSFS_BUS "/sys/bus/usb"

bool usb_format_port(char *out, size_t cap, uint8_t bus, const uint8_t *ports, int nports)
{
    size_t n;
    int w;

    if (nports <= 0 || cap == 0)
        return false;
    w = snprintf(out, cap, "%u-%u", bus, ports[0]);
    if (w < 0 || (size_t)w >= cap)
        return false;
    n = (size_t)w;
    for (int i = 1; i < nports; i++) {
        w = snprintf(out + n, cap - n, ".%u", ports[i]);
        if (w < 0 || (size_t)w >= cap - n)
            return false;
        n += (size_t)w;
    }
    return true;
}

static int speed_mbps(enum libusb_speed s)
{
    switch (s) {
    case LIBUSB_SPEED_LOW: return 1; /* 1.5 Mbit/s, rounded for the int field */
    case LIBUSB_SPEED_FULL: return 12;
    case LIBUSB_SPEED_HIGH: return 480;
    case LIBUSB_SPEED_SUPER: return 5000;
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x01000106
    case LIBUSB_SPEED_SUPER_PLUS: return 10000;
#endif
    default: return 0;
    }
}

bool usb_devinfo_from(libusb_device *dev, struct tp_devinfo *info)
{
    struct libusb_device_descriptor dd;
    uint8_t ports[USB_PORT_DEPTH_MAX];
    const struct tp_known_id *id;
    int n;

    if (libusb_get_device_descriptor(dev, &dd) != 0)
        return false;
    id = tp_lookup_id(dd.idVendor, dd.idProduct);
    if (!id)
        return false;
    n = libusb_get_port_numbers(dev, ports, (int)sizeof ports);
    memset(info, 0, sizeof *info);
    if (!usb_format_port(info->port, sizeof info->port, libusb_get_bus_number(dev), ports, n))
        return false;
    info->kind = id->kind;
    info->vid = dd.idVendor;
    info->pid = dd.idProduct;
    info->speed_mbps = speed_mbps((enum libusb_speed)libusb_get_device_speed(dev));
    snprintf(info->desc, sizeof info->desc, "%s", id->desc);
    return true;
}

nt_status usb_map_error(int rc, struct nt_err *err, const char *what, const char *port)
{
    switch (rc) {
    case LIBUSB_ERROR_NO_DEVICE:
        return nt_err_set(err, NT_E_DISCONNECT,
                          "%s: the module at port %s left the bus (unplugged or reset); "
                          "check the cable and put the module back in bootloader mode",
                          what, port);
    case LIBUSB_ERROR_TIMEOUT:
        return nt_err_set(err, NT_E_TIMEOUT, "%s: the module at port %s did not respond in time", what, port);
    case LIBUSB_ERROR_PIPE:
        return nt_err_set(err, NT_E_IO,
                          "%s: the module at port %s stalled the request (it does not accept "
                          "it in its current mode); power-cycle it into bootloader mode and retry",
                          what, port);
    case LIBUSB_ERROR_BUSY:
        return nt_err_set(err, NT_E_IO,
                          "%s: the module at port %s is in use by another program; close other "
                          "flashing tools (nt_flash, blhost, sdphost) and retry",
                          what, port);
    case LIBUSB_ERROR_NO_MEM: return nt_err_set(err, NT_E_NOMEM, "%s: out of memory", what);
    default:
        return nt_err_set(err, NT_E_IO,
                          "%s: USB transfer to the module at port %s failed (%s); "
                          "replug the module and retry",
                          what, port, libusb_strerror(rc));
    }
}

nt_status usb_access_error(struct nt_err *err, const char *node, bool have_stat, unsigned uid, unsigned gid,
                           unsigned mode)
{
    char owner[96];

    if (have_stat) {
        const struct passwd *pw = getpwuid((uid_t)uid);
        const struct group *gr = getgrgid((gid_t)gid);
        char u[32], g[32];

        if (pw)
            snprintf(u, sizeof u, "%s", pw->pw_name);
        else
            snprintf(u, sizeof u, "%u", uid);
        if (gr)
            snprintf(g, sizeof g, "%s", gr->gr_name);
        else
            snprintf(g, sizeof g, "%u", gid);
        snprintf(owner, sizeof owner, "owner %s:%s, mode %04o", u, g, mode & 07777u);
    } else {
        snprintf(owner, sizeof owner, "owner and mode unknown");
    }
    return nt_err_set(err, NT_E_ACCESS,
                      "no permission to open the module's USB device node %s (%s): install the "
                      "udev rule with 'sudo cp doc/" USB_UDEV_RULE_NAME " /etc/udev/rules.d/ && "
                      "sudo udevadm control --reload-rules && sudo udevadm trigger', then replug "
                      "the module",
                      node, owner);
}

/* --- Enumeration ---------------------------------------------------------- */

static nt_status usb_scan(struct tp_bus *base, struct tp_devinfo *out, size_t max, size_t *count,
                          struct nt_err *err)
{
    struct usb_bus *bus = (struct usb_bus *)base;
    libusb_device **list;
    ssize_t n = libusb_get_device_list(bus->ctx, &list);
    size_t found = 0;

    if (n < 0)
        return usb_map_error((int)n, err, "listing USB devices", "-");
    for (ssize_t i = 0; i < n; i++) {
        struct tp_devinfo info;
        if (!usb_devinfo_from(list[i], &info))
            continue;
        if (found < max)
            out[found] = info;
        found++;
    }
    libusb_free_device_list(list, 1);
    *count = found;
    return NT_OK;
}

static nt_status usb_open(struct tp_bus *base, const struct tp_devinfo *id, struct tp_dev **out,
                          struct nt_err *err)
{
    struct usb_bus *bus = (struct usb_bus *)base;
    libusb_device **list;
    ssize_t n = libusb_get_device_list(bus->ctx, &list);
    nt_status st = NT_E_DISCONNECT;

    if (n < 0)
        return usb_map_error((int)n, err, "listing USB devices", id->port);
    nt_err_set(err, NT_E_DISCONNECT,
               "no %04x:%04x device at port %s any more: the module left the bus; check the "
               "cable and that the module is in bootloader mode",
               id->vid, id->pid, id->port);
    for (ssize_t i = 0; i < n; i++) {
        struct tp_devinfo info;
        if (!usb_devinfo_from(list[i], &info) || strcmp(info.port, id->port) != 0 || info.vid != id->vid ||
            info.pid != id->pid)
            continue;
        st = usb_dev_open(bus, list[i], &info, out, err);
        break;
    }
    libusb_free_device_list(list, 1);
    return st;
}

/* --- Monitor --------------------------------------------------------------- */

/* Every subscription gets the event (a full queue forgets its oldest). */
static void push_event(struct usb_bus *bus, enum tp_event_type type, const struct tp_devinfo *info)
{
    struct tp_event ev;

    ev.type = type;
    ev.dev = *info;
    pthread_mutex_lock(&bus->lock);
    tp_evq_push(&bus->evq, &ev);
    for (struct usb_view *v = bus->views; v; v = v->next)
        tp_evq_push(&v->q, &ev);
    pthread_cond_broadcast(&bus->cond);
    pthread_mutex_unlock(&bus->lock);
}

static int LIBUSB_CALL hotplug_cb(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event event,
                                  void *user)
{
    struct usb_bus *bus = user;
    struct tp_devinfo info;

    (void)ctx;
    if (usb_devinfo_from(dev, &info))
        push_event(bus, event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? TP_EV_ARRIVED : TP_EV_LEFT, &info);
    return 0; /* stay registered */
}

static bool same_device(const struct tp_devinfo *a, const struct tp_devinfo *b)
{
    return a->vid == b->vid && a->pid == b->pid && strcmp(a->port, b->port) == 0;
}

static bool contains(const struct tp_devinfo *set, size_t n, const struct tp_devinfo *d)
{
    for (size_t i = 0; i < n; i++)
        if (same_device(&set[i], d))
            return true;
    return false;
}

/* Polling fallback: turn the difference between two scans into events. */
static nt_status poll_diff(struct usb_bus *bus, struct nt_err *err)
{
    struct tp_devinfo now[USB_KNOWN_MAX];
    size_t n = 0;
    nt_status st = usb_scan(&bus->base, now, USB_KNOWN_MAX, &n, err);

    if (st != NT_OK)
        return st;
    if (n > USB_KNOWN_MAX)
        n = USB_KNOWN_MAX;
    for (size_t i = 0; i < bus->nknown; i++)
        if (!contains(now, n, &bus->known[i]))
            push_event(bus, TP_EV_LEFT, &bus->known[i]);
    for (size_t i = 0; i < n; i++)
        if (!contains(bus->known, bus->nknown, &now[i]))
            push_event(bus, TP_EV_ARRIVED, &now[i]);
    memcpy(bus->known, now, n * sizeof now[0]);
    bus->nknown = n;
    bus->last_poll_ms = clock_now_ms();
    return NT_OK;
}

void usb_wait(struct usb_bus *bus, int64_t deadline_ms)
{
    struct timespec ts;
    int64_t left = deadline_ms - clock_now_ms();

    if (left <= 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(left / 1000);
    ts.tv_nsec += (long)(left % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&bus->cond, &bus->lock, &ts);
}

/* The one thread that runs libusb's event handling for the bus: transfer
 * completions and hotplug callbacks, and the polling fallback's scans. */
static void *pump_main(void *arg)
{
    struct usb_bus *bus = arg;

    while (!atomic_load(&bus->quit)) {
        struct timeval tv = { 0, USB_PUMP_SLICE_MS * 1000 };
        int rc = libusb_handle_events_timeout_completed(bus->ctx, &tv, NULL);

        /* A persistent event-handling error must not become a busy spin. */
        if (rc != 0 && rc != LIBUSB_ERROR_INTERRUPTED)
            clock_sleep_us((int64_t)USB_PUMP_ERROR_PAUSE_MS * 1000, NULL);
        if (!bus->hotplug && clock_now_ms() - bus->last_poll_ms >= USB_POLL_INTERVAL_MS)
            poll_diff(bus, NULL); /* a failed scan is tried again at the next interval */
    }
    return NULL;
}

static nt_status queue_next_event(struct usb_bus *bus, struct tp_evq *q, int timeout_ms, struct tp_event *ev,
                                  struct nt_err *err)
{
    int64_t deadline = clock_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    bool got;

    pthread_mutex_lock(&bus->lock);
    while (!(got = tp_evq_pop(q, ev)) && clock_now_ms() < deadline)
        usb_wait(bus, deadline);
    pthread_mutex_unlock(&bus->lock);
    if (!got)
        return nt_err_set(err, NT_E_TIMEOUT, "no USB device arrived or left within %d ms", timeout_ms);
    return NT_OK;
}

static nt_status usb_next_event(struct tp_bus *base, int timeout_ms, struct tp_event *ev, struct nt_err *err)
{
    struct usb_bus *bus = (struct usb_bus *)base;
    return queue_next_event(bus, &bus->evq, timeout_ms, ev, err);
}

static void usb_destroy(struct tp_bus *base)
{
    struct usb_bus *bus = (struct usb_bus *)base;

    if (!bus)
        return;
    if (bus->pump_started) {
        atomic_store(&bus->quit, 1);
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x01000105
        libusb_interrupt_event_handler(bus->ctx);
#endif
        pthread_join(bus->pump, NULL);
    }
    if (bus->hotplug)
        libusb_hotplug_deregister_callback(bus->ctx, bus->hp);
    libusb_exit(bus->ctx);
    pthread_cond_destroy(&bus->cond);
    pthread_mutex_destroy(&bus->lock);
    free(bus);
}

/* --- Subscriptions ---------------------------------------------------------- */

static nt_status view_scan(struct tp_bus *base, struct tp_devinfo *out, size_t max, size_t *count,
                           struct nt_err *err)
{
    return usb_scan(&((struct usb_view *)base)->bus->base, out, max, count, err);
}

static nt_status view_open(struct tp_bus *base, const struct tp_devinfo *id, struct tp_dev **out,
                           struct nt_err *err)
{
    return usb_open(&((struct usb_view *)base)->bus->base, id, out, err);
}

static nt_status view_next_event(struct tp_bus *base, int timeout_ms, struct tp_event *ev, struct nt_err *err)
{
    struct usb_view *v = (struct usb_view *)base;
    return queue_next_event(v->bus, &v->q, timeout_ms, ev, err);
}

static void view_destroy(struct tp_bus *base)
{
    struct usb_view *v = (struct usb_view *)base;

    if (!v)
        return;
    pthread_mutex_lock(&v->bus->lock);
    for (struct usb_view **p = &v->bus->views; *p; p = &(*p)->next) {
        if (*p == v) {
            *p = v->next;
            break;
        }
    }
    pthread_mutex_unlock(&v->bus->lock);
    free(v);
}

static nt_status usb_subscribe(struct tp_bus *base, struct tp_bus **view, struct nt_err *err);

static const struct tp_bus_ops usb_view_ops = {
    .scan = view_scan,
    .next_event = view_next_event,
    .open = view_open,
    .destroy = view_destroy,
    .subscribe = usb_subscribe,
};

static const struct tp_bus_ops usb_bus_ops = {
    .scan = usb_scan,
    .next_event = usb_next_event,
    .open = usb_open,
    .destroy = usb_destroy,
    .subscribe = usb_subscribe,
};

static nt_status usb_subscribe(struct tp_bus *base, struct tp_bus **view, struct nt_err *err)
{
    struct usb_bus *bus =
        base->ops == &usb_view_ops ? ((struct usb_view *)base)->bus : (struct usb_bus *)base;
    struct usb_view *v = calloc(1, sizeof *v);

    if (!v)
        return nt_err_set(err, NT_E_NOMEM, "out of memory subscribing to the USB bus");
    v->base.ops = &usb_view_ops;
    v->bus = bus;
    pthread_mutex_lock(&bus->lock);
    v->next = bus->views;
    bus->views = v;
    pthread_mutex_unlock(&bus->lock);
    *view = &v->base;
    return NT_OK;
}

static nt_status no_usb_error(struct nt_err *err)
{
    return nt_err_set(err, NT_E_UNSUPPORTED,
                      "this machine has no USB subsystem (" USB_SYSFS_BUS " does not exist), so "
                      "no module can be found; run nt_flash on a computer with USB, or try it "
                      "with --simulate");
}

static nt_status init_error(int rc, struct nt_err *err)
{
    struct stat sb;

    if (stat(USB_SYSFS_BUS, &sb) != 0)
        return no_usb_error(err);
    return nt_err_set(err, NT_E_UNSUPPORTED,
                      "USB is not usable on this machine (libusb could not start: %s); check "
                      "that usbfs is available at " USB_USBFS_ROOT,
                      libusb_strerror(rc));
}

nt_status usb_bus_new(struct tp_bus **out, struct nt_err *err)
{
    struct usb_bus *bus;
    struct stat sb;
    int rc;

    *out = NULL;
    /* libusb 1.0.26 starts even without USB (it assumes devtmpfs), so ask
     * the kernel: the plain sentence beats an empty device list. */
    if (stat(USB_SYSFS_BUS, &sb) != 0)
        return no_usb_error(err);
    bus = calloc(1, sizeof *bus);
    if (!bus)
        return nt_err_set(err, NT_E_NOMEM, "out of memory creating the USB bus");
    bus->base.ops = &usb_bus_ops;
    rc = libusb_init(&bus->ctx);
    if (rc != 0) {
        free(bus);
        return init_error(rc, err);
    }
    pthread_mutex_init(&bus->lock, NULL);
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* as clock_now_ms */
        pthread_cond_init(&bus->cond, &ca);
        pthread_condattr_destroy(&ca);
    }
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) && getenv("NT_FLASH_USB_NO_HOTPLUG") == NULL) {
        rc = libusb_hotplug_register_callback(
            bus->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0,
            LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb, bus,
            &bus->hp);
        bus->hotplug = rc == LIBUSB_SUCCESS;
    }
    if (!bus->hotplug) {
        /* The first scan is the baseline: only later changes are events. */
        nt_status st = poll_diff(bus, err);
        bus->evq.count = 0;
        if (st != NT_OK) {
            usb_destroy(&bus->base);
            return st;
        }
    }
    rc = pthread_create(&bus->pump, NULL, pump_main, bus);
    if (rc != 0) {
        usb_destroy(&bus->base);
        return nt_err_set(err, NT_E_NOMEM, "cannot start the USB event thread (error %d)", rc);
    }
    bus->pump_started = true;
    *out = &bus->base;
    return NT_OK;
}
