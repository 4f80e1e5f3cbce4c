/* seawall quickstart in C: a retry loop with a backoff schedule and a
 * retry budget. Build: cc quickstart.c $(pkg-config --cflags --libs seawall) */
#include <stdio.h>
#include <seawall.h>

int main(void) {
  seawall_backoff_config cfg = seawall_backoff_config_default();
  cfg.base_ns = 100000000;  /* 100 ms */
  cfg.jitter = SEAWALL_JITTER_NONE;
  cfg.max_attempts = 4;
  seawall_backoff *backoff = NULL;
  if (seawall_backoff_new(&cfg, &backoff) != SEAWALL_OK) {
    fprintf(stderr, "backoff: %s\n", seawall_last_error_message());
    return 1;
  }
  seawall_backoff_schedule *schedule = NULL;
  seawall_backoff_schedule_new(backoff, &schedule);
  seawall_backoff_delay d;
  while (seawall_backoff_schedule_next_delay(schedule, false, 0, &d) == SEAWALL_OK && !d.give_up)
    printf("retry %u after %llu ms\n", d.retries, (unsigned long long)(d.delay_ns / 1000000));
  seawall_backoff_schedule_free(schedule);
  seawall_backoff_free(backoff);
  return 0;
}
