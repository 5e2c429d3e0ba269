/* Official firmware by name (firmware.h): the release list and package
 * cache under $XDG_CACHE_HOME/nt_flash (doc/releases.md, "The cache").
 * Every write goes to a temporary name in the same folder and is renamed
 * into place, so a reader never sees half a file; anything that does not
 * check out is deleted with a warning and never flashed. */
#include "config.h"

#include "firmware.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "sha256.h"
#include "text.h"

#define FW_SUBDIR "nt_flash"
#define FW_PACKAGES "packages"
#define FW_SHA_HEX (SHA256_DIGEST_BYTES * 2)
/* The hash of the page URL names its cached copy: a mirror given with
 * --release-page never replaces the maker's list. */
#define FW_LIST_KEY_HEX 16
#define FW_LIST_MARK "<!-- nt_flash release page from "
#define FW_LIST_SHA " sha256 "
#define FW_LIST_MARK_END " -->\n"
#define FW_RECORD_MAX 512
#define FW_DIR_MODE 0700
/* A change line of the release list, escaped (text.h), at most this long. */
#define FW_CHANGE_SAFE_MAX 2048

static void warn(const struct fw_ctx *c, const char *fmt, ...) NT_PRINTF(2, 3);

static void warn(const struct fw_ctx *c, const char *fmt, ...)
{
    va_list ap;

    char msg[NT_ERR_MSG_MAX];

    if (!c->warn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out_print(c->warn, "nt_flash: warning: %s", msg);
}

static void late(struct fw_ctx *c, const char *fmt, ...) NT_PRINTF(2, 3);

/* Keep a warning for after the session (see late_warning). */
static void late(struct fw_ctx *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->late_warning, sizeof c->late_warning, fmt, ap);
    va_end(ap);
}

void fw_ctx_init(struct fw_ctx *c, const char *page_url, const struct fetch_opts *fo, bool offline,
                 bool refresh, FILE *warn_to)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n = -1;

    memset(c, 0, sizeof *c);
    c->page_url = page_url ? page_url : FW_RELEASE_PAGE_DEFAULT;
    c->fo = fo;
    c->offline = offline;
    c->refresh = refresh;
    c->warn = warn_to;
    /* The XDG rule: a relative XDG_CACHE_HOME is ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(c->dir, sizeof c->dir, "%s/%s", xdg, FW_SUBDIR);
    else if (home && home[0] == '/')
        n = snprintf(c->dir, sizeof c->dir, "%s/.cache/%s", home, FW_SUBDIR);
    if (n < 0 || (size_t)n >= sizeof c->dir) {
        c->dir[0] = '\0';
        warn(c, "no cache: set XDG_CACHE_HOME or HOME to an absolute path to keep releases and packages");
    }
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha_hex(const uint8_t *data, size_t len, char out[FW_SHA_HEX + 1])
{
    uint8_t d[SHA256_DIGEST_BYTES];

    sha256(data, len, d);
    to_hex(d, sizeof d, out);
}

/* ---- files ------------------------------------------------------------------ */

/* mkdir -p for the folders of path (not its last component). */
static int make_parents(const char *path)
{
    char p[FW_PATH_MAX];
    char *s;

    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return -1;
    for (s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, FW_DIR_MODE) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return 0;
}

/* Write data to path atomically: a temporary file beside it, then rename. */
static int write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[FW_PATH_MAX + 16];
    const uint8_t *p = data;
    int fd, saved;

    if (make_parents(path) != 0)
        return -1;
    if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if ((fd = mkstemp(tmp)) < 0)
        return -1;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    return 0;
fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = saved;
    return -1;
}

/* The whole file at path (at most max bytes) in a malloc'd buffer. -1 with
 * errno on failure (ENOENT: there is none; EFBIG: over max). */
static int read_all(const char *path, long max, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    uint8_t *buf;
    size_t got = 0;

    *data = NULL;
    *len = 0;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size > max) {
        close(fd);
        errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
        return -1;
    }
    if (!(buf = malloc((size_t)sb.st_size + 1))) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

/* ---- the release list ---------------------------------------------------------- */

static int list_path(const struct fw_ctx *c, char *out, size_t cap)
{
    char key[FW_SHA_HEX + 1];

    sha_hex((const uint8_t *)c->page_url, strlen(c->page_url), key);
    key[FW_LIST_KEY_HEX] = '\0';
    return snprintf(out, cap, "%s/releases-%s.html", c->dir, key) < (int)cap ? 0 : -1;
}

/* The header line of a cached release page: where the page was finally
 * served from (its relative links are relative to that; "-" for the page
 * address itself) and the SHA-256 of the page that follows. */
static bool header_safe(const char *url)
{
    return !strstr(url, "-->") && !strchr(url, '\n') && !strchr(url, ' ');
}

/* The cached list at path. A copy without its header, whose page does not
 * have the SHA-256 in the header (truncated, altered), or that lists no
 * release is deleted with a warning. */
static nt_status load_cached(const struct fw_ctx *c, const char *path, struct rel_list *l)
{
    char base[FW_PATH_MAX], want[FW_SHA_HEX + 1], got[FW_SHA_HEX + 1];
    const char *u, *sp, *end = NULL, *why = NULL;
    struct nt_err e;
    uint8_t *data;
    size_t len, skip = 0;
    nt_status st = NT_E_DOWNLOAD;

    if (read_all(path, FW_PAGE_MAX_BYTES, &data, &len) != 0)
        return NT_E_DOWNLOAD;
    u = (const char *)data + strlen(FW_LIST_MARK);
    if (len <= strlen(FW_LIST_MARK) || memcmp(data, FW_LIST_MARK, strlen(FW_LIST_MARK)) != 0 ||
        !(end = strstr(u, FW_LIST_MARK_END)) || !(sp = memchr(u, ' ', (size_t)(end - u))) ||
        (size_t)(sp - u) >= sizeof base || (size_t)(end - sp) != strlen(FW_LIST_SHA) + FW_SHA_HEX ||
        memcmp(sp, FW_LIST_SHA, strlen(FW_LIST_SHA)) != 0) {
        why = "it has no header";
    } else {
        skip = (size_t)(end - (const char *)data) + strlen(FW_LIST_MARK_END);
        snprintf(base, sizeof base, "%.*s", (int)(sp - u), u);
        if (!strcmp(base, "-"))
            snprintf(base, sizeof base, "%s", c->page_url);
        snprintf(want, sizeof want, "%s", sp + strlen(FW_LIST_SHA));
        sha_hex(data + skip, len - skip, got);
        if (strcmp(want, got) != 0)
            why = "the page is not the one recorded in its header (truncated or altered)";
    }
    if (!why) {
        nt_err_clear(&e);
        st = rel_parse((const char *)data + skip, len - skip, base, l, &e);
        if (st == NT_E_DOWNLOAD)
            why = "it lists no release";
    }
    free(data);
    if (why) {
        warn(c, "discarded the cached release list %s: %s", path, why);
        unlink(path);
    }
    return st;
}

/* Cache the page behind its header line (see load_cached). */
static int store_list(const struct fw_ctx *c, const char *path, const char *final, const uint8_t *page,
                      size_t len)
{
    char hex[FW_SHA_HEX + 1];
    const char *from = header_safe(final) ? final : "-";
    size_t head;
    uint8_t *buf;
    int rc;

    if (!strcmp(final, c->page_url))
        from = "-";
    head = strlen(FW_LIST_MARK) + strlen(from) + strlen(FW_LIST_SHA) + FW_SHA_HEX + strlen(FW_LIST_MARK_END);
    if (!(buf = malloc(head + len + 1))) {
        errno = ENOMEM;
        return -1;
    }
    sha_hex(page, len, hex);
    snprintf((char *)buf, head + 1, "%s%s%s%s%s", FW_LIST_MARK, from, FW_LIST_SHA, hex, FW_LIST_MARK_END);
    memcpy(buf + head, page, len);
    rc = write_atomic(path, buf, head + len);
    free(buf);
    return rc;
}

/* Age of the file at path in seconds; -1 when it does not exist. */
static long file_age_s(const char *path)
{
    struct stat sb;
    time_t now = time(NULL);

    if (stat(path, &sb) != 0)
        return -1;
    /* A date in the future (a clock set back) counts as old. */
    return sb.st_mtime > now ? FW_LIST_FRESH_S : (long)(now - sb.st_mtime);
}

nt_status fw_load(struct fw_ctx *c, struct rel_list *l, struct nt_err *err)
{
    struct fetch_opts po = *c->fo;
    char path[FW_PATH_MAX], final[FW_PATH_MAX];
    uint8_t *page = NULL;
    size_t len = 0;
    long age = -1;
    nt_status st;

    l->r = NULL;
    l->n = 0;
    if (c->dir[0] && list_path(c, path, sizeof path) == 0)
        age = file_age_s(path);
    if (age >= 0 && (c->offline || (!c->refresh && age < FW_LIST_FRESH_S)) &&
        load_cached(c, path, l) == NT_OK)
        return NT_OK;
    if (c->offline)
        return nt_err_set(err, NT_E_DOWNLOAD,
                          "--offline: no release list for %s in the cache%s%s; run once without --offline",
                          c->page_url, c->dir[0] ? " " : "", c->dir);
    po.max_bytes = FW_PAGE_MAX_BYTES;
    st = fetch_page(c->page_url, &po, &page, &len, final, sizeof final, err);
    if (st != NT_OK) {
        if (st == NT_E_INTERRUPTED || st == NT_E_USAGE || age < 0)
            return st;
        if (load_cached(c, path, l) != NT_OK)
            return st;
        warn(c, "%s; using the release list cached %ld minutes ago", err->msg, age / 60);
        nt_err_clear(err);
        return NT_OK;
    }
    st = rel_parse((const char *)page, len, final, l, err);
    if (st == NT_OK && c->dir[0] && store_list(c, path, final, page, len) != 0)
        warn(c, "cannot cache the release list in %s: %s", path, strerror(errno));
    free(page);
    return st;
}

bool fw_cached_latest(const char *page_url, const struct fetch_opts *fo, char *out, size_t cap)
{
    struct fw_ctx c;
    struct rel_list l = { NULL, 0 };
    struct nt_err err;
    bool found = false;

    fw_ctx_init(&c, page_url, fo, true, false, NULL);
    if (fw_load(&c, &l, &err) == NT_OK && l.n > 0) {
        snprintf(out, cap, "%s", l.r[0].version);
        found = true;
    }
    rel_list_free(&l);
    return found;
}

void fw_print(FILE *out, const struct rel_list *l, bool verbose)
{
    size_t i, k;

    /* The fields come from the maker's web page: each is made safe on its
     * own (out.h), since the tabs between them are the format's. */
    for (i = 0; i < l->n; i++) {
        const struct rel_release *r = &l->r[i];
        char v[NT_TEXT_SAFE_CAP(sizeof r->version)], d[NT_TEXT_SAFE_CAP(sizeof r->date)];
        char first[FW_CHANGE_SAFE_MAX];

        nt_text_safe(v, sizeof v, r->version);
        nt_text_safe(d, sizeof d, r->date[0] ? r->date : "-");
        nt_text_safe(first, sizeof first, r->n_changes ? r->changes[0] : "-");
        fprintf(out, "%s\t%s\t%s\n", v, d, first);
        for (k = 0; verbose && k < r->n_changes; k++) {
            nt_text_safe(first, sizeof first, r->changes[k]);
            fprintf(out, "\t%s\n", first);
        }
    }
}

nt_status fw_resolve(struct fw_ctx *c, const struct rel_list *l, const char *version, struct nt_err *err)
{
    char near[2 * REL_VERSION_MAX + 8];

    c->release = NULL;
    if (!version) {
        c->release = l->n ? &l->r[0] : NULL;
    } else if (!(c->release = rel_find(l, version))) {
        rel_nearest(l, version, near, sizeof near);
        return nt_err_set(err, NT_E_USAGE,
                          "firmware %s is not on the release page %s; the nearest there: %s "
                          "(nt_flash --releases lists them all)",
                          version, c->page_url, near);
    }
    if (!c->release)
        return nt_err_set(err, NT_E_DOWNLOAD, "the release page %s lists no firmware release", c->page_url);
    return NT_OK;
}

/* ---- packages ------------------------------------------------------------------ */

/* The cached package of the resolved release and its SHA-256 record. The
 * version comes from the page, but releases.c only takes letters, digits,
 * '.', '-' and '_' into it, so it can name no other folder. */
static int package_paths(const struct fw_ctx *c, char *zip, char *rec, size_t cap)
{
    const char *v = c->release->version;

    return snprintf(zip, cap, "%s/%s/distingNT_%s.zip", c->dir, FW_PACKAGES, v) < (int)cap &&
            snprintf(rec, cap, "%s/%s/distingNT_%s.zip.sha256", c->dir, FW_PACKAGES, v) < (int)cap
        ? 0
        : -1;
}

/* The recorded SHA-256 (sha256sum's format: HEX, two spaces, the name).
 * 1 read, 0 no record, -1 a record that cannot be read as one. */
static int read_record(const char *path, char hex[FW_SHA_HEX + 1])
{
    uint8_t *data;
    size_t len, i;

    if (read_all(path, FW_RECORD_MAX, &data, &len) != 0)
        return errno == ENOENT ? 0 : -1;
    for (i = 0; i < FW_SHA_HEX && i < len; i++)
        if (!strchr("0123456789abcdef", data[i]) || data[i] == '\0')
            break;
    if (i != FW_SHA_HEX || len < FW_SHA_HEX + 2 || data[FW_SHA_HEX] != ' ') {
        free(data);
        return -1;
    }
    memcpy(hex, data, FW_SHA_HEX);
    hex[FW_SHA_HEX] = '\0';
    free(data);
    return 1;
}

static int write_record(const char *path, const char *hex, const char *version)
{
    char line[FW_RECORD_MAX];
    int n = snprintf(line, sizeof line, "%s  distingNT_%s.zip\n", hex, version);

    return write_atomic(path, line, (size_t)n);
}

void fw_check_cached(struct fw_ctx *c)
{
    char zip[FW_PATH_MAX], rec[FW_PATH_MAX], want[FW_SHA_HEX + 1], got[FW_SHA_HEX + 1];
    uint8_t *data;
    size_t len;
    int r;

    if (!c->dir[0] || !c->release || package_paths(c, zip, rec, sizeof zip) != 0)
        return;
    r = read_record(rec, want);
    if (r < 0) {
        warn(c, "discarded the unreadable SHA-256 record %s and the package it vouched for", rec);
        unlink(rec);
        unlink(zip);
        return;
    }
    if (read_all(zip, c->fo->max_bytes, &data, &len) != 0) {
        if (errno != ENOENT) {
            warn(c, "discarded the cached package %s: %s", zip, strerror(errno));
            unlink(zip);
        }
        return;
    }
    sha_hex(data, len, got);
    free(data);
    if (r == 0) {
        warn(c, "discarded the cached package %s: it has no SHA-256 record", zip);
        unlink(zip);
    } else if (strcmp(got, want) != 0) {
        warn(c,
             "discarded the cached package %s: its SHA-256 is not the one recorded in %s "
             "(truncated or altered); it will be downloaded again",
             zip, rec);
        unlink(zip);
    }
}

nt_status fw_download(void *user, const char *url, nt_progress_fn progress, void *progress_user,
                      uint8_t **data, size_t *len, char *name, size_t name_cap, struct nt_err *err)
{
    struct fw_ctx *c = user;
    char zip[FW_PATH_MAX], rec[FW_PATH_MAX], want[FW_SHA_HEX + 1], got[FW_SHA_HEX + 1];
    int have_record = 0, cache = c->dir[0] && c->release && package_paths(c, zip, rec, sizeof zip) == 0;
    nt_status st;

    *data = NULL;
    *len = 0;
    if (cache)
        have_record = read_record(rec, want) > 0;
    /* The cached copy, re-hashed here: the bytes flashed are the bytes checked. */
    if (cache && have_record && !c->refresh && read_all(zip, c->fo->max_bytes, data, len) == 0) {
        sha_hex(*data, *len, got);
        if (strcmp(got, want) == 0) {
            if (progress)
                progress(progress_user, *len, *len);
            if (name && name_cap)
                snprintf(name, name_cap, "distingNT_%s.zip", c->release->version);
            return NT_OK;
        }
        free(*data);
        *data = NULL;
        *len = 0;
        unlink(zip);
        late(c, "discarded the cached package %s: its SHA-256 is not the one recorded in %s", zip, rec);
    }
    if (c->offline)
        return nt_err_set(
            err, NT_E_DOWNLOAD,
            "--offline: firmware %s is not in the cache%s%s; run without --offline to download it",
            c->release ? c->release->version : url, cache ? " " : "", cache ? c->dir : "");
    st = fetch_url(url, c->fo, progress, progress_user, data, len, name, name_cap, err);
    if (st != NT_OK || !cache)
        return st;
    sha_hex(*data, *len, got);
    if (have_record && !c->refresh && strcmp(got, want) != 0) {
        free(*data);
        *data = NULL;
        *len = 0;
        return nt_err_set(err, NT_E_DOWNLOAD,
                          "refused firmware %s from %s: its SHA-256 is %s, but the copy first downloaded had "
                          "%s (recorded in %s); the file on the server changed. If the maker re-published "
                          "it, run again with --refresh to accept the new one",
                          c->release->version, url, got, want, rec);
    }
    /* Only a ZIP is worth keeping (and vouching for); anything else fails
     * validation in the session and must not block a fixed file later. */
    if (*len >= 4 && memcmp(*data, "PK\3\4", 4) == 0 &&
        (write_atomic(zip, *data, *len) != 0 ||
         ((!have_record || strcmp(got, want) != 0) && write_record(rec, got, c->release->version) != 0)))
        late(c, "cannot store firmware %s in the cache %s: %s", c->release->version, c->dir, strerror(errno));
    return NT_OK;
}
