/* The virtual module's output files (README, "The virtual module"): dump= holds the NOR from
 * 0x60000000 up to the highest byte ever erased or programmed, stats= a JSON
 * object of counters and the modelled time the module spent working, nor=
 * the flash kept for the next run. */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "vmod_int.h"

void vmod_engine_stats(const struct vmod_engine *e, struct vmod_stats *out)
{
    out->device_busy_s = e->busy_total;
    out->bytes_out = e->bytes_out;
    out->bytes_in = e->bytes_in;
    out->reports_out = e->reports_out;
    out->reports_in = e->reports_in;
    out->corrupt_addr = e->corrupt_addr;
}

/* path with its %d (if any) replaced by the module number (1-based). */
static const char *module_path(const char *tmpl, unsigned index, char out[VMOD_PATH_MAX + 16])
{
    const char *pct = strstr(tmpl, "%d");
    if (!pct)
        return tmpl;
    snprintf(out, VMOD_PATH_MAX + 16, "%.*s%u%s", (int)(pct - tmpl), tmpl, index + 1, pct + 2);
    return out;
}

static bool per_module(const char *tmpl) { return strstr(tmpl, "%d") != NULL; }

static nt_status write_dump(const struct vmod_engine *e, struct nt_err *err)
{
    char buf[VMOD_PATH_MAX + 16];
    const char *path = module_path(e->cfg.dump_path, e->index, buf);
    FILE *f = fopen(path, "wb");
    if (!f)
        return nt_err_set(err, NT_E_IO,
                          "cannot create the dump file '%s': check the directory exists and is writable",
                          path);
    size_t n = (size_t)e->nor.high_water;
    bool ok = fwrite(e->nor.mem, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        return nt_err_set(err, NT_E_IO, "cannot write %zu bytes to the dump file '%s': check the free space",
                          n, path);
    return NT_OK;
}

static nt_status write_stats(const struct vmod_engine *const *e, unsigned n, struct nt_err *err)
{
    struct vmod_stats sum = { 0 };
    for (unsigned i = 0; i < n; i++) {
        struct vmod_stats s;
        vmod_engine_stats(e[i], &s);
        sum.device_busy_s += s.device_busy_s;
        sum.bytes_out += s.bytes_out;
        sum.bytes_in += s.bytes_in;
        sum.reports_out += s.reports_out;
        sum.reports_in += s.reports_in;
    }
    char buf[VMOD_PATH_MAX + 16];
    const char *path = module_path(e[0]->cfg.stats_path, e[0]->index, buf);
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddNumberToObject(o, "device_busy_s", sum.device_busy_s);
        cJSON_AddNumberToObject(o, "bytes_out", (double)sum.bytes_out);
        cJSON_AddNumberToObject(o, "bytes_in", (double)sum.bytes_in);
        cJSON_AddNumberToObject(o, "reports_out", (double)sum.reports_out);
        cJSON_AddNumberToObject(o, "reports_in", (double)sum.reports_in);
        cJSON_AddNumberToObject(o, "modules", n);
        cJSON_AddNumberToObject(o, "flash_high_water", (double)e[0]->nor.high_water);
        if (e[0]->corrupt_addr >= 0)
            cJSON_AddNumberToObject(o, "corrupt_addr", (double)e[0]->corrupt_addr);
    }
    char *text = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return nt_err_set(err, NT_E_NOMEM, "cannot build the stats JSON for '%s'", path);
    FILE *f = fopen(path, "w");
    bool ok = f && fprintf(f, "%s\n", text) >= 0;
    ok = f && fclose(f) == 0 && ok;
    cJSON_free(text);
    if (!ok)
        return nt_err_set(err, NT_E_IO,
                          "cannot write the stats file '%s': check the directory exists and is writable",
                          path);
    return NT_OK;
}

nt_status vmod__save(const struct vmod_engine *const *e, unsigned n, struct nt_err *err)
{
    nt_status st = NT_OK;
    if (n && e[0]->cfg.dump_path[0]) {
        unsigned count = per_module(e[0]->cfg.dump_path) ? n : 1;
        for (unsigned i = 0; i < count; i++) {
            nt_status st2 = write_dump(e[i], st == NT_OK ? err : NULL);
            if (st == NT_OK)
                st = st2;
        }
    }
    if (n && e[0]->cfg.nor_path[0]) {
        nt_status st2 = vmod__nor_save(&e[0]->nor, e[0]->cfg.nor_path, st == NT_OK ? err : NULL);
        if (st == NT_OK)
            st = st2;
    }
    if (n && e[0]->cfg.stats_path[0]) {
        bool each = per_module(e[0]->cfg.stats_path);
        for (unsigned i = 0; i < (each ? n : 1); i++) {
            nt_status st2 = write_stats(e + i, each ? 1 : n, st == NT_OK ? err : NULL);
            if (st == NT_OK)
                st = st2;
        }
    }
    return st;
}

nt_status vmod_engine_save(const struct vmod_engine *e, struct nt_err *err) { return vmod__save(&e, 1, err); }
