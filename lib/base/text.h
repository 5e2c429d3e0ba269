/* Safe text: the one rule for showing a string that came from outside the
 * program (a package's entry names and manifest, a server's file name or
 * headers, a device's descriptor strings) on a terminal or in a line that a
 * script parses. */
#ifndef NT_TEXT_H
#define NT_TEXT_H

#include <stddef.h>

/* Copy src into dst (cap bytes, always terminated), writing every control
 * character (C0, DEL, and C1 in UTF-8), every byte that is not part of valid
 * UTF-8, and the Unicode line separators and bidirectional overrides as
 * \xNN per byte, so the result is one line of printable text. Everything
 * else, backslash included, is copied as it is: the escaping is idempotent,
 * so text that passes through it twice reads the same. Cut at a character
 * boundary when dst is too small. Returns strlen(dst). */
size_t nt_text_safe(char *dst, size_t cap, const char *src);

/* Bytes dst needs so that nt_text_safe never cuts a src of n bytes. */
#define NT_TEXT_SAFE_CAP(n) (4 * (n) + 1)

#endif
