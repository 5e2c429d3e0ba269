/* Wire constants of NXP's MCUboot protocol as the RT1060 flashloader speaks
 * it over USB HID (doc/protocol.md §3), the host's one copy: framing, tags,
 * properties, the status codes the host names, and the FlexSPI NOR
 * configuration words. The report size is in transport.h, where the USB
 * backend sees it. The virtual module keeps its own copies on purpose
 * (vmod_int.h). */
#ifndef NT_MBOOT_WIRE_H
#define NT_MBOOT_WIRE_H

#include "transport.h"

/* HID report IDs and framing (doc/protocol.md §3.1, §3.2). */
#define MBOOT_REPORT_CMD_OUT 1
#define MBOOT_REPORT_DATA_OUT 2
#define MBOOT_REPORT_CMD_IN 3
#define MBOOT_REPORT_DATA_IN 4
#define MBOOT_REPORT_LEN TP_MBOOT_REPORT_LEN /* every report, ID included */
#define MBOOT_FRAME_HDR_LEN 4                /* report ID, pad, 16-bit length */
#define MBOOT_PACKET_HDR_LEN 4               /* tag, flags, reserved, parameter count */
#define MBOOT_FLAG_DATA_PHASE 0x01
#define MBOOT_MAX_PARAMS 7

/* Command tags (doc/protocol.md §3.3). */
#define MBOOT_CMD_FLASH_ERASE_REGION 0x02
#define MBOOT_CMD_READ_MEMORY 0x03
#define MBOOT_CMD_WRITE_MEMORY 0x04
#define MBOOT_CMD_FILL_MEMORY 0x05
#define MBOOT_CMD_GET_PROPERTY 0x07
#define MBOOT_CMD_RESET 0x0B
#define MBOOT_CMD_CONFIGURE_MEMORY 0x11

/* Response tags (doc/protocol.md §3.3). */
#define MBOOT_RSP_GENERIC 0xA0
#define MBOOT_RSP_READ_MEMORY 0xA3
#define MBOOT_RSP_GET_PROPERTY 0xA7

/* Properties (doc/protocol.md §3.8). */
#define MBOOT_PROP_CURRENT_VERSION 0x01
#define MBOOT_PROP_MAX_PACKET_SIZE 0x0B
#define MBOOT_PROP_EXT_MEMORY_ATTRS 0x19

/* Status codes used by name (doc/protocol.md §3.9; the full table with
 * names and messages is in mboot_status.c). */
#define MBOOT_STATUS_SUCCESS 0
#define MBOOT_STATUS_UNKNOWN_PROPERTY 10300

/* Memory ID and configuration words (doc/protocol.md §3.10). */
#define MBOOT_MEM_FLEXSPI_NOR 9
#define MBOOT_FLEXSPI_NOR_OPTION0 0xC0000008u /* QSPI SDR found via SFDP, 133 MHz */
#define MBOOT_FCB_PROGRAM_MAGIC 0xF000000Fu   /* program the FCB at the FlexSPI base */

#endif
