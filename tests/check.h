/* A tiny test harness for the C unit tests: CHECK-style assertions that
 * report file:line and carry on, one line per case, and an exit status that
 * automake understands (0 pass, 1 fail, 77 skip). */
#ifndef NT_TESTS_CHECK_H
#define NT_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_cases;
static int check_case_failed;

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

/* Run one case: prints "ok - name" or "FAIL - name". */
#define RUN(fn)                                                      \
    do {                                                             \
        check_case_failed = 0;                                       \
        check_cases++;                                               \
        fn();                                                        \
        printf("%s - %s\n", check_case_failed ? "FAIL" : "ok", #fn); \
        fflush(stdout);                                              \
    } while (0)

static inline int check_finish(void)
{
    printf("%d cases, %d failed checks\n", check_cases, check_failures);
    return check_failures ? 1 : 0;
}

#endif
