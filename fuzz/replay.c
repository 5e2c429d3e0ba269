/* The corpus replay driver: without libFuzzer, each fuzz target is linked
 * with this main, which feeds every file of its seed corpus (FUZZ_CORPUS,
 * or the files and folders named on the command line) to
 * LLVMFuzzerTestOneInput once and prints a TAP line per file. A crash or a
 * sanitizer report fails the test; the corpora hold the interesting inputs
 * found so far, so this catches regressions in seconds. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_FILES_MAX 4096
#define REPLAY_PATH_MAX 4096

static int cases;

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    cases++;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        printf("not ok %d - %s (cannot read)\n", cases, path);
        if (f)
            fclose(f);
        return;
    }
    /* An exact-size copy, so that reading past the input is caught. */
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        printf("not ok %d - %s (cannot read)\n", cases, path);
    } else {
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        printf("ok %d - %s\n", cases, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    }
    fflush(stdout);
    free(buf);
    fclose(f);
}

static void replay_path(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char *names[REPLAY_FILES_MAX];
    size_t n = 0;

    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        replay_file(path);
        return;
    }
    d = opendir(path);
    if (!d) {
        replay_file(path);
        return;
    }
    while ((e = readdir(d)) != NULL && n < REPLAY_FILES_MAX) {
        char full[REPLAY_PATH_MAX];
        if (e->d_name[0] == '.')
            continue;
        snprintf(full, sizeof full, "%s/%s", path, e->d_name);
        names[n] = strdup(full);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        replay_file(names[i]);
        free(names[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        for (int i = 1; i < argc; i++)
            replay_path(argv[i]);
    else
        replay_path(FUZZ_CORPUS);
    if (cases == 0)
        printf("1..0 # SKIP no corpus files\n");
    else
        printf("1..%d\n", cases);
    return 0;
}
