/* The C test vocabulary: CHECK-style assertions that report file:line on
 * stderr and carry on, and cases that print TAP ("ok 3 - name", "not ok 4 -
 * name", "ok 5 - name # SKIP why", the plan "1..N" last) for automake's TAP
 * driver, so every case is counted. NT_TEST_ONLY=name[,name...] runs only
 * those cases; the others are not run and not counted. */
#ifndef NT_TESTS_TAP_H
#define NT_TESTS_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_cases;
static int check_case_failed;
static char check_skip_reason[256];
/* Set when the cases that follow cannot run here: each is reported as skipped. */
static char tap_skip_rest[256];

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                        \
            check_case_failed = 1;                                                   \
        }                                                                            \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                \
    do {                                                                                                  \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                                   \
        if (check_a_ != check_b_) {                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, \
                    check_a_, check_b_);                                                                  \
            check_failures++;                                                                             \
            check_case_failed = 1;                                                                        \
        }                                                                                                 \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                                \
    do {                                                                                                  \
        const char *check_a_ = (a), *check_b_ = (b);                                                      \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, \
                    #b, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");                  \
            check_failures++;                                                                             \
            check_case_failed = 1;                                                                        \
        }                                                                                                 \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                              \
    do {                                                                                         \
        const char *check_h_ = (hay), *check_n_ = (needle);                                      \
        if (!check_h_ || !strstr(check_h_, check_n_)) {                                          \
            fprintf(stderr, "%s:%d: CHECK failed: \"%s\" contains \"%s\"\n", __FILE__, __LINE__, \
                    check_h_ ? check_h_ : "(null)", check_n_);                                   \
            check_failures++;                                                                    \
            check_case_failed = 1;                                                               \
        }                                                                                        \
    } while (0)

/* Compare byte arrays, printing the first difference. */
#define CHECK_MEM(a, b, n)                                                                         \
    do {                                                                                           \
        const unsigned char *check_a_ = (const unsigned char *)(a);                                \
        const unsigned char *check_b_ = (const unsigned char *)(b);                                \
        size_t check_n_ = (n), check_i_;                                                           \
        for (check_i_ = 0; check_i_ < check_n_; check_i_++)                                        \
            if (check_a_[check_i_] != check_b_[check_i_])                                          \
                break;                                                                             \
        if (check_i_ != check_n_) {                                                                \
            fprintf(stderr,                                                                        \
                    "%s:%d: CHECK failed: %s == %s: first difference at "                          \
                    "offset %zu (0x%02x != 0x%02x)\n",                                             \
                    __FILE__, __LINE__, #a, #b, check_i_, check_a_[check_i_], check_b_[check_i_]); \
            check_failures++;                                                                      \
            check_case_failed = 1;                                                                 \
        }                                                                                          \
    } while (0)

/* Whether NT_TEST_ONLY (a comma-separated list of case names) selects name. */
static inline int tap_selected(const char *name)
{
    const char *only = getenv("NT_TEST_ONLY");
    size_t n = strlen(name);

    if (!only || !*only)
        return 1;
    for (const char *p = only; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

/* Inside a case: mark it skipped with a reason (the caller then returns). */
#define SKIP_CASE(...) snprintf(check_skip_reason, sizeof check_skip_reason, __VA_ARGS__)

/* Run one case and print its TAP line. */
#define RUN(fn)                                                                                     \
    do {                                                                                            \
        if (!tap_selected(#fn))                                                                     \
            break;                                                                                  \
        check_case_failed = 0;                                                                      \
        check_skip_reason[0] = '\0';                                                                \
        check_cases++;                                                                              \
        if (tap_skip_rest[0])                                                                       \
            snprintf(check_skip_reason, sizeof check_skip_reason, "%s", tap_skip_rest);             \
        else                                                                                        \
            fn();                                                                                   \
        if (check_skip_reason[0] && !check_case_failed)                                             \
            printf("ok %d - %s # SKIP %s\n", check_cases, #fn, check_skip_reason);                  \
        else                                                                                        \
            printf("%s %d - %s\n", check_case_failed ? "not ok" : "ok", check_cases, #fn);          \
        fflush(stdout);                                                                             \
    } while (0)

/* The whole program cannot run here: one TAP line that says why, exit 0. */
#define SKIP_ALL(...)                     \
    do {                                  \
        printf("1..0 # SKIP ");           \
        printf(__VA_ARGS__);              \
        printf("\n");                     \
        fflush(stdout);                   \
        exit(0);                          \
    } while (0)

/* Print the plan; the exit status is 1 when a check failed. */
static inline int check_finish(void)
{
    const char *only = getenv("NT_TEST_ONLY");

    if (check_cases == 0 && only && *only)
        printf("1..0 # SKIP NT_TEST_ONLY=%s names no case here\n", only);
    else
        printf("1..%d\n", check_cases);
    fflush(stdout);
    return check_failures ? 1 : 0;
}

#endif
