/* The right chip: when a run finds the flashloader already running (no boot
 * ROM seen, so nothing told us which part it is), confirm from what the
 * flashloader reports that it runs on an i.MX RT1060 before anything is
 * erased. Expert Sleepers' NTX-8CV answers on the same USB ID (15A2:0073)
 * with an RT1010.
 *
 * What tells them apart: the RAM regions the flashloader reports (property
 * 0x0F, RAMSizeInBytes, by memory index). NXP's flashloader memory map for
 * the RT1011 (mcu-boot, targets/MIMXRT1011/src/memory_map_MIMXRT1011.c) has
 * ITCM 32 KB, DTCM 32 KB and OCRAM 64 KB: the RT1010's whole 128 KB FlexRAM.
 * The RT1060 flashloader reports ITCM 128 KB, DTCM 128 KB and OCRAM 256 KB
 * (doc/nt_flash.1, THE RIGHT CHIP): its 512 KB FlexRAM. Whatever the FlexRAM
 * split, only an RT1060-class part reaches 512 KB in the three regions. */
#include <stdio.h>
#include <string.h>

#include "mboot.h"
#include "session_int.h"

#define PROP_RAM_SIZE 0x0Fu
#define RAM_REGIONS 3u                     /* ITCM, DTCM, OCRAM */
#define RT1060_FLEXRAM_BYTES (512u * 1024) /* RT1010: 128 KB */

nt_status sess_check_chip(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    uint64_t total = 0;
    char sizes[64] = "";

    for (uint32_t i = 0; i < RAM_REGIONS; i++) {
        uint32_t v = 0;
        size_t n = 0;
        struct nt_err perr;
        size_t used = strlen(sizes);
        nt_status st = mboot_get_property(h, PROP_RAM_SIZE, i, &v, 1, &n, &perr);
        if (st == NT_E_STATUS || (st == NT_OK && n < 1))
            return nt_err_set(err, NT_E_UNSUPPORTED,
                              "the running flashloader does not report its RAM (property 0x0F), so "
                              "nt_flash cannot confirm this is a Disting NT (i.MX RT1060); nothing was "
                              "changed. Power-cycle the module, enter bootloader mode from its menu "
                              "and run nt_flash again");
        if (st != NT_OK) {
            *err = perr;
            return nt_err_prefix(err, "asking the flashloader for its RAM");
        }
        total += v;
        snprintf(sizes + used, sizeof sizes - used, "%s%u", i ? "+" : "", v / 1024);
    }
    sess_log(s, SESS_LOG_DEBUG, "flashloader RAM regions %s KiB (an i.MX RT1060 has %u KiB)", sizes,
             RT1060_FLEXRAM_BYTES / 1024);
    if (total < RT1060_FLEXRAM_BYTES)
        return nt_err_set(err, NT_E_UNSUPPORTED,
                          "the running flashloader is not on an i.MX RT1060 (it reports %s KiB of RAM, "
                          "an RT1060 has %u KiB): this is not a Disting NT (the NTX-8CV's i.MX RT1010 "
                          "answers on the same USB ID); nothing was changed",
                          sizes, RT1060_FLEXRAM_BYTES / 1024);
    return NT_OK;
}
