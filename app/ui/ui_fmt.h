/* Pure text helpers of the full-screen UI (sizes, rates, durations, gauges),
 * kept free of curses so the unit tests can pin every string exactly. */
#ifndef NT_UI_FMT_H
#define NT_UI_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "512 B", "4.0 KiB", "1.25 MiB": three significant digits above 1 KiB. */
void ui_fmt_bytes(uint64_t n, char *out, size_t cap);
/* A transfer rate: "1.25 MiB/s", or "-" when unknown (rate <= 0). */
void ui_fmt_rate(double bytes_per_s, char *out, size_t cap);
/* A duration: "0.4s", "12s", "1m05s", "2h03m"; "-" when negative or unknown. */
void ui_fmt_duration(double s, char *out, size_t cap);
/* Time left for `total - done` units at `rate` units/s: a duration, or "-". */
void ui_fmt_eta(uint64_t done, uint64_t total, double rate, char *out, size_t cap);
/* Percentage 0..100 of done/total (0 when total is 0), floored, clamped. */
int ui_percent(uint64_t done, uint64_t total);
/* A gauge `width` cells wide for fraction frac (clamped to 0..1). UTF-8 uses
 * full and eighth blocks on light shade, ASCII '#' on '.'. Returns the
 * number of bytes written (always NUL-terminated; truncated to fit cap). */
size_t ui_gauge(double frac, int width, bool utf8, char *out, size_t cap);
/* Copy src into out so it occupies at most `cols` columns, ending in "..."
 * (ASCII) when it had to be cut, never inside a UTF-8 sequence. Counts
 * bytes, so multi-byte text only ever comes out narrower than cols. */
void ui_fmt_fit(const char *src, int cols, char *out, size_t cap);

/* The same keeping the end ("...dir/file.zip"): for paths and URLs, whose
 * last part says most. */
void ui_fmt_fit_tail(const char *src, int cols, char *out, size_t cap);
/* Word wrap: how many bytes of s go on the next row of `cols` columns
 * (never cutting a UTF-8 sequence; at a space when one lies in the second
 * half of the row); *advance gets how far to move on (that plus the space). */
size_t ui_fmt_wrap(const char *s, int cols, size_t *advance);
/* Rows that s takes when wrapped at cols (at least 1). */
int ui_fmt_wrap_rows(const char *s, int cols);

#endif
