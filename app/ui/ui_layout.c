/* Pure layout of the full-screen UI: rectangles for each panel from the
 * terminal size and content counts. Boxed panels spend two rows and two
 * columns on their frame. */
#include "config.h"

#include "ui_layout.h"

#include <string.h>

#define BOX_FRAME 2
/* The log keeps this many text lines before the devices grow; with fewer
 * rows it shrinks to one line before it gives way. */
#define LOG_PREF_LINES 3
#define LOG_MIN_LINES 1
/* Side by side package | devices from this width on (both stay readable). */
#define WIDE_MIN_COLS 140
#define DEVICES_MIN_LINES 1

static struct ui_rect rect(int y, int x, int h, int w)
{
    struct ui_rect r = { y, x, h, w };
    return r;
}

/* Which boxes a screen keeps; when rows run short the log goes first, then
 * the package, then the devices: the gauges, the title and the footer stay. */
struct plan {
    bool log, pkg, dev;
};

#define DEVICES_MIN_H (DEVICES_MIN_LINES + BOX_FRAME)
#define LOG_MIN_H (LOG_MIN_LINES + BOX_FRAME)

static int max_int(int a, int b) { return a > b ? a : b; }

/* Rows the kept boxes need at their smallest. */
static int min_body(const struct plan *p, bool wide, int pkg_h, int phases_h)
{
    int h = phases_h;

    if (p->pkg && p->dev && wide)
        h += max_int(pkg_h, DEVICES_MIN_H);
    else
        h += (p->pkg ? pkg_h : 0) + (p->dev ? DEVICES_MIN_H : 0);
    return h + (p->log ? LOG_MIN_H : 0);
}

void ui_layout_compute(int cols, int rows, size_t ndevices, enum ui_layout_kind kind, bool show_download,
                       struct ui_layout *out)
{
    bool with_package = kind == UI_LAYOUT_FLASH, with_phases = kind != UI_LAYOUT_DEVICES;
    int pkg_h = with_package ? UI_PACKAGE_LINES + BOX_FRAME : 0;
    int phases_h = with_phases ? UI_PHASE_LINES + (show_download ? 1 : 0) + BOX_FRAME : 0;
    int wanted_dev = ndevices > 100 ? 100 : (int)ndevices;
    bool wide = with_package && cols >= WIDE_MIN_COLS;
    struct plan p = { true, with_package, true };
    int body = rows - 2, y = 1, extra, reserve, dev_h, grow;

    memset(out, 0, sizeof *out);
    if (wanted_dev < DEVICES_MIN_LINES)
        wanted_dev = DEVICES_MIN_LINES;
    /* Too few rows for the gauges' frame: the gauges go without it. */
    if (with_phases && phases_h > body) {
        out->phases_bare = true;
        phases_h -= BOX_FRAME;
    }
    if (cols < UI_MIN_COLS || rows < UI_MIN_ROWS ||
        min_body(&(struct plan){ false, false, false }, wide, pkg_h, phases_h) > body) {
        out->too_small = true;
        out->panel[UI_PANEL_TITLE] = rect(0, 0, rows > 0 ? rows : 0, cols > 0 ? cols : 0);
        return;
    }
    out->panel[UI_PANEL_TITLE] = rect(0, 0, 1, cols);
    out->panel[UI_PANEL_FOOTER] = rect(rows - 1, 0, 1, cols);
    if (min_body(&p, wide, pkg_h, phases_h) > body)
        p.log = false;
    /* The monitor and the picker are about devices: they always keep them. */
    if (with_phases && min_body(&p, wide, pkg_h, phases_h) > body)
        p.pkg = false;
    if (with_phases && min_body(&p, wide, pkg_h, phases_h) > body)
        p.dev = false;
    wide = wide && p.pkg && p.dev;
    extra = body - min_body(&p, wide, pkg_h, phases_h);
    /* Held back for the log's preferred lines; it gets them back below. */
    reserve = p.log ? (extra < LOG_PREF_LINES - LOG_MIN_LINES ? extra : LOG_PREF_LINES - LOG_MIN_LINES) : 0;
    extra -= reserve;

    /* The devices grow towards one line each; with no log, they take all. */
    grow = p.dev ? max_int(wanted_dev + BOX_FRAME - DEVICES_MIN_H, 0) : 0;
    if (!p.log && p.dev)
        grow = extra;
    if (wide) {
        /* Both boxes share the taller height so the row reads as one band. */
        int band = max_int(pkg_h, DEVICES_MIN_H + grow);
        int used = band - max_int(pkg_h, DEVICES_MIN_H);
        if (used > extra) {
            band -= used - extra;
            used = extra;
        }
        extra -= used;
        out->panel[UI_PANEL_PACKAGE] = rect(y, 0, band, cols * 3 / 5);
        out->panel[UI_PANEL_DEVICES] = rect(y, cols * 3 / 5, band, cols - cols * 3 / 5);
        dev_h = band;
        y += band;
    } else {
        if (grow > extra)
            grow = extra;
        extra -= grow;
        dev_h = p.dev ? DEVICES_MIN_H + grow : 0;
        if (p.pkg) {
            out->panel[UI_PANEL_PACKAGE] = rect(y, 0, pkg_h, cols);
            y += pkg_h;
        }
        if (p.dev) {
            out->panel[UI_PANEL_DEVICES] = rect(y, 0, dev_h, cols);
            y += dev_h;
        }
    }
    if (with_phases) {
        /* With neither devices nor log below, the box takes the spare rows. */
        int h = phases_h + (p.log ? 0 : extra);
        out->panel[UI_PANEL_PHASES] = rect(y, 0, h, cols);
        y += h;
        if (!p.log)
            extra = 0;
    }
    if (p.log)
        out->panel[UI_PANEL_LOG] = rect(y, 0, rows - 1 - y, cols);
    out->device_rows = p.dev ? dev_h - BOX_FRAME : 0;
    out->phase_rows = with_phases ? phases_h - (out->phases_bare ? 0 : BOX_FRAME) : 0;
    out->log_rows = p.log ? out->panel[UI_PANEL_LOG].h - BOX_FRAME : 0;
}
