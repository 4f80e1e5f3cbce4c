/* The C conformance runner: spec/vectors through the C API.
 * Mirrors tests/src/lib.rs (driver and matcher) and
 * tests/src/runners/<primitive>.rs (one runner per primitive).
 *
 * Numbers: cJSON keeps numbers as doubles, which would lose integers above
 * 2^53. The loader therefore rewrites every number literal into a string
 * "\u0001<literal>" before parsing, and the helpers below read those
 * literals exactly (integers as u64/i64, others as double), so the
 * matcher compares like serde_json does. */
#ifndef SEAWALL_CONFORMANCE_H
#define SEAWALL_CONFORMANCE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "seawall.h"

typedef struct subject subject;

/* A runner error (like Rust's Err(String)): the scenario fails. */
typedef struct {
  char msg[256];
} runner_err;

typedef struct {
  const char *primitive;
  /* Returns the subject, or NULL with *error_out set to the construction
   * error object (or *error_out NULL and err filled for a runner error). */
  subject *(*build)(const cJSON *config, const seawall_manual_clock *clock,
                    cJSON **error_out, runner_err *err);
  /* Returns the step's output object, or NULL with err filled. */
  cJSON *(*step)(subject *s, const char *op, const cJSON *args,
                 const seawall_manual_clock *clock, runner_err *err);
  void (*free)(subject *s);
} runner;

/* ---- number literals ---------------------------------------------------- */
bool j_is_num(const cJSON *v);
/* serde_json's as_u64 / as_i64 / as_f64 on a number literal. */
bool j_as_u64(const cJSON *v, uint64_t *out);
bool j_as_i64(const cJSON *v, int64_t *out);
bool j_as_f64(const cJSON *v, double *out);
/* Field readers (absent or wrong type: false). */
bool j_u64(const cJSON *obj, const char *key, uint64_t *out);
bool j_f64(const cJSON *obj, const char *key, double *out);
bool j_bool(const cJSON *obj, const char *key, bool *out);
const char *j_str(const cJSON *obj, const char *key);
/* Present and not null. */
const cJSON *j_get(const cJSON *obj, const char *key);
/* Present (null included). */
const cJSON *j_raw(const cJSON *obj, const char *key);

/* ---- output builders ---------------------------------------------------- */
cJSON *j_num_u64(uint64_t v);
cJSON *j_num_i64(int64_t v);
cJSON *j_num_f64(double v);
void o_u64(cJSON *o, const char *key, uint64_t v);
void o_f64(cJSON *o, const char *key, double v);
void o_bool(cJSON *o, const char *key, bool v);
void o_str(cJSON *o, const char *key, const char *v);
void o_null(cJSON *o, const char *key);
/* The output of a failed call: {error, field?, retry_after_ns?} read from
 * the status and this thread's last error (field in core spelling). */
cJSON *error_value(seawall_status st);
/* {error: invalid_config, field} for a value the binding's own
 * conversion rejects (the Rust runners' "bad value" errors). */
cJSON *config_error(const char *field);

void rerr(runner_err *e, const char *fmt, ...);

/* The backoff keys of a vector config (runners/backoff.c). */
bool backoff_config_from_json(const cJSON *config, seawall_backoff_config *out,
                              cJSON **error_out);

/* The adaptive timeout keys of a vector config (runners/adaptive_timeout.c). */
bool adaptive_timeout_config(const cJSON *config, seawall_adaptive_timeout_config *out, cJSON **e);

/* A policy's admission stages from a vector config (runners/policy.c). */
typedef struct {
  seawall_token_bucket *tb;
  seawall_sliding_window *sw;
  seawall_circuit_breaker *cb;
  seawall_bulkhead *bh;
} policy_stages;
bool policy_stages_build(const cJSON *config, const seawall_manual_clock *clock,
                         policy_stages *s, seawall_policy_config *pc, cJSON **e);
/* Adds state (breaker), active (bulkhead), limiter_available to o. */
cJSON *policy_stages_snapshot(const policy_stages *s, cJSON *o);
void policy_stages_free(policy_stages *s);

/* ---- the region pass (tests/src/lib.rs `in_region`, `region_slot`) ------ */
#if defined(SEAWALL_HAS_SHARED_REGIONS)
/* During the region pass of main: the region the runners that support it
 * build their primitive in; NULL otherwise. */
const seawall_region *current_region(void);
/* A name no earlier scenario used (a static buffer; counts the subject). */
const char *next_slot_name(void);
/* `seawall_<prim>_new_with_clock`, or in the region pass
 * `seawall_<prim>_new_in_region_with_clock` under a fresh name. */
#define NEW_WITH_CLOCK(prim, cfg, clock, out)                                  \
  (current_region() ? seawall_##prim##_new_in_region_with_clock(              \
                          cfg, clock, current_region(), next_slot_name(), out) \
                    : seawall_##prim##_new_with_clock(cfg, clock, out))
#else
#define NEW_WITH_CLOCK(prim, cfg, clock, out) seawall_##prim##_new_with_clock(cfg, clock, out)
#endif

/* ---- the Redis pass (runners/redis_limiters.c, tests/tests/redis_vectors.rs) */
extern const seawall_redis_backend *redis_backend;
/* False for a scenario the Redis limiters do not take (initial_tokens, the
 * waiting ops): the driver lists it as skipped. */
bool redis_takes(const cJSON *scenario);
extern const runner redis_token_bucket_runner;
extern const runner redis_sliding_window_runner;

/* ---- runners ------------------------------------------------------------ */
/* Defines `const runner <name>_runner` and registers it with the driver:
 * the Makefile collects every line of the runners/ files that starts with
 * VECTOR_RUNNER(<name>) into the driver's table (runners.inc in the build
 * folder), so adding runners/<x>.c is all it takes. A runner defined
 * otherwise (the Redis pass's, above) is not in the table. */
#define VECTOR_RUNNER(name)              \
  extern const runner name##_runner; \
  const runner name##_runner

/* Shared by the limiter runners (tests/src/runners/token_bucket.rs). */
cJSON *decision_value(seawall_status st, const seawall_decision *d);
seawall_token_bucket_config token_bucket_config(const cJSON *v);
seawall_sliding_window_config sliding_window_config(const cJSON *v);
bool circuit_breaker_config(const cJSON *c, seawall_circuit_breaker_config *out, cJSON **e);
bool bulkhead_config(const cJSON *c, seawall_bulkhead_config *out, cJSON **e);

#endif
