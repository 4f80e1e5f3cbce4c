/* Mirrors tests/src/runners/classify.rs: ops status, kind, code,
 * statuses, kinds, error_kind, chain, retry_after, outcome. */
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

/* A seawall error kind's wire name as its status (1..=9), 0 if unknown. */
static uint32_t kind_status(const char *name) {
  for (int st = 1; st <= 9; st++)
    if (strcmp(seawall_status_str(st), name) == 0) return (uint32_t)st;
  return 0;
}

static bool parse_link(const cJSON *v, seawall_error_link *l, runner_err *err) {
  memset(l, 0, sizeof *l);
  const char *k = j_str(v, "seawall");
  if (k && !(l->seawall_status = kind_status(k))) {
    rerr(err, "unknown error kind \"%s\"", k);
    return false;
  }
  const char *t = j_str(v, "transport");
  if (t) {
    seawall_retryable_kind kind;
    if (seawall_retryable_kind_parse(t, &kind) != SEAWALL_OK || kind == SEAWALL_RETRYABLE_NONE) {
      rerr(err, "unknown transport kind \"%s\"", t);
      return false;
    }
    l->transport = (uint32_t)kind;
  }
  uint64_t status;
  if (j_u64(v, "status", &status)) {
    if (status > 65535) {
      rerr(err, "status %llu above u16", (unsigned long long)status);
      return false;
    }
    l->http_status = (uint32_t)status;
  }
  l->has_retry_after = j_u64(v, "retry_after_ns", &l->retry_after_ns);
  return true;
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
  } else if (strcmp(op, "error_kind") == 0) {
    const char *k = j_str(args, "kind");
    uint32_t st = k ? kind_status(k) : 0;
    if (!st) {
      rerr(err, "error_kind needs a known kind");
      goto fail;
    }
    o_bool(o, "retryable", seawall_is_retryable_error_status(st));
  } else if (strcmp(op, "chain") == 0) {
    const cJSON *links = j_get(args, "links");
    if (!cJSON_IsArray(links)) {
      rerr(err, "chain needs links");
      goto fail;
    }
    int n = cJSON_GetArraySize(links);
    seawall_error_link *ls = calloc((size_t)(n > 0 ? n : 1), sizeof *ls);
    int i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, links) {
      if (!parse_link(l, &ls[i++], err)) {
        free(ls);
        goto fail;
      }
    }
    seawall_verdict v;
    seawall_status st = seawall_classify_chain(ls, (size_t)n, &v);
    free(ls);
    if (st != SEAWALL_OK) {
      rerr(err, "chain: %s", seawall_last_error_message());
      goto fail;
    }
    o_bool(o, "retryable", v.retryable);
    if (v.has_retry_after) o_u64(o, "retry_after_ns", v.retry_after_ns);
    else o_null(o, "retry_after_ns");
    if (v.decided_by < 0) o_null(o, "decided_by");
    else o_u64(o, "decided_by", (uint64_t)v.decided_by);
  } else if (strcmp(op, "retry_after") == 0) {
    const char *value = j_str(args, "value");
    uint64_t now = 0;
    if (!value) {
      rerr(err, "retry_after needs value");
      goto fail;
    }
    (void)j_u64(args, "now_unix_ms", &now);
    uint8_t valid;
    uint64_t ns;
    if (seawall_parse_retry_after(value, now, &valid, &ns) != SEAWALL_OK) {
      rerr(err, "retry_after: %s", seawall_last_error_message());
      goto fail;
    }
    if (valid) o_u64(o, "delay_ns", ns);
    else o_null(o, "delay_ns");
  } else if (strcmp(op, "outcome") == 0) {
    const char *k = j_str(args, "seawall");
    uint32_t st = 0;
    if (k && !(st = kind_status(k))) {
      rerr(err, "unknown error kind \"%s\"", k);
      goto fail;
    }
    bool ignored = false, rec = false;
    (void)j_bool(args, "ignored", &ignored);
    int32_t recorded = j_bool(args, "recorded", &rec) ? (rec ? 1 : 0) : -1;
    uint32_t out;
    if (seawall_outcome_for_error(ignored, recorded, st, &out) != SEAWALL_OK) {
      rerr(err, "outcome: %s", seawall_last_error_message());
      goto fail;
    }
    static const char *names[] = {"success", "failure", "ignored"};
    o_str(o, "outcome", out < 3 ? names[out] : "?");
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

VECTOR_RUNNER(classify) = {"classify", build, step, destroy};
