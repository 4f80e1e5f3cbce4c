/* seawall_events_subscribe beyond breaker transitions (spec/metrics.md,
 * "Events and logs"): refusals by breakers, limiters (keyed too) and
 * bulkheads, with the registered name(s); retry scheduled / gave up from
 * the retry driver and the policy runs; fallback used and timeout from the
 * policy runs; faults injected. Each event once, with its fields; nothing
 * after unsubscribing; a reader built with the old (transition-only)
 * struct still reads its fields. Manual clocks: nothing sleeps. */
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"

#define MS 1000000ull
#define S 1000000000ull
#define MAX_EVENTS 16

/* A copy of one event (the struct and its strings die with the call). */
typedef struct {
  uint32_t struct_size;
  seawall_event_kind kind;
  char name[64];
  char by[32];
  seawall_circuit_state from, to;
  uint64_t at_ns;
  uint8_t has_retry_after;
  uint64_t retry_after_ns;
  int has_key;
  char key[32];
  uint32_t attempt, reason;
  uint64_t delay_ns, limit_ns;
  seawall_fault_kind fault;
} copy;

typedef struct {
  int n;
  copy ev[MAX_EVENTS];
} event_log;

static void on_event(void *user_data, const seawall_event *ev) {
  event_log *log = user_data;
  CHECK(ev->struct_size >= sizeof(seawall_event));
  CHECK(ev->name != NULL);
  CHECK(ev->by != NULL);
  int i = log->n++;
  if (i >= MAX_EVENTS) return;
  copy *c = &log->ev[i];
  memset(c, 0, sizeof *c);
  c->struct_size = ev->struct_size;
  c->kind = ev->kind;
  snprintf(c->name, sizeof c->name, "%s", ev->name);
  snprintf(c->by, sizeof c->by, "%s", ev->by);
  c->from = ev->from;
  c->to = ev->to;
  c->at_ns = ev->at_ns;
  c->has_retry_after = ev->has_retry_after;
  c->retry_after_ns = ev->retry_after_ns;
  if (ev->key != NULL) {
    c->has_key = 1;
    CHECK(ev->key_len < sizeof c->key);
    if (ev->key_len < sizeof c->key) memcpy(c->key, ev->key, ev->key_len);
  } else {
    CHECK_EQ_U64(ev->key_len, 0);
  }
  c->attempt = ev->attempt;
  c->reason = ev->reason;
  c->delay_ns = ev->delay_ns;
  c->limit_ns = ev->limit_ns;
  c->fault = ev->fault;
}

static uint64_t subscribe(event_log *log) {
  memset(log, 0, sizeof *log);
  uint64_t id = 0;
  CHECK_OK(seawall_events_subscribe(on_event, log, NULL, &id));
  return id;
}

static void unsubscribe(uint64_t id) {
  bool removed = false;
  CHECK_OK(seawall_events_unsubscribe(id, &removed));
  CHECK(removed);
}

static seawall_manual_clock *new_clock(void) {
  seawall_manual_clock *c = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &c));
  return c;
}

/* Checks log->ev[i] is a rejection by `by` named `name`. */
static void check_rejected(const event_log *log, int i, const char *by, const char *name) {
  CHECK(i < log->n);
  if (i >= log->n) return;
  CHECK_EQ_U64(log->ev[i].kind, SEAWALL_EVENT_REJECTED);
  CHECK_STR(log->ev[i].by, by);
  CHECK_STR(log->ev[i].name, name);
}

static void test_breaker_rejections_carry_registered_names(void) {
  seawall_manual_clock *c = new_clock();
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, c, &cb));
  CHECK_OK(seawall_circuit_breaker_force_open(cb));

  event_log log;
  uint64_t id = subscribe(&log);
  uint64_t permit = 0;
  /* Unregistered: one event, name "". */
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  uint64_t ra = seawall_last_error_retry_after_ns();
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "circuit_breaker", "");
  CHECK_EQ_U64(log.ev[0].has_retry_after, 1);
  CHECK_EQ_U64(log.ev[0].retry_after_ns, ra);
  CHECK_EQ_U64(log.ev[0].has_key, 0);

  /* Registered twice: one event per registration, in registration order. */
  seawall_registry *r1 = NULL, *r2 = NULL;
  CHECK_OK(seawall_registry_new(NULL, &r1));
  CHECK_OK(seawall_registry_new(NULL, &r2));
  seawall_registration *g1 = NULL, *g2 = NULL;
  CHECK_OK(seawall_registry_register_circuit_breaker(r1, cb, "ev-cb-a", NULL, 0, &g1));
  CHECK_OK(seawall_registry_register_circuit_breaker(r2, cb, "ev-cb-b", NULL, 0, &g2));
  log.n = 0;
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(log.n, 2);
  check_rejected(&log, 0, "circuit_breaker", "ev-cb-a");
  check_rejected(&log, 1, "circuit_breaker", "ev-cb-b");

  /* A registration freed takes its name with it. */
  seawall_registration_free(g1);
  log.n = 0;
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "circuit_breaker", "ev-cb-b");
  seawall_registration_free(g2);
  log.n = 0;
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "circuit_breaker", "");

  /* Admitted: nothing. */
  CHECK_OK(seawall_circuit_breaker_reset(cb));
  log.n = 0;
  CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
  CHECK_OK(seawall_circuit_breaker_release(cb, &permit));
  CHECK_EQ_U64(log.n, 0);

  unsubscribe(id);
  seawall_registry_free(r1);
  seawall_registry_free(r2);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(c);
}

static void test_limiter_rejections(void) {
  seawall_manual_clock *c = new_clock();
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.burst = 1;
  tc.rate_per_sec = 10.0; /* a token every 100 ms */
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock(&tc, c, &tb));
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_registration *g = NULL;
  CHECK_OK(seawall_registry_register_token_bucket(reg, tb, "ev-tb", NULL, 0, &g));

  event_log log;
  uint64_t id = subscribe(&log);
  seawall_decision d;
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(d.allowed);
  CHECK_EQ_U64(log.n, 0);
  CHECK_OK(seawall_token_bucket_peek(tb, 1, &d)); /* peek refuses nothing */
  CHECK(!d.allowed);
  CHECK_EQ_U64(log.n, 0);
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(!d.allowed);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "rate_limiter", "ev-tb");
  CHECK_EQ_U64(log.ev[0].has_retry_after, 1);
  CHECK_EQ_U64(log.ev[0].retry_after_ns, 100 * MS);
  CHECK_EQ_U64(d.retry_after_ns, 100 * MS);
  CHECK_EQ_U64(log.ev[0].has_key, 0);
  /* Waiting acquires that refuse at once. */
  log.n = 0;
  CHECK_STATUS(seawall_token_bucket_acquire_wait(tb, 1, 10 * MS, &d), SEAWALL_RATE_LIMITED);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "rate_limiter", "ev-tb");
  CHECK_EQ_U64(log.ev[0].retry_after_ns, 100 * MS);
  seawall_limiter_wait *w = NULL;
  log.n = 0;
  CHECK_STATUS(seawall_token_bucket_reserve(tb, 1, 10 * MS, &d, &w), SEAWALL_RATE_LIMITED);
  CHECK(w == NULL);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "rate_limiter", "ev-tb");

  /* A sliding window, unregistered. */
  seawall_sliding_window_config sc = seawall_sliding_window_config_default();
  sc.limit = 1;
  sc.window_ns = S;
  seawall_sliding_window *sw = NULL;
  CHECK_OK(seawall_sliding_window_new_with_clock(&sc, c, &sw));
  log.n = 0;
  CHECK_OK(seawall_sliding_window_try_acquire(sw, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_sliding_window_try_acquire(sw, 1, &d));
  CHECK(!d.allowed);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "rate_limiter", "");
  CHECK_EQ_U64(log.ev[0].retry_after_ns, d.retry_after_ns);

  /* A wait that ends refused after it was queued: b is due at 2500 ms,
   * claimed at 2600 ms after a, no longer fits, and its new due time is
   * past its 2600 ms deadline (as core's sliding-window tests). */
  seawall_sliding_window_config qc = seawall_sliding_window_config_default();
  qc.limit = 1;
  qc.window_ns = S;
  qc.buckets = 4;
  seawall_manual_clock *qclock = new_clock();
  seawall_sliding_window *qw = NULL;
  CHECK_OK(seawall_sliding_window_new_with_clock(&qc, qclock, &qw));
  seawall_registration *gq = NULL;
  CHECK_OK(seawall_registry_register_sliding_window(reg, qw, "ev-sw-wait", NULL, 0, &gq));
  CHECK_OK(seawall_sliding_window_try_acquire(qw, 1, &d));
  seawall_limiter_wait *wa = NULL, *wb = NULL;
  log.n = 0;
  CHECK_OK(seawall_sliding_window_reserve(qw, 1, 10 * S, &d, &wa));
  CHECK_OK(seawall_sliding_window_reserve(qw, 1, 2600 * MS, &d, &wb));
  CHECK(wa != NULL && wb != NULL);
  CHECK_EQ_U64(log.n, 0);
  CHECK_OK(seawall_manual_clock_set(qclock, 2600 * MS));
  CHECK_STATUS(seawall_limiter_wait_try_claim(wb, &d), SEAWALL_RATE_LIMITED);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "rate_limiter", "ev-sw-wait");
  CHECK_EQ_U64(log.ev[0].retry_after_ns, 1150 * MS);
  CHECK_OK(seawall_limiter_wait_wait(wa, &d));
  CHECK(d.allowed);
  CHECK_EQ_U64(log.n, 1);
  seawall_limiter_wait_free(wa);
  seawall_limiter_wait_free(wb);
  seawall_registration_free(gq);
  seawall_sliding_window_free(qw);

  /* The same with a keyed window, unregistered: the wait keeps the key. */
  CHECK_OK(seawall_manual_clock_set(qclock, 0));
  seawall_keyed_sliding_window_config kqc = seawall_keyed_sliding_window_config_default();
  kqc.limit = 1;
  kqc.window_ns = S;
  kqc.buckets = 4;
  seawall_keyed_sliding_window *kqw = NULL;
  CHECK_OK(seawall_keyed_sliding_window_new_with_clock(&kqc, qclock, &kqw));
  const uint8_t qkey[] = {'k', 'q'};
  CHECK_OK(seawall_keyed_sliding_window_try_acquire(kqw, qkey, sizeof qkey, 1, &d));
  CHECK_OK(seawall_keyed_sliding_window_reserve(kqw, qkey, sizeof qkey, 1, 10 * S, &d, &wa));
  CHECK_OK(seawall_keyed_sliding_window_reserve(kqw, qkey, sizeof qkey, 1, 2600 * MS, &d, &wb));
  CHECK(wa != NULL && wb != NULL);
  CHECK_OK(seawall_manual_clock_set(qclock, 2600 * MS));
  log.n = 0;
  CHECK_STATUS(seawall_limiter_wait_wait(wb, &d), SEAWALL_RATE_LIMITED);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "rate_limiter", "");
  CHECK_EQ_U64(log.ev[0].has_key, 1);
  CHECK_STR(log.ev[0].key, "kq");
  seawall_limiter_wait_free(wa);
  seawall_limiter_wait_free(wb);
  seawall_keyed_sliding_window_free(kqw);
  seawall_manual_clock_free(qclock);

  /* A keyed limiter: the key travels with the event. */
  seawall_keyed_token_bucket_config kc = seawall_keyed_token_bucket_config_default();
  kc.burst = 1;
  kc.rate_per_sec = 1.0;
  seawall_keyed_token_bucket *ktb = NULL;
  CHECK_OK(seawall_keyed_token_bucket_new_with_clock(&kc, c, &ktb));
  seawall_registration *gk = NULL;
  CHECK_OK(seawall_registry_register_keyed_token_bucket(reg, ktb, "ev-ktb", NULL, 0, &gk));
  const uint8_t key[] = {'t', 'e', 'n', 'a', 'n', 't', '-', 'a'};
  log.n = 0;
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(ktb, key, sizeof key, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(ktb, key, sizeof key, 1, &d));
  CHECK(!d.allowed);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "rate_limiter", "ev-ktb");
  CHECK_EQ_U64(log.ev[0].has_key, 1);
  CHECK_STR(log.ev[0].key, "tenant-a");
  CHECK_EQ_U64(log.ev[0].retry_after_ns, S);

  unsubscribe(id);
  /* Unsubscribed: a refusal reports nothing. */
  log.n = 0;
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(!d.allowed);
  CHECK_EQ_U64(log.n, 0);

  seawall_registration_free(g);
  seawall_registration_free(gk);
  seawall_registry_free(reg);
  seawall_keyed_token_bucket_free(ktb);
  seawall_sliding_window_free(sw);
  seawall_token_bucket_free(tb);
  seawall_manual_clock_free(c);
}

static void test_bulkhead_and_policy_rejections(void) {
  seawall_manual_clock *c = new_clock();
  seawall_bulkhead_config bc = seawall_bulkhead_config_default();
  bc.max_concurrent = 1;
  bc.max_queue = 1;
  bc.max_wait_ns = 0;
  seawall_bulkhead *bh = NULL;
  CHECK_OK(seawall_bulkhead_new_with_clock(&bc, c, &bh));
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_registration *g = NULL;
  CHECK_OK(seawall_registry_register_bulkhead(reg, bh, "ev-bh", NULL, 0, &g));

  event_log log;
  uint64_t id = subscribe(&log);
  seawall_bulkhead_permit *p1 = NULL, *p2 = NULL;
  CHECK_OK(seawall_bulkhead_try_acquire(bh, &p1));
  CHECK_EQ_U64(log.n, 0);
  CHECK_STATUS(seawall_bulkhead_try_acquire(bh, &p2), SEAWALL_BULKHEAD_FULL);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "bulkhead", "ev-bh");
  CHECK_EQ_U64(log.ev[0].has_retry_after, 0);
  CHECK_EQ_U64(log.ev[0].retry_after_ns, 0);
  log.n = 0;
  CHECK_STATUS(seawall_bulkhead_acquire(bh, 0, &p2), SEAWALL_BULKHEAD_FULL);
  CHECK_STATUS(seawall_bulkhead_acquire_default(bh, &p2), SEAWALL_BULKHEAD_FULL);
  CHECK_EQ_U64(log.n, 2);
  check_rejected(&log, 0, "bulkhead", "ev-bh");
  check_rejected(&log, 1, "bulkhead", "ev-bh");
  /* Queued (no event), then the wait runs out (one event); a full queue
   * refuses at once (one event). */
  seawall_bulkhead_waiter *w = NULL, *w2 = NULL;
  log.n = 0;
  CHECK_OK(seawall_bulkhead_enqueue(bh, &p2, &w));
  CHECK(w != NULL);
  CHECK_EQ_U64(log.n, 0);
  CHECK_STATUS(seawall_bulkhead_enqueue(bh, &p2, &w2), SEAWALL_BULKHEAD_FULL);
  CHECK_EQ_U64(log.n, 1);
  CHECK_STATUS(seawall_bulkhead_waiter_wait(w, 0, &p2), SEAWALL_BULKHEAD_FULL);
  CHECK_EQ_U64(log.n, 2);
  check_rejected(&log, 0, "bulkhead", "ev-bh");
  check_rejected(&log, 1, "bulkhead", "ev-bh");
  seawall_bulkhead_waiter_free(w);
  CHECK_OK(seawall_bulkhead_release(&p1));

  /* A policy's try_acquire: `by` is the refusing stage, named as the
   * stage's instance is registered. */
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, c, &cb));
  seawall_registration *gc = NULL;
  CHECK_OK(seawall_registry_register_circuit_breaker(reg, cb, "ev-policy-cb", NULL, 0, &gc));
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  pc.bulkhead = bh;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  seawall_policy_guard guard;
  memset(&guard, 0, sizeof guard);
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  log.n = 0; /* (the registered breaker's transition is an event too) */
  CHECK_STATUS(seawall_policy_try_acquire(p, &guard), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "circuit_breaker", "ev-policy-cb");
  CHECK_EQ_U64(log.ev[0].retry_after_ns, seawall_last_error_retry_after_ns());
  CHECK_OK(seawall_circuit_breaker_reset(cb));
  CHECK_OK(seawall_bulkhead_try_acquire(bh, &p1));
  log.n = 0;
  CHECK_STATUS(seawall_policy_try_acquire(p, &guard), SEAWALL_BULKHEAD_FULL);
  CHECK_EQ_U64(log.n, 1);
  check_rejected(&log, 0, "bulkhead", "ev-bh");
  CHECK_OK(seawall_bulkhead_release(&p1));
  log.n = 0;
  CHECK_OK(seawall_policy_try_acquire(p, &guard));
  seawall_policy_guard_release(&guard);
  CHECK_EQ_U64(log.n, 0);

  unsubscribe(id);
  seawall_policy_free(p);
  seawall_registration_free(gc);
  seawall_registration_free(g);
  seawall_registry_free(reg);
  seawall_circuit_breaker_free(cb);
  seawall_bulkhead_free(bh);
  seawall_manual_clock_free(c);
}

/* Constant 100 ms backoff without jitter, `attempts` calls at most. */
static seawall_backoff *new_backoff(seawall_manual_clock *c, uint32_t attempts) {
  seawall_backoff_config bc = seawall_backoff_config_default();
  bc.kind = SEAWALL_BACKOFF_CONSTANT;
  bc.base_ns = 100 * MS;
  bc.jitter = SEAWALL_JITTER_NONE;
  bc.max_attempts = attempts;
  seawall_backoff *b = NULL;
  CHECK_OK(seawall_backoff_new_with_clock(&bc, c, &b));
  return b;
}

static seawall_retry *new_retry(seawall_backoff *b) {
  seawall_retry_config rc = seawall_retry_config_default();
  seawall_retry *r = NULL;
  CHECK_OK(seawall_retry_new(b, &rc, &r));
  return r;
}

static void check_scheduled(const event_log *log, int i, uint32_t attempt, uint64_t delay_ns) {
  CHECK(i < log->n);
  if (i >= log->n) return;
  CHECK_EQ_U64(log->ev[i].kind, SEAWALL_EVENT_RETRY_SCHEDULED);
  CHECK_STR(log->ev[i].name, "");
  CHECK_STR(log->ev[i].by, "");
  CHECK_EQ_U64(log->ev[i].attempt, attempt);
  CHECK_EQ_U64(log->ev[i].delay_ns, delay_ns);
}

static void check_gave_up(const event_log *log, int i, uint32_t attempts, uint32_t reason) {
  CHECK(i < log->n);
  if (i >= log->n) return;
  CHECK_EQ_U64(log->ev[i].kind, SEAWALL_EVENT_GAVE_UP);
  CHECK_STR(log->ev[i].name, "");
  CHECK_EQ_U64(log->ev[i].attempt, attempts);
  CHECK_EQ_U64(log->ev[i].reason, reason);
}

static void test_retry_driver(void) {
  seawall_manual_clock *c = new_clock();
  seawall_backoff *b = new_backoff(c, 3);
  seawall_retry *r = new_retry(b);
  seawall_retry_state st;
  seawall_retry_step step;
  seawall_retry_failure f = {.retryable = 1, .duration_ns = MS};

  event_log log;
  uint64_t id = subscribe(&log);
  CHECK_OK(seawall_retry_start(r, 0, 0, &st));
  CHECK_OK(seawall_retry_on_failure(r, &st, &f, &step));
  seawall_retry_failure hinted = f;
  hinted.has_retry_after = 1;
  hinted.retry_after_ns = 2 * S;
  CHECK_OK(seawall_retry_on_failure(r, &st, &hinted, &step));
  CHECK_OK(seawall_retry_on_failure(r, &st, &f, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_RETRY_STEP_GIVE_UP);
  /* A run that is over answers again, and reports nothing more. */
  CHECK_OK(seawall_retry_on_failure(r, &st, &f, &step));
  CHECK_EQ_U64(log.n, 3);
  check_scheduled(&log, 0, 1, 100 * MS);
  check_scheduled(&log, 1, 2, 2 * S);
  check_gave_up(&log, 2, 3, SEAWALL_GIVE_UP_ATTEMPTS);

  /* Not retryable: a give-up too (every reason is reported). */
  seawall_retry_failure nr = {.retryable = 0};
  log.n = 0;
  CHECK_OK(seawall_retry_start(r, 0, 0, &st));
  CHECK_OK(seawall_retry_on_failure(r, &st, &nr, &step));
  CHECK_EQ_U64(log.n, 1);
  check_gave_up(&log, 0, 1, SEAWALL_GIVE_UP_NOT_RETRYABLE);

  /* Success: nothing. */
  log.n = 0;
  CHECK_OK(seawall_retry_start(r, 0, 0, &st));
  CHECK_OK(seawall_retry_on_success(r, &st));
  CHECK_EQ_U64(log.n, 0);

  unsubscribe(id);
  seawall_retry_free(r);
  seawall_backoff_free(b);
  seawall_manual_clock_free(c);
}

/* Attempt i (0-based) takes take_ns[i] on the manual clock and fails. */
typedef struct {
  seawall_manual_clock *clock;
  uint64_t take_ns[8];
  int calls;
  int fallbacks;
} dep;

static int failing_attempt(void *ud, const seawall_attempt_info *info, seawall_attempt_failure *f) {
  (void)info;
  dep *d = ud;
  int i = d->calls++;
  if (i < 8 && d->take_ns[i]) seawall_manual_clock_advance(d->clock, d->take_ns[i]);
  f->retryable = 1;
  return 7;
}

static int answering_fallback(void *ud, const seawall_fallback_info *info) {
  (void)info;
  dep *d = ud;
  d->fallbacks++;
  return 0;
}

static void test_policy_execute(void) {
  seawall_manual_clock *c = new_clock();
  seawall_backoff *b = new_backoff(c, 3);
  seawall_retry *r = new_retry(b);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.retry = r;
  pc.timeout_ns = 50 * MS;
  pc.has_fallback = 1;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));

  event_log log;
  uint64_t id = subscribe(&log);
  dep d;
  memset(&d, 0, sizeof d);
  d.clock = c;
  d.take_ns[0] = 80 * MS; /* past its 50 ms limit: timed out */
  seawall_execute_result res;
  CHECK_OK(seawall_policy_execute(p, NULL, failing_attempt, answering_fallback, &d, &res));
  CHECK_EQ_U64(d.calls, 3);
  CHECK_EQ_U64(d.fallbacks, 1);
  CHECK_EQ_U64(log.n, 5);
  CHECK_EQ_U64(log.ev[0].kind, SEAWALL_EVENT_TIMEOUT);
  CHECK_EQ_U64(log.ev[0].limit_ns, 50 * MS);
  CHECK_STR(log.ev[0].name, "");
  check_scheduled(&log, 1, 1, 100 * MS);
  check_scheduled(&log, 2, 2, 100 * MS);
  check_gave_up(&log, 3, 3, SEAWALL_GIVE_UP_ATTEMPTS);
  CHECK_EQ_U64(log.ev[4].kind, SEAWALL_EVENT_FALLBACK_USED);
  CHECK_STR(log.ev[4].name, "");

  /* The stepped run: the same events, each once. */
  seawall_policy_run run;
  memset(&run, 0, sizeof run);
  seawall_policy_step step;
  log.n = 0;
  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_ATTEMPT);
  CHECK_EQ_U64(step.timeout_ns, 50 * MS);
  CHECK_OK(seawall_policy_run_on_timeout(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_SLEEP);
  CHECK_OK(seawall_policy_run_settle(&run));
  CHECK_EQ_U64(log.n, 2);
  CHECK_EQ_U64(log.ev[0].kind, SEAWALL_EVENT_TIMEOUT);
  CHECK_EQ_U64(log.ev[0].limit_ns, 50 * MS);
  check_scheduled(&log, 1, 1, 100 * MS);
  /* A timeout out of turn (no attempt running) reports nothing. */
  CHECK_OK(seawall_policy_run_on_timeout(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FAIL);
  CHECK_EQ_U64(log.n, 2);
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_ATTEMPT);
  seawall_attempt_failure nr = {.retryable = 0, .outcome = SEAWALL_OUTCOME_FAILURE};
  CHECK_OK(seawall_policy_run_on_failure(&run, &nr, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FALLBACK);
  CHECK_EQ_U64(log.n, 4);
  check_gave_up(&log, 2, 2, SEAWALL_GIVE_UP_NOT_RETRYABLE);
  CHECK_EQ_U64(log.ev[3].kind, SEAWALL_EVENT_FALLBACK_USED);
  /* Steps out of turn on the ended run: nothing more. */
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FAIL);
  CHECK_OK(seawall_policy_run_on_failure(&run, &nr, &step));
  CHECK_EQ_U64(log.n, 4);
  CHECK_OK(seawall_policy_run_end(&run));

  /* Success on the first attempt: nothing. */
  log.n = 0;
  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_OK(seawall_policy_run_on_success(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_DONE);
  CHECK_OK(seawall_policy_run_end(&run));
  CHECK_EQ_U64(log.n, 0);

  unsubscribe(id);
  seawall_policy_free(p);
  seawall_retry_free(r);
  seawall_backoff_free(b);
  seawall_manual_clock_free(c);
}

/* A stage's refusal inside a run is a rejection too (named as the stage's
 * instance is registered), then the retry stage gives up on it (an open
 * breaker is not retryable); in execute() and in the stepped run alike. */
static void test_refusal_inside_a_run(void) {
  seawall_manual_clock *c = new_clock();
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, c, &cb));
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_registration *g = NULL;
  CHECK_OK(seawall_registry_register_circuit_breaker(reg, cb, "run-cb", NULL, 0, &g));
  seawall_backoff *b = new_backoff(c, 3);
  seawall_retry *r = new_retry(b);
  seawall_policy_config pc = seawall_policy_config_default();
  pc.circuit_breaker = cb;
  pc.retry = r;
  seawall_policy *p = NULL;
  CHECK_OK(seawall_policy_new_with_clock(&pc, c, &p));
  CHECK_OK(seawall_circuit_breaker_force_open(cb));

  event_log log;
  uint64_t id = subscribe(&log);
  dep d;
  memset(&d, 0, sizeof d);
  d.clock = c;
  seawall_execute_result res;
  CHECK_STATUS(seawall_policy_execute(p, NULL, failing_attempt, NULL, &d, &res), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(d.calls, 0);
  CHECK_EQ_U64(log.n, 2);
  check_rejected(&log, 0, "circuit_breaker", "run-cb");
  CHECK_EQ_U64(log.ev[0].has_retry_after, 1);
  check_gave_up(&log, 1, 1, SEAWALL_GIVE_UP_NOT_RETRYABLE);

  seawall_policy_run run;
  memset(&run, 0, sizeof run);
  seawall_policy_step step;
  log.n = 0;
  CHECK_OK(seawall_policy_run_start(p, 0, 0, &run));
  CHECK_OK(seawall_policy_run_next(&run, &step));
  CHECK_EQ_U64(step.kind, SEAWALL_STEP_FAIL);
  CHECK_EQ_U64(log.n, 2);
  check_rejected(&log, 0, "circuit_breaker", "run-cb");
  check_gave_up(&log, 1, 1, SEAWALL_GIVE_UP_NOT_RETRYABLE);
  CHECK_OK(seawall_policy_run_end(&run));

  unsubscribe(id);
  seawall_policy_free(p);
  seawall_retry_free(r);
  seawall_backoff_free(b);
  seawall_registration_free(g);
  seawall_registry_free(reg);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(c);
}

static void test_faults(void) {
  seawall_manual_clock *c = new_clock();
  seawall_fault_injector_config fc = seawall_fault_injector_config_default();
  fc.error_rate = 1.0;
  fc.has_seed = 1;
  fc.seed = 7;
  seawall_fault_injector *errs = NULL;
  CHECK_OK(seawall_fault_injector_new_with_clock(&fc, c, &errs));
  fc.error_rate = 0.0;
  fc.delay_rate = 1.0;
  fc.delay_min_ns = 7 * MS;
  fc.delay_max_ns = 7 * MS;
  seawall_fault_injector *delays = NULL;
  CHECK_OK(seawall_fault_injector_new_with_clock(&fc, c, &delays));
  fc.delay_rate = 0.0;
  seawall_fault_injector *none = NULL;
  CHECK_OK(seawall_fault_injector_new_with_clock(&fc, c, &none));

  event_log log;
  uint64_t id = subscribe(&log);
  seawall_fault f;
  CHECK_OK(seawall_fault_injector_decide(errs, &f));
  CHECK_EQ_U64(f.kind, SEAWALL_FAULT_ERROR);
  uint64_t delay = 1;
  CHECK_STATUS(seawall_fault_injector_check(errs, &delay), SEAWALL_INJECTED_FAULT);
  CHECK_OK(seawall_fault_injector_check(delays, &delay));
  CHECK_EQ_U64(delay, 7 * MS);
  CHECK_OK(seawall_fault_injector_decide(none, &f));
  CHECK_EQ_U64(f.kind, SEAWALL_FAULT_NONE);
  CHECK_OK(seawall_fault_injector_check(none, &delay));
  CHECK_EQ_U64(log.n, 3);
  for (int i = 0; i < 3 && i < log.n; i++) {
    CHECK_EQ_U64(log.ev[i].kind, SEAWALL_EVENT_FAULT_INJECTED);
    CHECK_STR(log.ev[i].name, "");
  }
  CHECK_EQ_U64(log.ev[0].fault, SEAWALL_FAULT_ERROR);
  CHECK_EQ_U64(log.ev[0].delay_ns, 0);
  CHECK_EQ_U64(log.ev[1].fault, SEAWALL_FAULT_ERROR);
  CHECK_EQ_U64(log.ev[2].fault, SEAWALL_FAULT_DELAY);
  CHECK_EQ_U64(log.ev[2].delay_ns, 7 * MS);

  unsubscribe(id);
  seawall_fault_injector_free(errs);
  seawall_fault_injector_free(delays);
  seawall_fault_injector_free(none);
  seawall_manual_clock_free(c);
}

/* Two subscribers; the one unsubscribed gets nothing more, the other
 * goes on. */
static void test_unsubscribed_gets_nothing(void) {
  seawall_manual_clock *c = new_clock();
  seawall_fault_injector_config fc = seawall_fault_injector_config_default();
  fc.error_rate = 1.0;
  seawall_fault_injector *fi = NULL;
  CHECK_OK(seawall_fault_injector_new_with_clock(&fc, c, &fi));
  event_log a, b;
  uint64_t ida = subscribe(&a);
  uint64_t idb = subscribe(&b);
  uint64_t delay = 0;
  CHECK_STATUS(seawall_fault_injector_check(fi, &delay), SEAWALL_INJECTED_FAULT);
  CHECK_EQ_U64(a.n, 1);
  CHECK_EQ_U64(b.n, 1);
  unsubscribe(ida);
  CHECK_STATUS(seawall_fault_injector_check(fi, &delay), SEAWALL_INJECTED_FAULT);
  CHECK_EQ_U64(a.n, 1);
  CHECK_EQ_U64(b.n, 2);
  unsubscribe(idb);
  CHECK_STATUS(seawall_fault_injector_check(fi, &delay), SEAWALL_INJECTED_FAULT);
  CHECK_EQ_U64(a.n, 1);
  CHECK_EQ_U64(b.n, 2);
  seawall_fault_injector_free(fi);
  seawall_manual_clock_free(c);
}

/* The struct as the first header had it (transitions only): a program
 * built with that header reads these fields, at the same offsets. */
typedef struct {
  uint32_t struct_size;
  seawall_event_kind kind;
  const char *name;
  seawall_circuit_state from;
  seawall_circuit_state to;
  uint64_t at_ns;
} old_event;

_Static_assert(offsetof(old_event, kind) == offsetof(seawall_event, kind), "kind moved");
_Static_assert(offsetof(old_event, name) == offsetof(seawall_event, name), "name moved");
_Static_assert(offsetof(old_event, from) == offsetof(seawall_event, from), "from moved");
_Static_assert(offsetof(old_event, to) == offsetof(seawall_event, to), "to moved");
_Static_assert(offsetof(old_event, at_ns) == offsetof(seawall_event, at_ns), "at_ns moved");

typedef struct {
  int n;
  uint32_t struct_size;
  char name[32];
  seawall_circuit_state from, to;
  uint64_t at_ns;
} old_log;

static void on_old_event(void *user_data, const seawall_event *ev) {
  old_log *log = user_data;
  const old_event *o = (const old_event *)(const void *)ev;
  if (o->kind != SEAWALL_EVENT_TRANSITION) return; /* kinds it does not know */
  log->n++;
  log->struct_size = o->struct_size;
  snprintf(log->name, sizeof log->name, "%s", o->name);
  log->from = o->from;
  log->to = o->to;
  log->at_ns = o->at_ns;
}

static void test_old_size_reader(void) {
  seawall_manual_clock *c = NULL;
  CHECK_OK(seawall_manual_clock_new(5 * S, &c));
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, c, &cb));
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_registration *g = NULL;
  CHECK_OK(seawall_registry_register_circuit_breaker(reg, cb, "ev-old", NULL, 0, &g));
  old_log log;
  memset(&log, 0, sizeof log);
  uint64_t id = 0;
  CHECK_OK(seawall_events_subscribe(on_old_event, &log, NULL, &id));
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  uint64_t permit = 0;
  /* A refusal too: a kind the old reader skips. */
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  CHECK_EQ_U64(log.n, 1);
  CHECK(log.struct_size >= sizeof(old_event));
  CHECK_EQ_U64(log.struct_size, sizeof(seawall_event));
  CHECK_STR(log.name, "ev-old");
  CHECK_EQ_U64(log.from, SEAWALL_STATE_CLOSED);
  CHECK_EQ_U64(log.to, SEAWALL_STATE_FORCED_OPEN);
  CHECK_EQ_U64(log.at_ns, 5 * S);
  unsubscribe(id);
  seawall_registration_free(g);
  seawall_registry_free(reg);
  seawall_circuit_breaker_free(cb);
  seawall_manual_clock_free(c);
}

int main(void) {
  test_breaker_rejections_carry_registered_names();
  test_limiter_rejections();
  test_bulkhead_and_policy_rejections();
  test_retry_driver();
  test_policy_execute();
  test_refusal_inside_a_run();
  test_faults();
  test_unsubscribed_gets_nothing();
  test_old_size_reader();
  return h_done("test_events");
}
