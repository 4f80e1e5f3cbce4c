/* fork() from a multithreaded parent (issue 13, items 2 and 3).
 *
 * Four parent threads keep calling seawall (failing calls that set and
 * read the last error and its field, limiter and backoff calls) while the
 * main thread forks 20 children. Each child, like a pre-fork worker,
 * reads the last error field of a failing call, draws jitter from an
 * unseeded backoff made before the fork (on a thread whose generator was
 * seeded before the fork too), and reports the draw through a pipe.
 * Required: no child hangs (each is given 10 s, then killed and counted),
 * every child exits 0, and no two children draw the same jitter. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CHILDREN 20
#define BUSY_THREADS 4

static atomic_bool stop_busy;

/* A different field name on each failing call, so each may intern it. */
static void *busy(void *arg) {
  seawall_backoff *bo = arg;
  seawall_token_bucket_config tc = seawall_token_bucket_config_default();
  seawall_token_bucket *tb = NULL;
  if (seawall_token_bucket_new(&tc, &tb) != SEAWALL_OK) return NULL;
  while (!atomic_load(&stop_busy)) {
    seawall_circuit_breaker_config c = seawall_circuit_breaker_config_default();
    c.failure_rate_threshold = 2.0;
    seawall_circuit_breaker *cb = NULL;
    (void)seawall_circuit_breaker_new(&c, &cb);
    (void)seawall_last_error_field();
    (void)seawall_last_error_message();
    c = seawall_circuit_breaker_config_default();
    c.window_size = 0;
    (void)seawall_circuit_breaker_new(&c, &cb);
    (void)seawall_last_error_field();
    (void)seawall_circuit_breaker_new(NULL, &cb);
    /* Reading the field is where a process-wide lock used to be. */
    for (int k = 0; k < 64; k++) (void)seawall_last_error_field();
    seawall_decision d;
    (void)seawall_token_bucket_try_acquire(tb, 1, &d);
    seawall_backoff_schedule_state st;
    seawall_backoff_delay dl;
    (void)seawall_backoff_start(bo, &st);
    (void)seawall_backoff_next_delay_elapsed(bo, &st, 0, false, 0, &dl);
  }
  seawall_token_bucket_free(tb);
  return NULL;
}

/* The child: must not hang, must work, reports its first jitter draw. */
static int child(seawall_backoff *bo, int fd) {
  seawall_bulkhead_config bc = seawall_bulkhead_config_default();
  bc.max_concurrent = 0;
  seawall_bulkhead *bh = NULL;
  if (seawall_bulkhead_new(&bc, &bh) != SEAWALL_INVALID_CONFIG) return 2;
  if (strcmp(seawall_last_error_field(), "max_concurrent") != 0) return 3;
  seawall_backoff_schedule_state st;
  seawall_backoff_delay dl;
  if (seawall_backoff_start(bo, &st) != SEAWALL_OK) return 4;
  if (seawall_backoff_next_delay_elapsed(bo, &st, 0, false, 0, &dl) != SEAWALL_OK) return 5;
  if (dl.give_up) return 6;
  if (write(fd, &dl.delay_ns, sizeof dl.delay_ns) != (ssize_t)sizeof dl.delay_ns) return 7;
  return 0;
}

/* waitpid with a deadline; -1 if the child had to be killed. */
static int wait_child(pid_t pid, int *status) {
  for (int i = 0; i < 10000; i++) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return 0;
    if (r < 0 && errno != EINTR) return -2;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, status, 0);
  return -1;
}

/* ---- a bulkhead whose queue held the parent's waiters ----
 * The parent: a slot held by the main thread, one by a busy thread, two
 * threads queued in seawall_bulkhead_acquire. In the child only the
 * forking (main) thread exists: its release must not be handed to a queued
 * thread of the parent (lost for good before), but be usable by the child. */
static seawall_bulkhead *fork_bh;
static atomic_bool release_held;

static void *hold_slot(void *arg) {
  (void)arg;
  seawall_bulkhead_permit *p = NULL;
  if (seawall_bulkhead_try_acquire(fork_bh, &p) != SEAWALL_OK) return (void *)1;
  while (!atomic_load(&release_held)) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  seawall_bulkhead_release(&p);
  return NULL;
}

static void *queue_for_slot(void *arg) {
  (void)arg;
  seawall_bulkhead_permit *p = NULL;
  if (seawall_bulkhead_acquire(fork_bh, 60ull * 1000000000ull, &p) != SEAWALL_OK) return (void *)1;
  seawall_bulkhead_release(&p);
  return NULL;
}

static uint64_t queued_now(void) {
  seawall_bulkhead_metrics m = {.struct_size = sizeof m};
  if (seawall_bulkhead_get_metrics(fork_bh, &m) != SEAWALL_OK) return UINT64_MAX;
  return m.queued;
}

static int bulkhead_child(seawall_bulkhead_permit *mine) {
  if (seawall_bulkhead_release(&mine) != SEAWALL_OK) return 10;
  seawall_bulkhead_permit *p = NULL;
  /* The released slot is the child's (the busy thread's stays taken). */
  if (seawall_bulkhead_try_acquire(fork_bh, &p) != SEAWALL_OK) return 11;
  seawall_bulkhead_permit *q = NULL;
  if (seawall_bulkhead_try_acquire(fork_bh, &q) != SEAWALL_BULKHEAD_FULL) return 12;
  if (queued_now() != 0) return 13; /* the parent's waiters are forgotten */
  if (seawall_bulkhead_release(&p) != SEAWALL_OK) return 14;
  /* ...and the child's own waits work: queue, then get the slot back. */
  if (seawall_bulkhead_try_acquire(fork_bh, &p) != SEAWALL_OK) return 15;
  seawall_bulkhead_waiter *w = NULL;
  if (seawall_bulkhead_enqueue(fork_bh, &q, &w) != SEAWALL_OK || w == NULL) return 16;
  if (seawall_bulkhead_release(&p) != SEAWALL_OK) return 17;
  if (seawall_bulkhead_waiter_try_claim(w, &q) != SEAWALL_OK || q == NULL) return 18;
  seawall_bulkhead_waiter_free(w);
  if (seawall_bulkhead_release(&q) != SEAWALL_OK) return 19;
  return 0;
}

static void test_bulkhead_queue_at_fork(void) {
  seawall_bulkhead_config c = seawall_bulkhead_config_default();
  c.max_concurrent = 2;
  c.max_queue = 4;
  CHECK_OK(seawall_bulkhead_new(&c, &fork_bh));
  seawall_bulkhead_permit *mine = NULL;
  CHECK_OK(seawall_bulkhead_try_acquire(fork_bh, &mine));
  pthread_t holder, waiters[2];
  CHECK(pthread_create(&holder, NULL, hold_slot, NULL) == 0);
  seawall_bulkhead_metrics m = {.struct_size = sizeof m};
  do {
    if (seawall_bulkhead_get_metrics(fork_bh, &m) != SEAWALL_OK) break;
  } while (m.active < 2);
  CHECK_EQ_U64(m.active, 2);
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&waiters[i], NULL, queue_for_slot, NULL) == 0);
  while (queued_now() < 2) {
  }
  pid_t pid = fork();
  if (pid == 0) _exit(bulkhead_child(mine));
  CHECK(pid > 0);
  int status = 0;
  int r = wait_child(pid, &status);
  CHECK_EQ_U64(r, 0);
  CHECK(WIFEXITED(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    fprintf(stderr, "bulkhead child: exit status %d\n", WEXITSTATUS(status));
  CHECK_EQ_U64(WIFEXITED(status) ? WEXITSTATUS(status) : 99, 0);
  /* The parent is untouched: its waiters get the two slots. */
  CHECK_EQ_U64(queued_now(), 2);
  CHECK_OK(seawall_bulkhead_release(&mine));
  atomic_store(&release_held, true);
  void *rc;
  CHECK(pthread_join(holder, &rc) == 0 && rc == NULL);
  for (int i = 0; i < 2; i++) CHECK(pthread_join(waiters[i], &rc) == 0 && rc == NULL);
  CHECK_OK(seawall_bulkhead_get_metrics(fork_bh, &m));
  CHECK_EQ_U64(m.active, 0);
  CHECK_EQ_U64(m.queued, 0);
  seawall_bulkhead_free(fork_bh);
  printf("fork: bulkhead with queued parent threads: child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void) {
  seawall_backoff_config kc = seawall_backoff_config_default();
  kc.kind = SEAWALL_BACKOFF_EXPONENTIAL;
  kc.jitter = SEAWALL_JITTER_FULL;
  kc.base_ns = 1000000000; /* 1 s: room for 2^30 different draws */
  kc.max_delay_ns = 1000000000;
  kc.max_attempts = 10;
  kc.has_seed = false;
  seawall_backoff *bo = NULL;
  CHECK_OK(seawall_backoff_new(&kc, &bo));
  /* Seed this thread's generator before the fork, as a worker that
   * retried once before forking would. */
  seawall_backoff_schedule_state st;
  seawall_backoff_delay dl;
  CHECK_OK(seawall_backoff_start(bo, &st));
  CHECK_OK(seawall_backoff_next_delay_elapsed(bo, &st, 0, false, 0, &dl));

  pthread_t th[BUSY_THREADS];
  for (int i = 0; i < BUSY_THREADS; i++) CHECK(pthread_create(&th[i], NULL, busy, bo) == 0);

  int fds[2];
  CHECK(pipe(fds) == 0);
  int hung = 0, failed = 0;
  pid_t pids[CHILDREN];
  for (int i = 0; i < CHILDREN; i++) {
    /* Let the busy threads get well inside the library. */
    for (volatile int k = 0; k < 200000; k++) {
    }
    pids[i] = fork();
    if (pids[i] == 0) {
      close(fds[0]);
      _exit(child(bo, fds[1]));
    }
    CHECK(pids[i] > 0);
  }
  close(fds[1]);
  for (int i = 0; i < CHILDREN; i++) {
    int status = 0;
    int r = wait_child(pids[i], &status);
    if (r == -1) hung++;
    else if (r != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      failed++;
      fprintf(stderr, "child %d: exit status %d\n", i, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
  }
  atomic_store(&stop_busy, true);
  for (int i = 0; i < BUSY_THREADS; i++) pthread_join(th[i], NULL);

  uint64_t draws[CHILDREN];
  int n = 0;
  while (n < CHILDREN && read(fds[0], &draws[n], sizeof draws[n]) == (ssize_t)sizeof draws[n]) n++;
  close(fds[0]);
  int same = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (draws[i] == draws[j]) same++;

  CHECK_EQ_U64(hung, 0);
  CHECK_EQ_U64(failed, 0);
  CHECK_EQ_U64(n, CHILDREN);
  CHECK_EQ_U64(same, 0); /* 20 draws in [0, 1 s]: equal only in lockstep */
  printf("fork: %d children, %d hung, %d failed, %d equal jitter pairs\n", CHILDREN, hung, failed, same);
  seawall_backoff_free(bo);
  test_bulkhead_queue_at_fork();
  printf("test_fork: %lu passed, %lu failed\n", h_passed, h_failed);
  return h_failed ? 1 : 0;
}
