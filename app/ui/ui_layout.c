/* Pure layout of the full-screen UI: rectangles for each panel from the
 * terminal size and content counts. Boxed panels spend two rows and two
 * columns on their frame. */
#include "config.h"

#include "ui_layout.h"

#include <string.h>

#define BOX_FRAME 2
/* The log keeps at least this many text lines; devices give way first. */
#define LOG_MIN_LINES 3
/* Side by side package | devices from this width on (both stay readable). */
#define WIDE_MIN_COLS 140
#define DEVICES_MIN_LINES 1

static struct ui_rect rect(int y, int x, int h, int w)
{
    struct ui_rect r = { y, x, h, w };
    return r;
}

static int clamp_int(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

void ui_layout_compute(int cols, int rows, size_t ndevices, enum ui_layout_kind kind, bool show_download,
                       struct ui_layout *out)
{
    bool with_package = kind == UI_LAYOUT_FLASH, with_phases = kind != UI_LAYOUT_DEVICES;
    int pkg_h = with_package ? UI_PACKAGE_LINES + BOX_FRAME : 0;
    int phases_h = with_phases ? UI_PHASE_LINES + (show_download ? 1 : 0) + BOX_FRAME : 0;
    int wanted_dev = ndevices > 100 ? 100 : (int)ndevices;
    bool wide = with_package && cols >= WIDE_MIN_COLS;
    int y = 1, avail, dev_h, top_h;

    memset(out, 0, sizeof *out);
    if (wanted_dev < DEVICES_MIN_LINES)
        wanted_dev = DEVICES_MIN_LINES;
    if (cols < UI_MIN_COLS || rows < UI_MIN_ROWS) {
        out->too_small = true;
        out->panel[UI_PANEL_TITLE] = rect(0, 0, rows > 0 ? rows : 0, cols > 0 ? cols : 0);
        return;
    }
    out->panel[UI_PANEL_TITLE] = rect(0, 0, 1, cols);
    out->panel[UI_PANEL_FOOTER] = rect(rows - 1, 0, 1, cols);
    /* Rows for devices (and, when wide, the package beside them) and the log. */
    avail = rows - 2 - phases_h - (wide ? 0 : pkg_h);
    dev_h =
        clamp_int(wanted_dev + BOX_FRAME, DEVICES_MIN_LINES + BOX_FRAME, avail - (LOG_MIN_LINES + BOX_FRAME));
    if (wide) {
        int pkg_w = cols * 3 / 5;
        top_h = dev_h > pkg_h ? dev_h : pkg_h;
        /* Both boxes share the taller height so the row reads as one band. */
        if (top_h > avail - (LOG_MIN_LINES + BOX_FRAME))
            top_h = avail - (LOG_MIN_LINES + BOX_FRAME);
        out->panel[UI_PANEL_PACKAGE] = rect(y, 0, top_h, pkg_w);
        out->panel[UI_PANEL_DEVICES] = rect(y, pkg_w, top_h, cols - pkg_w);
        dev_h = top_h;
        y += top_h;
    } else {
        if (with_package) {
            out->panel[UI_PANEL_PACKAGE] = rect(y, 0, pkg_h, cols);
            y += pkg_h;
        }
        out->panel[UI_PANEL_DEVICES] = rect(y, 0, dev_h, cols);
        y += dev_h;
    }
    if (with_phases) {
        out->panel[UI_PANEL_PHASES] = rect(y, 0, phases_h, cols);
        y += phases_h;
    }
    out->panel[UI_PANEL_LOG] = rect(y, 0, rows - 1 - y, cols);
    out->device_rows = dev_h - BOX_FRAME;
    out->phase_rows = with_phases ? phases_h - BOX_FRAME : 0;
    out->log_rows = out->panel[UI_PANEL_LOG].h - BOX_FRAME;
}
