/* The curses side of the UI: one window per layout panel, redrawn only when
 * the model marks it dirty (wnoutrefresh each, then one doupdate), so a
 * flash over SSH sends little more than the changing digits. */
#ifndef NT_UI_SCREEN_H
#define NT_UI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "ui_layout.h"
#include "ui_model.h"

enum ui_mode {
    UI_MODE_MONITOR, /* no package: watch devices come and go */
    UI_MODE_PICK,    /* several modules: the user chooses one */
    UI_MODE_FLASH,   /* the session runs */
    UI_MODE_RESULT   /* the session ended: waiting for a key */
};

#define UI_PROMPT_MAX 160

struct ui_screen {
    WINDOW *win[UI_PANEL_COUNT];
    WINDOW *help;
    struct ui_layout layout;
    int cols, rows;
    bool utf8, color;
    enum ui_mode mode;
    bool show_help;
    bool with_package;          /* the package and phase panels exist */
    char prompt[UI_PROMPT_MAX]; /* title-line notice (quit confirmation); "" none */
};

/* Start curses-side state for an already initialised screen. */
void ui_screen_init(struct ui_screen *s, bool utf8, bool color, bool with_package);
/* Recompute the layout for the current terminal size and model; rebuilds the
 * windows (and repaints everything) only when a rectangle changed. force:
 * after a resize, repaint the whole terminal. */
void ui_screen_layout(struct ui_screen *s, struct ui_model *m, bool force);
/* Draw the dirty panels and push them to the terminal with one doupdate. */
void ui_screen_draw(struct ui_screen *s, struct ui_model *m);
/* The window keys are read from (it always exists; nodelay, keypad). */
WINDOW *ui_screen_input(const struct ui_screen *s);
void ui_screen_free(struct ui_screen *s);

#endif
