/* Official firmware by name (doc/releases.md): the maker's release list,
 * fetched or taken from the cache, --releases, resolving --latest or a
 * version number to a package URL, and the session's download hook that
 * keeps each downloaded package in the cache under its version with the
 * SHA-256 it had the first time. */
#ifndef NT_FIRMWARE_H
#define NT_FIRMWARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fetch.h"
#include "nt_err.h"
#include "progress.h"
#include "releases.h"

#define FW_RELEASE_PAGE_DEFAULT "https://expert-sleepers.co.uk/distingNTfirmwareupdates.html"
/* A cached release list younger than this is used without asking the site. */
#define FW_LIST_FRESH_S (30 * 60)
/* The release page is a few tens of kilobytes; more is not that page. */
#define FW_PAGE_MAX_BYTES (4L * 1024 * 1024)
#define FW_PATH_MAX 4096

struct fw_ctx {
    const char *page_url;        /* --release-page, or FW_RELEASE_PAGE_DEFAULT */
    const struct fetch_opts *fo; /* the downloader's settings (--cacert, stop, caps) */
    bool offline;                /* --offline: the cache only */
    bool refresh;                /* --refresh: ask the site; accept a changed package */
    char dir[FW_PATH_MAX];       /* the cache folder; "" when there is none */
    FILE *warn;                  /* where warnings go (stderr) */
    /* Set for the download hook by fw_resolve. */
    const struct rel_release *release;
    /* A warning from inside the hook (a cache write that failed), printed
     * once the session is over so it does not land in the full-screen view. */
    char late_warning[NT_ERR_MSG_MAX];
};

/* Fill c: the cache folder from $XDG_CACHE_HOME (absolute) or $HOME/.cache,
 * plus "/nt_flash". Without either, c->dir stays "" and nothing is cached
 * (a warning says so). Nothing is created yet. */
void fw_ctx_init(struct fw_ctx *c, const char *page_url, const struct fetch_opts *fo, bool offline,
                 bool refresh, FILE *warn);

/* The release list: from the cache when it is younger than FW_LIST_FRESH_S
 * (or with --offline, whatever its age), else from the page, which is then
 * cached. When the page cannot be fetched, a cached list of any age is used
 * with a warning. Errors: NT_E_DOWNLOAD (the page failed and nothing is
 * cached, or it lists no release), NT_E_USAGE (a bad --release-page). */
nt_status fw_load(struct fw_ctx *c, struct rel_list *l, struct nt_err *err);

/* The newest release in the cached list, whatever its age, without asking
 * the site and without warnings (for the device monitor). false when no
 * list is cached. */
bool fw_cached_latest(const char *page_url, const struct fetch_opts *fo, char *out, size_t cap);

/* --releases: one line per release, newest first,
 *   VERSION<TAB>DATE<TAB>FIRST CHANGE
 * with "-" for an unknown date or no change; verbose adds every change on
 * its own line, each starting with a tab. */
void fw_print(FILE *out, const struct rel_list *l, bool verbose);

/* The release to flash: the newest (version NULL, --latest) or the one named
 * version. A version not on the list is NT_E_USAGE naming the nearest. */
nt_status fw_resolve(struct fw_ctx *c, const struct rel_list *l, const char *version, struct nt_err *err);

/* Check the cached package of the resolved release before the session
 * starts: a corrupt one (its SHA-256 is not the recorded one, or its record
 * is unreadable) is deleted with a warning, so the hook downloads it again. */
void fw_check_cached(struct fw_ctx *c);

/* The session's download hook (sess_download_fn) for the resolved release:
 * the cached package when its SHA-256 matches the record (unless
 * --refresh), else a download by fetch_url whose SHA-256 must match the
 * record if there is one (unless --refresh), then stored with its record.
 * --offline never downloads. */
nt_status fw_download(void *user, const char *url, nt_progress_fn progress, void *progress_user,
                      uint8_t **data, size_t *len, char *name, size_t name_cap, struct nt_err *err);

#endif
