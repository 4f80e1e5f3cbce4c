/* Driver and matcher of the C conformance runner (see conformance.h). */
#define _POSIX_C_SOURCE 200809L
#include "conformance.h"
#include "redis_server.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NUM_MARK '\x01'

/* ---- numbers ------------------------------------------------------------ */

bool j_is_num(const cJSON *v) {
  return v && cJSON_IsString(v) && v->valuestring &&
         v->valuestring[0] == NUM_MARK;
}

static const char *lit(const cJSON *v) { return v->valuestring + 1; }

/* An integer literal: -?[0-9]+ with no fraction or exponent. */
static bool is_int_lit(const char *s) {
  if (*s == '-') s++;
  if (!*s) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

bool j_as_u64(const cJSON *v, uint64_t *out) {
  if (!j_is_num(v)) return false;
  const char *s = lit(v);
  if (!is_int_lit(s)) return false;
  if (s[0] == '-') {
    /* serde_json: a negative integer is an i64; as_u64 only for >= 0 */
    int64_t i;
    if (!j_as_i64(v, &i) || i < 0) return false;
    *out = (uint64_t)i;
    return true;
  }
  errno = 0;
  char *end;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || *end) return false;
  *out = (uint64_t)x;
  return true;
}

bool j_as_i64(const cJSON *v, int64_t *out) {
  if (!j_is_num(v)) return false;
  const char *s = lit(v);
  if (!is_int_lit(s)) return false;
  errno = 0;
  char *end;
  long long x = strtoll(s, &end, 10);
  if (errno || *end) return false;
  *out = (int64_t)x;
  return true;
}

bool j_as_f64(const cJSON *v, double *out) {
  if (!j_is_num(v)) return false;
  char *end;
  double x = strtod(lit(v), &end);
  if (*end) return false;
  *out = x;
  return true;
}

const cJSON *j_get(const cJSON *obj, const char *key) {
  if (!obj || !cJSON_IsObject(obj)) return NULL;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v || cJSON_IsNull(v)) return NULL;
  return v;
}

const cJSON *j_raw(const cJSON *obj, const char *key) {
  if (!obj || !cJSON_IsObject(obj)) return NULL;
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

bool j_u64(const cJSON *obj, const char *key, uint64_t *out) {
  return j_as_u64(j_get(obj, key), out);
}
bool j_f64(const cJSON *obj, const char *key, double *out) {
  return j_as_f64(j_get(obj, key), out);
}
bool j_bool(const cJSON *obj, const char *key, bool *out) {
  const cJSON *v = j_get(obj, key);
  if (!v || !cJSON_IsBool(v)) return false;
  *out = cJSON_IsTrue(v);
  return true;
}
const char *j_str(const cJSON *obj, const char *key) {
  const cJSON *v = j_get(obj, key);
  if (!v || !cJSON_IsString(v) || j_is_num(v)) return NULL;
  return v->valuestring;
}

/* ---- builders ----------------------------------------------------------- */

static cJSON *num_lit(const char *text) {
  char buf[64];
  buf[0] = NUM_MARK;
  snprintf(buf + 1, sizeof buf - 1, "%s", text);
  return cJSON_CreateString(buf);
}
cJSON *j_num_u64(uint64_t v) {
  char t[32];
  snprintf(t, sizeof t, "%" PRIu64, v);
  return num_lit(t);
}
cJSON *j_num_i64(int64_t v) {
  char t[32];
  snprintf(t, sizeof t, "%" PRId64, v);
  return num_lit(t);
}
cJSON *j_num_f64(double v) {
  char t[40];
  snprintf(t, sizeof t, "%.17g", v);
  if (!strpbrk(t, ".eEni")) strcat(t, ".0"); /* a float stays a float */
  return num_lit(t);
}
void o_u64(cJSON *o, const char *k, uint64_t v) {
  cJSON_AddItemToObject(o, k, j_num_u64(v));
}
void o_f64(cJSON *o, const char *k, double v) {
  cJSON_AddItemToObject(o, k, j_num_f64(v));
}
void o_bool(cJSON *o, const char *k, bool v) { cJSON_AddBoolToObject(o, k, v); }
void o_str(cJSON *o, const char *k, const char *v) {
  cJSON_AddStringToObject(o, k, v);
}
void o_null(cJSON *o, const char *k) { cJSON_AddNullToObject(o, k); }

cJSON *error_value(seawall_status st) {
  cJSON *o = cJSON_CreateObject();
  o_str(o, "error", seawall_status_str(st));
  const char *f = seawall_last_error_field();
  if (f && *f) {
    /* C spells durations with _ns; the vectors use core's names */
    char core[128];
    snprintf(core, sizeof core, "%s", f);
    size_t n = strlen(core);
    if (n > 3 && strcmp(core + n - 3, "_ns") == 0) core[n - 3] = 0;
    o_str(o, "field", core);
  }
  if (st == SEAWALL_CIRCUIT_OPEN || st == SEAWALL_RATE_LIMITED)
    o_u64(o, "retry_after_ns", seawall_last_error_retry_after_ns());
  return o;
}

cJSON *config_error(const char *field) {
  cJSON *o = cJSON_CreateObject();
  o_str(o, "error", "invalid_config");
  o_str(o, "field", field);
  return o;
}

void rerr(runner_err *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
}

/* ---- matcher (tests/src/lib.rs `matches`) -------------------------------- */

static bool numbers_equal(const cJSON *a, const cJSON *b) {
  uint64_t ua, ub;
  if (j_as_u64(a, &ua) && j_as_u64(b, &ub)) return ua == ub;
  int64_t ia, ib;
  if (j_as_i64(a, &ia) && j_as_i64(b, &ib)) return ia == ib;
  double x, y;
  if (j_as_f64(a, &x) && j_as_f64(b, &y)) {
    double m = fmax(fmax(fabs(x), fabs(y)), 1.0);
    return fabs(x - y) <= 1e-9 * m;
  }
  return false;
}

static bool matches(const cJSON *e, const cJSON *a) {
  if (j_is_num(e) || j_is_num(a))
    return j_is_num(e) && j_is_num(a) && numbers_equal(e, a);
  if (cJSON_IsObject(e)) {
    if (!cJSON_IsObject(a)) return false;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, e) {
      const cJSON *av = cJSON_GetObjectItemCaseSensitive(a, ev->string);
      if (!av || !matches(ev, av)) return false;
    }
    return true;
  }
  if (cJSON_IsArray(e)) {
    if (!cJSON_IsArray(a)) return false;
    if (cJSON_GetArraySize(e) != cJSON_GetArraySize(a)) return false;
    const cJSON *x = e->child, *y = a->child;
    for (; x && y; x = x->next, y = y->next)
      if (!matches(x, y)) return false;
    return true;
  }
  if (cJSON_IsString(e))
    return cJSON_IsString(a) && strcmp(e->valuestring, a->valuestring) == 0;
  if (cJSON_IsBool(e)) return cJSON_IsBool(a) && cJSON_IsTrue(e) == cJSON_IsTrue(a);
  if (cJSON_IsNull(e)) return cJSON_IsNull(a);
  return false;
}

/* Self-check of the matcher, the same cases as tests/tests/conformance.rs. */
static bool matcher_self_check(void) {
  struct { const char *e, *a; bool want; } cases[] = {
      {"{\"a\": 1}", "{\"a\": 1, \"b\": 2}", true},
      {"{\"a\": 1}", "{\"a\": 2}", false},
      {"{\"c\": 1}", "{\"a\": 1}", false},
      {"{\"x\": 0.5}", "{\"x\": 0.5000000000001}", true},
      {"[1, 2]", "[1, 2, 3]", false},
      {"{\"n\": 18446744073709551615}", "{\"n\": 18446744073709551614}", false},
      {"{\"n\": 9007199254740993}", "{\"n\": 9007199254740992}", false},
      {"{\"n\": null}", "{\"n\": null}", true},
      {"{\"n\": null}", "{\"n\": 0}", false},
  };
  extern cJSON *parse_exact(const char *text);
  bool ok = true;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *e = parse_exact(cases[i].e), *a = parse_exact(cases[i].a);
    bool got = e && a && matches(e, a);
    if (got != cases[i].want) {
      fprintf(stderr, "FAIL matcher case %zu: %s vs %s\n", i, cases[i].e,
              cases[i].a);
      ok = false;
    }
    cJSON_Delete(e);
    cJSON_Delete(a);
  }
  return ok;
}

/* ---- loading ------------------------------------------------------------ */

/* Rewrites every number literal outside strings as "\u0001<literal>". */
static char *mark_numbers(const char *in) {
  size_t n = strlen(in);
  char *out = malloc(n * 8 + 16);
  if (!out) return NULL;
  size_t o = 0;
  bool in_str = false;
  for (size_t i = 0; i < n;) {
    char c = in[i];
    if (in_str) {
      out[o++] = c;
      i++;
      if (c == '\\' && i < n) out[o++] = in[i++];
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') {
      in_str = true;
      out[o++] = c;
      i++;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      memcpy(out + o, "\"\\u0001", 7);
      o += 7;
      while (i < n && strchr("+-0123456789.eE", in[i])) out[o++] = in[i++];
      out[o++] = '"';
      continue;
    }
    out[o++] = c;
    i++;
  }
  out[o] = 0;
  return out;
}

cJSON *parse_exact(const char *text) {
  char *marked = mark_numbers(text);
  if (!marked) return NULL;
  cJSON *v = cJSON_Parse(marked);
  free(marked);
  return v;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)len + 1);
  if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[len] = 0;
  fclose(f);
  return buf;
}

/* ---- driver (tests/src/lib.rs `check_scenario`) -------------------------- */

/* RUNNERS[]: every VECTOR_RUNNER of the runners/ files, generated by the Makefile. */
#include "runners.inc"

static const runner *find_runner(const char *primitive) {
  for (size_t i = 0; i < sizeof RUNNERS / sizeof RUNNERS[0]; i++)
    if (strcmp(RUNNERS[i]->primitive, primitive) == 0) return RUNNERS[i];
  return NULL;
}

static char *dump(const cJSON *v) {
  /* print with number marks removed, for messages */
  char *s = cJSON_PrintUnformatted(v);
  if (!s) return NULL;
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '"' && r[1] == '\\' && r[2] == 'u' && strncmp(r + 3, "0001", 4) == 0) {
      r += 7;
      while (*r && *r != '"') *w++ = *r++;
      continue;
    }
    *w++ = *r;
  }
  *w = 0;
  return s;
}

static void fail_msg(char *msg, size_t cap, const char *name, const char *fmt,
                     const cJSON *a, const cJSON *b) {
  char *sa = a ? dump(a) : NULL, *sb = b ? dump(b) : NULL;
  char body[512];
  snprintf(body, sizeof body, fmt, sa ? sa : "", sb ? sb : "");
  snprintf(msg, cap, "%s: %s", name, body);
  free(sa);
  free(sb);
}

/* Returns true if the scenario passes; else msg describes the mismatch. */
static bool check_scenario(const runner *r, const cJSON *sc, char *msg,
                           size_t cap) {
  const char *name = j_str(sc, "name");
  if (!name) name = "<unnamed>";
  uint64_t start = 0;
  j_u64(sc, "start_ns", &start);
  seawall_manual_clock *clock = NULL;
  if (seawall_manual_clock_new(start, &clock) != SEAWALL_OK) {
    snprintf(msg, cap, "%s: manual clock: %s", name, seawall_last_error_message());
    return false;
  }
  cJSON *empty = cJSON_CreateObject();
  const cJSON *config = j_get(sc, "config");
  if (!config) config = empty;
  const cJSON *want_err = j_get(sc, "expect_error");
  cJSON *got_err = NULL;
  runner_err rerr_ = {{0}};
  subject *s = r->build(config, clock, &got_err, &rerr_);
  bool ok = true;
  if (!s) {
    if (!got_err) {
      snprintf(msg, cap, "%s: runner error at build: %s", name, rerr_.msg);
      ok = false;
    } else if (!want_err) {
      fail_msg(msg, cap, name, "construction failed: %s%s", got_err, NULL);
      ok = false;
    } else if (!matches(want_err, got_err)) {
      fail_msg(msg, cap, name, "construction error %s does not match %s",
               got_err, want_err);
      ok = false;
    }
    cJSON_Delete(got_err);
    goto done;
  }
  if (want_err) {
    fail_msg(msg, cap, name, "expected construction error %s, got success%s",
             want_err, NULL);
    ok = false;
    goto done;
  }
  const cJSON *steps = j_get(sc, "steps");
  int i = 0;
  const cJSON *step;
  cJSON_ArrayForEach(step, steps) {
    const char *op = j_str(step, "op");
    if (!op) {
      snprintf(msg, cap, "%s: step %d has no op", name, i);
      ok = false;
      break;
    }
    cJSON *out = NULL;
    if (strcmp(op, "advance") == 0 || strcmp(op, "set_time") == 0) {
      uint64_t ns;
      if (!j_u64(step, "ns", &ns)) {
        snprintf(msg, cap, "%s: step %d: %s needs ns", name, i, op);
        ok = false;
        break;
      }
      if (op[0] == 'a') seawall_manual_clock_advance(clock, ns);
      else seawall_manual_clock_set(clock, ns);
      out = cJSON_CreateObject();
    } else {
      runner_err e = {{0}};
      out = r->step(s, op, step, clock, &e);
      if (!out) {
        snprintf(msg, cap, "%s: step %d (%s): %s", name, i, op, e.msg);
        ok = false;
        break;
      }
    }
    const cJSON *want = j_get(step, "expect");
    if (want && !matches(want, out)) {
      char pre[128];
      snprintf(pre, sizeof pre, "step %d (%s): expected %%s, got %%s", i, op);
      fail_msg(msg, cap, name, pre, want, out);
      cJSON_Delete(out);
      ok = false;
      break;
    }
    cJSON_Delete(out);
    i++;
  }
  r->free(s);
done:
  cJSON_Delete(empty);
  seawall_manual_clock_free(clock);
  return ok;
}

static size_t total_passed = 0, total_failed = 0, total_files = 0;

static void check_file(const char *path) {
  total_files++;
  char *text = read_file(path);
  if (!text) {
    fprintf(stderr, "FAIL %s: cannot read\n", path);
    total_failed++;
    return;
  }
  cJSON *doc = parse_exact(text);
  free(text);
  if (!doc) {
    fprintf(stderr, "FAIL %s: bad JSON\n", path);
    total_failed++;
    return;
  }
  const char *prim = j_str(doc, "primitive");
  const cJSON *scenarios = j_get(doc, "scenarios");
  if (!prim || cJSON_GetArraySize(scenarios) == 0) {
    fprintf(stderr, "FAIL %s: no primitive or no scenarios\n", path);
    total_failed++;
    cJSON_Delete(doc);
    return;
  }
  const runner *r = find_runner(prim);
  const cJSON *sc;
  cJSON_ArrayForEach(sc, scenarios) {
    char msg[1024];
    if (!r) {
      /* a primitive the C binding does not wrap yet fails, not skips */
      fprintf(stderr, "FAIL %s: no C runner for primitive \"%s\"\n", path, prim);
      total_failed++;
      continue;
    }
    if (check_scenario(r, sc, msg, sizeof msg)) {
      total_passed++;
    } else {
      fprintf(stderr, "FAIL %s: %s\n", path, msg);
      total_failed++;
    }
  }
  cJSON_Delete(doc);
}

/* ---- the region pass (tests/tests/conformance.rs
 * `region_backed_primitives_pass_the_same_vectors`) ----------------------- */

#if defined(SEAWALL_HAS_SHARED_REGIONS)
static const seawall_region *the_region = NULL;
static size_t region_subjects = 0;

const seawall_region *current_region(void) { return the_region; }

const char *next_slot_name(void) {
  static char name[32];
  snprintf(name, sizeof name, "vector-%zu", ++region_subjects);
  return name;
}

/* The primitives that can live in a shared region (vector directories). */
static bool region_capable(const char *path) {
  static const char *const IN_REGION[] = {"token_bucket",   "bulkhead",     "circuit_breaker",
                                          "sliding_window", "retry_budget", "keyed_limiter"};
  const char *end = strrchr(path, '/');
  if (!end) return false;
  const char *start = end;
  while (start > path && start[-1] != '/') start--;
  size_t len = (size_t)(end - start);
  for (size_t i = 0; i < sizeof IN_REGION / sizeof IN_REGION[0]; i++)
    if (strlen(IN_REGION[i]) == len && strncmp(start, IN_REGION[i], len) == 0) return true;
  return false;
}

/* Runs the region-capable files again, every subject built in one region.
 * True when they all pass and some were region-backed. */
static bool region_pass(char **paths, size_t n) {
  char path[64];
  snprintf(path, sizeof path, "/dev/shm/seawall-conformance-c-%d", (int)getpid());
  (void)seawall_region_remove(path);
  seawall_region_config rc = seawall_region_config_default();
  rc.size = (uint64_t)64 << 20;
  rc.slots = 8192;
  seawall_region *region = NULL;
  if (seawall_region_open(path, &rc, &region) != SEAWALL_OK) {
    fprintf(stderr, "FAIL region pass: seawall_region_open: %s\n", seawall_last_error_message());
    return false;
  }
  size_t passed0 = total_passed, failed0 = total_failed, files0 = total_files;
  the_region = region;
  for (size_t i = 0; i < n; i++)
    if (region_capable(paths[i])) check_file(paths[i]);
  the_region = NULL;
  seawall_region_free(region);
  (void)seawall_region_remove(path);
  printf("conformance in a shared region (C API): %zu files, %zu scenarios passed, "
         "%zu failed, %zu of them region-backed\n",
         total_files - files0, total_passed - passed0, total_failed - failed0, region_subjects);
  if (region_subjects == 0) {
    fprintf(stderr, "FAIL region pass: no region-backed vectors ran\n");
    return false;
  }
  return total_failed == failed0;
}
#endif

/* ---- the Redis pass (tests/tests/redis_vectors.rs) ---------------------- */

/* The token-bucket and sliding-window vectors against Redis; the scenarios
 * it does not take are listed as skipped. True when they all pass. */
static bool redis_pass(const char *dir, int port) {
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
  seawall_redis_backend *backend = NULL;
  if (seawall_redis_backend_new(url, 5000000000ull, SEAWALL_REDIS_FAIL_CLOSED, &backend) != SEAWALL_OK) {
    fprintf(stderr, "FAIL Redis pass: backend: %s\n", seawall_last_error_message());
    return false;
  }
  redis_backend = backend;
  static const struct {
    const char *file;
    const runner *r;
  } FILES[] = {{"token_bucket/token_bucket.json", &redis_token_bucket_runner},
               {"sliding_window/sliding_window.json", &redis_sliding_window_runner}};
  size_t passed = 0, skipped = 0, failed = 0;
  for (size_t f = 0; f < sizeof FILES / sizeof FILES[0]; f++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, FILES[f].file);
    char *text = read_file(path);
    cJSON *doc = text ? parse_exact(text) : NULL;
    free(text);
    if (!doc) {
      fprintf(stderr, "FAIL Redis pass: cannot read %s\n", path);
      failed++;
      continue;
    }
    const cJSON *sc;
    cJSON_ArrayForEach(sc, j_get(doc, "scenarios")) {
      char msg[1024];
      if (!redis_takes(sc)) {
        fprintf(stderr, "skip (not a Redis op/config): %s: %s\n", FILES[f].r->primitive, j_str(sc, "name"));
        skipped++;
      } else if (check_scenario(FILES[f].r, sc, msg, sizeof msg)) {
        passed++;
      } else {
        fprintf(stderr, "FAIL (in Redis) %s: %s\n", path, msg);
        failed++;
      }
    }
    cJSON_Delete(doc);
  }
  redis_backend = NULL;
  seawall_redis_backend_free(backend);
  printf("conformance in Redis (C API): %zu scenarios passed, %zu skipped, %zu failed\n", passed, skipped,
         failed);
  total_passed += passed;
  total_failed += failed;
  return failed == 0 && passed > 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects every .json path under dir (recursively). */
static void walk(const char *dir, char ***paths, size_t *n, size_t *cap) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      walk(p, paths, n, cap);
      free(p);
    } else if (len > 6 && strcmp(p + strlen(p) - 5, ".json") == 0) {
      if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *paths = realloc(*paths, *cap * sizeof **paths);
      }
      (*paths)[(*n)++] = p;
    } else {
      free(p);
    }
  }
  closedir(d);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "spec/vectors";
  /* The Redis server is forked before this process has any thread. */
  const char *bin = redis_binary();
  char redis_dir[] = "/tmp/seawall-conf-redis-XXXXXX";
  int port = 0;
  pid_t pid = -1;
  if (bin != NULL && mkdtemp(redis_dir) != NULL) {
    port = free_port();
    pid = start_redis(bin, port, redis_dir);
  }
  if (!matcher_self_check()) return 1;
  char **paths = NULL;
  size_t n = 0, cap = 0;
  walk(dir, &paths, &n, &cap);
  if (n == 0) {
    fprintf(stderr, "no vector files under %s\n", dir);
    return 1;
  }
  qsort(paths, n, sizeof *paths, cmp_str);
  for (size_t i = 0; i < n; i++) check_file(paths[i]);
  printf("conformance (C API): %zu files, %zu scenarios passed, %zu failed\n",
         total_files, total_passed, total_failed);
  bool region_ok = true;
#if defined(SEAWALL_HAS_SHARED_REGIONS)
  region_ok = region_pass(paths, n);
#endif
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
  bool redis_ok = true;
  const char *req = getenv("SEAWALL_REQUIRE_REDIS");
  if (pid > 0) {
    redis_ok = redis_pass(dir, port);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", redis_dir);
    if (system(cmd) != 0) redis_ok = false;
  } else if (req && strcmp(req, "1") == 0) {
    fprintf(stderr, "FAIL SEAWALL_REQUIRE_REDIS=1 but no redis-server could start\n");
    redis_ok = false;
  } else {
    printf("SKIP the Redis pass: no redis-server binary (make test-c installs it)\n");
  }
  printf("conformance: %zu passed, %zu failed\n", total_passed, total_failed);
  return total_failed == 0 && region_ok && redis_ok ? 0 : 1;
}
