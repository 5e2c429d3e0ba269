/* Runs a program (the real nt_flash) out of process against emulated
 * modules: this process owns the umockdev testbed and the device models,
 * the child reaches them through libumockdev-preload and the inherited
 * $UMOCKDEV_DIR (doc/design.md §7.1 item 5).
 *
 *   usb_harness [-m PORT:sdp|mboot|app[:VMOD_SPEC]]... [-d NOR_DUMP] -- CMD [ARGS...]
 *
 * Exits with the child's status (128+N for a signal), 77 when umockdev
 * cannot emulate here, 99 on a harness error. -d writes the first module's
 * NOR contents after the child ended; a module's own dump= and stats= (in
 * its SPEC) are written then too, so several modules can be checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usbemu.h"
#include "vmod.h"

#define HARNESS_MAX_MODULES 4
#define HARNESS_ERROR 99
#define HARNESS_WAIT_MS 5000
#define PRELOAD_LIB "libumockdev-preload.so.0"

struct module_arg {
    char port[32];
    int kind;
    struct vmod_engine *engine;
};

static int usage(void)
{
    fprintf(stderr, "usage: usb_harness [-m PORT:sdp|mboot|app[:SPEC]]... [-d NOR_DUMP] -- CMD [ARGS...]\n");
    return HARNESS_ERROR;
}

/* "1-1.2:mboot:hab=closed,flash=2M" */
static bool parse_module(const char *arg, struct module_arg *m)
{
    struct vmod_config vc;
    struct nt_err e;
    const char *k = strchr(arg, ':'), *spec;
    size_t plen = k ? (size_t)(k - arg) : 0;

    if (!k || plen == 0 || plen >= sizeof m->port)
        return false;
    memcpy(m->port, arg, plen);
    m->port[plen] = '\0';
    k++;
    spec = strchr(k, ':');
    vmod_config_defaults(&vc);
    vc.speed = 0;
    if (!strncmp(k, "sdp", spec ? (size_t)(spec - k) : strlen(k))) {
        m->kind = TP_KIND_SDP;
        vc.start = VMOD_START_SDP;
    } else if (!strncmp(k, "mboot", spec ? (size_t)(spec - k) : strlen(k))) {
        m->kind = TP_KIND_MBOOT;
        vc.start = VMOD_START_MBOOT;
    } else if (!strncmp(k, "app", spec ? (size_t)(spec - k) : strlen(k))) {
        m->kind = TP_KIND_APP; /* running its firmware: USB-MIDI */
        vc.start = VMOD_START_APP;
    } else {
        return false;
    }
    if (spec && vmod_parse_spec(spec + 1, &vc, &e) != NT_OK) {
        fprintf(stderr, "usb_harness: %s\n", e.msg);
        return false;
    }
    return vmod_engine_new(&vc, 0, &m->engine, &e) == NT_OK;
}

static void child_env(void)
{
    const char *pre = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
    char buf[1024];

    snprintf(buf, sizeof buf, "%s%s%s", PRELOAD_LIB, pre && *pre ? ":" : "", pre ? pre : "");
    setenv("LD_PRELOAD", buf, 1);
    /* an ASan build of the child: the preload library comes before libasan */
    snprintf(buf, sizeof buf, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", buf, 1);
}

static int run_child(char **argv)
{
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return HARNESS_ERROR;
    if (pid == 0) {
        child_env();
        execvp(argv[0], argv);
        perror("usb_harness: exec");
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0)
        return HARNESS_ERROR;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool dump_nor(const char *path, const struct vmod_engine *e)
{
    uint64_t size = 0;
    const uint8_t *nor = vmod_engine_nor(e, &size);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(nor, 1, (size_t)size, f) == size;

    if (f && fclose(f) != 0)
        ok = false;
    return ok;
}

int main(int argc, char **argv)
{
    struct module_arg mods[HARNESS_MAX_MODULES];
    const char *dump = NULL;
    struct usbemu *emu = NULL;
    size_t n = 0;
    int i, rc;

    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc && n < HARNESS_MAX_MODULES) {
            if (!parse_module(argv[++i], &mods[n++]))
                return usage();
        } else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
            dump = argv[++i];
        } else {
            return usage();
        }
    }
    if (i + 1 >= argc)
        return usage();
    rc = usbemu_new(&emu);
    if (rc != 0)
        return rc;
    for (size_t k = 0; k < n; k++) {
        struct usbemu_module_cfg cfg = { 0 };
        cfg.port = mods[k].port;
        cfg.model = usbemu_vmod_model(mods[k].engine);
        if (!usbemu_wait_presence(usbemu_add_module(emu, &cfg), mods[k].kind, HARNESS_WAIT_MS))
            return HARNESS_ERROR;
    }
    rc = run_child(argv + i + 1);
    usbemu_free(emu);
    if (dump && n > 0 && !dump_nor(dump, mods[0].engine))
        rc = HARNESS_ERROR;
    for (size_t k = 0; k < n; k++) {
        struct nt_err e;
        if (vmod_engine_save(mods[k].engine, &e) != NT_OK) {
            fprintf(stderr, "usb_harness: %s\n", e.msg);
            rc = HARNESS_ERROR;
        }
    }
    for (size_t k = 0; k < n; k++)
        vmod_engine_free(mods[k].engine);
    return rc;
}
