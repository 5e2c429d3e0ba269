/* Unit tests of the UI's pure layout: at every size from 40x10 to 250x80
 * and device count each panel lies inside the screen, none overlap, none is
 * empty, panels give way in order (log, package, devices) and the gauges,
 * the title and the footer are always there. */
#include "config.h"

#include "tap.h"
#include "ui_layout.h"

static bool overlap(const struct ui_rect *a, const struct ui_rect *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Every present panel inside cols x rows, non-empty, pairwise disjoint,
 * tiling the screen; panels dropped only in their order (log, package,
 * devices); the title, the footer and every gauge always there. */
static void check_sane(int cols, int rows, size_t ndev, enum ui_layout_kind kind, bool dl)
{
    struct ui_layout l;
    int area = 0;
    bool pkg = kind == UI_LAYOUT_FLASH, phases = kind != UI_LAYOUT_DEVICES;
    bool has_log, has_pkg, has_dev;

    ui_layout_compute(cols, rows, ndev, kind, dl, &l);
    CHECK(!l.too_small);
    has_log = l.panel[UI_PANEL_LOG].h > 0;
    has_pkg = l.panel[UI_PANEL_PACKAGE].h > 0;
    has_dev = l.panel[UI_PANEL_DEVICES].h > 0;
    for (int i = 0; i < UI_PANEL_COUNT; i++) {
        const struct ui_rect *r = &l.panel[i];
        bool must = i == UI_PANEL_TITLE || i == UI_PANEL_FOOTER || (i == UI_PANEL_PHASES && phases);
        bool may = i == UI_PANEL_PACKAGE ? pkg : i == UI_PANEL_PHASES ? phases : true;
        if (!may || r->h == 0) {
            CHECK_EQ_INT(r->h, 0);
            CHECK(!must);
            continue;
        }
        CHECK(r->h > 0 && r->w > 0);
        CHECK(r->y >= 0 && r->x >= 0 && r->y + r->h <= rows && r->x + r->w <= cols);
        if (i != UI_PANEL_TITLE && i != UI_PANEL_FOOTER)
            CHECK(r->h >= 3);
        area += r->h * r->w;
        for (int j = 0; j < i; j++)
            if (l.panel[j].h > 0 && overlap(r, &l.panel[j])) {
                fprintf(stderr, "panels %d and %d overlap at %dx%d, %zu devices\n", i, j, cols, rows, ndev);
                CHECK(0);
            }
    }
    /* No rows are wasted: the panels tile the whole screen. */
    CHECK_EQ_INT(area, cols * rows);
    CHECK_EQ_INT(l.panel[UI_PANEL_TITLE].y, 0);
    CHECK_EQ_INT(l.panel[UI_PANEL_FOOTER].y, rows - 1);
    /* The order panels give way in: the log, then the package, then the devices. */
    if (!has_dev && phases)
        CHECK(!has_pkg && !has_log);
    if (pkg && !has_pkg)
        CHECK(!has_log);
    if (!phases)
        CHECK(has_dev);
    CHECK(!has_log || l.log_rows >= 1);
    /* The devices grow only while the log keeps three lines (side by side
     * with the package they share its height). */
    if (has_log && has_dev && l.log_rows < 3)
        CHECK_EQ_INT(l.device_rows, has_pkg && l.panel[UI_PANEL_DEVICES].x > 0 ? UI_PACKAGE_LINES : 1);
    CHECK(!has_dev || l.device_rows >= 1);
    CHECK_EQ_INT(l.log_rows, has_log ? l.panel[UI_PANEL_LOG].h - 2 : 0);
    /* The gauge lines: all of them, always. */
    CHECK_EQ_INT(l.phase_rows, phases ? UI_PHASE_LINES + (dl ? 1 : 0) : 0);
    if (phases)
        CHECK(l.panel[UI_PANEL_PHASES].h >= l.phase_rows + (l.phases_bare ? 0 : 2));
    /* The frame goes only when it cannot fit. */
    if (l.phases_bare)
        CHECK(rows - 2 < l.phase_rows + 2);
}

/* Every size from 40x10 to 250x80, every kind, with and without the
 * download gauge, for no, one, a few and very many devices. */
static void test_every_size(void)
{
    static const size_t devs[] = { 0, 1, 5, 1000 };

    for (int cols = UI_MIN_COLS; cols <= 250; cols++)
        for (int rows = UI_MIN_ROWS; rows <= 80; rows++)
            for (size_t d = 0; d < sizeof devs / sizeof devs[0]; d++)
                for (int kind = UI_LAYOUT_DEVICES; kind <= UI_LAYOUT_REPORT; kind++)
                    for (int dl = 0; dl < 2; dl++)
                        check_sane(cols, rows, devs[d], (enum ui_layout_kind)kind, dl);
}

/* 80x23 (an 80x24 terminal under a tmux or screen status line) keeps every panel. */
static void test_80x23_keeps_everything(void)
{
    struct ui_layout l;

    ui_layout_compute(80, 23, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK(!l.too_small);
    CHECK(l.panel[UI_PANEL_PACKAGE].h > 0);
    CHECK(l.panel[UI_PANEL_DEVICES].h > 0);
    CHECK_EQ_INT(l.phase_rows, UI_PHASE_LINES);
    CHECK(!l.phases_bare);
    CHECK(l.log_rows >= 3);
}

/* Rows running out: the log goes first, then the package, then the devices,
 * then the gauges' frame. */
static void test_panels_give_way_in_order(void)
{
    struct ui_layout l;

    ui_layout_compute(80, 21, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK_EQ_INT(l.log_rows, 1);
    ui_layout_compute(80, 20, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK_EQ_INT(l.panel[UI_PANEL_LOG].h, 0);
    CHECK(l.panel[UI_PANEL_PACKAGE].h > 0);
    ui_layout_compute(80, 17, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK_EQ_INT(l.panel[UI_PANEL_PACKAGE].h, 0);
    CHECK(l.panel[UI_PANEL_DEVICES].h > 0);
    ui_layout_compute(40, 10, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK_EQ_INT(l.panel[UI_PANEL_DEVICES].h, 0);
    CHECK_EQ_INT(l.phase_rows, UI_PHASE_LINES);
    CHECK(!l.phases_bare);
    CHECK_EQ_INT(l.panel[UI_PANEL_PHASES].y, 1);
    /* With the download gauge too, the frame gives way at 40x10. */
    ui_layout_compute(40, 10, 1, UI_LAYOUT_FLASH, true, &l);
    CHECK(!l.too_small);
    CHECK(l.phases_bare);
    CHECK_EQ_INT(l.phase_rows, UI_PHASE_LINES + 1);
    /* The monitor keeps its devices and its log down to 40x10. */
    ui_layout_compute(40, 10, 3, UI_LAYOUT_DEVICES, false, &l);
    CHECK(l.device_rows >= 1);
    CHECK_EQ_INT(l.log_rows, 3);
    ui_layout_compute(40, 10, 30, UI_LAYOUT_DEVICES, false, &l);
    CHECK_EQ_INT(l.log_rows, 3);
}

static void test_standard_sizes(void)
{
    static const int sizes[][2] = { { 80, 24 },  { 100, 30 }, { 200, 60 }, { 139, 40 },
                                    { 140, 24 }, { 80, 100 }, { 300, 24 } };
    static const size_t devs[] = { 0, 1, 5, 20, 64, 1000 };

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t d = 0; d < sizeof devs / sizeof devs[0]; d++)
            for (int kind = UI_LAYOUT_DEVICES; kind <= UI_LAYOUT_REPORT; kind++)
                for (int dl = 0; dl < 2; dl++)
                    check_sane(sizes[s][0], sizes[s][1], devs[d], (enum ui_layout_kind)kind, dl);
}

static void test_80x24_devices(void)
{
    struct ui_layout l;

    ui_layout_compute(80, 24, 0, UI_LAYOUT_FLASH, false, &l);
    CHECK_EQ_INT(l.device_rows, 1); /* room for "no devices" */
    CHECK_EQ_INT(l.log_rows, 4);
    ui_layout_compute(80, 24, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK_EQ_INT(l.device_rows, 1);
    ui_layout_compute(80, 24, 5, UI_LAYOUT_FLASH, false, &l);
    CHECK_EQ_INT(l.device_rows, 2); /* capped: the log keeps 3 lines */
    CHECK_EQ_INT(l.log_rows, 3);
    ui_layout_compute(80, 24, 20, UI_LAYOUT_FLASH, true, &l);
    CHECK_EQ_INT(l.device_rows, 1);
    CHECK_EQ_INT(l.log_rows, 3);
    /* Order on screen: title, package, devices, phases, log, footer. */
    CHECK(l.panel[UI_PANEL_PACKAGE].y < l.panel[UI_PANEL_DEVICES].y);
    CHECK(l.panel[UI_PANEL_DEVICES].y < l.panel[UI_PANEL_PHASES].y);
    CHECK(l.panel[UI_PANEL_PHASES].y < l.panel[UI_PANEL_LOG].y);
    CHECK_EQ_INT(l.panel[UI_PANEL_FOOTER].y, 23);
}

static void test_monitor_gets_the_room(void)
{
    struct ui_layout l;

    ui_layout_compute(80, 24, 20, UI_LAYOUT_DEVICES, false, &l);
    CHECK_EQ_INT(l.device_rows, 15);
    CHECK_EQ_INT(l.log_rows, 3);
    ui_layout_compute(80, 24, 2, UI_LAYOUT_DEVICES, false, &l);
    CHECK_EQ_INT(l.device_rows, 2);
    CHECK_EQ_INT(l.log_rows, 16);
}

static void test_report_gives_the_log_room(void)
{
    struct ui_layout l;

    /* 80x24 after a failure: title, devices 3, phases 8, footer; the log the rest. */
    ui_layout_compute(80, 24, 1, UI_LAYOUT_REPORT, false, &l);
    CHECK_EQ_INT(l.panel[UI_PANEL_PACKAGE].h, 0);
    CHECK_EQ_INT(l.phase_rows, 6);
    CHECK_EQ_INT(l.log_rows, 9);
}

static void test_wide_side_by_side(void)
{
    struct ui_layout l;

    ui_layout_compute(200, 60, 5, UI_LAYOUT_FLASH, true, &l);
    CHECK_EQ_INT(l.panel[UI_PANEL_PACKAGE].y, l.panel[UI_PANEL_DEVICES].y);
    CHECK_EQ_INT(l.panel[UI_PANEL_PACKAGE].h, l.panel[UI_PANEL_DEVICES].h);
    CHECK(l.panel[UI_PANEL_DEVICES].x > 0);
    CHECK_EQ_INT(l.device_rows, 5);
    CHECK_EQ_INT(l.log_rows, 60 - 2 - 7 - 9 - 2);
}

static void test_too_small(void)
{
    struct ui_layout l;

    ui_layout_compute(39, 20, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK(l.too_small);
    CHECK_EQ_INT(l.panel[UI_PANEL_TITLE].w, 39);
    CHECK_EQ_INT(l.panel[UI_PANEL_TITLE].h, 20);
    ui_layout_compute(80, 9, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK(l.too_small);
    ui_layout_compute(40, 10, 1, UI_LAYOUT_FLASH, false, &l);
    CHECK(!l.too_small);
    ui_layout_compute(0, 0, 0, UI_LAYOUT_DEVICES, false, &l);
    CHECK(l.too_small);
}

int main(void)
{
    RUN(test_standard_sizes);
    RUN(test_every_size);
    RUN(test_80x23_keeps_everything);
    RUN(test_panels_give_way_in_order);
    RUN(test_80x24_devices);
    RUN(test_monitor_gets_the_room);
    RUN(test_report_gives_the_log_room);
    RUN(test_wide_side_by_side);
    RUN(test_too_small);
    return check_finish();
}
