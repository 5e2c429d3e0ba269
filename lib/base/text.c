/* Safe text (text.h): escapes whatever could end a line, move the cursor or
 * reorder what a terminal shows, so foreign text cannot forge output. */
#include "text.h"

#include <stdbool.h>
#include <stdint.h>

#define ESCAPE_BYTES 4 /* "\xNN" */

/* Length of the valid UTF-8 sequence at s (2-4), or 0 when it is not one
 * (an overlong form, a surrogate, above U+10FFFF, or cut short). *cp gets
 * the code point. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
    size_t n, i;
    uint32_t v, min;

    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        v = s[0] & 0x1Fu;
        min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        v = s[0] & 0x0Fu;
        min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        v = s[0] & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFFu || (v >= 0xD800u && v <= 0xDFFFu))
        return 0;
    *cp = v;
    return n;
}

/* Code points a terminal acts on rather than shows: C1 controls, the line
 * and paragraph separators, and the bidirectional embeddings, overrides and
 * isolates (which can make text read in another order). */
static bool cp_is_control(uint32_t cp)
{
    return cp < 0xA0u || cp == 0x2028u || cp == 0x2029u || (cp >= 0x202Au && cp <= 0x202Eu) ||
        (cp >= 0x2066u && cp <= 0x2069u);
}

size_t nt_text_safe(char *dst, size_t cap, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t out = 0;

    if (cap == 0)
        return 0;
    while (*s) {
        uint32_t cp = 0;
        size_t n = 1, need;
        bool escape;

        if (*s >= 0x20 && *s < 0x7F) {
            escape = false;
        } else if (*s < 0x80) {
            escape = true;
        } else {
            n = utf8_seq(s, &cp);
            escape = n == 0 || cp_is_control(cp);
            if (n == 0)
                n = 1;
        }
        need = escape ? n * ESCAPE_BYTES : n;
        if (out + need + 1 > cap)
            break;
        for (size_t i = 0; i < n; i++) {
            if (escape) {
                dst[out++] = '\\';
                dst[out++] = 'x';
                dst[out++] = hex[s[i] >> 4];
                dst[out++] = hex[s[i] & 15];
            } else {
                dst[out++] = (char)s[i];
            }
        }
        s += n;
    }
    dst[out] = '\0';
    return out;
}
