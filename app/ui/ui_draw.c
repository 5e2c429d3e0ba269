/* Drawing the UI model with curses: a window per panel, repainted only when
 * the model marked that panel dirty, then one doupdate (htop/nvtop). ASCII
 * frames and gauges when the locale is not UTF-8; attributes instead of
 * colours under NO_COLOR. */
#include "config.h"

#include "ui_screen.h"

#include <stdio.h>
#include <string.h>

#include "ui_fmt.h"
#include "text.h"

#define LINE_MAX_BYTES 1280
#define GAUGE_NAME_COLS 10
#define GAUGE_PCT_COLS 6
#define GAUGE_TEXT_COLS 46
#define GAUGE_MIN_COLS 10
#define GAUGE_NARROW_MIN_COLS 4
#define GAUGE_MAX_COLS 80
#define HELP_MAX_COLS 64

enum ui_style {
    ST_NORMAL,
    ST_TITLE,
    ST_WARN,
    ST_ERROR,
    ST_OK,
    ST_GAUGE,
    ST_SELECT,
    ST_DIM,
    ST_TITLE_OK,
    ST_TITLE_FAIL
};

/* The keys of each mode, and only those (the help never lists a key that
 * does nothing where it is shown). */
static const char *const help_flash[] = {
    "q          stop; during erase or write it asks first,",
    "           then stops after the command in flight",
    "Ctrl-C     stop after the command in flight, without asking",
    "?          close this help",
};
static const char *const help_pick[] = {
    "Up/Down    choose a module (also k/j)",
    "Enter      flash the chosen module",
    "q          quit without flashing",
    "?          close this help",
};
static const char *const help_monitor[] = {
    "           modules appear here as they enter bootloader mode",
    "q          quit",
    "?          close this help",
};
static const char *const help_result[] = {
    "any key    close nt_flash; the result stays on the terminal",
    "?          close this help",
};

static const char *const *help_for(enum ui_mode mode, int *n)
{
#define HELP(a) (*n = (int)(sizeof a / sizeof a[0]), a)
    switch (mode) {
    case UI_MODE_PICK: return HELP(help_pick);
    case UI_MODE_MONITOR: return HELP(help_monitor);
    case UI_MODE_RESULT: return HELP(help_result);
    case UI_MODE_FLASH: break;
    }
    return HELP(help_flash);
#undef HELP
}

static attr_t style(const struct ui_screen *s, enum ui_style st)
{
    if (s->color) {
        switch (st) {
        case ST_TITLE: return COLOR_PAIR(ST_TITLE) | A_BOLD;
        case ST_TITLE_OK: return COLOR_PAIR(ST_TITLE_OK) | A_BOLD;
        case ST_TITLE_FAIL: return COLOR_PAIR(ST_TITLE_FAIL) | A_BOLD;
        case ST_WARN: return COLOR_PAIR(ST_WARN) | A_BOLD;
        case ST_ERROR: return COLOR_PAIR(ST_ERROR) | A_BOLD;
        case ST_OK: return COLOR_PAIR(ST_OK) | A_BOLD;
        case ST_GAUGE: return COLOR_PAIR(ST_GAUGE);
        case ST_SELECT: return A_REVERSE;
        case ST_DIM: return A_DIM;
        case ST_NORMAL: break;
        }
        return A_NORMAL;
    }
    switch (st) {
    case ST_TITLE:
    case ST_TITLE_OK:
    case ST_SELECT: return A_REVERSE;
    case ST_TITLE_FAIL: return A_REVERSE | A_BOLD;
    case ST_WARN:
    case ST_ERROR:
    case ST_OK: return A_BOLD;
    default: return A_NORMAL;
    }
}

static void init_colors(void)
{
    start_color();
    use_default_colors();
    init_pair(ST_TITLE, COLOR_BLACK, COLOR_CYAN);
    init_pair(ST_WARN, COLOR_YELLOW, -1);
    init_pair(ST_ERROR, COLOR_RED, -1);
    init_pair(ST_OK, COLOR_GREEN, -1);
    init_pair(ST_GAUGE, COLOR_CYAN, -1);
    /* DONE and FAILED must not look alike. */
    init_pair(ST_TITLE_OK, COLOR_BLACK, COLOR_GREEN);
    init_pair(ST_TITLE_FAIL, COLOR_WHITE, COLOR_RED);
}

void ui_screen_init(struct ui_screen *s, bool utf8, bool color, bool with_package)
{
    memset(s, 0, sizeof *s);
    s->utf8 = utf8;
    s->color = color;
    s->with_package = with_package;
    s->mode = with_package ? UI_MODE_FLASH : UI_MODE_MONITOR;
    if (color)
        init_colors();
}

static void free_windows(struct ui_screen *s)
{
    for (int i = 0; i < UI_PANEL_COUNT; i++)
        if (s->win[i]) {
            delwin(s->win[i]);
            s->win[i] = NULL;
        }
    if (s->help) {
        delwin(s->help);
        s->help = NULL;
    }
}

void ui_screen_free(struct ui_screen *s) { free_windows(s); }

WINDOW *ui_screen_input(const struct ui_screen *s)
{
    WINDOW *w = s->win[UI_PANEL_FOOTER];
    return w ? w : s->win[UI_PANEL_TITLE];
}

static enum ui_layout_kind layout_kind(const struct ui_screen *s, const struct ui_model *m)
{
    /* The picker comes before any package is open: the devices get the room. */
    if (!s->with_package || s->mode == UI_MODE_PICK)
        return UI_LAYOUT_DEVICES;
    return s->mode == UI_MODE_RESULT && m->run == UI_RS_FAILED ? UI_LAYOUT_REPORT : UI_LAYOUT_FLASH;
}

void ui_screen_layout(struct ui_screen *s, struct ui_model *m, bool force)
{
    struct ui_layout l;

    ui_layout_compute(COLS, LINES, m->ndev, layout_kind(s, m), m->show_download, &l);
    if (!force && s->win[UI_PANEL_TITLE] && memcmp(&l, &s->layout, sizeof l) == 0)
        return;
    free_windows(s);
    s->layout = l;
    s->cols = COLS;
    s->rows = LINES;
    for (int i = 0; i < UI_PANEL_COUNT; i++) {
        const struct ui_rect *r = &l.panel[i];
        if (r->h > 0 && r->w > 0)
            s->win[i] = newwin(r->h, r->w, r->y, r->x);
    }
    WINDOW *in = ui_screen_input(s);
    if (in) {
        keypad(in, TRUE);
        nodelay(in, TRUE);
    }
    if (force)
        clearok(curscr, TRUE);
    m->dirty = (1u << UI_PANEL_COUNT) - 1;
}

/* Text at (y, x), cut to `cols` columns. Every string reaches the screen
 * here, made safe first (text.h), so a name or message from a package, a
 * server or a device cannot move the cursor or draw outside its place. */
static void put(WINDOW *w, int y, int x, int cols, attr_t a, const char *text)
{
    char buf[LINE_MAX_BYTES], safe[LINE_MAX_BYTES];

    if (cols <= 0)
        return;
    nt_text_safe(safe, sizeof safe, text);
    ui_fmt_fit(safe, cols, buf, sizeof buf);
    wattron(w, a);
    mvwaddstr(w, y, x, buf);
    wattroff(w, a);
}

static void frame(const struct ui_screen *s, WINDOW *w, const char *title)
{
    int h, wd;

    getmaxyx(w, h, wd);
    (void)h;
    if (s->utf8)
        box(w, 0, 0);
    else
        wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
    put(w, 0, 2, wd - 4, A_BOLD, title);
}

static const char *phase_text(enum sess_phase ph)
{
    switch (ph) {
    case SESS_PH_DOWNLOAD: return "Downloading the package";
    case SESS_PH_EXTRACT: return "Opening the package";
    case SESS_PH_WAIT: return "Waiting for the module in bootloader mode";
    case SESS_PH_UPLOAD: return "Uploading the flashloader";
    case SESS_PH_ENUM: return "Waiting for the flashloader to enumerate";
    case SESS_PH_CONFIGURE: return "Configuring FlexSPI NOR";
    case SESS_PH_BACKUP: return "Reading the firmware for the backup";
    case SESS_PH_COMPARE: return "Reading the flash to find what changed";
    case SESS_PH_ERASE: return "Erasing";
    case SESS_PH_FCB: return "Programming the FlexSPI configuration block";
    case SESS_PH_WRITE: return "Writing the firmware";
    case SESS_PH_VERIFY: return "Reading the firmware back to verify it";
    case SESS_PH_RESET: return "Resetting the module";
    case SESS_PH_RESTART: return "Waiting for the module to run its firmware";
    case SESS_PH_COUNT: break;
    }
    return "Working";
}

static void title_state(const struct ui_screen *s, const struct ui_model *m, char *out, size_t cap)
{
    switch (s->mode) {
    case UI_MODE_MONITOR:
        snprintf(out, cap, "Device monitor: %zu NXP bootloader device%s", m->ndev, m->ndev == 1 ? "" : "s");
        break;
    case UI_MODE_PICK:
        snprintf(out, cap, "Several modules attached: choose one with %s and Enter",
                 s->utf8 ? "\u2191/\u2193" : "Up/Down");
        break;
    default:
        if (m->run == UI_RS_FINISHED)
            snprintf(out, cap, "DONE: %s", m->result);
        else if (m->run == UI_RS_FAILED)
            snprintf(out, cap, "FAILED: %s", m->result);
        else if (m->run == UI_RS_IDLE)
            snprintf(out, cap, "Starting");
        else if (m->phase == SESS_PH_WAIT && m->phase_active)
            ui_model_wait_text(m, out, cap);
        else if (m->flash_t0 > 0) {
            /* The whole job at a glance: overall percent and time left. */
            char left[32] = "";
            double sl = ui_model_overall_left(m);
            if (sl >= 0) {
                char d[24];
                ui_fmt_duration(sl, d, sizeof d);
                snprintf(left, sizeof left, ", %s left", d);
            }
            snprintf(out, cap, "%d%%%s - %s", ui_model_overall_percent(m), left, phase_text(m->phase));
        } else
            snprintf(out, cap, "%s", phase_text(m->phase));
        break;
    }
}

static void draw_title(const struct ui_screen *s, const struct ui_model *m, WINDOW *w)
{
    char state[NT_ERR_MSG_MAX + 32], line[LINE_MAX_BYTES];
    int wd = getmaxx(w);

    enum ui_style st = s->mode == UI_MODE_MONITOR || s->mode == UI_MODE_PICK ? ST_TITLE
        : m->run == UI_RS_FINISHED                                           ? ST_TITLE_OK
        : m->run == UI_RS_FAILED                                             ? ST_TITLE_FAIL
                                                                             : ST_TITLE;

    title_state(s, m, state, sizeof state);
    wbkgdset(w, ' ' | style(s, st));
    werase(w);
    snprintf(line, sizeof line, " nt_flash %s - %s", PACKAGE_VERSION, s->prompt[0] ? s->prompt : state);
    put(w, 0, 0, wd, style(s, st), line);
}

static void draw_image(WINDOW *w, int y, const char *what, const struct ui_image_model *img)
{
    char size[32], line[LINE_MAX_BYTES];
    int wd = getmaxx(w) - 4;

    ui_fmt_bytes(img->size, size, sizeof size);
    /* The hash is shown whole when it fits; else cut with "..." like any text. */
    snprintf(line, sizeof line, "%-12s%-26s %10s  sha256 %s", what, img->name, size, img->sha256);
    put(w, y, 2, wd, A_NORMAL, line);
}

static void draw_package(const struct ui_screen *s, const struct ui_model *m, WINDOW *w)
{
    char line[LINE_MAX_BYTES], src[LINE_MAX_BYTES];
    int wd = getmaxx(w) - 4;

    werase(w);
    frame(s, w, " Package ");
    if (!m->have_package && m->release_version[0]) {
        /* An official release: which one, and what it changes. */
        snprintf(line, sizeof line, "Fetching firmware %s%s%s...", m->release_version,
                 m->release_date[0] ? " of " : "", m->release_date);
        put(w, 1, 2, wd, A_BOLD, line);
        for (size_t i = 0; i < m->release_changes && i < UI_RELEASE_SHOWN; i++) {
            bool more = i + 1 == UI_RELEASE_SHOWN && m->release_changes > UI_RELEASE_SHOWN;
            snprintf(line, sizeof line, "- %s%s", m->release_change[i], more ? " (more in the log)" : "");
            put(w, 2 + (int)i, 2, wd, style(s, ST_DIM), line);
        }
        return;
    }
    if (!m->have_package) {
        put(w, 1, 2, wd, style(s, ST_DIM),
            m->show_download ? "Downloading and checking the package..." : "Checking the package...");
        return;
    }
    snprintf(line, sizeof line, "Version %s   Processor %s   Source ", m->version,
             m->processor[0] ? m->processor : "-");
    put(w, 1, 2, wd, A_BOLD, line);
    ui_fmt_fit_tail(m->source, wd - (int)strlen(line), src, sizeof src);
    put(w, 1, 2 + (int)strlen(line), wd - (int)strlen(line), A_BOLD, src);
    draw_image(w, 2, "flashloader", &m->flashloader);
    draw_image(w, 3, "firmware", &m->firmware);
}

static void draw_devices(const struct ui_screen *s, const struct ui_model *m, WINDOW *w)
{
    int rows = s->layout.device_rows, wd = getmaxx(w) - 4;
    size_t first = 0, shown, focus;
    char title[64], state[32], line[LINE_MAX_BYTES];

    werase(w);
    snprintf(title, sizeof title, " Devices (%zu) ", m->ndev);
    frame(s, w, title);
    if (m->ndev == 0) {
        put(w, 1, 2, wd, style(s, ST_DIM),
            "None in bootloader mode: on the module choose Menu > Misc > Enter bootloader mode.");
        return;
    }
    /* Keep the picker's cursor, or the module being flashed, on screen; one
     * line reports what is hidden. */
    shown = m->ndev <= (size_t)rows ? m->ndev : (size_t)rows - 1;
    if (shown == 0)
        shown = 1;
    focus = s->mode == UI_MODE_PICK ? m->selected : 0;
    for (size_t i = 0; s->mode != UI_MODE_PICK && m->target_port[0] && i < m->ndev; i++)
        if (!strcmp(m->dev[i].port, m->target_port))
            focus = i;
    if (focus >= shown)
        first = focus - shown + 1;
    /* The count of the hidden ones goes on the side they are hidden on:
     * above the list when the focus scrolled it down. */
    int y0 = shown < m->ndev && first > 0 ? 1 : 0;
    if (y0) {
        size_t below = m->ndev - first - shown;
        if (below)
            snprintf(line, sizeof line, "  ... and %zu more above, %zu below", first, below);
        else
            snprintf(line, sizeof line, "  ... and %zu more above", first);
        put(w, 1, 2, wd, style(s, ST_DIM), line);
    }
    for (size_t i = 0; i < shown && first + i < m->ndev; i++) {
        const struct tp_devinfo *d = &m->dev[first + i];
        bool sel = s->mode == UI_MODE_PICK && first + i == m->selected;
        enum ui_style st = ST_NORMAL;
        ui_model_device_state(m, d, state, sizeof state);
        if (!strcmp(state, "done"))
            st = ST_OK;
        else if (!strcmp(state, "failed"))
            st = ST_ERROR;
        /* The probe's HAB or version column, as --list prints it, when known. */
        snprintf(line, sizeof line, "%s%-14s %-6s %04x:%04x  %-14s %s%s%s", sel ? "> " : "  ", d->port,
                 tp_kind_name(d->kind), d->vid, d->pid, state, m->probe[first + i],
                 m->probe[first + i][0] ? "  " : "", d->desc);
        put(w, 1 + y0 + (int)i, 2, wd, sel ? style(s, ST_SELECT) : style(s, st), line);
    }
    if (!y0 && shown < m->ndev && (int)shown < rows) {
        snprintf(line, sizeof line, "  ... and %zu more below", m->ndev - shown);
        put(w, 1 + (int)shown, 2, wd, style(s, ST_DIM), line);
    }
}

static void draw_gauge_line(const struct ui_screen *s, const struct ui_model *m, WINDOW *w, int y,
                            enum ui_gauge_id g)
{
    const struct ui_gauge_model *gm = &m->gauge[g];
    int iw = getmaxx(w) - 4, gw;
    /* Below 80 columns the text right of the bar keeps only the time. */
    bool narrow = iw < GAUGE_NAME_COLS + GAUGE_MIN_COLS + GAUGE_PCT_COLS + GAUGE_TEXT_COLS;
    char bar[GAUGE_MAX_COLS * 4 + 1], text[LINE_MAX_BYTES], pct[16];
    double frac = 0;
    enum ui_style st = gm->state == UI_GS_FAILED ? ST_ERROR : gm->state == UI_GS_DONE ? ST_OK : ST_NORMAL;

    gw = iw - GAUGE_NAME_COLS - GAUGE_PCT_COLS - (narrow ? UI_GAUGE_SHORT_COLS : GAUGE_TEXT_COLS);
    gw = gw < (narrow ? GAUGE_NARROW_MIN_COLS : GAUGE_MIN_COLS)
        ? (narrow ? GAUGE_NARROW_MIN_COLS : GAUGE_MIN_COLS)
        : gw > GAUGE_MAX_COLS ? GAUGE_MAX_COLS
                              : gw;
    if (gm->state == UI_GS_DONE)
        frac = 1;
    else if (gm->total)
        frac = (double)gm->done / (double)gm->total;
    put(w, y, 2, GAUGE_NAME_COLS, style(s, st), ui_gauge_name(g));
    ui_gauge(frac, gw, s->utf8, bar, sizeof bar);
    wattron(w, style(s, ST_GAUGE));
    mvwaddstr(w, y, 2 + GAUGE_NAME_COLS, bar);
    wattroff(w, style(s, ST_GAUGE));
    if (gm->state == UI_GS_PENDING || (gm->state == UI_GS_RUNNING && !gm->total))
        snprintf(pct, sizeof pct, "%5s ", "");
    else
        snprintf(pct, sizeof pct, "%4d%% ",
                 (gm->state == UI_GS_DONE) ? 100 : ui_percent(gm->done, gm->total));
    put(w, y, 2 + GAUGE_NAME_COLS + gw, GAUGE_PCT_COLS, A_NORMAL, pct);
    if (narrow)
        ui_model_gauge_text_short(m, g, text, sizeof text);
    else
        ui_model_gauge_text(m, g, text, sizeof text);
    put(w, y, 2 + GAUGE_NAME_COLS + gw + GAUGE_PCT_COLS, iw - GAUGE_NAME_COLS - gw - GAUGE_PCT_COLS,
        style(s, st), text);
}

static void draw_phases(const struct ui_screen *s, const struct ui_model *m, WINDOW *w)
{
    int y = s->layout.phases_bare ? 0 : 1;

    werase(w);
    if (!s->layout.phases_bare)
        frame(s, w, " Phases ");
    for (int g = 0; g < UI_G_COUNT; g++) {
        if (g == UI_G_DOWNLOAD && !m->show_download)
            continue;
        draw_gauge_line(s, m, w, y++, (enum ui_gauge_id)g);
    }
}

/* The log, newest at the bottom; long lines (error messages carry their
 * fix at the end) wrap under their text instead of being cut. */
#define LOG_PREFIX_COLS 10

static void log_line_text(const struct ui_log_line *l, char *out, size_t cap)
{
    const char *tag = l->level == SESS_LOG_ERROR ? "error: " : l->level == SESS_LOG_WARN ? "warning: " : "";
    size_t n = (size_t)snprintf(out, cap, "%s", tag);

    /* Escaped before wrapping, so the rows counted are the rows drawn. */
    if (n < cap)
        nt_text_safe(out + n, cap - n, l->text);
}

static void draw_log(const struct ui_screen *s, const struct ui_model *m, WINDOW *w)
{
    int rows = s->layout.log_rows, cols = getmaxx(w) - 4 - LOG_PREFIX_COLS, y, used = 0;
    size_t first = m->log_count;
    char text[LINE_MAX_BYTES], stamp[32];

    werase(w);
    frame(s, w, " Log ");
    /* Walk back from the newest line until the box is full. */
    while (first > 0 && used < rows) {
        log_line_text(ui_model_log_line(m, first - 1), text, sizeof text);
        used += ui_fmt_wrap_rows(text, cols);
        first--;
    }
    /* Top-aligned until the box fills; then the oldest line may show only its tail. */
    y = used < rows ? 1 : 1 + rows - used;
    for (size_t i = first; i < m->log_count; i++) {
        const struct ui_log_line *l = ui_model_log_line(m, i);
        enum ui_style st = l->level == SESS_LOG_ERROR ? ST_ERROR
            : l->level == SESS_LOG_WARN               ? ST_WARN
            : l->level == SESS_LOG_DEBUG              ? ST_DIM
                                                      : ST_NORMAL;
        const char *p = text;
        log_line_text(l, text, sizeof text);
        snprintf(stamp, sizeof stamp, "%7.1fs", l->t);
        if (y >= 1)
            put(w, y, 2, LOG_PREFIX_COLS, style(s, st), stamp);
        do {
            size_t adv, n = ui_fmt_wrap(p, cols, &adv);
            char row[LINE_MAX_BYTES];
            snprintf(row, sizeof row, "%.*s", (int)n, p);
            if (y >= 1)
                put(w, y, 2 + LOG_PREFIX_COLS, cols, style(s, st), row);
            y++;
            p += adv;
        } while (*p);
    }
}

static void draw_footer(const struct ui_screen *s, const struct ui_model *m, WINDOW *w)
{
    const char *keys;

    (void)m;
    werase(w);
    switch (s->mode) {
    case UI_MODE_PICK:
        keys = s->utf8 ? " \u2191/\u2193 choose   Enter flash   q quit   ? help"
                       : " Up/Down choose   Enter flash   q quit   ? help";
        break;
    case UI_MODE_RESULT: keys = " Press any key to exit.   ? help"; break;
    default: keys = " q quit   ? help"; break;
    }
    put(w, 0, 0, getmaxx(w), A_BOLD, keys);
}

/* Below 40x10: the size, the way out, and still the state of the job. */
static void draw_too_small(const struct ui_screen *s, const struct ui_model *m, WINDOW *w)
{
    char line[LINE_MAX_BYTES];
    int wd = getmaxx(w), h = getmaxy(w), y = h > 4 ? h / 2 - 2 : 0;

    werase(w);
    snprintf(line, sizeof line, "Terminal is %dx%d:", s->cols, s->rows);
    put(w, y++, 0, wd, A_BOLD, line);
    snprintf(line, sizeof line, "nt_flash needs at least %dx%d.", UI_MIN_COLS, UI_MIN_ROWS);
    put(w, y++, 0, wd, A_BOLD, line);
    put(w, y++, 0, wd, A_NORMAL, "Enlarge the window; the job carries on meanwhile.");
    if (s->with_package && m->run != UI_RS_IDLE) {
        title_state(s, m, line, sizeof line);
        if (m->run == UI_RS_RUNNING) {
            char state[LINE_MAX_BYTES + 16];
            snprintf(state, sizeof state, "%d%% %s", ui_model_overall_percent(m), line);
            put(w, y, 0, wd, A_NORMAL, state);
        } else {
            put(w, y, 0, wd, A_NORMAL, line);
        }
    }
}

/* The help box sits just above the footer, over the log, so the gauges
 * stay in view. */
static void draw_help(struct ui_screen *s)
{
    int n;
    const char *const *help_lines = help_for(s->mode, &n);
    int w = s->cols - 4 < HELP_MAX_COLS ? s->cols - 4 : HELP_MAX_COLS, h = n + 2;
    int y = s->rows - 1 - h;

    if (y < 1)
        y = 1;
    if (h > s->rows - 2)
        h = s->rows - 2;
    if (!s->help)
        s->help = newwin(h, w, y, (s->cols - w) / 2);
    if (!s->help)
        return;
    werase(s->help);
    frame(s, s->help, " Help ");
    for (int i = 0; i < n && i < h - 2; i++)
        put(s->help, 1 + i, 2, w - 4, A_NORMAL, help_lines[i]);
    touchwin(s->help);
    wnoutrefresh(s->help);
}

typedef void (*panel_draw_fn)(const struct ui_screen *, const struct ui_model *, WINDOW *);

void ui_screen_draw(struct ui_screen *s, struct ui_model *m)
{
    static const panel_draw_fn draw[UI_PANEL_COUNT] = {
        [UI_PANEL_TITLE] = draw_title,   [UI_PANEL_PACKAGE] = draw_package, [UI_PANEL_DEVICES] = draw_devices,
        [UI_PANEL_PHASES] = draw_phases, [UI_PANEL_LOG] = draw_log,         [UI_PANEL_FOOTER] = draw_footer,
    };
    bool drew = false;

    if (s->layout.too_small) {
        if (m->dirty && s->win[UI_PANEL_TITLE]) {
            draw_too_small(s, m, s->win[UI_PANEL_TITLE]);
            wnoutrefresh(s->win[UI_PANEL_TITLE]);
            drew = true;
        }
    } else {
        if (!s->show_help && s->help) {
            /* The panels under the help box must reach the screen again. */
            delwin(s->help);
            s->help = NULL;
            for (int i = 0; i < UI_PANEL_COUNT; i++)
                if (s->win[i])
                    touchwin(s->win[i]);
        }
        for (int i = 0; i < UI_PANEL_COUNT; i++)
            if ((m->dirty & (1u << i)) && s->win[i]) {
                draw[i](s, m, s->win[i]);
                wnoutrefresh(s->win[i]);
                drew = true;
            }
        if (s->show_help && (drew || !s->help)) {
            draw_help(s);
            drew = true;
        }
    }
    m->dirty = 0;
    if (drew)
        doupdate();
}
