/* Minimal test harness for the C suites: no dependency beyond libc.
 * Each CHECK counts; main() ends with `N passed, N failed` on its own line. */
#ifndef SEAWALL_TEST_HARNESS_H
#define SEAWALL_TEST_HARNESS_H
#include <stdio.h>
#include <string.h>
#include "seawall.h"

static int harness_passed = 0;
static int harness_failed = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      harness_passed++;                                                    \
    } else {                                                               \
      harness_failed++;                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n",        \
              __FILE__, __LINE__, #cond, seawall_last_error_message());    \
    }                                                                      \
  } while (0)

#define CHECK_STATUS(expr, want)                                           \
  do {                                                                     \
    seawall_status got_ = (expr);                                          \
    if (got_ == (want)) {                                                  \
      harness_passed++;                                                    \
    } else {                                                               \
      harness_failed++;                                                    \
      fprintf(stderr, "%s:%d: %s returned %s, want %s (last error: %s)\n", \
              __FILE__, __LINE__, #expr, seawall_status_str(got_),         \
              seawall_status_str(want), seawall_last_error_message());     \
    }                                                                      \
  } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, SEAWALL_OK)

static inline int harness_finish(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, harness_passed, harness_failed);
  return harness_failed == 0 && harness_passed > 0 ? 0 : 1;
}
#endif
