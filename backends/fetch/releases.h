/* The maker's firmware release page (doc/releases.md) as a list of releases:
 * a pure function from the page's bytes and its URL to {version, date,
 * package URL, changes}, so it can be tested on synthetic pages, plus the
 * version ordering and look-ups the command line needs. No network here:
 * fetch.c downloads the page, the app caches it. */
#ifndef NT_RELEASES_H
#define NT_RELEASES_H

#include <stddef.h>

#include "nt_err.h"

#define REL_VERSION_MAX 32
#define REL_DATE_MAX 32

struct rel_release {
    char version[REL_VERSION_MAX]; /* X.Y.Z with an optional suffix: 1.13.0beta */
    char date[REL_DATE_MAX];       /* as the page writes it, "" when none */
    char *url;                     /* the package ZIP, absolute */
    char **changes;                /* one line each, whitespace collapsed */
    size_t n_changes;
};

struct rel_list {
    struct rel_release *r; /* newest first, by version number (not page order) */
    size_t n;
};

/* Parse an HTML page (len bytes, any encoding libxml2 detects) fetched from
 * base_url. Every table row with a version cell and a link to a .zip file is
 * a release; other rows and extra columns are ignored. Relative links are
 * resolved against base_url. Duplicate versions keep their first row.
 * A page with no release is NT_E_DOWNLOAD naming base_url; *out is then
 * empty. NT_E_NOMEM on allocation failure. */
nt_status rel_parse(const char *html, size_t len, const char *base_url, struct rel_list *out,
                    struct nt_err *err);

void rel_list_free(struct rel_list *l);

/* Whether s is a version number as the command line takes it: digits.digits.
 * digits and an optional suffix of letters, digits, '-' or '_' (1.19.0,
 * 1.13.0beta). */
int rel_is_version(const char *s);

/* Order of two version strings: by the three numbers, then a version with a
 * suffix (a beta) before the same numbers without one, then by suffix text.
 * Negative, zero or positive like strcmp. */
int rel_version_cmp(const char *a, const char *b);

/* The release named version (exact text), or NULL. */
const struct rel_release *rel_find(const struct rel_list *l, const char *version);

/* The versions nearest to version in the list (the one just above and the
 * one just below, by rel_version_cmp), written as "1.18.0 or 1.19.0" into
 * out; "" when the list is empty. */
void rel_nearest(const struct rel_list *l, const char *version, char *out, size_t cap);

#endif
