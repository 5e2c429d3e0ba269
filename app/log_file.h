/* --log FILE: the run written down as it happens, whatever the front end:
 * a header, each session event with its wall-clock time and session time
 * (progress at whole percents), the failure report, the exit code. */
#ifndef NT_LOG_FILE_H
#define NT_LOG_FILE_H

#include <stdio.h>

#include "session.h"

struct log_file {
    FILE *f;
    int last_pct[SESS_PH_COUNT];
};

/* Open path for writing; false (errno set) when it cannot be. */
bool log_file_open(struct log_file *l, const char *path);
/* "nt_flash VERSION: ARGS" with the date. */
void log_file_header(struct log_file *l, const char *version, int argc, char **argv);
/* A sess_sink_fn (user = struct log_file *), safe on the session's thread. */
void log_file_sink(void *user, const struct sess_event *ev);
/* A line of the program's own (the exit code); then flushed. */
void log_file_note(struct log_file *l, const char *text);
void log_file_close(struct log_file *l);

#endif
