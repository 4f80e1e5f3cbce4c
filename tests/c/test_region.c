/* Shared-memory regions from C (issue 14): a second, separate process
 * (this program exec'd again with "child") opens the same region and
 * shares one token bucket, one breaker and one bulkhead with the first.
 * Also: another config is refused naming the field, a corrupted file is
 * SEAWALL_SHARED_REGION, and the file is mode 0600. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static seawall_token_bucket_config tb_cfg(void) {
  seawall_token_bucket_config c = seawall_token_bucket_config_default();
  c.burst = 10;
  c.rate_per_sec = 0.001; /* no refill during the test */
  return c;
}

static seawall_circuit_breaker_config cb_cfg(void) {
  seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
  c.window_size = 1;
  c.minimum_number_of_calls = 1;
  c.open_duration_ns = 60000000000ull;
  return c;
}

/* 2 requests per minute per key; 1000 keys. */
static seawall_keyed_sliding_window_config ksw_cfg(void) {
  seawall_keyed_sliding_window_config c = seawall_keyed_sliding_window_config_default();
  c.limit = 2;
  c.window_ns = 60000000000ull;
  c.max_keys = 1000;
  return c;
}

static seawall_bulkhead_config bh_cfg(void) {
  seawall_bulkhead_config c = seawall_bulkhead_config_default();
  c.max_concurrent = 2;
  return c;
}

/* The child: takes every token left, trips the breaker, and checks the
 * bulkhead has one slot left of two. Exit status: tokens taken (or 100 +
 * a failure count). */
static int child(const char *path) {
  seawall_region *r = NULL;
  seawall_token_bucket *tb = NULL;
  seawall_circuit_breaker *cb = NULL;
  seawall_bulkhead *bh = NULL;
  seawall_token_bucket_config tc = tb_cfg();
  seawall_circuit_breaker_config cc = cb_cfg();
  seawall_bulkhead_config bc = bh_cfg();
  seawall_keyed_sliding_window_config kc = ksw_cfg();
  seawall_retry_budget_config rbc = seawall_retry_budget_config_default();
  seawall_keyed_sliding_window *users = NULL;
  seawall_retry_budget *budget = NULL;
  CHECK_OK(seawall_region_open(path, NULL, &r));
  CHECK_OK(seawall_keyed_sliding_window_new_in_region(&kc, r, "users", &users));
  CHECK_OK(seawall_retry_budget_new_in_region(&rbc, r, "budget", &budget));
  CHECK_OK(seawall_token_bucket_new_in_region(&tc, r, "tb", &tb));
  CHECK_OK(seawall_circuit_breaker_new_in_region(&cc, r, "cb", &cb));
  CHECK_OK(seawall_bulkhead_new_in_region(&bc, r, "bh", &bh));
  if (h_failed) return 100 + (int)h_failed;
  int taken = 0;
  seawall_decision d;
  while (seawall_token_bucket_try_acquire(tb, 1, &d) == SEAWALL_OK && d.allowed) taken++;
  uint64_t permit = 0;
  CHECK_OK(seawall_circuit_breaker_try_acquire(cb, &permit));
  CHECK_OK(seawall_circuit_breaker_record(cb, &permit, SEAWALL_OUTCOME_FAILURE, 0));
  /* "alice" made one request in the other process: one more here. */
  CHECK_OK(seawall_keyed_sliding_window_try_acquire(users, (const uint8_t *)"alice", 5, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_keyed_sliding_window_try_acquire(users, (const uint8_t *)"alice", 5, 1, &d));
  CHECK(!d.allowed);
  /* The budget of 10 tokens: retries stop at half; one was spent there. */
  int retries = 0;
  while (seawall_retry_budget_try_retry(budget) == SEAWALL_OK && retries < 100) retries++;
  CHECK_EQ_U64(retries, 3); /* 10 -> 6 in all: 4 retries, one of them there */
  seawall_keyed_sliding_window_free(users);
  seawall_retry_budget_free(budget);
  seawall_bulkhead_permit *p = NULL, *p2 = NULL;
  CHECK_OK(seawall_bulkhead_try_acquire(bh, &p));
  CHECK_STATUS(seawall_bulkhead_try_acquire(bh, &p2), SEAWALL_BULKHEAD_FULL);
  CHECK_OK(seawall_bulkhead_release(&p));
  seawall_bulkhead_free(bh);
  seawall_circuit_breaker_free(cb);
  seawall_token_bucket_free(tb);
  seawall_region_free(r);
  return h_failed ? 100 + (int)h_failed : taken;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0) return child(argv[2]);

  char path[64];
  snprintf(path, sizeof path, "/dev/shm/seawall-ctest-%d", (int)getpid());
  CHECK_OK(seawall_region_remove(path));
  seawall_region_config rc = seawall_region_config_default();
  rc.slots = 8;
  seawall_region *r = NULL;
  CHECK_OK(seawall_region_open(path, &rc, &r));
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

  seawall_token_bucket_config tc = tb_cfg();
  seawall_circuit_breaker_config cc = cb_cfg();
  seawall_bulkhead_config bc = bh_cfg();
  seawall_token_bucket *tb = NULL;
  seawall_circuit_breaker *cb = NULL;
  seawall_bulkhead *bh = NULL;
  CHECK_OK(seawall_token_bucket_new_in_region(&tc, r, "tb", &tb));
  CHECK_OK(seawall_circuit_breaker_new_in_region(&cc, r, "cb", &cb));
  CHECK_OK(seawall_bulkhead_new_in_region(&bc, r, "bh", &bh));
  seawall_decision d;
  for (int i = 0; i < 4; i++) {
    CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
    CHECK(d.allowed);
  }
  seawall_bulkhead_permit *held = NULL;
  CHECK_OK(seawall_bulkhead_try_acquire(bh, &held));
  seawall_keyed_sliding_window_config kc = ksw_cfg();
  seawall_retry_budget_config rbc = seawall_retry_budget_config_default();
  seawall_keyed_sliding_window *users = NULL;
  seawall_retry_budget *budget = NULL;
  CHECK_OK(seawall_keyed_sliding_window_new_in_region(&kc, r, "users", &users));
  CHECK_OK(seawall_retry_budget_new_in_region(&rbc, r, "budget", &budget));
  CHECK_OK(seawall_keyed_sliding_window_try_acquire(users, (const uint8_t *)"alice", 5, 1, &d));
  CHECK(d.allowed);
  CHECK_OK(seawall_retry_budget_try_retry(budget));

  /* Another process: this program again. */
  pid_t pid = fork();
  if (pid == 0) {
    execl(argv[0], argv[0], "child", path, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK_EQ_U64(WEXITSTATUS(status), 6); /* 10 - the 4 taken here */

  /* What the child did is seen here. */
  CHECK_OK(seawall_token_bucket_try_acquire(tb, 1, &d));
  CHECK(!d.allowed);
  uint64_t permit = 0;
  CHECK_STATUS(seawall_circuit_breaker_try_acquire(cb, &permit), SEAWALL_CIRCUIT_OPEN);
  CHECK_OK(seawall_bulkhead_release(&held));

  /* Another config: refused, naming the field. */
  seawall_token_bucket *other = NULL;
  tc.burst = 11;
  CHECK_STATUS(seawall_token_bucket_new_in_region(&tc, r, "tb", &other), SEAWALL_INVALID_CONFIG);
  CHECK_STR(seawall_last_error_field(), "burst");
  CHECK(other == NULL);

  seawall_keyed_sliding_window_free(users);
  seawall_retry_budget_free(budget);
  seawall_bulkhead_free(bh);
  seawall_circuit_breaker_free(cb);
  seawall_token_bucket_free(tb);
  seawall_region_free(r);

  /* A corrupted file is a typed error, and stays as it is. */
  FILE *f = fopen(path, "r+b");
  CHECK(f != NULL);
  if (f) {
    fputs("garbage!", f);
    fclose(f);
  }
  seawall_region *bad = NULL;
  CHECK_STATUS(seawall_region_open(path, NULL, &bad), SEAWALL_SHARED_REGION);
  CHECK(bad == NULL);
  CHECK(strstr(seawall_last_error_message(), "not a seawall region") != NULL);
  CHECK_OK(seawall_region_remove(path));

  printf("test_region: %lu passed, %lu failed\n", h_passed, h_failed);
  return h_failed ? 1 : 0;
}
