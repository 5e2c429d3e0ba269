/* Test support: emulated Disting NT modules on an umockdev testbed. Each
 * appearance of a module on the bus is one emulated USB device (new device
 * number, as Linux gives on re-enumeration) whose usbfs ioctls are answered
 * here on umockdev's worker thread; a clock thread lets modelled time pass,
 * hands IN reports to waiting URBs, retries NAKed OUT reports and follows the
 * model's presence (ROM -> off -> flashloader) by re-enumerating. */
#include "usbemu.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include "bytes.h"
#include "transport.h"
#include "vmod.h"

#define EMU_TICK_US 500
#define EMU_BUS 1
#define EMU_PCI_PATH "/devices/pci0000:00/0000:00:14.0"
#define EMU_REPORT_MAX 1025
#define EMU_INJECT_MAX 8
#define EMU_INSTANT_STEPS 16
#define EMU_SETUP_LEN 8
#define EMU_NOBODY_UID 65534
/* bmRequestType/bRequest pairs the emulator understands (USB 2.0 §9.4, HID 1.11 §7.2). */
#define EMU_REQ_SET_REPORT 0x2109
#define EMU_REQ_GET_DESCRIPTOR 0x8006
#define EMU_DESC_DEVICE 1
#define EMU_DESC_CONFIG 2
#define EMU_ROM_MPS 64
#define EMU_MBOOT_MPS 1016
#define EMU_MIDI_MPS 512 /* bulk, high speed */

struct urb {
    struct urb *next;
    UMockdevIoctlData *urb; /* the client's struct usbdevfs_urb (a local copy) */
    UMockdevIoctlData *buf; /* its buffer, or NULL */
    size_t data_off;        /* EMU_SETUP_LEN for control URBs */
    size_t data_len;
    int status, actual;
};

struct urbq {
    struct urb *head, *tail;
};

/* One appearance of a module on the bus. */
struct usbdev {
    struct usbdev *next;
    struct usbemu_module *m;
    int kind;
    unsigned devnum;
    char node[32];
    char syspath[160]; /* without "/sys" */
    UMockdevIoctlBase *handler;
    bool gone, driver_bound, claimed;
    struct urbq in_wait, out_wait, done;
};

struct usbemu_module {
    struct usbemu_module *next;
    struct usbemu *emu;
    struct usbemu_module_cfg cfg;
    char port[TP_PORT_MAX];
    struct usbdev *cur; /* on the bus now, or NULL */
    struct usbdev *all; /* every appearance, freed at the end */
    uint8_t inject[EMU_INJECT_MAX][EMU_REPORT_MAX];
    size_t inject_len[EMU_INJECT_MAX];
    size_t ninject;
    unsigned outs;
    unsigned in_eproto_left; /* IN transfers still to fail with -EPROTO */
    bool force_unplug, unplugged, deny;
    struct usbemu_stats st;
    struct timespec last;
};

struct usbemu {
    UMockdevTestbed *tb;
    pthread_mutex_t lock;    /* device state (pthread: visible to TSan) */
    pthread_mutex_t tb_lock; /* testbed changes, one thread at a time (doc/design.md §7.1 item 4) */
    struct usbemu_module *modules;
    unsigned next_devnum;
    pthread_t clock;
    atomic_int stop; /* set by usbemu_free, read by the clock thread */
};

/* --- Descriptors --------------------------------------------------------- */

static size_t device_desc(uint8_t *d, uint16_t vid, uint16_t pid, uint8_t cls)
{
    const uint8_t dd[18] = { 18, 1, 0x00, 0x02, cls, 0, 0, 64, 0, 0, 0, 0, 0x02, 0x00, 1, 2, 0, 1 };
    memcpy(d, dd, sizeof dd);
    put_le16(d + 8, vid);
    put_le16(d + 10, pid);
    return sizeof dd;
}

static size_t endpoint_desc(uint8_t *d, uint8_t addr, uint16_t mps, uint8_t interval)
{
    d[0] = 7;
    d[1] = 5;
    d[2] = addr;
    d[3] = 3; /* interrupt */
    put_le16(d + 4, mps);
    d[6] = interval;
    return 7;
}

/* Config descriptor of the ROM (IN 0x81 only, doc/protocol.md §1.1), the
 * flashloader (IN 0x81 + OUT 0x02, 1016-byte packets, doc/protocol.md §1.2) or a hub. */
static size_t config_desc(uint8_t *d, int kind, bool hub)
{
    const uint8_t cfg[9] = { 9, 2, 0, 0, 1, 1, 0, 0xC0, 50 };
    const uint8_t hid[9] = { 9, 0x21, 0x00, 0x01, 0, 1, 0x22, 76, 0 };
    size_t n = 9;
    uint8_t neps = kind == TP_KIND_MBOOT ? 2 : 1;

    memcpy(d, cfg, 9);
    d[n++] = 9;
    d[n++] = 4;
    d[n++] = 0;
    d[n++] = 0;
    d[n++] = neps;
    d[n++] = hub ? 9 : 3;
    d[n++] = 0;
    d[n++] = 0;
    d[n++] = 0;
    if (!hub) {
        memcpy(d + n, hid, 9);
        n += 9;
    }
    if (kind == TP_KIND_MBOOT) {
        n += endpoint_desc(d + n, 0x81, EMU_MBOOT_MPS, 3);
        n += endpoint_desc(d + n, 0x02, EMU_MBOOT_MPS, 3);
    } else {
        n += endpoint_desc(d + n, 0x81, hub ? 1 : EMU_ROM_MPS, hub ? 12 : 1);
    }
    put_le16(d + 2, (uint16_t)n);
    return n;
}

/* A running module: Audio Control interface 0 and MIDIStreaming interface 1
 * with bulk OUT 0x02 and IN 0x81 (USB MIDI 1.0 §6; the class-specific
 * descriptors are left out: libusb and nt_flash do not read them). */
static size_t midi_config_desc(uint8_t *d)
{
    const uint8_t cfg[9] = { 9, 2, 0, 0, 2, 1, 0, 0x80, 50 };
    const uint8_t ac[9] = { 9, 4, 0, 0, 0, 1, 1, 0, 0 };
    const uint8_t ms[9] = { 9, 4, 1, 0, 2, 1, 3, 0, 0 };
    size_t n = 0;

    memcpy(d + n, cfg, 9);
    n += 9;
    memcpy(d + n, ac, 9);
    n += 9;
    memcpy(d + n, ms, 9);
    n += 9;
    n += endpoint_desc(d + n, 0x02, EMU_MIDI_MPS, 0);
    d[n - 4] = 2; /* bulk */
    n += endpoint_desc(d + n, 0x81, EMU_MIDI_MPS, 0);
    d[n - 4] = 2;
    put_le16(d + 2, (uint16_t)n);
    return n;
}

static size_t descriptors(uint8_t *d, int kind, bool hub)
{
    size_t n;
    if (kind == TP_KIND_APP) {
        n = device_desc(d, TP_APP_VID, TP_APP_PID, 0);
        return n + midi_config_desc(d + n);
    }
    if (hub)
        n = device_desc(d, 0x1D6B, 0x0002, 9);
    else if (kind == TP_KIND_MBOOT)
        n = device_desc(d, TP_FLASHLOADER_VID, TP_FLASHLOADER_PID, 0);
    else
        n = device_desc(d, TP_ROM_VID, TP_ROM_PID, 0);
    return n + config_desc(d + n, kind, hub);
}

/* --- URB queues (emu->lock held) ------------------------------------------ */

static void q_push(struct urbq *q, struct urb *u)
{
    u->next = NULL;
    if (q->tail)
        q->tail->next = u;
    else
        q->head = u;
    q->tail = u;
}

static struct urb *q_pop(struct urbq *q)
{
    struct urb *u = q->head;
    if (u) {
        q->head = u->next;
        if (!q->head)
            q->tail = NULL;
    }
    return u;
}

static void urb_free(struct urb *u)
{
    g_object_unref(u->urb);
    if (u->buf)
        g_object_unref(u->buf);
    free(u);
}

static void complete(struct usbdev *d, struct urb *u, int status, int actual)
{
    u->status = status;
    u->actual = actual;
    q_push(&d->done, u);
}

static void fail_all(struct urbq *q, struct usbdev *d, int status)
{
    struct urb *u;
    while ((u = q_pop(q)))
        complete(d, u, status, 0);
}

/* --- Talking to the model (emu->lock held) -------------------------------- */

/* Hand queued IN reports (injected ones first) to waiting IN URBs. */
static void feed_in(struct usbdev *d)
{
    struct usbemu_module *m = d->m;

    while (d->in_wait.head && !d->gone) {
        uint8_t rep[EMU_REPORT_MAX];
        size_t len = 0;
        struct urb *u;
        if (m->ninject > 0) {
            len = m->inject_len[0];
            memcpy(rep, m->inject[0], len);
            memmove(m->inject[0], m->inject[1], (m->ninject - 1) * sizeof m->inject[0]);
            memmove(m->inject_len, m->inject_len + 1, (m->ninject - 1) * sizeof m->inject_len[0]);
            m->ninject--;
        } else if (!m->cfg.model.in(m->cfg.model.ctx, rep, sizeof rep, &len)) {
            return;
        }
        u = q_pop(&d->in_wait);
        if (len > u->data_len) {
            complete(d, u, -EOVERFLOW, 0);
            continue;
        }
        memcpy(u->buf->data, rep, len);
        m->st.in_reports++;
        if (m->st.in_log_len + len <= sizeof m->st.in_log) {
            memcpy(m->st.in_log + m->st.in_log_len, rep, len);
            m->st.in_log_len += len;
        }
        complete(d, u, 0, (int)len);
    }
}

/* Offer waiting OUT reports to the model in order; a NAK keeps them waiting. */
static void feed_out(struct usbdev *d)
{
    struct usbemu_module *m = d->m;
    struct urb *u;

    while ((u = d->out_wait.head) && !d->gone) {
        const uint8_t *rep = u->buf->data + u->data_off;
        if (m->cfg.unplug_after_out && m->outs + 1 >= m->cfg.unplug_after_out) {
            m->force_unplug = true; /* the clock thread pulls the plug; the URB dies with it */
            return;
        }
        if (m->cfg.model.out(m->cfg.model.ctx, rep, u->data_len) != NT_OK)
            return;
        m->outs++;
        m->st.out_last_len = (unsigned)u->data_len;
        if (u->data_off)
            m->st.out_set_report++;
        else if (d->kind == TP_KIND_APP)
            m->st.out_bulk++;
        else
            m->st.out_interrupt++;
        if (d->kind == TP_KIND_APP && m->st.out_log_len + u->data_len <= sizeof m->st.out_log) {
            memcpy(m->st.out_log + m->st.out_log_len, rep, u->data_len);
            m->st.out_log_len += u->data_len;
        }
        q_pop(&d->out_wait);
        complete(d, u, 0, (int)u->data_len);
    }
}

/* --- ioctl handler (umockdev worker thread) --------------------------------- */

static void reply(UMockdevIoctlClient *c, int err) { umockdev_ioctl_client_complete(c, err ? -1 : 0, err); }

/* Control URB: the setup packet decides. Returns the completion status, or 1
 * when the URB waits in out_wait (SET_REPORT data for the model). */
static int control(struct usbdev *d, struct urb *u)
{
    const uint8_t *s = u->buf->data;
    unsigned req = (unsigned)(s[0] << 8 | s[1]);
    uint16_t wvalue = get_le16(s + 2), wlength = get_le16(s + 6);

    if (req == EMU_REQ_SET_REPORT) {
        /* the flashloader's HID callback rejects SET_REPORT (doc/protocol.md §1.2) */
        if (d->kind == TP_KIND_MBOOT || d->m->cfg.rom_stalls_set_report) {
            d->m->st.set_report_stalled++;
            return -EPIPE;
        }
        u->data_off = EMU_SETUP_LEN;
        u->data_len = wlength;
        q_push(&d->out_wait, u);
        feed_out(d);
        return 1;
    }
    if (req == EMU_REQ_GET_DESCRIPTOR &&
        ((wvalue >> 8) == EMU_DESC_DEVICE || (wvalue >> 8) == EMU_DESC_CONFIG)) {
        uint8_t desc[128];
        size_t n = descriptors(desc, d->kind, false);
        size_t off = (wvalue >> 8) == EMU_DESC_DEVICE ? 0 : 18;
        size_t len = (wvalue >> 8) == EMU_DESC_DEVICE ? 18 : n - 18;
        if (len > wlength)
            len = wlength;
        memcpy(u->buf->data + EMU_SETUP_LEN, desc + off, len);
        u->actual = (int)len;
        return 0;
    }
    return -EPIPE;
}

static void on_submit(struct usbdev *d, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *ud = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
    struct usbdevfs_urb *k = (struct usbdevfs_urb *)(void *)ud->data;
    struct urb *u = calloc(1, sizeof *u);
    int rc;

    u->urb = ud;
    if (k->buffer_length > 0)
        u->buf = umockdev_ioctl_data_resolve(ud, offsetof(struct usbdevfs_urb, buffer),
                                             (gsize)k->buffer_length, NULL);
    u->data_len = (size_t)k->buffer_length;
    pthread_mutex_lock(&d->m->emu->lock);
    if (d->gone) {
        rc = ENODEV;
    } else if (k->type == USBDEVFS_URB_TYPE_CONTROL && u->buf && k->buffer_length >= EMU_SETUP_LEN) {
        int st = control(d, u);
        if (st <= 0)
            complete(d, u, st, st == 0 ? u->actual : 0);
        rc = 0;
    } else if ((k->type == USBDEVFS_URB_TYPE_INTERRUPT ||
                (k->type == USBDEVFS_URB_TYPE_BULK && d->kind == TP_KIND_APP)) &&
               k->endpoint == 0x81 && u->buf) {
        d->m->st.in_urb_len = (unsigned)k->buffer_length;
        if (d->m->in_eproto_left > 0) {
            /* fault: a bus glitch ends this IN transfer with a protocol error */
            d->m->in_eproto_left--;
            complete(d, u, -EPROTO, 0);
        } else {
            q_push(&d->in_wait, u);
            feed_in(d);
        }
        rc = 0;
    } else if (((k->type == USBDEVFS_URB_TYPE_INTERRUPT && d->kind == TP_KIND_MBOOT) ||
                (k->type == USBDEVFS_URB_TYPE_BULK && d->kind == TP_KIND_APP)) &&
               k->endpoint == 0x02 && u->buf) {
        q_push(&d->out_wait, u);
        feed_out(d);
        rc = 0;
    } else {
        rc = ENOENT; /* no such endpoint */
    }
    if (!d->gone)
        feed_in(d); /* an answer to this OUT report goes straight to a waiting IN URB */
    pthread_mutex_unlock(&d->m->emu->lock);
    if (rc)
        urb_free(u);
    reply(c, rc);
}

static void on_reap(struct usbdev *d, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
    struct urb *u;
    struct usbdevfs_urb *k;
    UMockdevIoctlData *ptr;

    pthread_mutex_lock(&d->m->emu->lock);
    u = q_pop(&d->done);
    pthread_mutex_unlock(&d->m->emu->lock);
    if (!u) {
        reply(c, d->gone ? ENODEV : EAGAIN);
        return;
    }
    k = (struct usbdevfs_urb *)(void *)u->urb->data;
    k->status = u->status;
    k->actual_length = u->actual;
    ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), NULL);
    umockdev_ioctl_data_set_ptr(ptr, 0, u->urb);
    reply(c, 0);
    g_object_unref(ptr);
    urb_free(u);
}

static bool remove_urb(struct urbq *q, unsigned long addr, struct urb **out)
{
    struct urb *prev = NULL;
    for (struct urb *u = q->head; u; prev = u, u = u->next) {
        if (u->urb->client_addr != addr)
            continue;
        if (prev)
            prev->next = u->next;
        else
            q->head = u->next;
        if (q->tail == u)
            q->tail = prev;
        *out = u;
        return true;
    }
    return false;
}

static void on_discard(struct usbdev *d, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
    unsigned long addr = (unsigned long)(uintptr_t) * (void **)(void *)arg->data;
    struct urb *u = NULL;
    int rc = EINVAL; /* already completed, as the kernel says */

    pthread_mutex_lock(&d->m->emu->lock);
    if (remove_urb(&d->in_wait, addr, &u) || remove_urb(&d->out_wait, addr, &u)) {
        complete(d, u, -ECONNRESET, 0);
        rc = 0;
    }
    pthread_mutex_unlock(&d->m->emu->lock);
    reply(c, rc);
}

/* Kernel driver and interface ownership: usbhid is bound until detached,
 * claiming fails with EBUSY while it is (as usbfs does). */
static int driver_ioctl(struct usbdev *d, unsigned long req, UMockdevIoctlData *arg)
{
    struct usbemu_stats *st = &d->m->st;

    if (req == USBDEVFS_GETDRIVER) {
        UMockdevIoctlData *v = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_getdriver), NULL);
        struct usbdevfs_getdriver *g = (struct usbdevfs_getdriver *)(void *)v->data;
        int rc = 0;
        if (d->driver_bound)
            snprintf(g->driver, sizeof g->driver, "%s", d->kind == TP_KIND_APP ? "snd-usb-audio" : "usbhid");
        else if (d->claimed)
            snprintf(g->driver, sizeof g->driver, "usbfs");
        else
            rc = ENODATA;
        g_object_unref(v);
        return rc;
    }
    if (req == USBDEVFS_IOCTL) {
        UMockdevIoctlData *v = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ioctl), NULL);
        struct usbdevfs_ioctl *io = (struct usbdevfs_ioctl *)(void *)v->data;
        int rc = 0;
        if ((unsigned long)io->ioctl_code == USBDEVFS_DISCONNECT) {
            if (!d->driver_bound)
                rc = ENODATA;
            d->driver_bound = false;
            st->detaches += rc == 0;
        } else if ((unsigned long)io->ioctl_code == USBDEVFS_CONNECT) {
            if (d->claimed)
                rc = EBUSY;
            else if (!d->driver_bound) {
                d->driver_bound = true;
                st->reattaches++;
            }
        } else {
            rc = ENOTTY;
        }
        g_object_unref(v);
        return rc;
    }
    if (req == USBDEVFS_DISCONNECT_CLAIM) {
        if (d->driver_bound)
            st->detaches++;
        d->driver_bound = false;
        d->claimed = true;
        st->claims++;
        return 0;
    }
    if (req == USBDEVFS_CLAIMINTERFACE) {
        if (d->driver_bound)
            return EBUSY;
        d->claimed = true;
        st->claims++;
        return 0;
    }
    if (req == USBDEVFS_RELEASEINTERFACE) {
        if (!d->claimed)
            return EINVAL;
        d->claimed = false;
        return 0;
    }
    return -1;
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer user)
{
    struct usbdev *d = user;
    unsigned long req = umockdev_ioctl_client_get_request(c);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
    int rc;

    (void)h;
    switch (req) {
    case USBDEVFS_SUBMITURB: on_submit(d, c, arg); return TRUE;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: on_reap(d, c, arg); return TRUE;
    case USBDEVFS_DISCARDURB: on_discard(d, c, arg); return TRUE;
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData *v = umockdev_ioctl_data_resolve(arg, 0, sizeof(uint32_t), NULL);
        uint32_t caps = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
            USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        memcpy(v->data, &caps, sizeof caps);
        g_object_unref(v);
        reply(c, 0);
        return TRUE;
    }
    default: break;
    }
    pthread_mutex_lock(&d->m->emu->lock);
    rc = d->gone ? ENODEV : driver_ioctl(d, req, arg);
    pthread_mutex_unlock(&d->m->emu->lock);
    if (rc < 0) {
        if (req != USBDEVFS_SETINTERFACE && req != USBDEVFS_SETCONFIGURATION && req != USBDEVFS_CLEAR_HALT &&
            req != USBDEVFS_RESET)
            return FALSE; /* umockdev answers ENOTTY */
        rc = 0;
    }
    reply(c, rc);
    return TRUE;
}

/* --- Testbed (tb_lock held) ------------------------------------------------- */

/* "/devices/.../usb1/1-1/1-1.2" for port "1-1.2". */
static void sys_path(char *out, size_t cap, const char *port)
{
    int n = snprintf(out, cap, EMU_PCI_PATH "/usb%d", EMU_BUS);

    for (const char *p = port;; p++) {
        if (*p != '.' && *p != '\0')
            continue;
        n += snprintf(out + n, cap - (size_t)n, "/%.*s", (int)(p - port), port);
        if (!*p)
            break;
    }
}

static bool add_node(struct usbemu *emu, const char *syspath, unsigned devnum, int kind, bool hub, int speed)
{
    uint8_t desc[128];
    size_t n = descriptors(desc, kind, hub);
    char hex[2 * sizeof desc + 1];
    char *rec;
    GError *gerr = NULL;
    bool ok;

    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", desc[i]);
    rec = g_strdup_printf("P: %s\nN: bus/usb/%03d/%03u\n"
                          "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DEVNAME=/dev/bus/usb/%03d/%03u\n"
                          "E: BUSNUM=%03d\nE: DEVNUM=%03u\n"
                          "A: busnum=%d\\n\nA: devnum=%u\\n\nA: speed=%d\\n\nA: bConfigurationValue=1\\n\n"
                          "H: descriptors=%s\n",
                          syspath, EMU_BUS, devnum, EMU_BUS, devnum, EMU_BUS, devnum, EMU_BUS, devnum, speed,
                          hex);
    ok = umockdev_testbed_add_from_string(emu->tb, rec, &gerr);
    if (!ok) {
        fprintf(stderr, "usbemu: adding %s: %s\n", syspath, gerr->message);
        g_error_free(gerr);
    }
    g_free(rec);
    return ok;
}

/* A node only root may open, as without the udev rule; others may stat it. */
static void deny(struct usbemu *emu, const char *node)
{
    char *root = umockdev_testbed_get_root_dir(emu->tb);
    char *path = g_strconcat(root, node, NULL);

    if (chmod(path, 0600) != 0 || chmod(root, 0755) != 0)
        fprintf(stderr, "usbemu: cannot restrict %s\n", path);
    g_free(path);
    /* the preload library asks umockdev's default ioctl socket about every
     * node it opens: nobody must be able to connect to it */
    path = g_strconcat(root, "/ioctl/_default", NULL);
    if (chmod(path, 0777) != 0)
        fprintf(stderr, "usbemu: cannot open up %s\n", path);
    g_free(path);
    g_free(root);
}

static struct usbdev *enumerate(struct usbemu_module *m, int kind)
{
    struct usbemu *emu = m->emu;
    struct usbdev *d = calloc(1, sizeof *d);
    GError *gerr = NULL;

    d->m = m;
    d->kind = kind;
    d->driver_bound = true;
    pthread_mutex_lock(&emu->lock);
    d->devnum = emu->next_devnum++;
    d->next = m->all;
    m->all = d;
    pthread_mutex_unlock(&emu->lock);
    snprintf(d->node, sizeof d->node, "/dev/bus/usb/%03d/%03u", EMU_BUS, d->devnum);
    sys_path(d->syspath, sizeof d->syspath, m->port);
    d->handler = umockdev_ioctl_base_new();
    g_signal_connect(d->handler, "handle-ioctl", G_CALLBACK(on_ioctl), d);
    /* the handler first: libusb may open the node as soon as "add" arrives.
     * None for deny_access: the preload library would connect to it (and
     * fail as nobody) before the open could fail with EACCES. */
    if (!m->cfg.deny_access && !umockdev_testbed_attach_ioctl(emu->tb, d->node, d->handler, &gerr)) {
        fprintf(stderr, "usbemu: attach_ioctl %s: %s\n", d->node, gerr->message);
        g_error_free(gerr);
    }
    add_node(emu, d->syspath, d->devnum, kind, false, m->cfg.speed_mbps);
    if (m->cfg.deny_access)
        deny(emu, d->node);
    pthread_mutex_lock(&emu->lock);
    m->cur = d;
    m->st.enumerations++;
    pthread_mutex_unlock(&emu->lock);
    return d;
}

/* Off the bus: pending URBs end with ESHUTDOWN, later ioctls get ENODEV. */
static void leave_bus(struct usbemu_module *m)
{
    struct usbemu *emu = m->emu;
    struct usbdev *d;
    char sys[200];

    pthread_mutex_lock(&emu->lock);
    d = m->cur;
    m->cur = NULL;
    if (d) {
        d->gone = true;
        fail_all(&d->in_wait, d, -ESHUTDOWN);
        fail_all(&d->out_wait, d, -ESHUTDOWN);
    }
    pthread_mutex_unlock(&emu->lock);
    if (!d)
        return;
    snprintf(sys, sizeof sys, "/sys%s", d->syspath);
    /* 0.17.16's remove_device sends no uevent; send it while sysfs still has
     * the device (doc/design.md §7.1 item 3) */
    umockdev_testbed_uevent(emu->tb, sys, "remove");
    umockdev_testbed_remove_device(emu->tb, sys);
}

/* --- Clock thread ------------------------------------------------------------ */

static double elapsed_s(struct timespec *last)
{
    struct timespec now;
    double dt;
    clock_gettime(CLOCK_MONOTONIC, &now);
    dt = (double)(now.tv_sec - last->tv_sec) + (double)(now.tv_nsec - last->tv_nsec) / 1e9;
    *last = now;
    return dt;
}

/* One step of a module; returns the kind it should present (or -2: as is). */
static void let_time_pass(struct usbemu_module *m)
{
    const struct usbemu_model *mo = &m->cfg.model;
    double dt = elapsed_s(&m->last);

    if (m->cfg.speed > 0) {
        mo->advance(mo->ctx, dt / m->cfg.speed);
        return;
    }
    /* speed 0: skip to each pending change (bounded: a tick must end) */
    for (int i = 0; i < EMU_INSTANT_STEPS; i++) {
        double next = mo->next_change(mo->ctx);
        if (next < 0)
            break;
        mo->advance(mo->ctx, next);
    }
}

static int step(struct usbemu_module *m)
{
    int want;

    let_time_pass(m);
    if (m->cur) {
        feed_out(m->cur);
        feed_in(m->cur);
    }
    if (m->force_unplug && !m->unplugged) {
        m->unplugged = true;
        return -1;
    }
    want = m->unplugged ? -1 : m->cfg.model.presence(m->cfg.model.ctx);
    if ((m->cur ? m->cur->kind : -1) == want)
        return -2;
    return want;
}

static void *clock_main(void *arg)
{
    struct usbemu *emu = arg;

    while (!atomic_load(&emu->stop)) {
        for (struct usbemu_module *m = emu->modules; m; m = m->next) {
            int want;
            pthread_mutex_lock(&emu->lock);
            want = step(m);
            pthread_mutex_unlock(&emu->lock);
            if (want == -2)
                continue;
            pthread_mutex_lock(&emu->tb_lock);
            leave_bus(m);
            if (want >= 0)
                enumerate(m, want);
            pthread_mutex_unlock(&emu->tb_lock);
        }
        usleep(EMU_TICK_US);
    }
    return NULL;
}

/* --- Public API ---------------------------------------------------------------- */

int usbemu_new(struct usbemu **out)
{
    struct usbemu *emu = calloc(1, sizeof *emu);
    char hub[200];

    *out = NULL;
    emu->tb = umockdev_testbed_new();
    /* only after the testbed exists: the answer is cached (doc/design.md §7.1 item 2) */
    if (!umockdev_in_mock_environment()) {
        g_object_unref(emu->tb);
        free(emu);
        return 77;
    }
    pthread_mutex_init(&emu->lock, NULL);
    pthread_mutex_init(&emu->tb_lock, NULL);
    snprintf(hub, sizeof hub, EMU_PCI_PATH "/usb%d", EMU_BUS);
    if (!add_node(emu, hub, 1, -1, true, 480))
        return 1;
    snprintf(hub, sizeof hub, EMU_PCI_PATH "/usb%d/%d-1", EMU_BUS, EMU_BUS);
    if (!add_node(emu, hub, 2, -1, true, 480))
        return 1;
    emu->next_devnum = 3;
    if (pthread_create(&emu->clock, NULL, clock_main, emu) != 0)
        return 1;
    *out = emu;
    return 0;
}

struct usbemu_module *usbemu_add_module(struct usbemu *emu, const struct usbemu_module_cfg *cfg)
{
    struct usbemu_module *m = calloc(1, sizeof *m);

    m->emu = emu;
    m->cfg = *cfg;
    m->in_eproto_left = cfg->in_eproto;
    if (!m->cfg.speed_mbps)
        m->cfg.speed_mbps = 480;
    snprintf(m->port, sizeof m->port, "%s", cfg->port);
    m->st.driver_bound = true;
    clock_gettime(CLOCK_MONOTONIC, &m->last);
    /* the clock thread picks it up and enumerates it on its next tick */
    pthread_mutex_lock(&emu->lock);
    m->next = emu->modules;
    emu->modules = m;
    pthread_mutex_unlock(&emu->lock);
    return m;
}

void usbemu_inject_in(struct usbemu_module *m, const uint8_t *report, size_t len)
{
    pthread_mutex_lock(&m->emu->lock);
    if (m->ninject < EMU_INJECT_MAX && len <= EMU_REPORT_MAX) {
        memcpy(m->inject[m->ninject], report, len);
        m->inject_len[m->ninject++] = len;
    }
    pthread_mutex_unlock(&m->emu->lock);
}

void usbemu_drop_privileges(bool drop)
{
    /* per thread: the kernel drops CAP_DAC_OVERRIDE with a non-zero fsuid */
    setfsuid(drop ? EMU_NOBODY_UID : 0);
    setfsgid(drop ? EMU_NOBODY_UID : 0);
}

bool usbemu_wait_presence(struct usbemu_module *m, int kind, int ms)
{
    for (int waited = 0; waited <= ms; waited++) {
        bool ok;
        pthread_mutex_lock(&m->emu->lock);
        ok = (m->cur ? m->cur->kind : -1) == kind;
        pthread_mutex_unlock(&m->emu->lock);
        if (ok)
            return true;
        usleep(1000);
    }
    return false;
}

void usbemu_get_stats(struct usbemu_module *m, struct usbemu_stats *st)
{
    pthread_mutex_lock(&m->emu->lock);
    *st = m->st;
    st->driver_bound = m->cur ? m->cur->driver_bound : false;
    pthread_mutex_unlock(&m->emu->lock);
}

void usbemu_node(struct usbemu_module *m, char *buf, size_t cap)
{
    pthread_mutex_lock(&m->emu->lock);
    snprintf(buf, cap, "%s", m->cur ? m->cur->node : "");
    pthread_mutex_unlock(&m->emu->lock);
}

static void free_usbdev(struct usbemu *emu, struct usbdev *d)
{
    struct urb *u;
    if (!d->m->cfg.deny_access)
        umockdev_testbed_detach_ioctl(emu->tb, d->node, NULL);
    while ((u = q_pop(&d->in_wait)))
        urb_free(u);
    while ((u = q_pop(&d->out_wait)))
        urb_free(u);
    while ((u = q_pop(&d->done)))
        urb_free(u);
    g_object_unref(d->handler);
    free(d);
}

void usbemu_free(struct usbemu *emu)
{
    if (!emu)
        return;
    atomic_store(&emu->stop, 1);
    pthread_join(emu->clock, NULL);
    while (emu->modules) {
        struct usbemu_module *m = emu->modules;
        emu->modules = m->next;
        while (m->all) {
            struct usbdev *d = m->all;
            m->all = d->next;
            free_usbdev(emu, d);
        }
        free(m);
    }
    g_object_unref(emu->tb);
    pthread_mutex_destroy(&emu->lock);
    pthread_mutex_destroy(&emu->tb_lock);
    free(emu);
}

/* --- The vmod engine as the model -------------------------------------------- */

static int vm_presence(void *ctx) { return vmod_engine_presence(ctx); }

static nt_status vm_out(void *ctx, const uint8_t *report, size_t len)
{
    return vmod_engine_out(ctx, report, len);
}

static bool vm_in(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
    return vmod_engine_in(ctx, buf, cap, len);
}

static void vm_advance(void *ctx, double dt) { vmod_engine_advance(ctx, dt); }

static double vm_next_change(void *ctx) { return vmod_engine_next_change(ctx); }

struct usbemu_model usbemu_vmod_model(struct vmod_engine *engine)
{
    struct usbemu_model m = { engine, vm_presence, vm_out, vm_in, vm_advance, vm_next_change };
    return m;
}
