/* Names, registries and the Prometheus / health export through the C ABI
 * (spec/metrics.md): the text written into a caller buffer (the size asked
 * first), values equal to the instances' metrics, escaping, bad names and
 * labels naming the parameter, duplicates, and freeing a registration. */
#include <stdlib.h>

#include "harness.h"

#define MS 1000000ull

/* The whole text of `reg` in a malloc'd buffer (the caller frees it). */
static char *text_of(const seawall_registry *reg) {
  size_t len = 0;
  CHECK_STATUS(seawall_registry_prometheus_text(reg, NULL, 0, &len), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "cap");
  char *buf = malloc(len + 1);
  if (!buf) return NULL;
  size_t len2 = 0;
  /* Exactly len bytes is one short (no room for the NUL). */
  if (len > 0) {
    CHECK_STATUS(seawall_registry_prometheus_text(reg, buf, len, &len2), SEAWALL_INVALID_ARGUMENT);
    CHECK_EQ_U64(len2, len);
  }
  CHECK_OK(seawall_registry_prometheus_text(reg, buf, len + 1, &len2));
  CHECK_EQ_U64(len2, len);
  CHECK_EQ_U64(strlen(buf), len);
  return buf;
}

/* The value of the sample line starting with `prefix` (exact series). */
static double value_of(const char *text, const char *series) {
  size_t n = strlen(series);
  for (const char *p = text; p && *p;) {
    if (strncmp(p, series, n) == 0 && p[n] == ' ') return strtod(p + n + 1, NULL);
    p = strchr(p, '\n');
    if (p) p++;
  }
  fprintf(stderr, "no series %s\n", series);
  h_failed++;
  return -1;
}

static void test_export_and_values(void) {
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));

  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  cc.has_failure_count_threshold = true;
  cc.failure_count_threshold = 1;
  seawall_circuit_breaker *cb = NULL;
  CHECK_OK(seawall_circuit_breaker_new_with_clock(&cc, clock, &cb));
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  tc.burst = 2;
  tc.rate_per_sec = 1.0;
  seawall_token_bucket *tb = NULL;
  CHECK_OK(seawall_token_bucket_new_with_clock(&tc, clock, &tb));
  seawall_bulkhead_config bc = seawall_bulkhead_config_default();
  bc.max_concurrent = 1;
  seawall_bulkhead *bh = NULL;
  CHECK_OK(seawall_bulkhead_new(&bc, &bh));

  seawall_label labels[] = {{"dependency", "payments"}};
  seawall_registration *r_cb = NULL, *r_tb = NULL, *r_bh = NULL;
  CHECK_OK(seawall_registry_register_circuit_breaker(reg, cb, "cb", labels, 1, &r_cb));
  CHECK_OK(seawall_registry_register_token_bucket(reg, tb, "tb", labels, 1, &r_tb));
  CHECK_OK(seawall_registry_register_bulkhead(reg, bh, "bh", NULL, 0, &r_bh));

  uint64_t permit = 0;
  CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
  CHECK_OK(seawall_circuit_breaker_record(cb, &permit, SEAWALL_OUTCOME_FAILURE, 1 * MS));
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  seawall_decision d;
  for (int i = 0; i < 3; i++) CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));

  char *text = text_of(reg);
  CHECK_CONTAINS(text, "# TYPE seawall_circuit_breaker_state gauge\n");
  CHECK_CONTAINS(text, "# TYPE seawall_circuit_breaker_calls_total counter\n");
  CHECK_CONTAINS(text, "# TYPE seawall_rate_limiter_calls_total counter\n");
  CHECK_CONTAINS(text, "# TYPE seawall_bulkhead_active_calls gauge\n");
  seawall_circuit_breaker_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_circuit_breaker_get_metrics(cb, &m));
  CHECK(value_of(text, "seawall_circuit_breaker_state{name=\"cb\",dependency=\"payments\",state=\"open\"}") == 1.0);
  CHECK(value_of(text, "seawall_circuit_breaker_calls_total{name=\"cb\",dependency=\"payments\",outcome=\"failure\"}") == (double)m.failures);
  CHECK(value_of(text, "seawall_circuit_breaker_rejected_calls_total{name=\"cb\",dependency=\"payments\",reason=\"circuit_open\"}") == (double)m.rejected);
  CHECK_EQ_U64(m.rejected, 1);
  seawall_token_bucket_metrics tm = {.struct_size = sizeof tm};
  CHECK_OK(seawall_token_bucket_get_metrics(tb, &tm));
  CHECK(value_of(text, "seawall_rate_limiter_calls_total{name=\"tb\",dependency=\"payments\",outcome=\"allowed\"}") == (double)tm.allowed);
  CHECK(value_of(text, "seawall_rate_limiter_calls_total{name=\"tb\",dependency=\"payments\",outcome=\"denied\"}") == (double)tm.denied);
  CHECK_EQ_U64(tm.denied, 1);
  free(text);

  /* Health JSON, same buffer protocol. */
  size_t len = 0;
  CHECK_STATUS(seawall_registry_health_json(reg, NULL, 0, &len), SEAWALL_INVALID_ARGUMENT);
  char *json = malloc(len + 1);
  CHECK(json != NULL);
  if (json) {
    CHECK_OK(seawall_registry_health_json(reg, json, len + 1, &len));
    CHECK_CONTAINS(json, "{\"status\":\"degraded\"");
    CHECK_CONTAINS(json, "\"name\":\"cb\",\"kind\":\"circuit_breaker\",\"labels\":{\"dependency\":\"payments\"},\"healthy\":false");
    free(json);
  }

  /* A name used twice is refused; freeing the registration frees the name. */
  seawall_registration *dup = NULL;
  CHECK_STATUS(seawall_registry_register_token_bucket(reg, tb, "cb", NULL, 0, &dup), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "name");
  CHECK_CONTAINS(seawall_last_error_message(), "already registered");
  CHECK(dup == NULL);
  seawall_registration_free(r_cb);
  text = text_of(reg);
  CHECK(text && strstr(text, "name=\"cb\"") == NULL);
  free(text);
  CHECK_OK(seawall_registry_register_token_bucket(reg, tb, "cb", NULL, 0, &dup));
  seawall_registration_free(dup);

  seawall_registration_free(r_tb);
  seawall_registration_free(r_bh);
  text = text_of(reg);
  CHECK_STR(text, "");
  free(text);
  seawall_registration_free(NULL);
  seawall_registry_free(reg);
  seawall_registry_free(NULL);
  seawall_circuit_breaker_free(cb);
  seawall_token_bucket_free(tb);
  seawall_bulkhead_free(bh);
  seawall_manual_clock_free(clock);
}

static void test_bad_input(void) {
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new("myapp", &reg));
  seawall_registry *bad = NULL;
  CHECK_STATUS(seawall_registry_new("1x", &bad), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "prefix");
  CHECK(bad == NULL);
  seawall_retry_budget_config rc = seawall_retry_budget_config_default();
  seawall_retry_budget *rb = NULL;
  CHECK_OK(seawall_retry_budget_new(&rc, &rb));
  seawall_registration *r = NULL;

  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "", NULL, 0, &r), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "name");
  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "a\nb", NULL, 0, &r), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "name");
  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "bad\xff", NULL, 0, &r), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "name");

  seawall_label bad_name[] = {{"1bad", "v"}};
  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "ok", bad_name, 1, &r), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "labels");
  seawall_label reserved[] = {{"name", "v"}};
  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "ok", reserved, 1, &r), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "labels");
  seawall_label null_value[] = {{"a", NULL}};
  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "ok", null_value, 1, &r), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "labels");
  /* A huge label count is refused before the array is read. */
  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "ok", bad_name, (size_t)-1, &r), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "labels");
  CHECK_STATUS(seawall_registry_register_retry_budget(reg, rb, "ok", NULL, 2, &r), SEAWALL_NULL_ARGUMENT);
  CHECK(r == NULL);

  /* Escaping, and the namespace. */
  seawall_label weird[] = {{"path", "a\"b\\c\nd"}};
  CHECK_OK(seawall_registry_register_retry_budget(reg, rb, "rb", weird, 1, &r));
  char *text = text_of(reg);
  CHECK_CONTAINS(text, "myapp_retry_budget_tokens{name=\"rb\",path=\"a\\\"b\\\\c\\nd\"} ");
  free(text);
  seawall_registration_free(r);
  seawall_registry_free(reg);
  seawall_retry_budget_free(rb);
}

static void test_default_registry(void) {
  seawall_fault_injector_config fc = seawall_fault_injector_config_default();
  seawall_fault_injector *fi = NULL;
  CHECK_OK(seawall_fault_injector_new(&fc, &fi));
  seawall_registration *r = NULL;
  CHECK_OK(seawall_registry_register_fault_injector(NULL, fi, "c-default", NULL, 0, &r));
  char *text = text_of(NULL);
  CHECK_CONTAINS(text, "seawall_fault_injector_enabled{name=\"c-default\"} 1\n");
  free(text);
  /* Freeing the instance first is fine: the registration keeps its counters. */
  seawall_fault_injector_free(fi);
  text = text_of(NULL);
  CHECK_CONTAINS(text, "name=\"c-default\"");
  free(text);
  seawall_registration_free(r);
  text = text_of(NULL);
  CHECK(text && strstr(text, "c-default") == NULL);
  free(text);
}

static void test_backoff_give_ups(void) {
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_backoff_config c = seawall_backoff_config_default();
  c.max_attempts = 2;
  seawall_backoff *b = NULL;
  CHECK_OK(seawall_backoff_new(&c, &b));
  seawall_registration *r = NULL;
  seawall_label lab[] = {{"dependency", "payments"}};
  CHECK_OK(seawall_registry_register_backoff(reg, b, "retry", lab, 1, &r));
  for (int run = 0; run < 3; run++) {
    seawall_backoff_schedule_state st;
    CHECK_OK(seawall_backoff_start(b, &st));
    seawall_backoff_delay d;
    do {
      CHECK_OK(seawall_backoff_next_delay_elapsed(b, &st, 0, 0, 0, &d));
    } while (!d.give_up);
  }
  seawall_backoff_metrics m = {.struct_size = sizeof m};
  CHECK_OK(seawall_backoff_get_metrics(b, &m));
  CHECK_EQ_U64(m.exhausted_attempts, 3);
  char *text = text_of(reg);
  CHECK(value_of(text, "seawall_retry_give_ups_total{name=\"retry\",dependency=\"payments\",reason=\"max_attempts\"}") == (double)m.exhausted_attempts);
  CHECK(value_of(text, "seawall_retry_schedules_total{name=\"retry\",dependency=\"payments\"}") == (double)m.schedules);
  CHECK(value_of(text, "seawall_retry_retries_total{name=\"retry\",dependency=\"payments\"}") == (double)m.retries);
  free(text);
  seawall_registration_free(r);
  seawall_registry_free(reg);
  seawall_backoff_free(b);
}

/* seawall_events_subscribe: transitions of registered breakers, with the
 * registered name, as a versioned struct; a subscriber may call seawall
 * (here: the breaker's state, and unsubscribing itself); destroy runs
 * once; unregistered breakers and unsubscribed subscribers hear nothing. */
typedef struct {
  int events;
  int destroyed;
  char names[4][32];
  seawall_circuit_state from[4], to[4], seen_state[4];
  const seawall_circuit_breaker *cb;
  uint64_t self_id;
  int unsubscribe_after;
} ev_log;

static void on_event(void *user_data, const seawall_event *ev) {
  ev_log *log = user_data;
  CHECK(ev->struct_size >= sizeof(seawall_event));
  CHECK(ev->kind == SEAWALL_EVENT_TRANSITION);
  if (log->events < 4) {
    snprintf(log->names[log->events], sizeof log->names[0], "%s", ev->name);
    log->from[log->events] = ev->from;
    log->to[log->events] = ev->to;
    seawall_circuit_state st = SEAWALL_STATE_DISABLED;
    CHECK_OK(seawall_circuit_breaker_state(log->cb, &st));
    log->seen_state[log->events] = st;
  }
  log->events++;
  if (log->unsubscribe_after && log->events == log->unsubscribe_after) {
    bool removed = false;
    CHECK_OK(seawall_events_unsubscribe(log->self_id, &removed));
    CHECK(removed);
  }
}

static void on_destroy(void *user_data) { ((ev_log *)user_data)->destroyed++; }

static void test_events(void) {
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_circuit_breaker_config cc = seawall_circuit_breaker_config_default();
  seawall_circuit_breaker *cb = NULL, *other = NULL;
  CHECK_OK(seawall_circuit_breaker_new(&cc, &cb));
  CHECK_OK(seawall_circuit_breaker_new(&cc, &other));
  ev_log log = {.cb = cb};
  uint64_t id = 0;
  CHECK_OK(seawall_events_subscribe(on_event, &log, on_destroy, &id));
  CHECK(id != 0);

  CHECK_OK(seawall_circuit_breaker_force_open(cb)); /* not registered: nothing */
  CHECK_OK(seawall_circuit_breaker_reset(cb));
  CHECK_EQ_U64(log.events, 0);
  seawall_registration *r = NULL;
  seawall_label lab[] = {{"dependency", "payments"}};
  CHECK_OK(seawall_registry_register_circuit_breaker(reg, cb, "c-events", lab, 1, &r));
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  CHECK_OK(seawall_circuit_breaker_reset(cb));
  CHECK_OK(seawall_circuit_breaker_force_open(other)); /* not registered */
  CHECK_EQ_U64(log.events, 2);
  CHECK_STR(log.names[0], "c-events");
  CHECK(log.from[0] == SEAWALL_STATE_CLOSED && log.to[0] == SEAWALL_STATE_FORCED_OPEN);
  CHECK(log.seen_state[0] == SEAWALL_STATE_FORCED_OPEN); /* after the transition */
  CHECK_STR(log.names[1], "c-events");
  CHECK(log.from[1] == SEAWALL_STATE_FORCED_OPEN && log.to[1] == SEAWALL_STATE_CLOSED);

  bool removed = false;
  CHECK_OK(seawall_events_unsubscribe(id, &removed));
  CHECK(removed);
  CHECK_EQ_U64(log.destroyed, 1);
  CHECK_OK(seawall_events_unsubscribe(id, &removed));
  CHECK(!removed);
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  CHECK_EQ_U64(log.events, 2);
  CHECK_OK(seawall_circuit_breaker_reset(cb));

  /* Unsubscribing from inside the subscriber: destroy runs once, after it returns. */
  ev_log self = {.cb = cb, .unsubscribe_after = 1};
  CHECK_OK(seawall_events_subscribe(on_event, &self, on_destroy, &self.self_id));
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  CHECK_OK(seawall_circuit_breaker_reset(cb));
  CHECK_EQ_U64(self.events, 1);
  CHECK_EQ_U64(self.destroyed, 1);

  /* After the registration is freed, nothing more (NULL destroy is fine). */
  ev_log late = {.cb = cb};
  uint64_t id2 = 0;
  CHECK_OK(seawall_events_subscribe(on_event, &late, NULL, &id2));
  seawall_registration_free(r);
  CHECK_OK(seawall_circuit_breaker_force_open(cb));
  CHECK_EQ_U64(late.events, 0);
  CHECK_OK(seawall_events_unsubscribe(id2, &removed));
  CHECK(removed);

  CHECK_STATUS(seawall_events_subscribe(NULL, NULL, NULL, &id2), SEAWALL_NULL_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "subscriber");
  CHECK_STATUS(seawall_events_subscribe(on_event, NULL, NULL, NULL), SEAWALL_NULL_ARGUMENT);
  CHECK_STATUS(seawall_events_unsubscribe(1, NULL), SEAWALL_NULL_ARGUMENT);

  seawall_circuit_breaker_free(cb);
  seawall_circuit_breaker_free(other);
  seawall_registry_free(reg);
}

/* Keyed limiters register like the others: their table's counters in the
 * text, equal to get_metrics; a name used twice is refused. */
static void test_keyed(void) {
  seawall_registry *reg = NULL;
  CHECK_OK(seawall_registry_new(NULL, &reg));
  seawall_manual_clock *clock = NULL;
  CHECK_OK(seawall_manual_clock_new(0, &clock));
  seawall_keyed_token_bucket_config kc = seawall_keyed_token_bucket_config_default();
  kc.burst = 1;
  kc.rate_per_sec = 1.0;
  kc.max_keys = 64;
  seawall_keyed_token_bucket *ktb = NULL;
  CHECK_OK(seawall_keyed_token_bucket_new_with_clock(&kc, clock, &ktb));
  seawall_keyed_sliding_window_config wc = seawall_keyed_sliding_window_config_default();
  wc.limit = 2;
  wc.window_ns = 1000 * MS;
  wc.max_keys = 64;
  seawall_keyed_sliding_window *ksw = NULL;
  CHECK_OK(seawall_keyed_sliding_window_new_with_clock(&wc, clock, &ksw));

  seawall_label labels[] = {{"dependency", "api"}};
  seawall_registration *r1 = NULL, *r2 = NULL, *dup = NULL;
  CHECK_OK(seawall_registry_register_keyed_token_bucket(reg, ktb, "per-user", labels, 1, &r1));
  CHECK_OK(seawall_registry_register_keyed_sliding_window(reg, ksw, "per-ip", NULL, 0, &r2));
  CHECK_STATUS(seawall_registry_register_keyed_sliding_window(reg, ksw, "per-user", NULL, 0, &dup), SEAWALL_INVALID_ARGUMENT);
  CHECK_STR(seawall_last_error_field(), "name");
  CHECK(dup == NULL);
  CHECK_STATUS(seawall_registry_register_keyed_token_bucket(reg, NULL, "x", NULL, 0, &dup), SEAWALL_NULL_ARGUMENT);

  seawall_decision d;
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(ktb, (const uint8_t *)"alice", 5, 1, &d));
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(ktb, (const uint8_t *)"alice", 5, 1, &d));
  CHECK_OK(seawall_keyed_token_bucket_try_acquire(ktb, (const uint8_t *)"bob", 3, 1, &d));
  for (int i = 0; i < 3; i++) CHECK_OK(seawall_keyed_sliding_window_try_acquire(ksw, (const uint8_t *)"10.0.0.1", 8, 1, &d));

  seawall_keyed_metrics km = {.struct_size = sizeof km};
  CHECK_OK(seawall_keyed_token_bucket_get_metrics(ktb, &km));
  CHECK_EQ_U64(km.allowed, 2);
  CHECK_EQ_U64(km.denied, 1);
  seawall_keyed_metrics wm = {.struct_size = sizeof wm};
  CHECK_OK(seawall_keyed_sliding_window_get_metrics(ksw, &wm));
  char *text = text_of(reg);
  CHECK(value_of(text, "seawall_rate_limiter_calls_total{name=\"per-user\",dependency=\"api\",outcome=\"allowed\"}") == (double)km.allowed);
  CHECK(value_of(text, "seawall_rate_limiter_calls_total{name=\"per-user\",dependency=\"api\",outcome=\"denied\"}") == (double)km.denied);
  CHECK(value_of(text, "seawall_rate_limiter_keys_tracked{name=\"per-user\",dependency=\"api\"}") == (double)km.keys_tracked);
  CHECK(value_of(text, "seawall_rate_limiter_key_capacity{name=\"per-user\",dependency=\"api\"}") == (double)km.capacity);
  CHECK(value_of(text, "seawall_rate_limiter_calls_total{name=\"per-ip\",outcome=\"allowed\"}") == (double)wm.allowed);
  CHECK(value_of(text, "seawall_rate_limiter_calls_total{name=\"per-ip\",outcome=\"denied\"}") == (double)wm.denied);
  CHECK_EQ_U64(wm.denied, 1);
  free(text);

  seawall_registration_free(r1);
  seawall_registration_free(r2);
  text = text_of(reg);
  CHECK_STR(text, "");
  free(text);
  seawall_registry_free(reg);
  seawall_keyed_token_bucket_free(ktb);
  seawall_keyed_sliding_window_free(ksw);
  seawall_manual_clock_free(clock);
}

int main(void) {
  test_events();
  test_backoff_give_ups();
  test_export_and_values();
  test_bad_input();
  test_default_registry();
  test_keyed();
  return h_done("test_metrics");
}
