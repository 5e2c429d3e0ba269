/* The session's first phases: download the package (--url) into memory and
 * open and validate it, before any device is touched. */
#include <stdlib.h>
#include <string.h>

#include "pkg.h"
#include "session_int.h"

static void on_download_progress(void *user, uint64_t done, uint64_t total)
{
    sess_progress(user, SESS_PH_DOWNLOAD, done, total);
}

static nt_status download_and_open(struct sess *s, struct nt_err *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char name[256] = "";
    nt_status st;

    sess_phase_start(s, SESS_PH_DOWNLOAD);
    sess_progress(s, SESS_PH_DOWNLOAD, 0, 0);
    if (!s->cfg->download)
        return nt_err_set(err, NT_E_INTERNAL, "no download backend was given for %s", s->cfg->url);
    st = s->cfg->download(s->cfg->download_user, s->cfg->url, on_download_progress, s, &data, &len, name,
                          sizeof name, err);
    if (st != NT_OK)
        return st;
    sess_phase_done(s, SESS_PH_DOWNLOAD);
    sess_phase_start(s, SESS_PH_EXTRACT);
    if (s->cfg->sha256_pin &&
        (st = pkg_check_pin_memory(data, len, name[0] ? name : s->cfg->url, s->cfg->sha256_pin, err)) != NT_OK) {
        free(data);
        return st;
    }
    st = pkg_open_memory(data, len, name[0] ? name : s->cfg->url, &s->pkg, err);
    free(data);
    if (st == NT_OK)
        snprintf(s->pkg->source, sizeof s->pkg->source, "%s", s->cfg->url);
    return st;
}

nt_status sess_open_package(struct sess *s, struct nt_err *err)
{
    nt_status st;
    struct sess_event ev = { .type = SESS_EV_PACKAGE };

    if (s->cfg->url) {
        st = download_and_open(s, err);
    } else {
        sess_phase_start(s, SESS_PH_EXTRACT);
        st = s->cfg->sha256_pin ? pkg_check_pin_file(s->cfg->package_path, s->cfg->sha256_pin, err) : NT_OK;
        if (st == NT_OK)
            st = pkg_open_file(s->cfg->package_path, NULL, &s->pkg, err);
    }
    if (st != NT_OK)
        return st;
    sess_phase_done(s, SESS_PH_EXTRACT);
    ev.pkg = s->pkg;
    ev.phase = SESS_PH_EXTRACT;
    sess_emit(s, &ev);
    return NT_OK;
}
