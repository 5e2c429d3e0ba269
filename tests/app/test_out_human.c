/* The human progress lines (app/out_human.c) for a terminal without the
 * full-screen view: a percentage phase is one line updated in place with
 * '\r' and ended at 100%, a message never lands on an unfinished line, and
 * a finished flash ends with the summary line the full-screen view leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "pkg.h"
#include "tap.h"

static void ev(struct out_state *o, enum sess_event_type type, double t, enum sess_phase ph, uint64_t done,
               uint64_t total)
{
    struct sess_event e;

    memset(&e, 0, sizeof e);
    e.type = type;
    e.t = t;
    e.phase = ph;
    e.done = done;
    e.total = total;
    out_sink(o, &e);
}

static void test_updating_lines_and_summary(void)
{
    char *buf = NULL, *ebuf = NULL;
    size_t len = 0, elen = 0;
    FILE *out = open_memstream(&buf, &len), *err = open_memstream(&ebuf, &elen);
    struct out_state o;
    struct pkg p;
    struct tp_devinfo d;
    struct sess_event e;

    memset(&p, 0, sizeof p);
    snprintf(p.version, sizeof p.version, "1.9.0");
    snprintf(p.firmware.name, sizeof p.firmware.name, "disting_NT.bin");
    p.firmware.size = 1000;
    memset(&d, 0, sizeof d);
    d.kind = TP_KIND_MBOOT;
    snprintf(d.port, sizeof d.port, "1-4.2");
    out_init(&o, &out_human_format, out, err, 0);
    memset(&e, 0, sizeof e);
    e.type = SESS_EV_PACKAGE;
    e.pkg = &p;
    out_sink(&o, &e);
    e.type = SESS_EV_DEVICE_DETECTED;
    e.dev = &d;
    out_sink(&o, &e);
    ev(&o, SESS_EV_PHASE_START, 1.0, SESS_PH_WRITE, 0, 0);
    ev(&o, SESS_EV_PROGRESS, 1.0, SESS_PH_WRITE, 0, 1000);
    ev(&o, SESS_EV_PROGRESS, 2.0, SESS_PH_WRITE, 500, 1000);
    memset(&e, 0, sizeof e);
    e.type = SESS_EV_LOG;
    e.level = SESS_LOG_WARN;
    e.text = "a warning";
    out_sink(&o, &e);
    ev(&o, SESS_EV_PROGRESS, 3.0, SESS_PH_WRITE, 1000, 1000);
    ev(&o, SESS_EV_PHASE_DONE, 3.0, SESS_PH_WRITE, 1000, 1000);
    ev(&o, SESS_EV_PHASE_START, 3.0, SESS_PH_VERIFY, 0, 0);
    ev(&o, SESS_EV_PROGRESS, 3.0, SESS_PH_VERIFY, 0, 1512);
    ev(&o, SESS_EV_PROGRESS, 3.2, SESS_PH_VERIFY, 1512, 1512);
    ev(&o, SESS_EV_PHASE_DONE, 3.2, SESS_PH_VERIFY, 1512, 1512);
    ev(&o, SESS_EV_FINISHED, 3.5, SESS_PH_RESET, 0, 0);
    fclose(out);
    fclose(err);
    CHECK_CONTAINS(buf, "Package 1.9.0: firmware disting_NT.bin (1000 bytes)\n");
    CHECK_CONTAINS(buf, "The flashloader is running on the module at 1-4.2\n");
    CHECK_CONTAINS(buf, "\rWriting the firmware           0%");
    /* Half way after 1 s: 1 s left. Then the warning ends the open line. */
    CHECK_CONTAINS(buf, "\rWriting the firmware          50%  1 s left    \n");
    CHECK_CONTAINS(buf, "\rWriting the firmware         100%              \n");
    CHECK(!strstr(buf, "100%              \n\rWriting")); /* no second 100% line */
    CHECK_CONTAINS(buf,
                   "nt_flash: flashed firmware 1.9.0 to the module at 1-4.2 in 3.5 s; 1512 bytes read "
                   "back and verified\n");
    CHECK(!strstr(buf, "WRITING") && !strstr(buf, "COMPLETE"));
    CHECK_EQ_STR(ebuf, "nt_flash: warning: a warning\n");
    free(buf);
    free(ebuf);
}

int main(void)
{
    RUN(test_updating_lines_and_summary);
    return check_finish();
}
