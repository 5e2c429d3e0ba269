/* --backup: before anything is erased, read the firmware now on the module
 * and write it as a package nt_flash can flash back (README "Backup"). Its
 * size comes from the IVT's boot data at 0x60001000 when that is valid (the
 * image is boot size - 0x1000 bytes from 0x60001000), otherwise from the
 * whole flash: up to the end of the last sector that is not erased. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "mboot.h"
#include "pkg.h"
#include "session_int.h"

#define IVT_BYTES 0x20u
#define IVT_TAG 0xD1u
#define IVT_OFF_BOOT_DATA 0x10
#define IVT_OFF_SELF 0x14
#define BOOT_DATA_BYTES 12u
#define HEADER_BYTES (PKG_FIRMWARE_ADDR - PKG_FLASH_BASE) /* the FCB sector before the image */
#define DATE_BYTES 32

/* The image size the IVT's boot data gives, or 0 when the IVT is not valid. */
static nt_status size_from_ivt(struct sess *s, struct mboot_host *h, uint64_t flash_size, size_t *size,
                               struct nt_err *err)
{
    uint8_t ivt[IVT_BYTES], boot[BOOT_DATA_BYTES];
    uint64_t done = 0;
    uint32_t bd, start, bsize;
    nt_status st = sess_read_flash(s, h, SESS_PH_BACKUP, PKG_FIRMWARE_ADDR, ivt, sizeof ivt, &done, 0, err);

    *size = 0;
    if (st != NT_OK)
        return st;
    bd = get_le32(ivt + IVT_OFF_BOOT_DATA);
    if (ivt[0] != IVT_TAG || get_le32(ivt + IVT_OFF_SELF) != PKG_FIRMWARE_ADDR ||
        bd < PKG_FIRMWARE_ADDR + IVT_BYTES || bd > PKG_FIRMWARE_ADDR + PKG_SECTOR_SIZE - BOOT_DATA_BYTES)
        return NT_OK;
    st = sess_read_flash(s, h, SESS_PH_BACKUP, bd, boot, sizeof boot, &done, 0, err);
    if (st != NT_OK)
        return st;
    start = get_le32(boot);
    bsize = get_le32(boot + 4);
    if (start == PKG_FLASH_BASE && bsize > HEADER_BYTES + PKG_SECTOR_SIZE && bsize <= flash_size)
        *size = bsize - HEADER_BYTES;
    return NT_OK;
}

static bool sector_erased(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFF)
            return false;
    return true;
}

nt_status sess_backup(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    uint64_t flash_size = s->flash_size ? s->flash_size : PKG_DEFAULT_FLASH_SIZE;
    uint64_t done = 0;
    size_t size = 0;
    uint8_t *fw;
    char date[DATE_BYTES];
    time_t now = time(NULL);
    struct tm tm;
    nt_status st;

    sess_phase_start(s, SESS_PH_BACKUP);
    st = size_from_ivt(s, h, flash_size, &size, err);
    if (st != NT_OK)
        return nt_err_prefix(err, "reading the firmware for the backup");
    if (size)
        sess_log(s, SESS_LOG_DEBUG, "backup: the image header gives %zu bytes of firmware", size);
    else
        sess_log(s, SESS_LOG_WARN,
                 "backup: no valid image header at 0x%08x; saving the flash up to its last "
                 "sector that is not erased (nt_flash will not flash such a backup back "
                 "unless it holds a valid image)",
                 PKG_FIRMWARE_ADDR);
    if (!size)
        size = (size_t)(flash_size - HEADER_BYTES);
    fw = malloc(size);
    if (!fw)
        return nt_err_set(err, NT_E_NOMEM, "out of memory for a %zu-byte backup", size);
    sess_progress(s, SESS_PH_BACKUP, 0, size);
    st = sess_read_flash(s, h, SESS_PH_BACKUP, PKG_FIRMWARE_ADDR, fw, size, &done, size, err);
    if (st != NT_OK) {
        free(fw);
        return nt_err_prefix(err, "reading the firmware for the backup");
    }
    if (size == flash_size - HEADER_BYTES) {
        while (size && sector_erased(fw + size - PKG_SECTOR_SIZE, PKG_SECTOR_SIZE))
            size -= PKG_SECTOR_SIZE;
        if (!size) {
            free(fw);
            return nt_err_set(err, NT_E_STATUS,
                              "nothing to back up: the flash after 0x%08x is erased; "
                              "nothing was changed",
                              PKG_FIRMWARE_ADDR);
        }
    }
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    st = pkg_write_backup(s->cfg->backup_path, &s->pkg->flashloader, fw, size, s->target.port, date, err);
    free(fw);
    if (st != NT_OK)
        return nt_err_prefix(err, "backup not written, so nothing was erased");
    sess_log(s, SESS_LOG_INFO, "backed up %zu bytes of firmware from %s to %s", size, s->target.port,
             s->cfg->backup_path);
    sess_phase_done(s, SESS_PH_BACKUP);
    return NT_OK;
}
