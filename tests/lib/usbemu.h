/* Test support: Disting NT modules emulated on an umockdev testbed, so tests
 * drive the real libusb (and the real nt_flash binary) against them. The
 * emulator plays the kernel's usbfs for each device node and leaves what the
 * device says to a model (the virtual module's engine, src/vmod.h). */
#ifndef NT_TESTS_USBEMU_H
#define NT_TESTS_USBEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"

/* What the emulated module is and says, called on emulator threads under
 * the module's lock (the same shape as vmod_engine_*). */
struct usbemu_model {
    void *ctx;
    /* TP_KIND_SDP (ROM on the bus), TP_KIND_MBOOT (flashloader), TP_KIND_APP
     * (running: USB-MIDI on bulk endpoints, snd-usb-audio bound), -1 (off the bus) */
    int (*presence)(void *ctx);
    /* NT_OK: taken; NT_E_TIMEOUT: NAK, offer it again later */
    nt_status (*out)(void *ctx, const uint8_t *report, size_t len);
    bool (*in)(void *ctx, uint8_t *buf, size_t cap, size_t *len);
    void (*advance)(void *ctx, double seconds);
    /* modelled seconds until the next internal change, <0 when none */
    double (*next_change)(void *ctx);
};

struct usbemu_module_cfg {
    const char *port;           /* "1-2" (root hub port) or "1-1.N" (behind the hub at 1-1) */
    int speed_mbps;             /* sysfs speed: 480 or 12 */
    bool rom_stalls_set_report; /* fault: the ROM STALLs SET_REPORT too */
    unsigned unplug_after_out;  /* fault: leave the bus when the Nth OUT report arrives (0: never) */
    unsigned in_eproto;         /* fault: the first N interrupt IN transfers end with -EPROTO */
    bool deny_access;           /* node mode 0600 and no usbfs emulation: opening it as
                                   nobody (usbemu_drop_privileges) fails with EACCES */
    double speed;               /* wall seconds per modelled second, as vmod's speed=;
                                   0: every modelled wait passes at once */
    struct usbemu_model model;
};

struct usbemu_stats {
    unsigned out_set_report; /* OUT reports by SET_REPORT on EP0 */
    unsigned out_interrupt;  /* OUT reports on the interrupt OUT endpoint */
    unsigned set_report_stalled;
    unsigned in_reports;   /* IN reports handed to the host */
    unsigned in_urb_len;   /* buffer length of the last interrupt IN URB */
    unsigned out_last_len; /* length of the last OUT report */
    unsigned out_bulk;     /* OUT transfers on the bulk endpoint (a running module) */
    uint8_t out_log[256];  /* a running module: every OUT byte (USB-MIDI packets), in order */
    size_t out_log_len;
    uint8_t in_log[256]; /* IN bytes handed to the host, in order (while they fit) */
    size_t in_log_len;
    unsigned detaches, claims, reattaches;
    unsigned enumerations; /* times the module appeared on the bus */
    bool driver_bound;     /* the emulated usbhid is bound now */
};

struct usbemu;
struct usbemu_module;

/* Create the testbed (sets $UMOCKDEV_DIR; do it before libusb_init) with a
 * root hub at bus 1 and a hub at port 1-1. Returns 0, or 77 when umockdev's
 * preload library is not active (the test should SKIP), or 1 on failure. */
int usbemu_new(struct usbemu **out);
/* Add a module; it appears on the bus as its model's presence says. */
struct usbemu_module *usbemu_add_module(struct usbemu *emu, const struct usbemu_module_cfg *cfg);
/* Queue an IN report that the host has not asked for (a stale answer). */
void usbemu_inject_in(struct usbemu_module *m, const uint8_t *report, size_t len);
/* As root the node's mode is ignored: run this thread's file accesses as
 * nobody (setfsuid) and back (drop=false). */
void usbemu_drop_privileges(bool drop);
/* Wait up to ms for the module to be on the bus as kind (or gone: -1). */
bool usbemu_wait_presence(struct usbemu_module *m, int kind, int ms);
void usbemu_get_stats(struct usbemu_module *m, struct usbemu_stats *st);
/* Current device node, e.g. "/dev/bus/usb/001/005" ("" when off the bus). */
void usbemu_node(struct usbemu_module *m, char *buf, size_t cap);
/* Destroy everything (after libusb_exit of every context). */
void usbemu_free(struct usbemu *emu);

/* The virtual module's engine (src/vmod.h) as the model: one device model
 * for the virtual bus and the emulated USB devices. */
struct vmod_engine;
struct usbemu_model usbemu_vmod_model(struct vmod_engine *engine);

#endif
