/* Mirrors tests/src/runners/bulkhead.rs: ops try_acquire {id}, enqueue {id},
 * claim {id}, release {id}, metrics. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conformance.h"

#define MAX_HELD 256

typedef struct {
  char *id;
  seawall_bulkhead_permit *permit;
  seawall_bulkhead_waiter *waiter;
} held_t;

struct subject {
  seawall_bulkhead *b;
  held_t held[MAX_HELD];
  size_t n;
};

static bool int_field(const cJSON *c, const char *key, const char *field,
                      uint64_t *v, cJSON **e) {
  const cJSON *x = j_raw(c, key);
  if (!x) return true;
  if (!j_as_u64(x, v)) {
    *e = config_error(field);
    return false;
  }
  return true;
}

/* `config` of tests/src/runners/bulkhead.rs (also used by the policy runner). */
bool bulkhead_config(const cJSON *config, seawall_bulkhead_config *out, cJSON **e) {
  seawall_bulkhead_config c = seawall_bulkhead_config_default();
  c.max_wait_ns = 0;
  if (!int_field(config, "max_concurrent", "max_concurrent", &c.max_concurrent, e) ||
      !int_field(config, "max_queue", "max_queue", &c.max_queue, e) ||
      !int_field(config, "max_wait_ns", "max_wait", &c.max_wait_ns, e))
    return false;
  *out = c;
  return true;
}

static subject *build(const cJSON *config, const seawall_manual_clock *clock,
                      cJSON **e, runner_err *err) {
  (void)err;
  seawall_bulkhead_config c;
  if (!bulkhead_config(config, &c, e)) return NULL;
  subject *s = calloc(1, sizeof *s);
  /* In a region, only bulkheads without a queue (waits in line are per
   * process; tests/src/runners/bulkhead.rs). */
  seawall_status st = c.max_queue == 0 ? NEW_WITH_CLOCK(bulkhead, &c, clock, &s->b)
                                       : seawall_bulkhead_new_with_clock(&c, clock, &s->b);
  if (st != SEAWALL_OK) {
    *e = error_value(st);
    free(s);
    return NULL;
  }
  return s;
}

/* The id as a string (ids may be strings or integers); false if absent. */
static bool get_id(const cJSON *args, char *buf, size_t cap) {
  const char *s = j_str(args, "id");
  uint64_t n;
  if (s) snprintf(buf, cap, "%s", s);
  else if (j_u64(args, "id", &n)) snprintf(buf, cap, "%" PRIu64, n);
  else return false;
  return true;
}

static held_t *find(subject *s, const char *id) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->held[i].id, id) == 0) return &s->held[i];
  return NULL;
}

static void drop_held(held_t *h) {
  seawall_bulkhead_release(&h->permit);
  seawall_bulkhead_waiter_free(h->waiter);
  h->permit = NULL;
  h->waiter = NULL;
}

/* HashMap::insert: replaces (and drops) what the id held. */
static void insert(subject *s, const char *id, seawall_bulkhead_permit *p,
                   seawall_bulkhead_waiter *w) {
  held_t *h = find(s, id);
  if (h) {
    drop_held(h);
  } else {
    if (s->n == MAX_HELD) return;
    h = &s->held[s->n++];
    h->id = strdup(id);
  }
  h->permit = p;
  h->waiter = w;
}

/* HashMap::remove: true if the id held something. */
static bool remove_held(subject *s, const char *id) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->held[i].id, id) == 0) {
      drop_held(&s->held[i]);
      free(s->held[i].id);
      s->held[i] = s->held[--s->n];
      return true;
    }
  return false;
}

static cJSON *counts(subject *s, cJSON *o) {
  seawall_bulkhead_metrics m = {.struct_size = sizeof m};
  seawall_bulkhead_get_metrics(s->b, &m);
  o_u64(o, "active", m.active);
  o_u64(o, "queued", m.queued);
  return o;
}

static cJSON *step(subject *s, const char *op, const cJSON *args,
                   const seawall_manual_clock *clock, runner_err *err) {
  (void)clock;
  char id[128];
  if (strcmp(op, "try_acquire") == 0) {
    seawall_bulkhead_permit *p = NULL;
    seawall_status st = seawall_bulkhead_try_acquire(s->b, &p);
    if (st != SEAWALL_OK && st != SEAWALL_BULKHEAD_FULL) {
      rerr(err, "try_acquire: %s", seawall_last_error_message());
      return NULL;
    }
    if (st == SEAWALL_OK) {
      if (!get_id(args, id, sizeof id)) snprintf(id, sizeof id, "_anon%zu", s->n);
      insert(s, id, p, NULL);
    }
    cJSON *o = cJSON_CreateObject();
    o_bool(o, "allowed", st == SEAWALL_OK);
    return counts(s, o);
  }
  if (strcmp(op, "enqueue") == 0) {
    if (!get_id(args, id, sizeof id)) {
      rerr(err, "enqueue needs id");
      return NULL;
    }
    seawall_bulkhead_permit *p = NULL;
    seawall_bulkhead_waiter *w = NULL;
    seawall_status st = seawall_bulkhead_enqueue(s->b, &p, &w);
    const char *outcome = "rejected";
    if (st == SEAWALL_OK) {
      insert(s, id, p, w);
      outcome = p ? "acquired" : "queued";
    } else if (st != SEAWALL_BULKHEAD_FULL) {
      rerr(err, "enqueue: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_str(o, "outcome", outcome);
    return counts(s, o);
  }
  if (strcmp(op, "claim") == 0) {
    if (!get_id(args, id, sizeof id)) {
      rerr(err, "claim needs id");
      return NULL;
    }
    bool granted = false;
    held_t *h = find(s, id);
    if (h && h->waiter) {
      seawall_bulkhead_permit *p = NULL;
      if (seawall_bulkhead_waiter_try_claim(h->waiter, &p) != SEAWALL_OK) {
        rerr(err, "claim: %s", seawall_last_error_message());
        return NULL;
      }
      if (p) {
        seawall_bulkhead_waiter_free(h->waiter);
        h->waiter = NULL;
        h->permit = p;
        granted = true;
      }
    }
    cJSON *o = cJSON_CreateObject();
    o_bool(o, "granted", granted);
    return counts(s, o);
  }
  if (strcmp(op, "release") == 0) {
    if (!get_id(args, id, sizeof id)) {
      rerr(err, "release needs id");
      return NULL;
    }
    bool released = remove_held(s, id);
    cJSON *o = cJSON_CreateObject();
    o_bool(o, "released", released);
    return counts(s, o);
  }
  if (strcmp(op, "metrics") == 0) {
    seawall_bulkhead_metrics m = {.struct_size = sizeof m};
    if (seawall_bulkhead_get_metrics(s->b, &m) != SEAWALL_OK) {
      rerr(err, "metrics: %s", seawall_last_error_message());
      return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    o_u64(o, "active", m.active);
    o_u64(o, "queued", m.queued);
    o_u64(o, "total", m.total);
    o_u64(o, "rejected", m.rejected);
    o_u64(o, "max_concurrent", m.max_concurrent);
    o_u64(o, "max_queue", m.max_queue);
    return o;
  }
  rerr(err, "unknown op \"%s\"", op);
  return NULL;
}

static void destroy(subject *s) {
  for (size_t i = 0; i < s->n; i++) {
    drop_held(&s->held[i]);
    free(s->held[i].id);
  }
  seawall_bulkhead_free(s->b);
  free(s);
}

VECTOR_RUNNER(bulkhead) = {"bulkhead", build, step, destroy};
