/* A seeded random-call fuzzer of the C API: several threads call every
 * function of seawall.h in random order with hostile arguments (random
 * config bytes and struct_size, NaN / infinities / huge counts, unknown
 * enum values, NULL pointers, finished, zeroed, foreign and random
 * permits, double releases, random backoff state) on shared objects and on
 * objects each thread makes and frees, while the contract holds for what C
 * cannot check (a live handle is never freed twice or used after _free).
 *
 * Fails on: a status outside the enum, SEAWALL_PANIC (a bug caught at the
 * boundary), a NULL *_str or message, a failure with an empty message, a
 * listener whose destroy callback did not run exactly once; and under
 * ASan/UBSan on any memory error. Usage: fuzz SEED SECONDS [THREADS].
 * The seed is printed so a failing run can be replayed (thread timing
 * aside). */
#define _DEFAULT_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seawall.h"

static atomic_ulong calls, failures, bugs;
static atomic_long listeners_live; /* registered - destroyed */
static atomic_ulong listener_calls;
static double deadline;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Counts a bug; prints the first 20. */
#define BUG(...)                                                     \
  do {                                                               \
    if (atomic_fetch_add(&bugs, 1) < 20) {                           \
      fprintf(stderr, "fuzz bug (line %d): ", __LINE__);             \
      fprintf(stderr, __VA_ARGS__);                                  \
      fputc('\n', stderr);                                           \
    }                                                                \
  } while (0)

/* Checks one status; returns it. */
static seawall_status st_check(seawall_status st, int line) {
  atomic_fetch_add(&calls, 1);
  int v = (int)st;
  bool known = (v >= 0 && v <= 9) || v == 100 || v == 102;
  if (!known) {
    BUG("status %d (%s) at line %d: %s", v, seawall_status_str(v), line,
        seawall_last_error_message());
    return st;
  }
  const char *m = seawall_last_error_message();
  if (!m) BUG("NULL message");
  if (st != SEAWALL_OK) {
    atomic_fetch_add(&failures, 1);
    if (m && !*m) BUG("status %s with an empty message (line %d)", seawall_status_str(v), line);
    if (!seawall_last_error_field() || !seawall_last_error_stage()) BUG("NULL field/stage");
  }
  return st;
}
#define S(call) st_check((call), __LINE__)

static void str_check(const char *s, int line) {
  atomic_fetch_add(&calls, 1);
  if (!s) BUG("NULL string at line %d", line);
}
#define STR(call) str_check((call), __LINE__)

/* ---- randomness: SplitMix64 per thread ---- */
typedef struct {
  uint64_t s;
} rng_t;
static uint64_t rnd(rng_t *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static uint64_t below(rng_t *r, uint64_t n) { return n ? rnd(r) % n : 0; }
static bool coin(rng_t *r, int one_in) { return below(r, (uint64_t)one_in) == 0; }

/* A hostile u64: small, boundary, or random. */
static uint64_t hu64(rng_t *r) {
  switch (below(r, 8)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return below(r, 100);
    case 3: return UINT64_MAX - below(r, 3);
    case 4: return (uint64_t)INT64_MAX + below(r, 3);
    case 5: return below(r, 10) * 1000000000ULL;
    case 6: return 1ULL << below(r, 64);
    default: return rnd(r);
  }
}
static double hf64(rng_t *r) {
  switch (below(r, 9)) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 0.0;
    case 4: return -1.0;
    case 5: return (double)below(r, 1000) / 1000.0;
    case 6: return 1e300;
    case 7: return 5e-324;
    default: {
      uint64_t b = rnd(r);
      double d;
      memcpy(&d, &b, sizeof d);
      return d;
    }
  }
}

/* Config storage: 256 bytes, so a hostile struct_size up to 256 stays
 * inside the caller's memory, as the contract requires. */
typedef union {
  uint8_t bytes[256];
  uint64_t align;
} cfgbuf;

/* Picks what a config will be: 0 zeroed (struct_size 0), 1 random bytes
 * with a random struct_size (up to the 256 bytes the caller owns), 2
 * made by _init, then the caller sets hostile field values. */
static int hostile_mode(rng_t *r, cfgbuf *buf) {
  memset(buf, 0, sizeof *buf);
  uint64_t m = below(r, 6);
  if (m == 0) return 0;
  if (m == 1) {
    uint32_t s = (uint32_t)below(r, sizeof *buf + 1);
    for (size_t i = 4; i < sizeof *buf; i++)
      if (coin(r, 3)) buf->bytes[i] = (uint8_t)rnd(r);
    memcpy(buf->bytes, &s, 4);
    return 1;
  }
  return 2;
}

/* ---- listeners ---- */
typedef struct {
  const seawall_circuit_breaker *cb;
  int magic;
} lud;
static void on_transition(void *ud, seawall_circuit_state from, seawall_circuit_state to,
                          uint64_t at) {
  (void)from, (void)to, (void)at;
  lud *u = ud;
  if (u->magic != 0x5EA) BUG("listener user_data corrupted (freed?)");
  seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
  (void)seawall_circuit_breaker_get_metrics(u->cb, &m);
  STR(seawall_circuit_state_str((int)m.state));
  atomic_fetch_add(&listener_calls, 1);
}
static void on_destroy(void *ud) {
  lud *u = ud;
  if (u->magic != 0x5EA) BUG("destroy twice?");
  u->magic = 0;
  free(u);
  atomic_fetch_sub(&listeners_live, 1);
}

/* ---- shared objects (made by main, used by every thread) ---- */
static seawall_manual_clock *g_clock;
static seawall_circuit_breaker *g_cb;
static seawall_bulkhead *g_bh;
static seawall_token_bucket *g_tb;
static seawall_sliding_window *g_sw;
static seawall_policy *g_pol;
static seawall_backoff *g_bo;
static seawall_retry_budget *g_rb;
static seawall_adaptive_timeout *g_at;
static seawall_fault_injector *g_fi;
static seawall_keyed_token_bucket *g_ktb;
static seawall_keyed_sliding_window *g_ksw;
static seawall_retry *g_retry;
static seawall_policy *g_run_pol; /* with timeout, retry and a fallback */

/* ---- per-thread objects ---- */
#define NP 8
typedef struct {
  rng_t r;
  seawall_circuit_breaker *cb; /* this thread's breaker, remade at times */
  uint64_t permits[NP];        /* from g_cb or cb, any state */
  seawall_bulkhead_permit *bp[NP];
  seawall_bulkhead_waiter *w;
  seawall_policy_guard g[4];
  seawall_backoff_schedule_state bs;
  seawall_retry_state rs;
  seawall_policy_run runs[2];
  uint64_t lids[4];
  const seawall_circuit_breaker *lon[4];
} tstate;

static const seawall_circuit_breaker *any_cb(tstate *t) {
  return coin(&t->r, 2) ? g_cb : t->cb;
}

static void new_breaker(tstate *t) {
  cfgbuf b;
  seawall_circuit_breaker_config *c = (void *)b.bytes;
  if (hostile_mode(&t->r, &b) == 2) {
    S(seawall_circuit_breaker_config_init(c, sizeof *c));
    if (coin(&t->r, 2)) {
      c->failure_rate_threshold = hf64(&t->r);
      c->window_kind = (uint32_t)below(&t->r, 4);
      c->window_size = below(&t->r, 3) ? below(&t->r, 50) : hu64(&t->r);
      c->minimum_number_of_calls = below(&t->r, 20);
      c->has_failure_count_threshold = (uint8_t)rnd(&t->r);
      c->failure_count_threshold = below(&t->r, 5);
      c->open_duration_ns = below(&t->r, 2) ? 1000 : hu64(&t->r);
      c->open_duration_multiplier = coin(&t->r, 2) ? 1.5 : hf64(&t->r);
      c->half_open_max_calls = below(&t->r, 20);
      c->success_threshold = below(&t->r, 20);
      c->has_max_open_duration = (uint8_t)rnd(&t->r);
      c->max_open_duration_ns = hu64(&t->r);
    }
  }
  seawall_circuit_breaker *nb = NULL;
  seawall_status st = coin(&t->r, 2) ? S(seawall_circuit_breaker_new_with_clock(c, g_clock, &nb))
                                     : S(seawall_circuit_breaker_new(c, &nb));
  if (st == SEAWALL_OK) {
    /* our listeners on the old breaker go with it (destroy runs) */
    for (int i = 0; i < 4; i++)
      if (t->lon[i] == t->cb) t->lon[i] = NULL;
    seawall_circuit_breaker_free(t->cb);
    t->cb = nb;
  }
}

static void op_breaker(tstate *t) {
  rng_t *r = &t->r;
  uint64_t *p = &t->permits[below(r, NP)];
  const seawall_circuit_breaker *cb = any_cb(t);
  switch (below(r, 14)) {
    case 0: S(seawall_circuit_breaker_try_acquire(cb, p)); break;
    case 1: S(seawall_circuit_breaker_record(cb, p, (uint32_t)below(r, 5), hu64(r))); break;
    case 2: S(seawall_circuit_breaker_release(cb, p)); break;
    case 3: *p = coin(r, 2) ? rnd(r) : 0; break; /* a forged or zeroed permit */
    case 4: (void)seawall_permit_is_probe(*p); break;
    case 5: {
      seawall_circuit_state s;
      S(seawall_circuit_breaker_state(cb, &s));
      STR(seawall_circuit_state_str((int)s));
      break;
    }
    case 6:
      switch (below(r, 8)) {
        case 0: S(seawall_circuit_breaker_force_open(cb)); break;
        case 1: S(seawall_circuit_breaker_disable(cb)); break;
        case 2: S(seawall_circuit_breaker_metrics_only(cb)); break;
        default: S(seawall_circuit_breaker_reset(cb)); break;
      }
      break;
    case 7: {
      seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
      S(seawall_circuit_breaker_get_metrics(cb, &m));
      break;
    }
    case 8: {
      int i = (int)below(r, 4);
      if (t->lon[i]) {
        bool removed;
        S(seawall_circuit_breaker_remove_listener(t->lon[i], t->lids[i], &removed));
        if (!removed) BUG("own listener not removed");
        t->lon[i] = NULL;
      } else {
        lud *u = malloc(sizeof *u);
        u->cb = cb;
        u->magic = 0x5EA;
        atomic_fetch_add(&listeners_live, 1);
        if (S(seawall_circuit_breaker_on_transition(cb, on_transition, u, on_destroy,
                                                    &t->lids[i])) == SEAWALL_OK)
          t->lon[i] = cb;
        else {
          free(u);
          atomic_fetch_sub(&listeners_live, 1);
        }
      }
      break;
    }
    case 9: {
      bool removed;
      S(seawall_circuit_breaker_remove_listener(cb, rnd(r), &removed));
      break;
    }
    case 10:
      if (coin(r, 20)) new_breaker(t);
      break;
    case 11: S(seawall_circuit_breaker_on_transition(cb, NULL, NULL, NULL, NULL)); break;
    case 12: S(seawall_circuit_breaker_record(NULL, p, 0, 0)); break;
    default: S(seawall_circuit_breaker_record(cb, NULL, 0, 0)); break;
  }
}

static void op_bulkhead(tstate *t) {
  rng_t *r = &t->r;
  seawall_bulkhead_permit **p = &t->bp[below(r, NP)];
  switch (below(r, 10)) {
    case 0:
      if (!*p) S(seawall_bulkhead_try_acquire(g_bh, p));
      break;
    case 1:
      if (!*p) S(seawall_bulkhead_acquire(g_bh, below(r, 50000), p));
      break;
    case 2:
      if (!*p) S(seawall_bulkhead_acquire_until(g_bh, seawall_monotonic_now_ns() + below(r, 50000), p));
      break;
    case 3: S(seawall_bulkhead_release(p)); break; /* also a second release */
    case 4:
      if (!t->w && !*p) S(seawall_bulkhead_enqueue(g_bh, p, &t->w));
      break;
    case 5:
      if (t->w && !*p) S(seawall_bulkhead_waiter_try_claim(t->w, p));
      break;
    case 6:
      if (t->w && !*p) S(seawall_bulkhead_waiter_wait(t->w, below(r, 50000), p));
      break;
    case 7:
      seawall_bulkhead_waiter_free(t->w);
      t->w = NULL;
      break;
    case 8: {
      seawall_bulkhead_metrics m = {.struct_size = sizeof m};
      S(seawall_bulkhead_get_metrics(g_bh, &m));
      break;
    }
    default: {
      cfgbuf b;
      seawall_bulkhead_config *c = (void *)b.bytes;
      if (hostile_mode(r, &b) == 2) {
        S(seawall_bulkhead_config_init(c, coin(r, 8) ? below(r, 64) : sizeof *c));
        c->max_concurrent = below(r, 3) ? below(r, 4) : hu64(r);
        c->max_queue = below(r, 3) ? below(r, 4) : hu64(r);
        c->max_wait_ns = hu64(r);
      }
      seawall_bulkhead *bh = NULL;
      if (S(seawall_bulkhead_new(c, &bh)) == SEAWALL_OK) {
        seawall_bulkhead_permit *x = NULL;
        if (S(seawall_bulkhead_acquire_default(bh, &x)) == SEAWALL_OK && coin(r, 2)) {
          seawall_bulkhead_free(bh); /* the permit keeps it alive */
          bh = NULL;
        }
        S(seawall_bulkhead_release(&x));
        S(seawall_bulkhead_release(&x));
        seawall_bulkhead_free(bh);
      }
      break;
    }
  }
}

static void op_policy(tstate *t) {
  rng_t *r = &t->r;
  seawall_policy_guard *g = &t->g[below(r, 4)];
  switch (below(r, 7)) {
    case 0:
      seawall_policy_guard_release(g); /* try_acquire on a live guard leaks it */
      S(seawall_policy_try_acquire(g_pol, g));
      break;
    case 1: S(seawall_policy_guard_complete(g, (uint32_t)below(r, 4))); break;
    case 2: S(seawall_policy_guard_complete_with_duration(g, (uint32_t)below(r, 4), hu64(r))); break;
    case 3: seawall_policy_guard_release(g); break;
    case 4: {
      bool probe;
      S(seawall_policy_guard_is_probe(g, &probe));
      break;
    }
    case 5:
      seawall_policy_guard_release(g);
      memset(g, 0, sizeof *g); /* zeroed storage is empty */
      break;
    default: {
      cfgbuf b;
      seawall_policy_config *c = (void *)b.bytes;
      memset(&b, 0, sizeof b);
      S(seawall_policy_config_init(c, sizeof *c));
      if (coin(r, 2)) c->circuit_breaker = t->cb;
      if (coin(r, 2)) c->token_bucket = g_tb;
      if (coin(r, 2)) c->sliding_window = g_sw;
      if (coin(r, 2)) c->bulkhead = g_bh;
      if (coin(r, 4)) c->struct_size = (uint32_t)below(r, sizeof b + 1);
      seawall_policy *pol = NULL;
      if (S(seawall_policy_new_with_clock(c, g_clock, &pol)) == SEAWALL_OK) {
        seawall_policy_guard lg = {{0}};
        if (S(seawall_policy_try_acquire(pol, &lg)) == SEAWALL_OK) {
          seawall_policy_free(pol); /* a live guard outlives its policy */
          pol = NULL;
          S(seawall_policy_guard_complete(&lg, SEAWALL_OUTCOME_FAILURE));
        }
        seawall_policy_free(pol);
      }
      break;
    }
  }
}

static void op_limiters(tstate *t) {
  rng_t *r = &t->r;
  seawall_decision d;
  uint8_t key[16];
  for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)below(r, 4);
  size_t klen = below(r, sizeof key + 1);
  switch (below(r, 14)) {
    case 0: S(seawall_token_bucket_try_acquire(g_tb, coin(r, 2) ? below(r, 3) : hu64(r), &d)); break;
    case 1: S(seawall_token_bucket_peek(g_tb, hu64(r), &d)); break;
    case 2: S(seawall_token_bucket_refund(g_tb, hu64(r))); break;
    case 3: {
      seawall_token_bucket_metrics m = {.struct_size = sizeof m};
      S(seawall_token_bucket_get_metrics(g_tb, &m));
      break;
    }
    case 4: S(seawall_sliding_window_try_acquire(g_sw, hu64(r), &d)); break;
    case 5: S(seawall_sliding_window_peek(g_sw, hu64(r), &d)); break;
    case 6: S(seawall_sliding_window_refund(g_sw, hu64(r))); break;
    case 7: {
      seawall_sliding_window_metrics m = {.struct_size = sizeof m};
      S(seawall_sliding_window_get_metrics(g_sw, &m));
      break;
    }
    case 8: S(seawall_keyed_token_bucket_try_acquire(g_ktb, key, klen, hu64(r), &d)); break;
    case 9: S(seawall_keyed_token_bucket_refund(g_ktb, key, klen, hu64(r))); break;
    case 10: S(seawall_keyed_sliding_window_try_acquire(g_ksw, key, klen, below(r, 3), &d)); break;
    case 11: {
      seawall_keyed_metrics m = {.struct_size = sizeof m};
      S(seawall_keyed_token_bucket_get_metrics(g_ktb, &m));
      S(seawall_keyed_sliding_window_get_metrics(g_ksw, &m));
      S(seawall_keyed_sliding_window_refund(g_ksw, key, klen, hu64(r)));
      break;
    }
    case 12: {
      cfgbuf b;
      seawall_token_bucket_config *c = (void *)b.bytes;
      if (hostile_mode(r, &b) == 2) {
        S(seawall_token_bucket_config_init(c, sizeof *c));
        c->burst = hu64(r);
        c->rate_per_sec = hf64(r);
        c->has_initial_tokens = (uint8_t)rnd(r);
        c->initial_tokens = hu64(r);
      }
      seawall_token_bucket *tb = NULL;
      if (S(seawall_token_bucket_new_with_clock(c, g_clock, &tb)) == SEAWALL_OK) {
        S(seawall_token_bucket_try_acquire(tb, hu64(r), &d));
        seawall_token_bucket_free(tb);
      }
      break;
    }
    default: {
      cfgbuf b;
      seawall_sliding_window_config *c = (void *)b.bytes;
      if (hostile_mode(r, &b) == 2) {
        S(seawall_sliding_window_config_init(c, sizeof *c));
        uint8_t *bytes = (uint8_t *)c;
        for (size_t i = 8; i < sizeof *c; i++)
          if (coin(r, 3)) bytes[i] = (uint8_t)rnd(r);
      }
      seawall_sliding_window *sw = NULL;
      if (S(seawall_sliding_window_new(c, &sw)) == SEAWALL_OK) {
        S(seawall_sliding_window_try_acquire(sw, hu64(r), &d));
        seawall_sliding_window_free(sw);
      }
      break;
    }
  }
}

static void op_misc(tstate *t) {
  rng_t *r = &t->r;
  switch (below(r, 20)) {
    case 0: S(seawall_backoff_start(g_bo, &t->bs)); break;
    case 1: {
      seawall_backoff_delay d;
      S(seawall_backoff_next_delay(g_bo, &t->bs, (uint8_t)below(r, 3), hu64(r), &d));
      break;
    }
    case 2: {
      seawall_backoff_delay d;
      S(seawall_backoff_next_delay_elapsed(g_bo, &t->bs, hu64(r), (uint8_t)rnd(r), hu64(r), &d));
      break;
    }
    case 3: {
      /* random schedule state: plain data, any bytes */
      uint8_t *b = (uint8_t *)&t->bs;
      for (size_t i = 0; i < sizeof t->bs; i++)
        if (coin(r, 3)) b[i] = (uint8_t)rnd(r);
      S(seawall_backoff_finish(g_bo, &t->bs));
      break;
    }
    case 4: {
      uint64_t d;
      S(seawall_backoff_delay_for(g_bo, (uint32_t)rnd(r), &d));
      seawall_backoff_metrics m = {.struct_size = sizeof m};
      S(seawall_backoff_get_metrics(g_bo, &m));
      break;
    }
    case 5: {
      cfgbuf b;
      seawall_backoff_config *c = (void *)b.bytes;
      if (hostile_mode(r, &b) == 2) {
        S(seawall_backoff_config_init(c, sizeof *c));
        c->kind = (uint32_t)below(r, 5);
        c->jitter = (uint32_t)below(r, 7);
        c->base_ns = hu64(r);
        c->factor = hf64(r);
        c->max_delay_ns = hu64(r);
        c->max_attempts = (uint32_t)below(r, 12);
        c->has_max_elapsed = (uint8_t)rnd(r);
        c->max_elapsed_ns = hu64(r);
        c->has_seed = (uint8_t)rnd(r);
        c->seed = rnd(r);
      }
      seawall_backoff *bo = NULL;
      if (S(seawall_backoff_new_with_clock(c, g_clock, &bo)) == SEAWALL_OK) {
        seawall_backoff_schedule_state s;
        seawall_backoff_delay d;
        S(seawall_backoff_start(bo, &s));
        for (int i = 0; i < 12; i++) S(seawall_backoff_next_delay(bo, &s, 0, 0, &d));
        seawall_backoff_free(bo);
      }
      break;
    }
    case 6: S(seawall_retry_budget_try_retry(g_rb)); break;
    case 7:
      S(seawall_retry_budget_record_failure(g_rb));
      S(seawall_retry_budget_record_success(g_rb));
      break;
    case 8: {
      seawall_retry_budget_metrics m = {.struct_size = sizeof m};
      S(seawall_retry_budget_get_metrics(g_rb, &m));
      cfgbuf b;
      seawall_retry_budget_config *c = (void *)b.bytes;
      if (hostile_mode(r, &b) == 2) {
        S(seawall_retry_budget_config_init(c, sizeof *c));
        c->max_tokens = hf64(r);
        c->token_ratio = hf64(r);
      }
      seawall_retry_budget *rb = NULL;
      if (S(seawall_retry_budget_new(c, &rb)) == SEAWALL_OK) {
        S(seawall_retry_budget_try_retry(rb));
        seawall_retry_budget_free(rb);
      }
      break;
    }
    case 9: {
      S(seawall_adaptive_timeout_record(g_at, hu64(r)));
      uint64_t v;
      S(seawall_adaptive_timeout_get(g_at, &v));
      seawall_adaptive_timeout_metrics m = {.struct_size = sizeof m};
      S(seawall_adaptive_timeout_get_metrics(g_at, &m));
      break;
    }
    case 10: {
      cfgbuf b;
      seawall_adaptive_timeout_config *c = (void *)b.bytes;
      if (hostile_mode(r, &b) == 2) {
        S(seawall_adaptive_timeout_config_init(c, sizeof *c));
        c->percentile = hf64(r);
        c->multiplier = hf64(r);
        c->min_timeout_ns = hu64(r);
        c->max_timeout_ns = hu64(r);
        c->min_samples = hu64(r);
        c->window_ns = hu64(r);
      }
      seawall_adaptive_timeout *at = NULL;
      if (S(seawall_adaptive_timeout_new_with_clock(c, g_clock, &at)) == SEAWALL_OK) {
        S(seawall_adaptive_timeout_record(at, hu64(r)));
        seawall_adaptive_timeout_free(at);
      }
      break;
    }
    case 11: {
      seawall_fault f;
      S(seawall_fault_injector_decide(g_fi, &f));
      uint64_t d;
      S(seawall_fault_injector_check(g_fi, &d));
      seawall_fault_injector_metrics m = {.struct_size = sizeof m};
      S(seawall_fault_injector_get_metrics(g_fi, &m));
      break;
    }
    case 12: {
      S(seawall_fault_injector_set_enabled(g_fi, (uint8_t)rnd(r)));
      cfgbuf b;
      seawall_fault_injector_config *c = (void *)b.bytes;
      if (hostile_mode(r, &b) == 2) {
        S(seawall_fault_injector_config_init(c, sizeof *c));
        c->error_rate = hf64(r);
        c->delay_rate = hf64(r);
        c->delay_min_ns = hu64(r);
        c->delay_max_ns = hu64(r);
        c->has_seed = (uint8_t)rnd(r);
        c->enabled = (uint8_t)rnd(r);
      }
      seawall_fault_injector *fi = NULL;
      if (S(seawall_fault_injector_new(c, &fi)) == SEAWALL_OK) {
        seawall_fault f;
        S(seawall_fault_injector_decide(fi, &f));
        seawall_fault_injector_free(fi);
      }
      break;
    }
    case 13:
      STR(seawall_status_str((int)rnd(r)));
      STR(seawall_circuit_state_str((int)rnd(r)));
      STR(seawall_retryable_kind_str((uint32_t)rnd(r)));
      STR(seawall_version());
      (void)seawall_version_number();
      break;
    case 14: {
      char s[12];
      for (int i = 0; i < 11; i++) s[i] = (char)(1 + below(r, 255));
      s[below(r, 12)] = 0;
      s[11] = 0;
      seawall_retryable_kind k;
      S(seawall_retryable_kind_parse(s, &k));
      S(seawall_retryable_kind_for_code(s, &k));
      (void)seawall_is_retryable_status((uint32_t)rnd(r));
      const uint16_t *st;
      size_t n;
      S(seawall_retryable_statuses(&st, &n));
      break;
    }
    case 15:
      if (coin(r, 4)) S(seawall_manual_clock_advance(g_clock, below(r, 3000000000ULL)));
      else {
        uint64_t n;
        S(seawall_manual_clock_now(g_clock, &n));
      }
      break;
    case 16: {
      seawall_manual_clock *c = NULL;
      if (S(seawall_manual_clock_new(hu64(r), &c)) == SEAWALL_OK) {
        S(seawall_manual_clock_advance(c, hu64(r)));
        S(seawall_manual_clock_set(c, hu64(r)));
        seawall_manual_clock_free(c);
      }
      break;
    }
    case 17: {
      union {
        seawall_error e;
        uint8_t bytes[512];
      } u;
      memset(&u, 0, sizeof u);
      u.e.struct_size = (uint32_t)below(r, sizeof u + 1);
      if (S(seawall_last_error_take(&u.e)) == SEAWALL_OK) {
        /* written up to struct_size only (an older, shorter struct) */
        if (u.e.struct_size >= offsetof(seawall_error, stage)) {
          STR(u.e.kind);
          STR(u.e.field);
        }
        if (u.e.struct_size >= sizeof u.e && memchr(u.e.message, 0, sizeof u.e.message) == NULL)
          BUG("message not NUL-terminated");
      }
      STR(seawall_last_error_message());
      STR(seawall_last_error_field());
      STR(seawall_last_error_stage());
      (void)seawall_last_error_retry_after_ns();
      break;
    }
    case 18:
      /* NULL everywhere a pointer goes */
      S(seawall_token_bucket_try_acquire(NULL, 1, NULL));
      S(seawall_bulkhead_release(NULL));
      S(seawall_policy_try_acquire(g_pol, NULL));
      S(seawall_backoff_next_delay(g_bo, NULL, 0, 0, NULL));
      S(seawall_circuit_breaker_config_init(NULL, 64));
      S(seawall_keyed_token_bucket_try_acquire(g_ktb, NULL, 3, 1, NULL));
      break;
    default: (void)seawall_monotonic_now_ns(); break;
  }
}

/* execute's callbacks: random results and classifications. */
static int fz_attempt(void *ud, const seawall_attempt_info *info, seawall_attempt_failure *f) {
  rng_t *r = ud;
  if (!info || !f) BUG("execute passed NULL to the callback");
  if (coin(r, 4)) S(seawall_manual_clock_advance(g_clock, below(r, 3) ? below(r, 1000) : hu64(r) % 2000000000u));
  if (coin(r, 3)) return 0;
  f->retryable = (uint8_t)rnd(r);
  f->has_retry_after = (uint8_t)rnd(r);
  f->retry_after_ns = hu64(r) % 1000000u;
  f->outcome = (uint32_t)below(r, 4);
  return (int)below(r, 5);
}
static int fz_fallback(void *ud, const seawall_fallback_info *info) {
  rng_t *r = ud;
  if (!info || !info->stage) BUG("fallback info or stage NULL");
  return (int)below(r, 2);
}

static void op_run(tstate *t) {
  rng_t *r = &t->r;
  seawall_policy_run *run = &t->runs[below(r, 2)];
  seawall_policy_step p;
  seawall_attempt_failure af = {(uint8_t)rnd(r), (uint8_t)rnd(r), (uint32_t)below(r, 4), hu64(r)};
  switch (below(r, 16)) {
    case 0:
      S(seawall_policy_run_start(coin(r, 2) ? g_run_pol : g_pol, (uint8_t)below(r, 2), hu64(r), run));
      break;
    case 1: S(seawall_policy_run_next(run, &p)); break;
    case 2: S(seawall_policy_run_on_success(run, &p)); break;
    case 3: S(seawall_policy_run_on_failure(run, &af, &p)); break;
    case 4: S(seawall_policy_run_on_timeout(run, &p)); break;
    case 5: S(seawall_policy_run_settle(run)); break;
    case 6: {
      uint8_t claimed;
      S(seawall_policy_run_try_claim(run, &claimed, &p));
      break;
    }
    case 7: S(seawall_policy_run_wait_timed_out(run, &p)); break;
    case 8: S(seawall_policy_run_cancel(run)); break;
    case 9:
      S(seawall_policy_run_end(run));
      if (coin(r, 2)) memset(run, 0, sizeof *run); /* zeroed storage is empty */
      break;
    case 10: {
      seawall_retry_failure f = {(uint8_t)rnd(r), (uint8_t)rnd(r), hu64(r), hu64(r)};
      seawall_retry_step rstep;
      switch (below(r, 5)) {
        case 0: S(seawall_retry_start(g_retry, (uint8_t)rnd(r), hu64(r), &t->rs)); break;
        case 1: S(seawall_retry_on_failure(g_retry, &t->rs, &f, &rstep)); break;
        case 2: S(seawall_retry_on_success(g_retry, &t->rs)); break;
        case 3: S(seawall_retry_abandon(g_retry, &t->rs)); break;
        default: /* any bytes in the plain-data state */
          for (size_t i = 0; i < sizeof t->rs; i++) ((uint8_t *)&t->rs)[i] = (uint8_t)rnd(r);
          break;
      }
      STR(seawall_give_up_reason_str((uint32_t)rnd(r)));
      break;
    }
    case 11: {
      seawall_execute_result res;
      seawall_execute_config ec = seawall_execute_config_default();
      ec.has_deadline = (uint8_t)below(r, 2);
      ec.deadline_ns = hu64(r);
      ec.total_timeout_ns = coin(r, 2) ? 0 : hu64(r);
      S(seawall_policy_execute(coin(r, 2) ? g_run_pol : g_pol, coin(r, 3) ? NULL : &ec, fz_attempt,
                               coin(r, 4) ? NULL : fz_fallback, r, &res));
      break;
    }
    case 12: {
      char v[12];
      for (size_t i = 0; i < sizeof v - 1; i++) v[i] = (char)(coin(r, 2) ? '0' + below(r, 10) : rnd(r));
      v[sizeof v - 1 - below(r, 8)] = 0;
      uint8_t valid;
      uint64_t ns;
      S(seawall_parse_retry_after(v, hu64(r), &valid, &ns));
      break;
    }
    case 13: {
      seawall_error_link links[3];
      for (int i = 0; i < 3; i++) {
        links[i].seawall_status = (uint32_t)below(r, 12);
        links[i].transport = (uint32_t)below(r, 7);
        links[i].http_status = (uint32_t)(coin(r, 2) ? below(r, 600) : rnd(r));
        links[i].has_retry_after = (uint8_t)rnd(r);
        links[i].retry_after_ns = hu64(r);
      }
      seawall_verdict vd;
      S(seawall_classify_chain(links, (size_t)below(r, 4), &vd));
      uint32_t o;
      S(seawall_outcome_for_error((uint8_t)rnd(r), (int32_t)below(r, 4) - 1, (uint32_t)below(r, 12), &o));
      (void)seawall_is_retryable_error_status((uint32_t)rnd(r));
      break;
    }
    case 14: {
      char name[8];
      for (size_t i = 0; i < sizeof name - 1; i++) name[i] = (char)(coin(r, 2) ? 'a' + below(r, 26) : rnd(r));
      name[below(r, sizeof name)] = 0;
      seawall_quota_policy *qp = NULL;
      if (S(seawall_quota_policy_new(name, hu64(r), hu64(r), &qp)) == SEAWALL_OK) {
        seawall_decision d = {(bool)below(r, 2), hu64(r), hu64(r), hu64(r)};
        char buf[160];
        size_t len;
        S(seawall_rate_limit_header_value(qp, &d, (uint32_t)below(r, 8), buf, (size_t)below(r, sizeof buf + 1), &len));
        seawall_rate_limit_headers h;
        S(seawall_rate_limit_headers_get(qp, &d, &h));
        STR(seawall_rate_limit_header_name((uint32_t)rnd(r)));
        seawall_quota_policy_free(qp);
      }
      break;
    }
    default:
      S(seawall_policy_run_next(NULL, &p));
      S(seawall_retry_on_failure(g_retry, NULL, NULL, NULL));
      S(seawall_policy_execute(g_pol, NULL, NULL, NULL, NULL, NULL));
      break;
  }
}

static void *worker(void *arg) {
  tstate *t = arg;
  seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
  c.minimum_number_of_calls = 2;
  c.window_size = 4;
  c.open_duration_ns = 1000;
  if (S(seawall_circuit_breaker_new_with_clock(&c, g_clock, &t->cb)) != SEAWALL_OK) return NULL;
  while (now_s() < deadline) {
    for (int i = 0; i < 64; i++) {
      switch (below(&t->r, 7)) {
        case 0:
        case 1: op_breaker(t); break;
        case 5: op_run(t); break;
        case 2: op_bulkhead(t); break;
        case 3: op_policy(t); break;
        case 4: op_limiters(t); break;
        default: op_misc(t); break;
      }
    }
  }
  /* clean up what this thread holds (leaks would fail valgrind/ASan) */
  for (int i = 0; i < NP; i++) S(seawall_circuit_breaker_release(t->cb, &t->permits[i]));
  for (int i = 0; i < NP; i++) seawall_bulkhead_release(&t->bp[i]);
  for (int i = 0; i < 4; i++) seawall_policy_guard_release(&t->g[i]);
  for (int i = 0; i < 2; i++) S(seawall_policy_run_end(&t->runs[i]));
  seawall_bulkhead_waiter_free(t->w);
  seawall_circuit_breaker_free(t->cb);
  return NULL;
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  double secs = argc > 2 ? atof(argv[2]) : 5;
  int nthreads = argc > 3 ? atoi(argv[3]) : 4;
  if (nthreads < 1 || nthreads > 64) nthreads = 4;
  printf("fuzz: seed %llu, %.0f s, %d threads\n", (unsigned long long)seed, secs, nthreads);
  deadline = now_s() + secs;

  S(seawall_manual_clock_new(0, &g_clock));
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  cc.minimum_number_of_calls = 4;
  cc.window_size = 8;
  cc.has_failure_count_threshold = 1;
  cc.failure_count_threshold = 3;
  cc.open_duration_ns = 100000;
  S(seawall_circuit_breaker_new_with_clock(&cc, g_clock, &g_cb));
  seawall_bulkhead_config bc = seawall_bulkhead_config_default();
  bc.max_concurrent = 3;
  bc.max_queue = 4;
  bc.max_wait_ns = 10000;
  S(seawall_bulkhead_new(&bc, &g_bh));
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  S(seawall_token_bucket_new_with_clock(&tc, g_clock, &g_tb));
  seawall_sliding_window_config sc = seawall_sliding_window_config_default();
  S(seawall_sliding_window_new_with_clock(&sc, g_clock, &g_sw));
  seawall_policy_config pc = seawall_policy_config_default();
  pc.token_bucket = g_tb;
  pc.circuit_breaker = g_cb;
  pc.bulkhead = g_bh;
  S(seawall_policy_new_with_clock(&pc, g_clock, &g_pol));
  seawall_backoff_config kc = seawall_backoff_config_default();
  S(seawall_backoff_new_with_clock(&kc, g_clock, &g_bo));
  seawall_retry_budget_config rc = seawall_retry_budget_config_default();
  S(seawall_retry_budget_new(&rc, &g_rb));
  seawall_adaptive_timeout_config ac = seawall_adaptive_timeout_config_default();
  S(seawall_adaptive_timeout_new_with_clock(&ac, g_clock, &g_at));
  seawall_fault_injector_config fc = seawall_fault_injector_config_default();
  fc.error_rate = 0.3;
  fc.delay_rate = 0.3;
  S(seawall_fault_injector_new(&fc, &g_fi));
  seawall_keyed_token_bucket_config ktc = seawall_keyed_token_bucket_config_default();
  ktc.max_keys = 16;
  S(seawall_keyed_token_bucket_new_with_clock(&ktc, g_clock, &g_ktb));
  seawall_keyed_sliding_window_config kwc = seawall_keyed_sliding_window_config_default();
  kwc.max_keys = 16;
  S(seawall_keyed_sliding_window_new_with_clock(&kwc, g_clock, &g_ksw));
  seawall_retry_config rtc = seawall_retry_config_default();
  rtc.retry_budget = g_rb;
  S(seawall_retry_new(g_bo, &rtc, &g_retry));
  pc.retry = g_retry;
  pc.timeout_ns = 1000000;
  pc.has_fallback = 1;
  S(seawall_policy_new_with_clock(&pc, g_clock, &g_run_pol));

  pthread_t th[64];
  tstate *ts = calloc((size_t)nthreads, sizeof *ts);
  for (int i = 0; i < nthreads; i++) {
    ts[i].r.s = seed * 1000003ULL + (uint64_t)i;
    pthread_create(&th[i], NULL, worker, &ts[i]);
  }
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  free(ts);

  seawall_policy_free(g_pol);
  seawall_policy_free(g_run_pol);
  seawall_retry_free(g_retry);
  seawall_circuit_breaker_free(g_cb); /* remaining listeners: destroy runs */
  seawall_bulkhead_free(g_bh);
  seawall_token_bucket_free(g_tb);
  seawall_sliding_window_free(g_sw);
  seawall_backoff_free(g_bo);
  seawall_retry_budget_free(g_rb);
  seawall_adaptive_timeout_free(g_at);
  seawall_fault_injector_free(g_fi);
  seawall_keyed_token_bucket_free(g_ktb);
  seawall_keyed_sliding_window_free(g_ksw);
  seawall_manual_clock_free(g_clock);
  if (atomic_load(&listeners_live) != 0)
    BUG("%ld listeners registered but never destroyed (or destroyed twice)", atomic_load(&listeners_live));

  printf("fuzz: %lu calls, %lu failed as expected, %lu listener calls, %lu bugs\n",
         atomic_load(&calls), atomic_load(&failures), atomic_load(&listener_calls),
         atomic_load(&bugs));
  return atomic_load(&bugs) ? 1 : 0;
}
