/* Wire constants of the i.MX RT ROM Serial Download Protocol (doc/protocol.md
 * §2), the host's one copy: report IDs, command codes and the words the ROM
 * answers with. Report sizes are in transport.h, where the USB backend sees
 * them. The virtual module keeps its own copies on purpose (vmod_int.h). */
#ifndef NT_SDP_WIRE_H
#define NT_SDP_WIRE_H

#include "transport.h"

/* HID report IDs (doc/protocol.md §1.1). */
#define SDP_CMD_REPORT_ID 1    /* OUT: a 16-byte command */
#define SDP_DATA_REPORT_ID 2   /* OUT: WRITE_FILE data */
#define SDP_HAB_REPORT_ID 3    /* IN: the HAB word, first answer to every command */
#define SDP_STATUS_REPORT_ID 4 /* IN: the status word */

#define SDP_CMD_REPORT_LEN TP_SDP_CMD_REPORT_LEN   /* report ID + 16-byte command */
#define SDP_DATA_REPORT_LEN TP_SDP_DATA_REPORT_LEN /* report ID + 1024 data bytes */
#define SDP_DATA_CHUNK (SDP_DATA_REPORT_LEN - 1)
#define SDP_IN_REPORT_MAX TP_SDP_IN_REPORT_MAX
#define SDP_WORD_REPORT_MIN_LEN 5 /* report ID + one 32-bit word */

/* Command codes (doc/protocol.md §2.2). */
#define SDP_READ_REGISTER 0x0101
#define SDP_WRITE_REGISTER 0x0202
#define SDP_WRITE_FILE 0x0404
#define SDP_ERROR_STATUS 0x0505
#define SDP_JUMP_ADDRESS 0x0B0B

/* Response words (doc/protocol.md §2.3). */
#define SDP_HAB_OPEN 0x56787856u
#define SDP_HAB_CLOSED 0x12343412u
#define SDP_WRITE_FILE_OK 0x88888888u

#endif
