/* Mirrors tests/src/runners/classify.rs: ops status, kind, code,
 * statuses, kinds. */
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

struct subject {
  int unused;
};

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **error_out, runner_err *err) {
  (void)config, (void)clock, (void)error_out, (void)err;
  return calloc(1, sizeof(subject));
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)s, (void)clock;
  cJSON *o = cJSON_CreateObject();
  if (strcmp(op, "status") == 0) {
    uint64_t status;
    if (!j_u64(args, "status", &status)) {
      rerr(err, "status needs status");
      goto fail;
    }
    o_bool(o, "retryable",
           status <= UINT32_MAX && seawall_is_retryable_status((uint32_t)status));
  } else if (strcmp(op, "kind") == 0) {
    const char *k = j_str(args, "kind");
    seawall_retryable_kind kind;
    if (!k) {
      rerr(err, "kind needs kind");
      goto fail;
    }
    if (seawall_retryable_kind_parse(k, &kind) != SEAWALL_OK) {
      rerr(err, "kind: %s", seawall_last_error_message());
      goto fail;
    }
    o_bool(o, "retryable", kind != SEAWALL_RETRYABLE_NONE);
  } else if (strcmp(op, "code") == 0) {
    const char *c = j_str(args, "code");
    seawall_retryable_kind kind;
    if (!c) {
      rerr(err, "code needs code");
      goto fail;
    }
    if (seawall_retryable_kind_for_code(c, &kind) != SEAWALL_OK) {
      rerr(err, "code: %s", seawall_last_error_message());
      goto fail;
    }
    if (kind == SEAWALL_RETRYABLE_NONE) o_null(o, "kind");
    else o_str(o, "kind", seawall_retryable_kind_str((uint32_t)kind));
    o_bool(o, "retryable", kind != SEAWALL_RETRYABLE_NONE);
  } else if (strcmp(op, "statuses") == 0) {
    const uint16_t *st;
    size_t n;
    if (seawall_retryable_statuses(&st, &n) != SEAWALL_OK) {
      rerr(err, "statuses: %s", seawall_last_error_message());
      goto fail;
    }
    cJSON *a = cJSON_AddArrayToObject(o, "statuses");
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, j_num_u64(st[i]));
  } else if (strcmp(op, "kinds") == 0) {
    cJSON *a = cJSON_AddArrayToObject(o, "kinds");
    const char *name;
    for (uint32_t k = 1; strcmp(name = seawall_retryable_kind_str(k), "unknown") != 0; k++)
      cJSON_AddItemToArray(a, cJSON_CreateString(name));
  } else {
    rerr(err, "unknown op \"%s\"", op);
    goto fail;
  }
  return o;
fail:
  cJSON_Delete(o);
  return NULL;
}

static void destroy(subject *s) { free(s); }

const runner classify_runner = {"classify", build, step, destroy};
