/* Minimal test harness for the seawall C suite: CHECK macros that count
 * and report, and a closing "N passed, N failed" line. Header-only. */
#ifndef SEAWALL_TEST_HARNESS_H
#define SEAWALL_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "seawall.h"

static unsigned long h_passed = 0;
static unsigned long h_failed = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      h_passed++;                                                          \
    } else {                                                               \
      h_failed++;                                                          \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
    }                                                                      \
  } while (0)

#define CHECK_STATUS(expr, want)                                           \
  do {                                                                     \
    int h_got_ = (int)(expr);                                              \
    int h_want_ = (int)(want);                                             \
    if (h_got_ == h_want_) {                                               \
      h_passed++;                                                          \
    } else {                                                               \
      h_failed++;                                                          \
      fprintf(stderr, "FAIL %s:%d: %s -> %s (want %s): %s\n", __FILE__,    \
              __LINE__, #expr, seawall_status_str(h_got_),                 \
              seawall_status_str(h_want_), seawall_last_error_message());  \
    }                                                                      \
  } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, SEAWALL_OK)

#define CHECK_EQ_U64(a, b)                                                 \
  do {                                                                     \
    uint64_t h_a_ = (uint64_t)(a), h_b_ = (uint64_t)(b);                   \
    if (h_a_ == h_b_) {                                                    \
      h_passed++;                                                          \
    } else {                                                               \
      h_failed++;                                                          \
      fprintf(stderr, "FAIL %s:%d: %s == %s: %" PRIu64 " != %" PRIu64 "\n", \
              __FILE__, __LINE__, #a, #b, h_a_, h_b_);                     \
    }                                                                      \
  } while (0)

#define CHECK_STR(a, b)                                                    \
  do {                                                                     \
    const char *h_a_ = (a), *h_b_ = (b);                                   \
    if (h_a_ && h_b_ && strcmp(h_a_, h_b_) == 0) {                         \
      h_passed++;                                                          \
    } else {                                                               \
      h_failed++;                                                          \
      fprintf(stderr, "FAIL %s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, \
              __LINE__, #a, #b, h_a_ ? h_a_ : "(null)",                    \
              h_b_ ? h_b_ : "(null)");                                     \
    }                                                                      \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                        \
  do {                                                                     \
    const char *h_h_ = (hay), *h_n_ = (needle);                            \
    if (h_h_ && strstr(h_h_, h_n_)) {                                      \
      h_passed++;                                                          \
    } else {                                                               \
      h_failed++;                                                          \
      fprintf(stderr, "FAIL %s:%d: \"%s\" does not contain \"%s\"\n",      \
              __FILE__, __LINE__, h_h_ ? h_h_ : "(null)", h_n_);           \
    }                                                                      \
  } while (0)

/* Prints the closing line and returns the process exit code. */
static inline int h_done(const char *suite) {
  printf("%s: %lu passed, %lu failed\n", suite, h_passed, h_failed);
  return h_failed == 0 ? 0 : 1;
}

#endif
