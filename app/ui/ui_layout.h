/* Screen geometry of the full-screen UI as a pure function of the terminal
 * size and what there is to show (nvtop's interface_layout_selection idea):
 * no curses here, so the tests check every size without a terminal. */
#ifndef NT_UI_LAYOUT_H
#define NT_UI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* The smallest screen with panels: the gauges, the title and the footer
 * fit from here on; the log, the package and the devices fit from about
 * 80x22 (see ui_layout.c for the order they give way in). */
#define UI_MIN_COLS 40
#define UI_MIN_ROWS 10

struct ui_rect {
    int y, x, h, w;
};

enum ui_panel {
    UI_PANEL_TITLE,   /* one line: program, state, what the keys do now */
    UI_PANEL_PACKAGE, /* version, processor, source, both images */
    UI_PANEL_DEVICES, /* attached bootloader devices */
    UI_PANEL_PHASES,  /* one gauge per phase */
    UI_PANEL_LOG,     /* scrolling log */
    UI_PANEL_FOOTER,  /* key help */
    UI_PANEL_COUNT
};

struct ui_layout {
    bool too_small; /* below UI_MIN_COLS x UI_MIN_ROWS: show only a notice; a
                       panel that does not fit has h == 0 (and no rows below) */
    struct ui_rect panel[UI_PANEL_COUNT];
    int device_rows;  /* device lines that fit inside the devices box */
    int phase_rows;   /* gauge lines inside the phases box */
    bool phases_bare; /* no frame around the gauges (too few rows for one) */
    int log_rows;     /* log lines inside the log box */
};

/* Package box inner lines: summary, flashloader, firmware. */
#define UI_PACKAGE_LINES 3
/* Phase gauges: upload, configure, erase, write, reset (+ download with --url). */
#define UI_PHASE_LINES 6

/* Which panels a screen has. */
enum ui_layout_kind {
    UI_LAYOUT_DEVICES, /* monitor and picker: devices and log */
    UI_LAYOUT_FLASH,   /* package, devices, phases, log */
    UI_LAYOUT_REPORT   /* after a failure: the package box gives its rows to the
                          log, where the error and the way to recover are read */
};

/* Lay out a cols x rows screen of that kind for ndevices attached devices,
 * with a download gauge when show_download. */
void ui_layout_compute(int cols, int rows, size_t ndevices, enum ui_layout_kind kind, bool show_download,
                       struct ui_layout *out);

#endif
