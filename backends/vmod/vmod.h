/* The virtual Disting NT (README, "The virtual module"): a software i.MX RT1060 ROM (SDP) and
 * NXP flashloader (MCUboot) with a FlexSPI NOR model, behind the transport
 * interface. Faithful to doc/protocol.md; unconfirmed behaviours are settings. */
#ifndef NT_VMOD_H
#define NT_VMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"
#include "transport.h"

enum vmod_start { VMOD_START_SDP, VMOD_START_MBOOT, VMOD_START_NONE, VMOD_START_APP };

enum vmod_fault_kind {
    VMOD_FAULT_NONE,
    VMOD_FAULT_UNPLUG,  /* leave the bus at PHASE:PCT */
    VMOD_FAULT_STATUS,  /* answer PHASE's command with an error status */
    VMOD_FAULT_SILENT,  /* stop answering at PHASE:PCT */
    VMOD_FAULT_STALE,   /* an old unread IN report waits in each device when opened */
    VMOD_FAULT_BADJUMP, /* the ROM rejects the jump with a report 4 */
    VMOD_FAULT_NOENUM,  /* the flashloader never appears after the jump */
    VMOD_FAULT_CORRUPT  /* one programmed byte reads back changed (write only) */
};

enum vmod_phase {
    VMOD_PHASE_ANY = -1,
    VMOD_PHASE_UPLOAD,
    VMOD_PHASE_CONFIGURE,
    VMOD_PHASE_ERASE,
    VMOD_PHASE_WRITE,
    VMOD_PHASE_RESET
};

#define VMOD_PATH_MAX 1024
#define VMOD_MODULES_MAX 8 /* modules= */
#define VMOD_APP_TEXT_MAX 64

struct vmod_config {
    double speed; /* 1 realistic, 0 no delays */
    enum vmod_start start;
    uint64_t flash_size; /* NOR bytes, default 8 MiB */
    bool hab_closed;
    bool rt1010; /* chip=rt1010: the flashloader runs on an i.MX RT1010 (NTX-8CV) */
    enum vmod_fault_kind fault;
    enum vmod_phase fault_phase;
    int fault_pct;                  /* default 50 */
    unsigned fault_module;          /* 0: the fault hits every module; N: only sim-N */
    char dump_path[VMOD_PATH_MAX];  /* "" = none; "%d" in it: one file per module */
    char stats_path[VMOD_PATH_MAX]; /* "" = none; "%d" in it: one file per module */
    char nor_path[VMOD_PATH_MAX];   /* "" = none: NOR loaded at start, saved at exit (first module) */
    /* Unconfirmed behaviours (doc/protocol.md §8) and extensions: see vmod_spec.c
     * for the keys, their defaults and what they model. */
    double enum_delay_s; /* ROM jump -> flashloader arrival (modelled seconds) */
    double arrive_s;     /* with start=none: the ROM arrives after this (<0: never) */
    unsigned modules;    /* number of identical virtual modules (ports sim-1..N) */
    /* arrive=sim-N:S/...: module N is off the bus at first and its ROM
     * arrives after S modelled seconds (overrides start= for that module). */
    bool module_arrive_set[VMOD_MODULES_MAX];
    double module_arrive_s[VMOD_MODULES_MAX];
    bool rom_store_padding; /* ROM stores the zero padding of the last WRITE_FILE chunk */
    bool wrap_beyond_flash; /* addresses past the NOR size wrap (true) or give 10200 */
    uint32_t max_packet;    /* MaxPacketSize property, default 1012 */
    uint32_t version;       /* CurrentVersion property, default 0x4D010000 ('M' 1.0.0) */
    uint32_t jump_error;    /* report-4 word of a rejected jump, default 0x000A0533 */
    double sector_erase_ms, block_erase_ms, page_program_ms; /* NOR timing, typical */
    double read_cmd_ms, read_report_ms;                      /* ReadMemory timing (assumed, unconfirmed) */
    /* The running state (doc/running.md; vmod_app.c). */
    char app_version[VMOD_APP_TEXT_MAX]; /* firmware version with start=app ("" never answers) */
    unsigned sysex_id;                   /* the module's SysEx ID, 0..126 */
    char app_marker[VMOD_APP_TEXT_MAX];  /* text before the version in a flashed image */
    double app_boot_s;                   /* reset -> running module arrives (<0: never) */
};

/* Defaults as documented in the README ("The virtual module") and vmod_spec.c. */
void vmod_config_defaults(struct vmod_config *cfg);
/* Parse "key=value,key=value" on top of the current values. NT_E_USAGE with
 * a message naming the bad key or value. */
nt_status vmod_parse_spec(const char *spec, struct vmod_config *cfg, struct nt_err *err);

/* A bus of virtual modules per cfg. Destroying it writes dump= and stats=. */
nt_status vmod_bus_new(const struct vmod_config *cfg, struct tp_bus **out, struct nt_err *err);
/* Write dump= and stats= now, so a failure can be reported (NT_E_IO naming
 * the file); destroying the bus afterwards writes them no more. */
nt_status vmod_bus_save(struct tp_bus *bus, struct nt_err *err);

/* --- Device-level engine ------------------------------------------------
 * One virtual module with no bus and no real-time waiting, for transports
 * that model the wire themselves (the umockdev emulator in the USB tests).
 * The virtual bus above is built on the same engine, so there is one device
 * model. Time is modelled: the engine tracks how long the module is busy. */

struct vmod_engine;

nt_status vmod_engine_new(const struct vmod_config *cfg, unsigned index, struct vmod_engine **out,
                          struct nt_err *err);
void vmod_engine_free(struct vmod_engine *e);
/* What the module presents on USB right now: TP_KIND_SDP (ROM), TP_KIND_MBOOT
 * (flashloader), TP_KIND_APP (running its firmware: reports are USB-MIDI
 * event packets, see vmod_app.c), or -1 while it is off the bus (after a jump before the
 * flashloader arrives, after a reset, after an unplug fault). */
int vmod_engine_presence(const struct vmod_engine *e);
/* A host OUT report (SET_REPORT for the ROM, interrupt OUT for the
 * flashloader). NT_OK when taken; NT_E_TIMEOUT when the device would NAK it
 * now (still busy, hung by fault=silent, or - flashloader only - an unread IN
 * report blocks it: doc/protocol.md §1.2); NT_E_DISCONNECT while off the bus. */
nt_status vmod_engine_out(struct vmod_engine *e, const uint8_t *report, size_t len);
/* Pop the next IN report the device has ready; false when none is ready.
 * With fault=stale each device (ROM, flashloader) arrives with one old report
 * already queued. Reading the answer to a jump or reset makes the module
 * leave the bus (doc/protocol.md §2.4, §3.12). */
bool vmod_engine_in(struct vmod_engine *e, uint8_t *buf, size_t cap, size_t *len);
/* Let dt seconds of modelled time pass (busy periods end, the flashloader
 * arrives after its enumeration delay). */
void vmod_engine_advance(struct vmod_engine *e, double dt);
/* Modelled seconds until the engine's next internal change (busy end,
 * arrival); <0 when nothing is pending. */
double vmod_engine_next_change(const struct vmod_engine *e);
/* The NOR contents (flash_size bytes) for checks in tests. */
const uint8_t *vmod_engine_nor(const struct vmod_engine *e, uint64_t *size);

/* Counters behind stats= (README, "The virtual module"). */
struct vmod_stats {
    double device_busy_s; /* modelled seconds the module spent working */
    uint64_t bytes_out, bytes_in, reports_out, reports_in;
    int64_t corrupt_addr; /* fault=corrupt: the address it changed, -1 none */
};
void vmod_engine_stats(const struct vmod_engine *e, struct vmod_stats *out);
/* Write the config's dump= and stats= files for this one engine, as
 * destroying a bus does for its modules. */
nt_status vmod_engine_save(const struct vmod_engine *e, struct nt_err *err);
#endif
