/* Pure text helpers of the full-screen UI: the only place that decides how
 * sizes, rates, times and gauges read, so every panel agrees. */
#include "config.h"

#include "ui_fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define UI_KIB 1024.0
#define UI_EIGHTHS_PER_CELL 8
#define UI_SECONDS_PER_MINUTE 60
#define UI_SECONDS_PER_HOUR 3600

/* Scale v (>= 1024) to KiB/MiB/GiB with three significant digits. */
static void fmt_scaled(double v, const char *suffix, char *out, size_t cap)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    size_t u = 0;

    v /= UI_KIB;
    while (v >= UI_KIB && u + 1 < sizeof units / sizeof units[0]) {
        v /= UI_KIB;
        u++;
    }
    if (v < 10.0)
        snprintf(out, cap, "%.2f %s%s", floor(v * 100.0) / 100.0, units[u], suffix);
    else if (v < 100.0)
        snprintf(out, cap, "%.1f %s%s", floor(v * 10.0) / 10.0, units[u], suffix);
    else
        snprintf(out, cap, "%.0f %s%s", floor(v), units[u], suffix);
}

void ui_fmt_bytes(uint64_t n, char *out, size_t cap)
{
    if (n < 1024)
        snprintf(out, cap, "%u B", (unsigned)n);
    else
        fmt_scaled((double)n, "", out, cap);
}

void ui_fmt_rate(double bytes_per_s, char *out, size_t cap)
{
    if (!(bytes_per_s > 0.0) || isinf(bytes_per_s))
        snprintf(out, cap, "-");
    else if (bytes_per_s < UI_KIB)
        snprintf(out, cap, "%.0f B/s", floor(bytes_per_s));
    else
        fmt_scaled(bytes_per_s, "/s", out, cap);
}

void ui_fmt_duration(double s, char *out, size_t cap)
{
    if (!(s >= 0.0) || isinf(s)) {
        snprintf(out, cap, "-");
    } else if (s < 10.0) {
        snprintf(out, cap, "%.1fs", floor(s * 10.0) / 10.0);
    } else if (s < UI_SECONDS_PER_MINUTE) {
        snprintf(out, cap, "%ds", (int)s);
    } else if (s < UI_SECONDS_PER_HOUR) {
        int t = (int)s;
        snprintf(out, cap, "%dm%02ds", t / UI_SECONDS_PER_MINUTE, t % UI_SECONDS_PER_MINUTE);
    } else {
        long t = (long)(s / UI_SECONDS_PER_MINUTE);
        snprintf(out, cap, "%ldh%02ldm", t / 60, t % 60);
    }
}

void ui_fmt_eta(uint64_t done, uint64_t total, double rate, char *out, size_t cap)
{
    if (total == 0 || done > total || !(rate > 0.0)) {
        snprintf(out, cap, "-");
        return;
    }
    ui_fmt_duration((double)(total - done) / rate, out, cap);
}

int ui_percent(uint64_t done, uint64_t total)
{
    if (total == 0)
        return 0;
    if (done >= total)
        return 100;
    /* Floored so 100% appears only when everything is acknowledged. */
    return (int)((done * 100u) / total);
}

/* Append s to out[*len..cap) if it fits whole; false when it does not. */
static bool gauge_put(char *out, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);

    if (*len + n + 1 > cap)
        return false;
    memcpy(out + *len, s, n + 1);
    *len += n;
    return true;
}

size_t ui_gauge(double frac, int width, bool utf8, char *out, size_t cap)
{
    /* U+2588 FULL BLOCK, U+258F..U+2589 one to seven eighths, U+2591 LIGHT SHADE. */
    static const char *const eighths[UI_EIGHTHS_PER_CELL] = { "",       "\u258f", "\u258e", "\u258d",
                                                              "\u258c", "\u258b", "\u258a", "\u2589" };
    size_t len = 0;
    long units, full, part, i;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (width <= 0)
        return 0;
    if (!(frac > 0.0))
        frac = 0.0;
    if (frac > 1.0)
        frac = 1.0;
    units = (long)floor(frac * width * UI_EIGHTHS_PER_CELL);
    full = units / UI_EIGHTHS_PER_CELL;
    part = utf8 ? units % UI_EIGHTHS_PER_CELL : 0;
    for (i = 0; i < width; i++) {
        const char *cell;
        if (i < full)
            cell = utf8 ? "\u2588" : "#";
        else if (i == full && part > 0)
            cell = eighths[part];
        else
            cell = utf8 ? "\u2591" : ".";
        if (!gauge_put(out, cap, &len, cell))
            break;
    }
    return len;
}

/* Is byte i of s inside a UTF-8 sequence (a continuation byte)? Cuts move
 * off those, so no text is ever split in the middle of a character. */
static bool utf8_inside(const char *s, size_t i) { return ((unsigned char)s[i] & 0xC0) == 0x80; }

void ui_fmt_fit(const char *src, int cols, char *out, size_t cap)
{
    size_t n = strlen(src), keep;

    if (cap == 0)
        return;
    if (cols < 0)
        cols = 0;
    if (n <= (size_t)cols) {
        snprintf(out, cap, "%s", src);
        return;
    }
    if (cols <= 3) {
        snprintf(out, cap, "%.*s", cols, src);
        return;
    }
    keep = (size_t)cols - 3;
    while (keep > 0 && utf8_inside(src, keep))
        keep--;
    snprintf(out, cap, "%.*s...", (int)keep, src);
}

void ui_fmt_fit_tail(const char *src, int cols, char *out, size_t cap)
{
    size_t n = strlen(src), from;

    if (cols <= 3 || n <= (size_t)cols) {
        ui_fmt_fit(src, cols, out, cap);
        return;
    }
    from = n - ((size_t)cols - 3);
    while (from < n && utf8_inside(src, from))
        from++;
    snprintf(out, cap, "...%s", src + from);
}

size_t ui_fmt_wrap(const char *s, int cols, size_t *advance)
{
    size_t n = strlen(s), cut, sp;

    if (cols < 1)
        cols = 1;
    if (n <= (size_t)cols) {
        *advance = n;
        return n;
    }
    cut = (size_t)cols;
    while (cut > 0 && utf8_inside(s, cut))
        cut--;
    if (cut == 0) { /* one character wider than the row: take it whole */
        cut = 1;
        while (utf8_inside(s, cut))
            cut++;
        *advance = cut;
        return cut;
    }
    for (sp = cut; sp > (size_t)cols / 2; sp--)
        if (s[sp] == ' ') {
            *advance = sp + 1;
            return sp;
        }
    *advance = cut;
    return cut;
}

int ui_fmt_wrap_rows(const char *s, int cols)
{
    int rows = 0;

    do {
        size_t adv;
        ui_fmt_wrap(s, cols, &adv);
        s += adv;
        rows++;
    } while (*s);
    return rows;
}
