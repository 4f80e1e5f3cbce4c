/*
 * seawall — fault-tolerance primitives: circuit breaker, rate limiters,
 * bulkhead, retry backoff and budget, adaptive timeout, fault injection.
 *
 * Conventions
 *  - Every fallible function returns seawall_status; SEAWALL_OK is 0.
 *    Outputs are written only when SEAWALL_OK is returned.
 *  - On failure, seawall_last_error_message() gives this thread's message,
 *    naming the field and the value for SEAWALL_INVALID_CONFIG.
 *    seawall_last_error_take(&err) copies the whole error (status, kind,
 *    field, stage, retry-after, message) into a caller's seawall_error in
 *    one call and clears it: a binding calls a function and take in one C
 *    helper, so the error travels with the call (Go goroutines may change
 *    threads between two cgo calls).
 *  - Handles are opaque, made by *_new and released by *_free (NULL is fine).
 *    A handle may be used from many threads at once (functions taking a
 *    const handle are thread-safe); *_free must not race other calls on it.
 *    Freeing a handle twice, or using it after *_free, is undefined
 *    behaviour, as with free(): seawall cannot tell a freed pointer from a
 *    live one. Per-call tokens are different: finishing a breaker permit, a
 *    bulkhead permit or a policy guard twice returns a status.
 *  - Pointers: every pointer argument is NULL or points, for the whole
 *    call, to what its type says: a handle made by its *_new and not yet
 *    freed; initialised, readable memory for an input (a config or metrics
 *    struct: struct_size bytes; a string: NUL-terminated; an array: as
 *    many elements as its length argument says); aligned, writable memory
 *    that no other thread uses during the call for an output or in-out
 *    value (a permit, a guard, a run, a state struct). NULL is refused
 *    with SEAWALL_NULL_ARGUMENT naming the parameter, unless the function
 *    says NULL is allowed. Anything else is undefined behaviour, as in
 *    libc. Each function's "Safety" paragraph refers to this rule.
 *  - Per-call state lives in storage the caller owns, not in handles, so
 *    the hot paths allocate nothing: a seawall_policy_guard (opaque,
 *    initialised by seawall_policy_try_acquire on every status except
 *    SEAWALL_NULL_ARGUMENT), a seawall_policy_run (opaque, from
 *    seawall_policy_run_start to seawall_policy_run_end), and plain data
 *    (seawall_backoff_schedule_state, seawall_retry_state).
 *  - The whole call: seawall_policy_execute runs limiter -> breaker ->
 *    bulkhead -> timeout -> retry -> fallback around a callback, with every
 *    decision made by the core; the callback is told its deadline.
 *  - Metrics structs (seawall_*_metrics, outputs) are versioned too: each
 *    starts with uint32_t struct_size, which the caller sets to its sizeof
 *    before the call: seawall_bulkhead_metrics m = {.struct_size = sizeof m};
 *    The library writes only struct_size bytes: a program built against an older,
 *    shorter struct gets the fields it has and nothing past them; fields a
 *    newer header added that this library does not know are written as 0.
 *    A struct_size that is no layout of the struct: SEAWALL_INVALID_ARGUMENT
 *    (field struct_size), nothing written.
 *  - Config structs are versioned: each starts with uint32_t struct_size,
 *    and is filled by seawall_*_config_init(&c, sizeof c) (or the
 *    equivalent static inline seawall_*_config_default(), compiled with
 *    your sizeof) before fields are set. The library reads and writes only
 *    struct_size bytes: a program built against an older seawall.h runs on
 *    a newer library (fields it lacks keep their defaults), and one built
 *    against a newer header runs on an older library unless it sets fields
 *    that library does not know (then *_new returns SEAWALL_INVALID_CONFIG,
 *    field struct_size). A config not made by _init (struct_size 0), or a
 *    struct_size that is no layout of the struct (it cuts a field), is
 *    refused the same way. Fields are only ever appended, in groups that
 *    start on an 8-byte boundary, so every older sizeof is a field offset.
 *    Output structs (metrics, decisions) never change within a SONAME.
 *  - Boolean inputs (has_* config fields, flags in parameters) are
 *    uint8_t: 0 is false, any other value true (a byte of 2 written by
 *    memset or a foreign-function layer is true, not undefined).
 *  - Durations are uint64_t nanoseconds (*_ns), read from CLOCK_MONOTONIC
 *    unless a seawall_manual_clock is passed to the constructor.
 *  - No panic crosses this boundary: an internal bug returns SEAWALL_PANIC.
 *  - Versions: SEAWALL_VERSION_MAJOR/MINOR/PATCH describe this header,
 *    seawall_version_number() the library running; the SONAME is
 *    libseawall.so.<major>.
 *  - fork(): the library holds no process-wide lock, so a child forked
 *    from a multithreaded parent may call any seawall function, and
 *    unseeded generators (fault injection, backoff jitter) are reseeded in
 *    the child (a pthread_atfork handler), so forked workers do not draw
 *    the same jitter. Objects are memory, copied as they were: in the
 *    child, use an object made before fork() only if no other parent
 *    thread was inside a call on it at that moment (it may hold the
 *    object's lock or be half-way through an update). A bulkhead whose
 *    queue held waiters of other parent threads forgets them in the child
 *    (those threads do not exist there): a slot released in the child goes
 *    to the child's own waiters or back to the pool. Slots held by permits
 *    of other parent threads stay taken in the child. Make new objects in
 *    the child otherwise. Seeded generators repeat the parent's sequence on
 *    purpose.
 */

#ifndef SEAWALL_H
#define SEAWALL_H

/* Generated by cbindgen from bindings-c/src. Do not edit: run `make header`. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
/* Shared-memory regions (seawall_region_*, seawall_*_new_in_region) are
 * built on Unix only. */
#if defined(__unix__) || defined(__APPLE__)
#define SEAWALL_HAS_SHARED_REGIONS 1
#endif


/**
 * The major version of this header (the `N` of the SONAME
 * `libseawall.so.N`): a library with another major has another ABI.
 */
#define SEAWALL_VERSION_MAJOR 0

/**
 * The minor version of this header: a library with the same major and a
 * minor at least this one runs programs built with this header.
 */
#define SEAWALL_VERSION_MINOR 1

/**
 * The patch version of this header.
 */
#define SEAWALL_VERSION_PATCH 0

/**
 * This header's version as one number, `major * 10000 + minor * 100 +
 * patch`, to compare with `seawall_version_number()` at run time.
 */
#define SEAWALL_VERSION_NUMBER (((SEAWALL_VERSION_MAJOR * 10000) + (SEAWALL_VERSION_MINOR * 100)) + SEAWALL_VERSION_PATCH)

/**
 * Smallest `struct_size`: the `struct_size` field and its padding.
 */
#define SEAWALL_CONFIG_MIN_SIZE 8

/**
 * `seawall_rate_limit_header_value`'s `header`: `RateLimit-Policy`.
 */
#define SEAWALL_HEADER_RATELIMIT_POLICY 0

/**
 * `RateLimit`.
 */
#define SEAWALL_HEADER_RATELIMIT 1

/**
 * `X-RateLimit-Limit`.
 */
#define SEAWALL_HEADER_X_RATELIMIT_LIMIT 2

/**
 * `X-RateLimit-Remaining`.
 */
#define SEAWALL_HEADER_X_RATELIMIT_REMAINING 3

/**
 * `X-RateLimit-Reset`.
 */
#define SEAWALL_HEADER_X_RATELIMIT_RESET 4

/**
 * `Retry-After` (sent only when the decision denied the request).
 */
#define SEAWALL_HEADER_RETRY_AFTER 5

/**
 * `seawall_policy_step.kind`: call the function once (by `deadline_ns` if
 * `has_timeout`), then report `_on_success`, `_on_failure` or `_on_timeout`.
 */
#define SEAWALL_STEP_ATTEMPT 0

/**
 * The bulkhead is full and has queue room: the run holds a place in its
 * queue; poll `seawall_policy_run_try_claim` for at most `max_wait_ns`,
 * then `seawall_policy_run_wait_timed_out`.
 */
#define SEAWALL_STEP_WAIT_FOR_SLOT 1

/**
 * Sleep `delay_ns`, then `seawall_policy_run_next`.
 */
#define SEAWALL_STEP_SLEEP 2

/**
 * The call failed and the policy has a fallback: run it with `error`
 * (`SEAWALL_OK`: the caller's own last failure).
 */
#define SEAWALL_STEP_FALLBACK 3

/**
 * The call succeeded.
 */
#define SEAWALL_STEP_DONE 4

/**
 * The call failed: return `error` (`SEAWALL_OK`: the caller's own last
 * failure, unchanged).
 */
#define SEAWALL_STEP_FAIL 5

/**
 * The usual `deadline_ns` of `seawall_redis_backend_new`: core's default
 * per-decision deadline (50 ms).
 */
#define SEAWALL_REDIS_DEFAULT_DEADLINE_NS 50000000

/**
 * The default `lease_ns` of `seawall_redis_concurrency_limit_new` (30 s),
 * core's `DEFAULT_LEASE`.
 */
#define SEAWALL_REDIS_DEFAULT_LEASE_NS 30000000000

/**
 * The default `cache_ttl_ns` of `seawall_redis_feature_flags_new` (1 s),
 * core's `DEFAULT_CACHE_TTL`.
 */
#define SEAWALL_REDIS_DEFAULT_CACHE_TTL_NS 1000000000

/**
 * `seawall_retry_state.status`: the run may still make attempts.
 */
#define SEAWALL_RETRY_RUNNING 0

/**
 * `seawall_retry_state.status`: an attempt succeeded.
 */
#define SEAWALL_RETRY_SUCCEEDED 1

/**
 * `seawall_retry_state.status`: the run gave up (`give_up_reason`).
 */
#define SEAWALL_RETRY_GAVE_UP 2

/**
 * `seawall_retry_state.status`: the caller abandoned the run.
 */
#define SEAWALL_RETRY_ABANDONED 3

/**
 * `seawall_retry_step.kind`: sleep `delay_ns`, then make the next attempt.
 */
#define SEAWALL_RETRY_STEP_SLEEP 0

/**
 * `seawall_retry_step.kind`: stop (see `reason`).
 */
#define SEAWALL_RETRY_STEP_GIVE_UP 1

/**
 * Result of every fallible seawall function. `SEAWALL_OK` is 0; the
 * numbers 1–10 equal the core's error kinds and never change.
 */
typedef enum seawall_status {
  /**
   * Success; outputs were written.
   */
  SEAWALL_OK = 0,
  /**
   * A config field is invalid; the last error names the field and value.
   */
  SEAWALL_INVALID_CONFIG = 1,
  /**
   * An argument is invalid (e.g. `n` above the burst); see the last error.
   */
  SEAWALL_INVALID_ARGUMENT = 2,
  /**
   * The circuit breaker rejected the call.
   */
  SEAWALL_CIRCUIT_OPEN = 3,
  /**
   * The rate limiter rejected the call.
   */
  SEAWALL_RATE_LIMITED = 4,
  /**
   * The bulkhead is full.
   */
  SEAWALL_BULKHEAD_FULL = 5,
  /**
   * A call ran out of time: `seawall_policy_execute` when the last
   * attempt outlived its deadline or the whole call's deadline passed (a
   * bulkhead wait that runs out is `SEAWALL_BULKHEAD_FULL`).
   */
  SEAWALL_TIMEOUT = 6,
  /**
   * The retry budget denied a retry.
   */
  SEAWALL_RETRY_BUDGET_EXHAUSTED = 7,
  /**
   * A fault injector injected an error.
   */
  SEAWALL_INJECTED_FAULT = 8,
  /**
   * A retry run gave up (attempts, elapsed time or the deadline ran out).
   */
  SEAWALL_RETRY_EXHAUSTED = 9,
  /**
   * A shared-memory region could not be opened or used: I/O error,
   * truncated, corrupted or other-version file, or a full region (the
   * last error says which and names the file).
   */
  SEAWALL_SHARED_REGION = 10,
  /**
   * A required pointer argument was NULL; the last error names it.
   */
  SEAWALL_NULL_ARGUMENT = 100,
  /**
   * A panic was caught inside seawall; the process is fine, the call failed.
   */
  SEAWALL_PANIC = 101,
  /**
   * `seawall_policy_execute`: the call ended with the caller's own
   * failure (its attempt callback's, or its fallback's, non-zero return).
   */
  SEAWALL_CALL_FAILED = 102,
} seawall_status;

/**
 * A breaker state. Wire names (`seawall_circuit_state_str`): `closed`,
 * `open`, `half_open`, `disabled`, `forced_open`, `metrics_only`.
 */
typedef enum seawall_circuit_state {
  /**
   * Calls pass; outcomes are recorded and may trip the breaker.
   */
  SEAWALL_STATE_CLOSED = 0,
  /**
   * Calls are rejected until the open duration has passed.
   */
  SEAWALL_STATE_OPEN = 1,
  /**
   * A limited number of probe calls pass; their outcomes decide.
   */
  SEAWALL_STATE_HALF_OPEN = 2,
  /**
   * Every call passes and nothing is recorded (`_disable`).
   */
  SEAWALL_STATE_DISABLED = 3,
  /**
   * Every call is rejected until `_reset` (`_force_open`).
   */
  SEAWALL_STATE_FORCED_OPEN = 4,
  /**
   * Calls pass and outcomes are recorded, but it never trips (`_metrics_only`).
   */
  SEAWALL_STATE_METRICS_ONLY = 5,
} seawall_circuit_state;

/**
 * A transient transport failure worth retrying by default.
 * `SEAWALL_RETRYABLE_NONE` means "not retryable / not listed".
 */
typedef enum seawall_retryable_kind {
  /**
   * Not a retryable kind.
   */
  SEAWALL_RETRYABLE_NONE = 0,
  /**
   * `"connection_reset"`.
   */
  SEAWALL_RETRYABLE_CONNECTION_RESET = 1,
  /**
   * `"timed_out"`.
   */
  SEAWALL_RETRYABLE_TIMED_OUT = 2,
  /**
   * `"connection_refused"`.
   */
  SEAWALL_RETRYABLE_CONNECTION_REFUSED = 3,
  /**
   * `"network_error"`.
   */
  SEAWALL_RETRYABLE_NETWORK_ERROR = 4,
  /**
   * `"service_unavailable"`.
   */
  SEAWALL_RETRYABLE_SERVICE_UNAVAILABLE = 5,
} seawall_retryable_kind;

/**
 * What an event reports (`seawall_event.kind`). New kinds may be added:
 * ignore kinds you do not know.
 */
typedef enum seawall_event_kind {
  /**
   * A registered circuit breaker changed state: `from`, `to`, `at_ns`.
   */
  SEAWALL_EVENT_TRANSITION = 1,
  /**
   * A breaker, rate limiter or bulkhead refused a call: `by`,
   * `has_retry_after` / `retry_after_ns`, `key` / `key_len`.
   */
  SEAWALL_EVENT_REJECTED = 2,
  /**
   * A retry run will try again: `attempt` (the attempt that failed),
   * `delay_ns`.
   */
  SEAWALL_EVENT_RETRY_SCHEDULED = 3,
  /**
   * A retry run stopped without success: `attempt` (calls made),
   * `reason`.
   */
  SEAWALL_EVENT_GAVE_UP = 4,
  /**
   * A policy run handed the call to its fallback.
   */
  SEAWALL_EVENT_FALLBACK_USED = 5,
  /**
   * A policy run's attempt ran out of its time limit: `limit_ns`.
   */
  SEAWALL_EVENT_TIMEOUT = 6,
  /**
   * A fault injector injected a fault: `fault`, `delay_ns`.
   */
  SEAWALL_EVENT_FAULT_INJECTED = 7,
} seawall_event_kind;

/**
 * What to do to one call.
 */
typedef enum seawall_fault_kind {
  /**
   * Let the call through untouched (`"none"`).
   */
  SEAWALL_FAULT_NONE = 0,
  /**
   * Fail the call without running it (`"error"`).
   */
  SEAWALL_FAULT_ERROR = 1,
  /**
   * Wait `delay_ns`, then run the call (`"delay"`).
   */
  SEAWALL_FAULT_DELAY = 2,
} seawall_fault_kind;

/**
 * How the un-jittered delay grows with the retry number n (1-based).
 */
typedef enum seawall_backoff_kind {
  /**
   * `base_ns` before every retry.
   */
  SEAWALL_BACKOFF_CONSTANT = 0,
  /**
   * `base_ns × n`, capped at `max_delay_ns`.
   */
  SEAWALL_BACKOFF_LINEAR = 1,
  /**
   * `base_ns × factor^(n−1)`, capped at `max_delay_ns` (the default).
   */
  SEAWALL_BACKOFF_EXPONENTIAL = 2,
} seawall_backoff_kind;

/**
 * How randomness spreads each delay d (formulas in spec/backoff.md).
 */
typedef enum seawall_jitter {
  /**
   * d as scheduled; no random draw.
   */
  SEAWALL_JITTER_NONE = 0,
  /**
   * Uniform in [0, d] (the default).
   */
  SEAWALL_JITTER_FULL = 1,
  /**
   * In [d/2, d].
   */
  SEAWALL_JITTER_EQUAL = 2,
  /**
   * d ± 50%, capped at `max_delay_ns`.
   */
  SEAWALL_JITTER_PROPORTIONAL = 3,
  /**
   * AWS decorrelated: min(max_delay, uniform[base, 3 × previous]).
   */
  SEAWALL_JITTER_DECORRELATED = 4,
} seawall_jitter;

/**
 * How the failure-rate window counts.
 */
typedef enum seawall_window_kind {
  /**
   * The last `window_size` calls.
   */
  SEAWALL_WINDOW_COUNT_BASED = 0,
  /**
   * The calls of the last `window_size` seconds.
   */
  SEAWALL_WINDOW_TIME_BASED = 1,
} seawall_window_kind;

/**
 * The outcome of a call, as the caller classified it.
 */
typedef enum seawall_outcome {
  /**
   * The call succeeded (it may still be slow).
   */
  SEAWALL_OUTCOME_SUCCESS = 0,
  /**
   * The call failed.
   */
  SEAWALL_OUTCOME_FAILURE = 1,
  /**
   * Says nothing about the dependency's health: counted as ignored only;
   * a half-open probe gives its slot back.
   */
  SEAWALL_OUTCOME_IGNORED = 2,
} seawall_outcome;

/**
 * What a keyed limiter answers for a new key when the table has no room.
 */
typedef enum seawall_on_full {
  /**
   * Deny (the default: memory pressure never opens the limiter).
   */
  SEAWALL_ON_FULL_DENY = 0,
  /**
   * Allow, untracked.
   */
  SEAWALL_ON_FULL_ALLOW = 1,
} seawall_on_full;

/**
 * Why a retry run stopped (`seawall_retry_step.reason`); wire names by
 * `seawall_give_up_reason_str`.
 */
typedef enum seawall_give_up_reason {
  /**
   * `"not_retryable"`: return the failure itself, unchanged.
   */
  SEAWALL_GIVE_UP_NOT_RETRYABLE = 0,
  /**
   * `"attempts"`: `max_attempts` calls were made.
   */
  SEAWALL_GIVE_UP_ATTEMPTS = 1,
  /**
   * `"elapsed"`: the backoff's `max_elapsed_ns` ran out.
   */
  SEAWALL_GIVE_UP_ELAPSED = 2,
  /**
   * `"deadline"`: the next retry would start at or after the deadline.
   */
  SEAWALL_GIVE_UP_DEADLINE = 3,
  /**
   * `"budget"`: the retry budget denied the retry.
   */
  SEAWALL_GIVE_UP_BUDGET = 4,
} seawall_give_up_reason;

/**
 * What a decision answers when Redis cannot (unreachable, slower than the
 * deadline, erroring, or its breaker open).
 */
typedef enum seawall_redis_failure_mode {
  /**
   * An in-memory limiter of the same limits in this process (the default).
   */
  SEAWALL_REDIS_FAIL_LOCAL = 0,
  /**
   * Allow.
   */
  SEAWALL_REDIS_FAIL_OPEN = 1,
  /**
   * Deny (`retry_after_ns` = when Redis will be tried again).
   */
  SEAWALL_REDIS_FAIL_CLOSED = 2,
} seawall_redis_failure_mode;

/**
 * Tracks recent latencies and answers the timeout to use. Opaque;
 * thread-safe (lock-free).
 */
typedef struct seawall_adaptive_timeout seawall_adaptive_timeout;

/**
 * A retry schedule definition, shared by every call it retries. Opaque;
 * thread-safe.
 */
typedef struct seawall_backoff seawall_backoff;

/**
 * A concurrency limiter. Opaque; thread-safe.
 */
typedef struct seawall_bulkhead seawall_bulkhead;

/**
 * One slot of a bulkhead, held until `seawall_bulkhead_release(&permit)`.
 * Opaque. It keeps the bulkhead alive: it may be released after the
 * bulkhead handle was freed, and from any thread, once (release writes
 * NULL to the caller's pointer, so releasing it again returns
 * `SEAWALL_INVALID_ARGUMENT`).
 *
 * No allocation per permit: the pointer is the bulkhead's own reference
 * count handle (`Arc::into_raw` of a detached core permit), so taking and
 * giving back a slot is two atomic operations on the slot count plus two
 * on the reference count.
 */
typedef struct seawall_bulkhead_permit seawall_bulkhead_permit;

/**
 * A place in a bulkhead's FIFO queue (from `seawall_bulkhead_enqueue`).
 * Opaque; use it from one thread at a time; free it with
 * `seawall_bulkhead_waiter_free` (which leaves the queue if still waiting).
 */
typedef struct seawall_bulkhead_waiter seawall_bulkhead_waiter;

/**
 * A thread-safe circuit breaker. Opaque.
 */
typedef struct seawall_circuit_breaker seawall_circuit_breaker;

/**
 * Injects errors and delays with fixed probabilities. Opaque; thread-safe.
 */
typedef struct seawall_fault_injector seawall_fault_injector;

/**
 * Per-key sliding windows in a lock-free table. Opaque; thread-safe.
 */
typedef struct seawall_keyed_sliding_window seawall_keyed_sliding_window;

/**
 * Per-key token buckets in a lock-free table. Opaque; thread-safe.
 */
typedef struct seawall_keyed_token_bucket seawall_keyed_token_bucket;

/**
 * A waiting acquire of a token bucket or sliding window (keyed or not), in
 * the limiter's FIFO order (from `seawall_token_bucket_reserve` /
 * `seawall_sliding_window_reserve` / `seawall_keyed_*_reserve`). Opaque; one thread at a time.
 */
typedef struct seawall_limiter_wait seawall_limiter_wait;

/**
 * A clock that moves only when told to. Pass it to a primitive's
 * `_new_with_clock` to drive that primitive in tests; `clock` must not be
 * NULL there (`SEAWALL_NULL_ARGUMENT`): `_new` is the monotonic clock.
 * Thread-safe: any thread may advance or read it. Opaque.
 */
typedef struct seawall_manual_clock seawall_manual_clock;

/**
 * Rate limiter → circuit breaker → bulkhead, acquired in that order; a
 * stage that rejects gives back what earlier stages granted. Opaque;
 * thread-safe.
 */
typedef struct seawall_policy seawall_policy;

/**
 * A quota policy: a name (1 to 64 printable ASCII characters), a limit
 * and a window, as the headers advertise it. Opaque; thread-safe
 * (immutable).
 */
typedef struct seawall_quota_policy seawall_quota_policy;

/**
 * One Redis (one URL), shared by any number of limiters. Opaque;
 * thread-safe. Connects on the first decision.
 */
typedef struct seawall_redis_backend seawall_redis_backend;

/**
 * At most `max_concurrent` permits per key held at once across hosts;
 * each permit is a lease that expires unless renewed, so a holder that
 * dies frees its permit. Opaque; thread-safe.
 */
typedef struct seawall_redis_concurrency_limit seawall_redis_concurrency_limit;

/**
 * Feature flags in Redis with a local cache and safe defaults. Opaque;
 * thread-safe.
 */
typedef struct seawall_redis_feature_flags seawall_redis_feature_flags;

/**
 * A permit of a `seawall_redis_concurrency_limit`. Opaque; owned by the
 * caller until given to `seawall_redis_lease_release` or freed.
 */
typedef struct seawall_redis_lease seawall_redis_lease;

/**
 * A keyed limiter whose state lives in Redis. Opaque; thread-safe.
 */
typedef struct seawall_redis_limiter seawall_redis_limiter;

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * A shared-memory region: a file (default under `/dev/shm`) mapped by
 * every process that opens it. Opaque; thread-safe.
 */
typedef struct seawall_region seawall_region;
#endif

/**
 * Keeps one instance registered until `seawall_registration_free`.
 * Opaque.
 */
typedef struct seawall_registration seawall_registration;

/**
 * A set of named instances exported together. Opaque; thread-safe.
 */
typedef struct seawall_registry seawall_registry;

/**
 * A retry definition (backoff, budget, attempt cap), shared by every call
 * it retries. Opaque; thread-safe.
 */
typedef struct seawall_retry seawall_retry;

/**
 * gRPC-style retry throttling (gRFC A6). Opaque; thread-safe; reads no clock.
 */
typedef struct seawall_retry_budget seawall_retry_budget;

/**
 * At most `limit` requests in any window, lock-free. Opaque; thread-safe.
 */
typedef struct seawall_sliding_window seawall_sliding_window;

/**
 * A lock-free token bucket (GCRA). Opaque; thread-safe.
 */
typedef struct seawall_token_bucket seawall_token_bucket;

/**
 * This thread's last error as one value, for callers that want the error
 * with the call rather than through later thread-local reads (a Go
 * goroutine may move to another thread between two cgo calls; a binding
 * calls the function and `seawall_last_error_take` in one C helper).
 * Set `struct_size = sizeof(seawall_error)` before the call: seawall
 * writes only that many bytes, so the struct can grow.
 */
typedef struct seawall_error {
  /**
   * Set by the caller to `sizeof(seawall_error)`.
   */
  uint32_t struct_size;
  /**
   * The status of the failed call; `SEAWALL_OK` if the last call on
   * this thread succeeded (then every string is `""`).
   */
  enum seawall_status status;
  /**
   * `seawall_status_str(status)`: a static string.
   */
  const char *kind;
  /**
   * The field or parameter named (C spelling), or `""`: a static string.
   */
  const char *field;
  /**
   * The policy stage that rejected the call, or `""`: a static string.
   */
  const char *stage;
  /**
   * As `seawall_last_error_retry_after_ns()`.
   */
  uint64_t retry_after_ns;
  /**
   * The message, NUL-terminated, truncated to fit (UTF-8 may be cut).
   */
  char message[256];
} seawall_error;

/**
 * Configuration of an adaptive timeout; fill it with
 * `seawall_adaptive_timeout_config_default()`. The timeout is
 * `clamp(percentile of recent latencies × multiplier, min, max)`.
 *
 * | field | default | rule |
 * |---|---|---|
 * | percentile | 0.95 | in (0, 1] |
 * | multiplier | 1.5 | finite, ≥ 1 |
 * | min_timeout_ns | 1 s | > 0 |
 * | max_timeout_ns | 30 s | ≥ min_timeout_ns, ≤ 100 years |
 * | initial_timeout_ns | 5 s | in [min, max]; used until min_samples are known |
 * | min_samples | 10 | 1..=1000000000 |
 * | window_ns | 30 s | ≥ 1 ms, ≤ 100 years; the estimate covers two windows |
 */
typedef struct seawall_adaptive_timeout_config {
  /**
   * Set by `seawall_adaptive_timeout_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * The latency percentile to follow.
   */
  double percentile;
  /**
   * Factor applied to the percentile.
   */
  double multiplier;
  /**
   * Lower clamp.
   */
  uint64_t min_timeout_ns;
  /**
   * Upper clamp.
   */
  uint64_t max_timeout_ns;
  /**
   * The timeout until `min_samples` recent latencies are known.
   */
  uint64_t initial_timeout_ns;
  /**
   * Recent latencies needed before the percentile is used.
   */
  uint64_t min_samples;
  /**
   * Length of one histogram window.
   */
  uint64_t window_ns;
} seawall_adaptive_timeout_config;

/**
 * A snapshot of an adaptive timeout.
 */
typedef struct seawall_adaptive_timeout_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Latencies in the current and previous window.
   */
  uint64_t samples;
  /**
   * Latencies recorded since creation.
   */
  uint64_t total;
  /**
   * Median of the recent latencies (0 without samples).
   */
  uint64_t p50_ns;
  /**
   * 95th percentile.
   */
  uint64_t p95_ns;
  /**
   * 99th percentile.
   */
  uint64_t p99_ns;
  /**
   * The timeout `_timeout` returns now.
   */
  uint64_t timeout_ns;
} seawall_adaptive_timeout_metrics;

/**
 * Configuration of a backoff. Fill it with `seawall_backoff_config_default()`
 * and change the fields you need.
 *
 * | field | default | rule |
 * |---|---|---|
 * | kind | SEAWALL_BACKOFF_EXPONENTIAL | a `seawall_backoff_kind` |
 * | base_ns | 100 ms | ≤ 100 years; 0 = retry at once |
 * | factor | 2.0 | finite, ≥ 1 |
 * | max_delay_ns | 30 s | base_ns ≤ max_delay_ns ≤ 100 years |
 * | jitter | SEAWALL_JITTER_FULL | a `seawall_jitter` |
 * | max_attempts | 3 | ≥ 1; counts every call, the first included |
 * | has_max_elapsed, max_elapsed_ns | false | if set: 0 < max_elapsed_ns ≤ 100 years |
 * | has_seed, seed | false | if unset, the jitter RNG is seeded from the clock |
 */
typedef struct seawall_backoff_config {
  /**
   * Set by `seawall_backoff_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * A `seawall_backoff_kind` value.
   */
  uint32_t kind;
  /**
   * The first delay, and the unit of linear growth.
   */
  uint64_t base_ns;
  /**
   * Multiplier per retry (exponential only).
   */
  double factor;
  /**
   * No computed delay exceeds this (a Retry-After hint may).
   */
  uint64_t max_delay_ns;
  /**
   * A `seawall_jitter` value.
   */
  uint32_t jitter;
  /**
   * Maximum number of calls, the first included (1 = never retry).
   */
  uint32_t max_attempts;
  /**
   * Whether `max_elapsed_ns` applies.
   */
  uint8_t has_max_elapsed;
  /**
   * Give up when the next retry would start later than this after the
   * schedule began.
   */
  uint64_t max_elapsed_ns;
  /**
   * Whether `seed` applies.
   */
  uint8_t has_seed;
  /**
   * Seed of the jitter RNG (same seed, same delays in every language).
   */
  uint64_t seed;
} seawall_backoff_config;

/**
 * Counters of a backoff, summed over all its schedules.
 */
typedef struct seawall_backoff_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Schedules started.
   */
  uint64_t schedules;
  /**
   * Delays handed out by schedules that have ended (counted when a
   * schedule gives up or is finished with `seawall_backoff_finish`, not
   * per delay; a schedule never finished is not counted).
   */
  uint64_t retries;
  /**
   * Schedules that gave up because `max_attempts` was reached.
   */
  uint64_t exhausted_attempts;
  /**
   * Schedules that gave up because of `max_elapsed_ns`.
   */
  uint64_t exhausted_elapsed;
} seawall_backoff_metrics;

/**
 * The retry state of one call: plain data the caller owns (on the stack,
 * in a request struct); nothing is allocated, nothing to free.
 * `seawall_backoff_start` fills it, `seawall_backoff_next_delay*` advance
 * it, `seawall_backoff_finish` ends it, always with the backoff that
 * started it. It may be copied (a copy is an independent schedule with
 * the same future delays) and stored; any field values are safe (they
 * only give other delays). Read `retries` and `done`; the other fields
 * are the schedule's working state. NOT thread-safe: one thread at a time
 * per state.
 *
 * Metrics: a schedule's retries are added to the backoff's `retries` once,
 * when it ends: when it gives up, or at `seawall_backoff_finish`. A state
 * that is dropped without either is not counted (there is no destructor
 * to count it); finish every state whose call succeeded or was abandoned.
 */
typedef struct seawall_backoff_schedule_state {
  /**
   * When the schedule started, on the backoff's clock (ns); read only
   * when the backoff has `max_elapsed_ns`, else 0.
   */
  uint64_t start_ns;
  /**
   * The previous delay (decorrelated jitter), ns.
   */
  uint64_t prev_ns;
  /**
   * The schedule's random stream (SplitMix64 state).
   */
  uint64_t rng;
  /**
   * Retries handed out so far.
   */
  uint32_t retries;
  /**
   * Whether the schedule has ended (gave up, or was finished); sticky.
   */
  uint8_t done;
} seawall_backoff_schedule_state;

/**
 * The answer of `seawall_backoff_next_delay*`.
 */
typedef struct seawall_backoff_delay {
  /**
   * true: do not retry (attempts or elapsed time exhausted); `delay_ns` is 0.
   */
  bool give_up;
  /**
   * Sleep this long, then retry (when `give_up` is false).
   */
  uint64_t delay_ns;
  /**
   * Retries handed out by this schedule so far, this one included.
   */
  uint32_t retries;
} seawall_backoff_delay;

/**
 * Configuration of a bulkhead; fill it with `seawall_bulkhead_config_default()`.
 *
 * | field | default | rule |
 * |---|---|---|
 * | max_concurrent | 25 | 1..=4294967295 calls in flight at once |
 * | max_queue | 0 | 0..=4294967295 callers waiting (FIFO); 0 = nobody waits |
 * | max_wait_ns | 0 | ≤ 100 years: the wait of `seawall_bulkhead_acquire_default` |
 */
typedef struct seawall_bulkhead_config {
  /**
   * Set by `seawall_bulkhead_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Calls allowed in flight at once.
   */
  uint64_t max_concurrent;
  /**
   * Callers allowed to wait for a slot.
   */
  uint64_t max_queue;
  /**
   * The default wait.
   */
  uint64_t max_wait_ns;
} seawall_bulkhead_config;

/**
 * A snapshot of a bulkhead's counters.
 */
typedef struct seawall_bulkhead_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Slots held now.
   */
  uint64_t active;
  /**
   * Waiters in the queue now.
   */
  uint64_t queued;
  /**
   * Permits granted since creation.
   */
  uint64_t total;
  /**
   * Requests refused since creation (full, queue full, wait ran out, abandoned).
   */
  uint64_t rejected;
  /**
   * The configured max_concurrent.
   */
  uint64_t max_concurrent;
  /**
   * The configured max_queue.
   */
  uint64_t max_queue;
} seawall_bulkhead_metrics;

/**
 * Configuration of a circuit breaker; fill it with
 * `seawall_circuit_breaker_config_default()`. Optional fields have a
 * `has_` flag (false = rule off / no limit).
 *
 * | field | default | rule |
 * |---|---|---|
 * | has_failure_rate_threshold, failure_rate_threshold | true, 0.5 | in (0, 1] |
 * | has_slow_call_rate_threshold, slow_call_rate_threshold | true, 1.0 | in (0, 1] |
 * | slow_call_duration_threshold_ns | 60 s | > 0, ≤ 100 years |
 * | window_kind | SEAWALL_WINDOW_COUNT_BASED | a `seawall_window_kind` |
 * | window_size | 100 | calls: 1..=100000; seconds: 1..=3600 |
 * | minimum_number_of_calls | 100 | ≥ 1; ≤ window_size if count-based |
 * | has_failure_count_threshold, failure_count_threshold | false | 1..=10000 failures in a row (or within the period) |
 * | has_failure_count_period, failure_count_period_ns | false | > 0; needs the threshold |
 * | open_duration_ns | 60 s | > 0, ≤ 100 years |
 * | open_duration_multiplier | 1.0 | in [1, 1000]; growth per consecutive open |
 * | has_max_open_duration, max_open_duration_ns | false | ≥ open_duration_ns |
 * | half_open_max_calls | 3 | 1..=16 probes per half-open episode |
 * | success_threshold | 3 | 1..=half_open_max_calls successes to close |
 */
typedef struct seawall_circuit_breaker_config {
  /**
   * Set by `seawall_circuit_breaker_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Whether the failure-rate rule is on.
   */
  uint8_t has_failure_rate_threshold;
  /**
   * Trip when failures / calls in the window reach this.
   */
  double failure_rate_threshold;
  /**
   * Whether the slow-call-rate rule is on.
   */
  uint8_t has_slow_call_rate_threshold;
  /**
   * Trip when slow calls / calls in the window reach this.
   */
  double slow_call_rate_threshold;
  /**
   * A call slower than this is slow.
   */
  uint64_t slow_call_duration_threshold_ns;
  /**
   * A `seawall_window_kind` value.
   */
  uint32_t window_kind;
  /**
   * Calls (count-based) or seconds (time-based) in the rate window.
   */
  uint64_t window_size;
  /**
   * Rates are computed once the window holds this many calls.
   */
  uint64_t minimum_number_of_calls;
  /**
   * Whether the failure-count rule is on.
   */
  uint8_t has_failure_count_threshold;
  /**
   * Trip after this many failures in a row (or within the period).
   */
  uint64_t failure_count_threshold;
  /**
   * Whether failures are counted within a period instead of in a row.
   */
  uint8_t has_failure_count_period;
  /**
   * Count failures younger than this.
   */
  uint64_t failure_count_period_ns;
  /**
   * How long the breaker stays open before probing.
   */
  uint64_t open_duration_ns;
  /**
   * Open duration growth per consecutive open episode.
   */
  double open_duration_multiplier;
  /**
   * Whether the open duration growth is capped.
   */
  uint8_t has_max_open_duration;
  /**
   * Cap of the grown open duration.
   */
  uint64_t max_open_duration_ns;
  /**
   * Probes admitted per half-open episode.
   */
  uint64_t half_open_max_calls;
  /**
   * Successful probes that close the breaker.
   */
  uint64_t success_threshold;
} seawall_circuit_breaker_config;

/**
 * A snapshot of a breaker's state and counters.
 */
typedef struct seawall_circuit_breaker_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Current state.
   */
  enum seawall_circuit_state state;
  /**
   * Outcomes recorded (successes + failures + ignored).
   */
  uint64_t calls;
  /**
   * Successful outcomes recorded.
   */
  uint64_t successes;
  /**
   * Failed outcomes recorded.
   */
  uint64_t failures;
  /**
   * Recorded calls slower than the slow-call threshold.
   */
  uint64_t slow;
  /**
   * Ignored outcomes recorded.
   */
  uint64_t ignored;
  /**
   * Rejected try_acquire calls.
   */
  uint64_t rejected;
  /**
   * State transitions so far.
   */
  uint64_t transitions;
  /**
   * Calls in the rate window now.
   */
  uint64_t buffered_calls;
  /**
   * Failures in the rate window now.
   */
  uint64_t buffered_failures;
  /**
   * Slow calls in the rate window now.
   */
  uint64_t buffered_slow;
  /**
   * Whether `failure_rate` is computed (window holds minimum_number_of_calls).
   */
  bool has_failure_rate;
  /**
   * buffered_failures / buffered_calls.
   */
  double failure_rate;
  /**
   * Whether `slow_call_rate` is computed.
   */
  bool has_slow_call_rate;
  /**
   * buffered_slow / buffered_calls.
   */
  double slow_call_rate;
  /**
   * The count the failure-count rule compares.
   */
  uint64_t failure_count;
  /**
   * Half-open probes admitted and not yet finished.
   */
  uint32_t half_open_in_flight;
  /**
   * Half-open probes that succeeded in this episode.
   */
  uint32_t half_open_successes;
  /**
   * The open duration of the current or last open episode.
   */
  uint64_t open_duration_ns;
} seawall_circuit_breaker_metrics;

/**
 * A state-transition listener: `user_data` as registered, the state left,
 * the state entered, and the clock time of the transition in ns.
 *
 * It runs synchronously on the thread that made the transition (the one
 * inside `_try_acquire`, `_record`, `_release`, `_force_open`, `_disable`,
 * `_metrics_only` or `_reset` of the breaker, or inside
 * `seawall_policy_try_acquire` / `seawall_policy_guard_*` of a policy
 * using it), after the transition, outside any lock of the hot path.
 * Several threads may call it at once, so it must be thread-safe. It may
 * call any seawall function (those calls change this thread's last
 * error), including on this breaker, except `seawall_circuit_breaker_free`
 * of this breaker. It must not unwind (longjmp, C++ exceptions) through
 * seawall. Keep it short: the caller waits for it, and so does
 * `_remove_listener` / `_free` on another thread.
 *
 * Lifetime: a listener fires only while it is registered and the handle
 * it was registered on is not freed (a policy that keeps using the
 * breaker after `seawall_circuit_breaker_free` does not call it). See
 * `seawall_circuit_breaker_on_transition` for when `destroy` runs.
 */
typedef void (*seawall_transition_fn)(void *user_data,
                                      enum seawall_circuit_state from,
                                      enum seawall_circuit_state to,
                                      uint64_t at_ns);

/**
 * Frees a listener's `user_data`: called exactly once per registration,
 * when the listener can no longer fire (see
 * `seawall_circuit_breaker_on_transition`), on the thread that removed
 * it, freed the breaker, or made the last call. It must not call seawall
 * functions on the breaker it was registered on, nor unwind through seawall.
 */
typedef void (*seawall_destroy_fn)(void *user_data);

/**
 * What a binding knows about one error of a cause chain (link 0 is the
 * error itself, then its cause, ...). Zero-initialised, a link says nothing.
 */
typedef struct seawall_error_link {
  /**
   * The error is a seawall error with this status (1..=10), or 0.
   */
  uint32_t seawall_status;
  /**
   * A listed transport failure (`seawall_retryable_kind`), or 0.
   */
  uint32_t transport;
  /**
   * An HTTP status the error carries, or 0.
   */
  uint32_t http_status;
  /**
   * Whether `retry_after_ns` applies.
   */
  uint8_t has_retry_after;
  /**
   * A hint carried by the error (a rejection's retry-after, a parsed
   * `Retry-After` header), ns.
   */
  uint64_t retry_after_ns;
} seawall_error_link;

/**
 * The default classification of an error chain.
 */
typedef struct seawall_verdict {
  /**
   * 1: retry; 0: do not.
   */
  uint8_t retryable;
  /**
   * Whether `retry_after_ns` applies (only when retryable).
   */
  uint8_t has_retry_after;
  /**
   * The deciding link's hint, ns.
   */
  uint64_t retry_after_ns;
  /**
   * The link that decided (0 = the error itself), -1 when none did.
   */
  int32_t decided_by;
} seawall_verdict;

/**
 * One event, passed to a `seawall_event_fn` for the duration of the call
 * (copy what you keep: the struct, `name` and `key` are freed when it
 * returns). Fields a kind does not use are 0, NULL or `""`.
 */
typedef struct seawall_event {
  /**
   * The library's `sizeof` of this struct: a program built with an
   * older header reads the fields it knows; one built with a newer
   * header reads a field only when `struct_size` covers it
   * (`offsetof(seawall_event, field) + sizeof field <= struct_size`).
   */
  uint32_t struct_size;
  /**
   * What happened.
   */
  enum seawall_event_kind kind;
  /**
   * The instance's registered name: NUL-terminated UTF-8; `""` when the
   * instance is not registered (and for the retry, fallback, timeout and
   * fault kinds, which report runs, not named instances). Never NULL.
   */
  const char *name;
  /**
   * The state left (`SEAWALL_EVENT_TRANSITION`).
   */
  enum seawall_circuit_state from;
  /**
   * The state entered (`SEAWALL_EVENT_TRANSITION`).
   */
  enum seawall_circuit_state to;
  /**
   * The breaker's clock time of the transition, ns
   * (`SEAWALL_EVENT_TRANSITION`).
   */
  uint64_t at_ns;
  /**
   * `SEAWALL_EVENT_REJECTED`: what refused: `"circuit_breaker"`,
   * `"rate_limiter"` or `"bulkhead"`. Else `""`. Static: never NULL; do
   * not free. (Added after `at_ns`: check `struct_size`.)
   */
  const char *by;
  /**
   * `SEAWALL_EVENT_REJECTED`: 1 when `retry_after_ns` is known (a
   * breaker or a rate limiter), 0 for a bulkhead.
   */
  uint8_t has_retry_after;
  /**
   * `SEAWALL_EVENT_REJECTED`: when the instance may admit again, ns.
   */
  uint64_t retry_after_ns;
  /**
   * `SEAWALL_EVENT_REJECTED` by a keyed limiter: the key's bytes
   * (`key_len` of them, not NUL-terminated). Else NULL.
   */
  const uint8_t *key;
  /**
   * The length of `key`; 0 without a key.
   */
  size_t key_len;
  /**
   * `SEAWALL_EVENT_RETRY_SCHEDULED`: the attempt that failed (1 = the
   * first call). `SEAWALL_EVENT_GAVE_UP`: calls made, the first included.
   */
  uint32_t attempt;
  /**
   * `SEAWALL_EVENT_GAVE_UP`: a `seawall_give_up_reason`.
   */
  uint32_t reason;
  /**
   * `SEAWALL_EVENT_RETRY_SCHEDULED`: the sleep before the next attempt,
   * ns. `SEAWALL_EVENT_FAULT_INJECTED`: the injected delay, ns (0 for an
   * error).
   */
  uint64_t delay_ns;
  /**
   * `SEAWALL_EVENT_TIMEOUT`: the attempt's time limit, ns.
   */
  uint64_t limit_ns;
  /**
   * `SEAWALL_EVENT_FAULT_INJECTED`: `SEAWALL_FAULT_ERROR` or
   * `SEAWALL_FAULT_DELAY`. Else `SEAWALL_FAULT_NONE`.
   */
  enum seawall_fault_kind fault;
} seawall_event;

/**
 * An event subscriber: `user_data` as subscribed, and the event.
 *
 * Sources (`spec/metrics.md`, "Events and logs"):
 * - a circuit breaker registered in a registry
 *   (`seawall_registry_register_circuit_breaker`) reports each transition
 *   once per registration, with the registered name; unregistered
 *   breakers report none (use `seawall_circuit_breaker_on_transition`);
 * - a refusal by `seawall_circuit_breaker_try_acquire`, a limiter's
 *   `_try_acquire` (keyed too; with the key), or its `_reserve` /
 *   `_acquire_wait` refusing at once, a reserved wait ending refused
 *   (`seawall_limiter_wait_try_claim` / `_wait`), a bulkhead's `_try_acquire`,
 *   `_acquire*`, `_enqueue` or a `seawall_bulkhead_waiter_wait` that ran
 *   out, and `seawall_policy_try_acquire` (`by` is the refusing stage) is
 *   one `SEAWALL_EVENT_REJECTED` per registration of the refusing
 *   instance (its registered name), or one with name `""` when it is not
 *   registered;
 * - `seawall_retry_on_failure`, `seawall_policy_execute` and the stepped
 *   policy run (`seawall_policy_run_*`) report `RETRY_SCHEDULED` and
 *   `GAVE_UP` (every reason, `not_retryable` included; once per run);
 *   the policy runs report `FALLBACK_USED` when they hand the call to the
 *   fallback and `TIMEOUT` when an attempt with a limit is cut off
 *   (`seawall_policy_execute`: returned after its deadline;
 *   `seawall_policy_run_on_timeout`);
 * - `seawall_fault_injector_decide` / `_check` report each fault
 *   injected (not `SEAWALL_FAULT_NONE`).
 *
 * Cost: none of these is built when nobody is subscribed; an admitted
 * call costs nothing more, a refusal one atomic load.
 *
 * Threads: it runs synchronously on the thread that made the decision
 * (inside that thread's seawall call), after the decision, outside any
 * lock of the hot path. Several threads may call it at once, so it must
 * be thread-safe.
 *
 * Reentrancy: it may call any seawall function (those calls change this
 * thread's last error), `seawall_events_subscribe` and
 * `seawall_events_unsubscribe` included, except freeing the instance,
 * retry state, policy run or registration the event comes from. It must
 * not unwind (longjmp, C++ exceptions) through seawall. Keep it short:
 * the thread that made the decision waits for it; it cannot change that
 * call's outcome.
 */
typedef void (*seawall_event_fn)(void *user_data,
                                 const struct seawall_event *event);

/**
 * Configuration of a fault injector; fill it with
 * `seawall_fault_injector_config_default()` (injects nothing).
 *
 * | field | default | rule |
 * |---|---|---|
 * | error_rate | 0 | in [0, 1] |
 * | delay_rate | 0 | in [0, 1]; error_rate + delay_rate ≤ 1 |
 * | delay_min_ns | 1 s | ≤ delay_max_ns |
 * | delay_max_ns | 1 s | ≤ 100 years; > 0 when delay_rate > 0 |
 * | has_seed, seed | false (seeded from the clock) | same seed, same faults in every language |
 * | enabled | 1 | whether it starts switched on (0 = off) |
 *
 * A zeroed struct is not a config: its `struct_size` is 0, so `_new`
 * refuses it (`SEAWALL_INVALID_CONFIG`, field `struct_size`) rather than
 * making an injector that is silently switched off.
 */
typedef struct seawall_fault_injector_config {
  /**
   * Set by `seawall_fault_injector_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Probability of an error.
   */
  double error_rate;
  /**
   * Probability of a delay.
   */
  double delay_rate;
  /**
   * Shortest injected delay.
   */
  uint64_t delay_min_ns;
  /**
   * Longest injected delay (inclusive).
   */
  uint64_t delay_max_ns;
  /**
   * Whether `seed` applies.
   */
  uint8_t has_seed;
  /**
   * Seed of the generator.
   */
  uint64_t seed;
  /**
   * Whether the injector starts switched on.
   */
  uint8_t enabled;
} seawall_fault_injector_config;

/**
 * A fault decision.
 */
typedef struct seawall_fault {
  /**
   * What to do.
   */
  enum seawall_fault_kind kind;
  /**
   * The delay to apply (0 unless `SEAWALL_FAULT_DELAY`).
   */
  uint64_t delay_ns;
} seawall_fault;

/**
 * A snapshot of a fault injector's counters.
 */
typedef struct seawall_fault_injector_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Decisions made, enabled or not.
   */
  uint64_t decisions;
  /**
   * Error decisions.
   */
  uint64_t errors;
  /**
   * Delay decisions.
   */
  uint64_t delays;
  /**
   * Whether the injector is switched on now.
   */
  bool enabled;
} seawall_fault_injector_metrics;

/**
 * Configuration of a token bucket; fill it with
 * `seawall_token_bucket_config_default()`.
 *
 * | field | default | rule |
 * |---|---|---|
 * | burst | 10 | ≥ 1: most tokens taken at once after an idle period |
 * | rate_per_sec | 10.0 | finite, > 0, ≤ 2e9; fractions allowed (0.5 = a token every 2 s); one token per ≤ 100 years |
 *
 * The bucket works in whole nanoseconds: the emission interval is
 * `1e9 / rate_per_sec` rounded to the nearest ns, so a rate whose interval
 * is not a whole number of ns is quantised (every rate in [1e9, 2e9] per
 * second behaves as 1e9/s, one token per ns; 3e8/s as 1 per 3 ns). And
 * `burst × interval` must be ≤ 100 years (`SEAWALL_INVALID_CONFIG`,
 * field `burst`).
 * | has_initial_tokens, initial_tokens | false (start full) | ≤ burst |
 */
typedef struct seawall_token_bucket_config {
  /**
   * Set by `seawall_token_bucket_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Capacity.
   */
  uint64_t burst;
  /**
   * Refill rate in tokens per second.
   */
  double rate_per_sec;
  /**
   * Whether `initial_tokens` applies (else the bucket starts full).
   */
  uint8_t has_initial_tokens;
  /**
   * Tokens available at construction.
   */
  uint64_t initial_tokens;
} seawall_token_bucket_config;

/**
 * Configuration of a sliding-window limiter; fill it with
 * `seawall_sliding_window_config_default()`.
 *
 * | field | default | rule |
 * |---|---|---|
 * | limit | 100 | 1..=16777215 requests in any window |
 * | window_ns | 60 s | 1 ms ..= 100 years |
 * | buckets | 10 | 1..=1024 sub-windows (grants expire at most window/buckets late) |
 */
typedef struct seawall_sliding_window_config {
  /**
   * Set by `seawall_sliding_window_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Requests allowed in any window.
   */
  uint64_t limit;
  /**
   * The window length.
   */
  uint64_t window_ns;
  /**
   * Sub-windows per window.
   */
  uint32_t buckets;
} seawall_sliding_window_config;

/**
 * A rate limiter's answer to "may n requests pass now?" (the numbers of
 * the `X-RateLimit-*` / `Retry-After` headers).
 */
typedef struct seawall_decision {
  /**
   * Whether the request was granted (and its tokens taken).
   */
  bool allowed;
  /**
   * Requests that could still be granted right now after this decision.
   */
  uint64_t remaining;
  /**
   * When denied: how long until the same request could be granted; 0 when allowed.
   */
  uint64_t retry_after_ns;
  /**
   * How long until the limiter is back to full capacity.
   */
  uint64_t reset_after_ns;
} seawall_decision;

/**
 * One response's rate-limit headers as numbers (`seawall_rate_limit_headers_get`; the strings come from
 * `seawall_rate_limit_header_value`).
 */
typedef struct seawall_rate_limit_headers {
  /**
   * `q` and `X-RateLimit-Limit`.
   */
  uint64_t limit;
  /**
   * `w`: the window in whole seconds, rounded up, at least 1.
   */
  uint64_t window_s;
  /**
   * `r` and `X-RateLimit-Remaining`.
   */
  uint64_t remaining;
  /**
   * `t` and `X-RateLimit-Reset`: seconds until full capacity, rounded up.
   */
  uint64_t reset_s;
  /**
   * 1 when `Retry-After` is sent (the request was denied).
   */
  uint8_t has_retry_after;
  /**
   * `Retry-After` in seconds, rounded up, at least 1.
   */
  uint64_t retry_after_s;
} seawall_rate_limit_headers;

/**
 * A snapshot of a token bucket.
 */
typedef struct seawall_token_bucket_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Configured burst.
   */
  uint64_t burst;
  /**
   * Tokens available right now.
   */
  uint64_t available;
  /**
   * Time per token in ns.
   */
  uint64_t emission_interval_ns;
  /**
   * Granted try_acquire calls.
   */
  uint64_t allowed;
  /**
   * Denied try_acquire calls; waiting acquires refused or given up.
   */
  uint64_t denied;
  /**
   * Waiting acquires holding a reservation now.
   */
  uint64_t waiting;
} seawall_token_bucket_metrics;

/**
 * A snapshot of a sliding-window limiter.
 */
typedef struct seawall_sliding_window_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Configured limit.
   */
  uint64_t limit;
  /**
   * Requests counted against the limit right now.
   */
  uint64_t count;
  /**
   * Granted try_acquire calls.
   */
  uint64_t allowed;
  /**
   * Denied try_acquire calls; waiting acquires refused or given up.
   */
  uint64_t denied;
  /**
   * Waiting acquires in the FIFO queue now.
   */
  uint64_t waiting;
} seawall_sliding_window_metrics;

/**
 * Configuration of a keyed token bucket: one bucket per key, in a table
 * that always has room for `max_keys` distinct keys; a key that is
 * throttled is never evicted, and a key whose idle slot is taken over
 * while its own requests are in flight is never granted more than its
 * burst (spec/keyed.md, "Concurrency"). Fill it with
 * `seawall_keyed_token_bucket_config_default()` (or
 * `seawall_keyed_token_bucket_config_init`); versioned like every config
 * (`struct_size`), with the bucket's and the table's fields in one flat
 * struct so that fields can be appended.
 *
 * | field | default | rule |
 * |---|---|---|
 * | burst, rate_per_sec | 10, 10.0 | as `seawall_token_bucket_config` |
 * | has_initial_tokens, initial_tokens | false | must stay unset: new keys start full |
 * | max_keys | 10000 | 1..=2^24 distinct keys the table always has room for (it has 4 x max_keys slots) |
 * | max_probe | 64 | 1..=64 slots probed per lookup (below 64, false denials below max_keys become possible) |
 * | on_full | SEAWALL_ON_FULL_DENY | a `seawall_on_full` |
 * | has_hash_seed, hash_seed | false (seeded from the clock) | any |
 */
typedef struct seawall_keyed_token_bucket_config {
  /**
   * Set by `seawall_keyed_token_bucket_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Each key's capacity.
   */
  uint64_t burst;
  /**
   * Each key's refill rate in tokens per second.
   */
  double rate_per_sec;
  /**
   * Must stay 0: a new key starts full (like an evicted one), so
   * `initial_tokens` is refused (`SEAWALL_INVALID_CONFIG`, field
   * `initial_tokens`); the fields mirror `seawall_token_bucket_config`.
   */
  uint8_t has_initial_tokens;
  /**
   * See `has_initial_tokens`.
   */
  uint64_t initial_tokens;
  /**
   * Distinct keys the table always has room for (`4 * max_keys` slots).
   */
  uint64_t max_keys;
  /**
   * Slots probed per lookup.
   */
  uint32_t max_probe;
  /**
   * A `seawall_on_full` value.
   */
  uint32_t on_full;
  /**
   * Whether `hash_seed` applies (any non-zero byte is true).
   */
  uint8_t has_hash_seed;
  /**
   * Hash seed (set it for reproducible tests).
   */
  uint64_t hash_seed;
} seawall_keyed_token_bucket_config;

/**
 * Configuration of a keyed sliding window: one window per key; same table
 * rules and versioning as `seawall_keyed_token_bucket_config`. Fill it with
 * `seawall_keyed_sliding_window_config_default()`.
 *
 * | field | default | rule |
 * |---|---|---|
 * | limit, window_ns, buckets | 100, 60 s, 10 | as `seawall_sliding_window_config` |
 * | max_keys, max_probe, on_full, has_hash_seed, hash_seed | 10000, 64, deny, false | as `seawall_keyed_token_bucket_config` |
 */
typedef struct seawall_keyed_sliding_window_config {
  /**
   * Set by `seawall_keyed_sliding_window_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Requests allowed per key in any window.
   */
  uint64_t limit;
  /**
   * The window length.
   */
  uint64_t window_ns;
  /**
   * Sub-windows per window.
   */
  uint32_t buckets;
  /**
   * Distinct keys the table always has room for (`4 * max_keys` slots).
   */
  uint64_t max_keys;
  /**
   * Slots probed per lookup.
   */
  uint32_t max_probe;
  /**
   * A `seawall_on_full` value.
   */
  uint32_t on_full;
  /**
   * Whether `hash_seed` applies (any non-zero byte is true).
   */
  uint8_t has_hash_seed;
  /**
   * Hash seed (set it for reproducible tests).
   */
  uint64_t hash_seed;
} seawall_keyed_sliding_window_config;

/**
 * A snapshot of a keyed limiter's table.
 */
typedef struct seawall_keyed_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Slots ever filled.
   */
  uint64_t keys_tracked;
  /**
   * Table slots (`4 * max_keys`).
   */
  uint64_t capacity;
  /**
   * Slots taken over from an idle key by a new key.
   */
  uint64_t evictions;
  /**
   * Requests of new keys that found no slot.
   */
  uint64_t table_full;
  /**
   * Requests granted (a waiting acquire counts once, when granted).
   */
  uint64_t allowed;
  /**
   * Requests denied (a waiting acquire counts once, when refused or
   * given up; a granted one never).
   */
  uint64_t denied;
  /**
   * Waiting acquires not yet granted or given up.
   */
  uint64_t waiting;
} seawall_keyed_metrics;

/**
 * The stages of a policy: handles made by their own `_new`; each may be
 * NULL (stage absent). At most one rate limiter (`token_bucket` or
 * `sliding_window`). The policy keeps its own references: the handles may
 * be freed after `seawall_policy_new`, and inspecting them (state,
 * metrics) shows what the policy does. Fill it with
 * `seawall_policy_config_default()` (all NULL: admits everything).
 */
typedef struct seawall_policy_config {
  /**
   * Set by `seawall_policy_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Rate limiter stage (one token per call), or NULL.
   */
  const struct seawall_token_bucket *token_bucket;
  /**
   * Rate limiter stage (one request per call), or NULL.
   */
  const struct seawall_sliding_window *sliding_window;
  /**
   * Circuit breaker stage, or NULL.
   */
  const struct seawall_circuit_breaker *circuit_breaker;
  /**
   * Bulkhead stage, or NULL.
   */
  const struct seawall_bulkhead *bulkhead;
  /**
   * Per-attempt time limit of `seawall_policy_execute` and the policy
   * run, ns; 0: none. At most one of `timeout_ns` and `adaptive_timeout`.
   */
  uint64_t timeout_ns;
  /**
   * Adaptive per-attempt time limit (each attempt's latency is recorded
   * into it), or NULL. Kept like the other stages.
   */
  const struct seawall_adaptive_timeout *adaptive_timeout;
  /**
   * Retry stage (`seawall_retry_new`), or NULL: each retry acquires every
   * stage again. Kept like the other stages.
   */
  const struct seawall_retry *retry;
  /**
   * Whether a failed call goes to a fallback (0 no, else yes): then
   * `seawall_policy_execute` needs a fallback callback.
   */
  uint8_t has_fallback;
} seawall_policy_config;

/**
 * Everything one admitted call holds, in storage the caller owns: declare
 * it where the call's other state lives (on the stack, in a request
 * struct), like a `pthread_mutex_t`. Nothing is allocated per call.
 *
 * Life cycle: `seawall_policy_try_acquire` initialises it, *live* on
 * `SEAWALL_OK` and *empty* on any other status (so releasing it is always
 * safe afterwards). A live guard is finished exactly once by
 * `seawall_policy_guard_complete*` or `seawall_policy_guard_release`,
 * which leave it empty. On an empty guard, `_release` is a no-op and
 * `_complete*` / `_is_probe` return `SEAWALL_INVALID_ARGUMENT` (field
 * `guard`): finishing twice is an error, not undefined behaviour. A
 * zero-initialised guard (`seawall_policy_guard g = {0};`) is empty.
 *
 * Rules: the fields are private (do not read or write them). A live guard
 * may be moved (copied to new storage, the old copy never used again),
 * but not duplicated: finishing two copies of one live guard is undefined
 * behaviour. Storage that is neither zeroed nor written by `try_acquire`
 * must not be passed to the other functions. A live guard that is never
 * finished is a leak, not undefined behaviour: it keeps its bulkhead slot
 * (and a half-open probe slot) and a reference to the policy's stages,
 * like a handle never freed; `try_acquire` on a live guard overwrites it
 * the same way. Any thread, one call at a time per guard.
 */
typedef struct seawall_policy_guard {
  /**
   * Private storage: a tag word, then the core guard (64 bytes on 64-bit
   * targets today; the rest is room to grow without changing the ABI).
   */
  uint64_t _opaque[12];
} seawall_policy_guard;

/**
 * Options of one `seawall_policy_execute` call. Fill it with
 * `seawall_execute_config_default()` (no deadline).
 *
 * | field | default | meaning |
 * |---|---|---|
 * | has_deadline, deadline_ns | 0 | the whole call ends by this instant on the policy's clock (e.g. an outer call's `seawall_attempt_info.deadline_ns`: a cascading deadline) |
 * | total_timeout_ns | 0 | 0: none; else the whole call ends this long after it starts |
 *
 * Both set: the earlier one counts.
 */
typedef struct seawall_execute_config {
  /**
   * Set by `seawall_execute_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Whether `deadline_ns` applies (0 no, else yes).
   */
  uint8_t has_deadline;
  /**
   * Absolute deadline on the policy's clock (`CLOCK_MONOTONIC` ns, or
   * the manual clock's), ns.
   */
  uint64_t deadline_ns;
  /**
   * Relative deadline of the whole call, ns; 0: none.
   */
  uint64_t total_timeout_ns;
} seawall_execute_config;

/**
 * What the attempt callback is told.
 */
typedef struct seawall_attempt_info {
  /**
   * This attempt's number, 1-based.
   */
  uint32_t attempt;
  /**
   * Whether the attempt has a time limit (`deadline_ns`, `timeout_ns`).
   */
  uint8_t has_deadline;
  /**
   * When the attempt must be over, on the policy's clock
   * (`CLOCK_MONOTONIC` ns, or the manual clock's): the attempt's time
   * limit, shortened to the whole call's deadline. Pass it on to the
   * I/O (socket timeouts, an inner `seawall_execute_config.deadline_ns`).
   */
  uint64_t deadline_ns;
  /**
   * `deadline_ns` minus the attempt's start, ns.
   */
  uint64_t timeout_ns;
} seawall_attempt_info;

/**
 * How the attempt callback classifies its failure (when it returns
 * non-zero). Pre-filled before each attempt: retryable, no hint, outcome
 * `SEAWALL_OUTCOME_FAILURE`. `seawall_classify_chain`,
 * `seawall_parse_retry_after` and `seawall_outcome_for_error` give the
 * default values of each field.
 */
typedef struct seawall_attempt_failure {
  /**
   * Whether the retry stage may retry it (0 no, else yes).
   */
  uint8_t retryable;
  /**
   * Whether `retry_after_ns` applies.
   */
  uint8_t has_retry_after;
  /**
   * What the breaker records: a `seawall_outcome`.
   */
  uint32_t outcome;
  /**
   * A server hint (Retry-After), ns.
   */
  uint64_t retry_after_ns;
} seawall_attempt_failure;

/**
 * The attempt callback: makes the call once. Returns 0 on success; any
 * other value is a failure, classified by writing `*out_failure`
 * (pre-filled: retryable, breaker failure). `info` and `out_failure` are
 * valid during the call only. Runs on the thread that called
 * `seawall_policy_execute`; it may call seawall functions (not
 * `seawall_policy_free` on the running policy).
 */
typedef int (*seawall_attempt_fn)(void *user_data,
                                  const struct seawall_attempt_info *info,
                                  struct seawall_attempt_failure *out_failure);

/**
 * What the fallback callback is told.
 */
typedef struct seawall_fallback_info {
  /**
   * The error the call ended with: `SEAWALL_OK` means the attempt
   * callback's own last failure (its return value is `callback_result`);
   * else a seawall status (`SEAWALL_CIRCUIT_OPEN`, `SEAWALL_TIMEOUT`,
   * `SEAWALL_RETRY_EXHAUSTED`, ...).
   */
  enum seawall_status error;
  /**
   * The attempt callback's last return value (0 if it never ran).
   */
  int callback_result;
  /**
   * Attempts started.
   */
  uint32_t attempts;
  /**
   * The stage that refused (`"rate_limiter"`, `"circuit_breaker"`,
   * `"bulkhead"`), or `""`. A static string.
   */
  const char *stage;
} seawall_fallback_info;

/**
 * The fallback callback: runs once, when the call failed and the policy
 * has `has_fallback`. Returns 0 when it produced a result (execute
 * returns `SEAWALL_OK`), else non-zero (execute returns
 * `SEAWALL_CALL_FAILED`). `info` is valid during the call only.
 */
typedef int (*seawall_fallback_fn)(void *user_data,
                                   const struct seawall_fallback_info *info);

/**
 * What `seawall_policy_execute` reports.
 */
typedef struct seawall_execute_result {
  /**
   * Attempts started (callback calls; a rejected acquisition counts).
   */
  uint32_t attempts;
  /**
   * 1 when the fallback callback ran (its return is `callback_result`).
   */
  uint8_t fell_back;
  /**
   * The last return value of the attempt callback, or of the fallback
   * when it ran; 0 when neither ran.
   */
  int callback_result;
  /**
   * The stage that refused when the call ended on a rejection
   * (`"rate_limiter"`, `"circuit_breaker"`, `"bulkhead"`), or `""`. A
   * static string: never NULL; do not free.
   */
  const char *stage;
} seawall_execute_result;

/**
 * One call through a policy, stepped by the caller, in storage the caller
 * owns (on the stack, in a request struct); nothing is allocated per
 * call. `seawall_policy_run_start` makes it *live*;
 * `seawall_policy_run_end` gives back everything it holds and makes it
 * *empty*. Every live run must be ended (else, like a handle never freed,
 * it keeps its bulkhead slot or queue place and a reference to the
 * policy). A zero-initialised run is empty; functions other than `_start`
 * and `_end` on an empty run return `SEAWALL_INVALID_ARGUMENT` (field
 * `run`). Fields are private. A live run may be moved (copied, the old
 * copy never used again), not duplicated. One thread at a time per run;
 * runs of one policy may run on many threads.
 */
typedef struct seawall_policy_run {
  /**
   * Private storage.
   */
  uint64_t _opaque[40];
} seawall_policy_run;

/**
 * What the caller does next (`spec/policy.md`, "The policy run").
 */
typedef struct seawall_policy_step {
  /**
   * A `SEAWALL_STEP_*` value.
   */
  uint32_t kind;
  /**
   * Attempts started so far by the run.
   */
  uint32_t attempt;
  /**
   * `SEAWALL_STEP_ATTEMPT`: whether the attempt has a time limit.
   */
  uint8_t has_timeout;
  /**
   * After `seawall_policy_run_on_timeout`: 1 when the run keeps the
   * cut-off attempt's bulkhead slot until `seawall_policy_run_settle`.
   */
  uint8_t slot_held;
  /**
   * `SEAWALL_STEP_ATTEMPT`: the attempt's limit, ns.
   */
  uint64_t timeout_ns;
  /**
   * `SEAWALL_STEP_WAIT_FOR_SLOT`: the longest wait, ns.
   */
  uint64_t max_wait_ns;
  /**
   * `SEAWALL_STEP_SLEEP`: ns.
   */
  uint64_t delay_ns;
  /**
   * `SEAWALL_STEP_FALLBACK` / `SEAWALL_STEP_FAIL`: the error as a status;
   * `SEAWALL_OK` for the caller's own last failure.
   */
  enum seawall_status error;
  /**
   * With `SEAWALL_RETRY_EXHAUSTED` / `SEAWALL_RETRY_BUDGET_EXHAUSTED`:
   * attempts made; else 0.
   */
  uint32_t error_attempts;
  /**
   * With a retry error: a `seawall_give_up_reason`; else `UINT32_MAX`.
   */
  uint32_t error_reason;
  /**
   * The stage that refused (`"rate_limiter"`, `"circuit_breaker"`,
   * `"bulkhead"`), or `""`. Static: never NULL; do not free.
   */
  const char *stage;
  /**
   * The field an `SEAWALL_INVALID_ARGUMENT` error names (`"step"` for a
   * step out of turn), or `""`. Static: never NULL; do not free.
   */
  const char *error_field;
} seawall_policy_step;

/**
 * Counters of a Redis limiter and its backend.
 */
typedef struct seawall_redis_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * The burst or limit.
   */
  uint64_t limit;
  /**
   * Granted decisions (by Redis or by the failure mode).
   */
  uint64_t allowed;
  /**
   * Denied decisions (by Redis or by the failure mode).
   */
  uint64_t denied;
  /**
   * Decisions Redis answered (backend-wide).
   */
  uint64_t redis_ok;
  /**
   * Redis errors, timeouts excluded (backend-wide).
   */
  uint64_t errors;
  /**
   * Decisions that hit the deadline (backend-wide).
   */
  uint64_t timeouts;
  /**
   * Decisions answered by the failure mode (backend-wide).
   */
  uint64_t fallbacks;
  /**
   * Of those, answered by the open breaker without trying Redis.
   */
  uint64_t short_circuited;
  /**
   * Connections opened.
   */
  uint64_t connects;
  /**
   * 1 while the breaker around Redis is open or half-open, else 0.
   */
  uint8_t breaker_open;
} seawall_redis_metrics;

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Options of a region, used only by the process that creates its file.
 * Versioned like every config: initialise with
 * `seawall_region_config_default()` or `seawall_region_config_init`.
 */
typedef struct seawall_region_config {
  /**
   * Set by `seawall_region_config_init` to the caller's `sizeof`.
   */
  uint32_t struct_size;
  /**
   * Slots in the directory (named primitives the region can hold).
   * Default 256, `1..=65536`.
   */
  uint32_t slots;
  /**
   * Total bytes of the file. Default 64 MiB (pages cost memory only
   * once touched).
   */
  uint64_t size;
} seawall_region_config;
#endif

/**
 * One label: a Prometheus label name and its value (UTF-8, NUL-terminated).
 */
typedef struct seawall_label {
  /**
   * `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed, not one the export uses.
   */
  const char *name;
  /**
   * Any UTF-8 of at most 1024 bytes.
   */
  const char *value;
} seawall_label;

/**
 * How a retry is built (its backoff is a parameter of
 * `seawall_retry_new`). Fill it with `seawall_retry_config_default()`.
 *
 * | field | default | valid |
 * |---|---|---|
 * | retry_budget | NULL | NULL: no budget |
 * | max_attempts | 0 | 0: the backoff's `max_attempts`; else 1 ..= the backoff's |
 */
typedef struct seawall_retry_config {
  /**
   * Set by `seawall_retry_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Calls per run, the first included; 0 means the backoff's `max_attempts`.
   */
  uint32_t max_attempts;
  /**
   * A retry budget shared with other retries, or NULL. The retry keeps
   * its own reference: the handle may be freed after `seawall_retry_new`.
   */
  const struct seawall_retry_budget *retry_budget;
} seawall_retry_config;

/**
 * The state of one retried call: plain data the caller owns (on the
 * stack, in a request struct); nothing is allocated, nothing to free.
 * `seawall_retry_start` fills it; `seawall_retry_on_success`,
 * `_on_failure` and `_abandon` step it, always with the retry that
 * started it. It may be copied and stored. Read `attempts`, `retries`,
 * `status` and `give_up_*`; the other fields are working state. Field
 * values not written by seawall are refused (`SEAWALL_INVALID_ARGUMENT`,
 * field `state`), never undefined behaviour. NOT thread-safe: one thread
 * at a time per state.
 */
typedef struct seawall_retry_state {
  /**
   * Attempts that have finished (failed or succeeded) so far.
   */
  uint32_t attempts;
  /**
   * A `SEAWALL_RETRY_*` status value.
   */
  uint32_t status;
  /**
   * After `SEAWALL_RETRY_GAVE_UP`: a `seawall_give_up_reason`.
   */
  uint32_t give_up_reason;
  /**
   * Retries scheduled so far (delays handed out).
   */
  uint32_t retries;
  /**
   * Whether the backoff schedule has started (at the first failure).
   */
  uint8_t has_schedule;
  /**
   * Whether the schedule has ended.
   */
  uint8_t schedule_done;
  /**
   * Whether `deadline_ns` applies.
   */
  uint8_t has_deadline;
  /**
   * When the schedule started (backoff clock, ns).
   */
  uint64_t schedule_start_ns;
  /**
   * The previous delay (decorrelated jitter), ns.
   */
  uint64_t schedule_prev_ns;
  /**
   * The schedule's random stream.
   */
  uint64_t schedule_rng;
  /**
   * When the first attempt started (backoff clock, ns).
   */
  uint64_t origin_ns;
  /**
   * The run's deadline (backoff clock, ns).
   */
  uint64_t deadline_ns;
} seawall_retry_state;

/**
 * One failed attempt, as the caller classified and measured it.
 */
typedef struct seawall_retry_failure {
  /**
   * Whether the failure is worth retrying (0 no, else yes; see
   * `seawall_classify_chain` for the defaults).
   */
  uint8_t retryable;
  /**
   * Whether `retry_after_ns` applies.
   */
  uint8_t has_retry_after;
  /**
   * A server hint (Retry-After), ns; replaces the computed delay.
   */
  uint64_t retry_after_ns;
  /**
   * How long the failed attempt took, ns (only the first failure's is used).
   */
  uint64_t duration_ns;
} seawall_retry_failure;

/**
 * The run's answer to a failure.
 */
typedef struct seawall_retry_step {
  /**
   * `SEAWALL_RETRY_STEP_SLEEP` or `SEAWALL_RETRY_STEP_GIVE_UP`.
   */
  uint32_t kind;
  /**
   * When giving up: a `seawall_give_up_reason`.
   */
  uint32_t reason;
  /**
   * When giving up: calls made, the first included.
   */
  uint32_t attempts;
  /**
   * When giving up, what to return: `SEAWALL_OK` for
   * `SEAWALL_GIVE_UP_NOT_RETRYABLE` (return the failure itself),
   * `SEAWALL_RETRY_BUDGET_EXHAUSTED` for the budget, else
   * `SEAWALL_RETRY_EXHAUSTED`.
   */
  enum seawall_status error;
  /**
   * When sleeping: ns.
   */
  uint64_t delay_ns;
} seawall_retry_step;

/**
 * Configuration of a retry budget; fill it with
 * `seawall_retry_budget_config_default()`.
 *
 * | field | default | rule |
 * |---|---|---|
 * | max_tokens | 10 | integer in [1, 1000000] |
 * | token_ratio | 0.1 | finite, > 0, ≤ 1000000; rounded to thousandths, ≥ 0.001 |
 */
typedef struct seawall_retry_budget_config {
  /**
   * Set by `seawall_retry_budget_config_init` to the caller's `sizeof`: the bytes of this
   * struct the library reads (fields beyond keep their defaults).
   */
  uint32_t struct_size;
  /**
   * Size of the bucket; retries stop when it is half empty.
   */
  uint32_t max_tokens;
  /**
   * Tokens each success gives back.
   */
  double token_ratio;
} seawall_retry_budget_config;

/**
 * A snapshot of a retry budget.
 */
typedef struct seawall_retry_budget_metrics {
  /**
   * The caller's `sizeof` of this struct, set before the call: the
   * library writes only that many bytes (an older, shorter struct gets
   * the fields it has; fields it does not know, a newer one gets as 0).
   */
  uint32_t struct_size;
  /**
   * Current tokens in thousandths.
   */
  uint64_t tokens_milli;
  /**
   * `max_tokens` in thousandths.
   */
  uint64_t max_tokens_milli;
  /**
   * Retries are allowed while `tokens_milli` is above this.
   */
  uint64_t threshold_milli;
  /**
   * `try_retry` calls that allowed a retry.
   */
  uint64_t retries_allowed;
  /**
   * `try_retry` calls that denied one.
   */
  uint64_t retries_denied;
  /**
   * Successes recorded.
   */
  uint64_t successes;
  /**
   * Failures recorded (by `try_retry` and `record_failure`).
   */
  uint64_t failures;
} seawall_retry_budget_metrics;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * The version of the library running, as `SEAWALL_VERSION_NUMBER` spells
 * the header's: a program checks `seawall_version_number() / 10000 ==
 * SEAWALL_VERSION_MAJOR` and `>= SEAWALL_VERSION_NUMBER` at start-up.
 * Thread-safe; cannot fail.
 */
uint32_t seawall_version_number(void);

/**
 * The library version, e.g. `"0.1.0"`: a static NUL-terminated string.
 * Thread-safe; never NULL; do not free.
 */
const char *seawall_version(void);

/**
 * A static, NUL-terminated name for a `seawall_status` value (e.g.
 * `"circuit_open"`, the wire name used by every binding). Takes an `int` so
 * any value is safe: unknown values give `"unknown"`. Thread-safe; never
 * NULL; do not free.
 */
const char *seawall_status_str(int status);

/**
 * This thread's message for the last failed seawall call (e.g.
 * `"invalid config: rate_per_sec must be a finite number > 0, got NaN"`),
 * or `""` if the last call succeeded. Valid until the next seawall call on
 * the same thread; owned by seawall, do not free. Never NULL.
 */
const char *seawall_last_error_message(void);

/**
 * The field or parameter this thread's last failed call named, in C
 * spelling (`"open_duration_ns"`, `"n"`, `"out"`), or `""` when it named
 * none. A static string: never NULL; do not free. Thread-safe.
 */
const char *seawall_last_error_field(void);

/**
 * After a rejection by `seawall_policy_try_acquire` on this thread: the
 * stage that refused, `"rate_limiter"`, `"circuit_breaker"` or
 * `"bulkhead"`; `""` after any other call. A static string: never NULL;
 * do not free. Thread-safe.
 */
const char *seawall_last_error_stage(void);

/**
 * After `SEAWALL_CIRCUIT_OPEN` or `SEAWALL_RATE_LIMITED` on this thread:
 * how long until the call could be admitted, in ns; 0 after any other
 * status. Thread-safe (reads this thread's last error).
 */
uint64_t seawall_last_error_retry_after_ns(void);

/**
 * Copies this thread's last error to `*out` (writing `out->struct_size`
 * bytes at most; it must be at least 8) and clears it. Reads the error of
 * the call before it: unlike other functions it does not clear the last
 * error first. Thread-safe (this thread's error). Returns `SEAWALL_OK`
 * (`out->status` is the last call's status, `SEAWALL_OK` if it
 * succeeded), `SEAWALL_INVALID_ARGUMENT` (`struct_size` below 8; nothing
 * written) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_last_error_take(struct seawall_error *out);

#if defined(SEAWALL_TEST_HOOKS)
/**
 * Test hook: panics inside seawall. Returns `SEAWALL_PANIC` and the process
 * goes on; proves that no panic crosses the C boundary. Thread-safe.
 */
enum seawall_status seawall_test_panic(void);
#endif

extern int pthread_atfork(void (*prepare)(void),
                          void (*parent)(void),
                          void (*child)(void));

/**
 * Fills `*config` with the defaults (see `seawall_adaptive_timeout_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_adaptive_timeout_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_adaptive_timeout_config_init(struct seawall_adaptive_timeout_config *config,
                                                         size_t size);

/**
 * Creates an adaptive timeout on the monotonic clock (the first window
 * starts now) and writes it to `*out`. `config` is read, not kept. The
 * caller owns `*out` and frees it with `seawall_adaptive_timeout_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the field, e.g.
 * `max_timeout_ns`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_adaptive_timeout_new(const struct seawall_adaptive_timeout_config *config,
                                                 struct seawall_adaptive_timeout **out);

/**
 * Like `seawall_adaptive_timeout_new`, on `clock`. The caller owns `*out` and frees
 * it with `seawall_adaptive_timeout_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_adaptive_timeout_new_with_clock(const struct seawall_adaptive_timeout_config *config,
                                                            const struct seawall_manual_clock *clock,
                                                            struct seawall_adaptive_timeout **out);

/**
 * Frees an adaptive timeout. NULL is a no-op. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_adaptive_timeout_free(struct seawall_adaptive_timeout *adaptive_timeout);

/**
 * Records the latency of one completed call. Thread-safe (two relaxed
 * atomic adds). Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_adaptive_timeout_record(const struct seawall_adaptive_timeout *adaptive_timeout,
                                                    uint64_t latency_ns);

/**
 * Writes the timeout to use for a call starting now to `*out_timeout_ns`.
 * Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_adaptive_timeout_get(const struct seawall_adaptive_timeout *adaptive_timeout,
                                                 uint64_t *out_timeout_ns);

/**
 * Writes a snapshot (samples, p50/p95/p99, timeout) to `*out`.
 * Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_adaptive_timeout_get_metrics(const struct seawall_adaptive_timeout *adaptive_timeout,
                                                         struct seawall_adaptive_timeout_metrics *out);

/**
 * Fills `*config` with the defaults (see `seawall_backoff_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_backoff_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_config_init(struct seawall_backoff_config *config,
                                                size_t size);

/**
 * Creates a backoff on the monotonic clock and writes it to `*out`.
 * `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_backoff_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
 * (the last error names the field, e.g. `max_delay_ns`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_new(const struct seawall_backoff_config *config,
                                        struct seawall_backoff **out);

/**
 * Like `seawall_backoff_new`, reading elapsed time from `clock` (the
 * backoff keeps its own reference; the clock may be freed first).
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_new_with_clock(const struct seawall_backoff_config *config,
                                                   const struct seawall_manual_clock *clock,
                                                   struct seawall_backoff **out);

/**
 * Frees a backoff. NULL is a no-op. Schedule states it started cannot be
 * used after it is freed (every schedule call takes the backoff).
 * Not thread-safe: must not race other calls on the same handle.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_backoff_free(struct seawall_backoff *backoff);

/**
 * Writes the un-jittered delay before retry `attempt` (1-based; 0 gives 0)
 * to `*out_delay_ns`. Pure: no RNG, no clock. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_delay_for(const struct seawall_backoff *backoff,
                                              uint32_t attempt,
                                              uint64_t *out_delay_ns);

/**
 * Writes a snapshot of the backoff's counters to `*out`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_get_metrics(const struct seawall_backoff *backoff,
                                                struct seawall_backoff_metrics *out);

/**
 * Starts the schedule of one retried call (elapsed time counts from now)
 * and writes its state to `*out_state` (caller-owned storage; nothing is
 * allocated). Counts a schedule in the metrics. Thread-safe on `backoff`.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_start(const struct seawall_backoff *backoff,
                                          struct seawall_backoff_schedule_state *out_state);

/**
 * After a failed call: advances `*state` and writes the delay before the
 * next retry, or `give_up = true`, to `*out`. Elapsed time is read from
 * the backoff's clock. If `has_retry_after`, `retry_after_ns` (a server's
 * Retry-After) replaces the computed delay, uncapped but still subject to
 * `max_elapsed_ns`. Giving up ends the schedule (its retries are counted).
 * Thread-safe on `backoff`, not on `state`. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_next_delay(const struct seawall_backoff *backoff,
                                               struct seawall_backoff_schedule_state *state,
                                               uint8_t has_retry_after,
                                               uint64_t retry_after_ns,
                                               struct seawall_backoff_delay *out);

/**
 * Like `seawall_backoff_next_delay` with the elapsed time since the
 * schedule began given by the caller. Thread-safe on `backoff`, not on
 * `state`. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_next_delay_elapsed(const struct seawall_backoff *backoff,
                                                       struct seawall_backoff_schedule_state *state,
                                                       uint64_t elapsed_ns,
                                                       uint8_t has_retry_after,
                                                       uint64_t retry_after_ns,
                                                       struct seawall_backoff_delay *out);

/**
 * Ends the schedule `*state` (the call succeeded or was abandoned): its
 * retries are counted in the backoff's metrics once, and it gives up from
 * now on (`done` is set). Idempotent: a schedule that gave up or was
 * finished already is left as it is. Pass the backoff that started it.
 * Nothing to free. Thread-safe on `backoff`, not on `state`. Returns
 * `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_backoff_finish(const struct seawall_backoff *backoff,
                                           struct seawall_backoff_schedule_state *state);

/**
 * Fills `*config` with the defaults (see `seawall_bulkhead_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_bulkhead_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_config_init(struct seawall_bulkhead_config *config,
                                                 size_t size);

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Creates (first process) or attaches to (later ones) the bulkhead
 * `name` in `region` and writes it to `*out`: one limit on calls in
 * flight across every process that does so. Needs `max_queue == 0`. The
 * permits of a process that dies holding them come back (at a refused
 * acquire, at most every 100 ms). `config` is read, not kept. The caller
 * owns `*out` and frees it with `seawall_bulkhead_free`. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for another config
 * than the region's, naming the field), `SEAWALL_INVALID_ARGUMENT`
 * (`name`), `SEAWALL_SHARED_REGION` (the region is full) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_new_in_region(const struct seawall_bulkhead_config *config,
                                                   const struct seawall_region *region,
                                                   const char *name,
                                                   struct seawall_bulkhead **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Like `seawall_bulkhead_new_in_region`, on `clock` (for tests: the
 * conformance vectors run against region-backed instances this way).
 * Every process attached to the same `name` must use the same clock.
 * The caller owns `*out` and frees it with `seawall_bulkhead_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
 * another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_bulkhead_new_in_region`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_new_in_region_with_clock(const struct seawall_bulkhead_config *config,
                                                              const struct seawall_manual_clock *clock,
                                                              const struct seawall_region *region,
                                                              const char *name,
                                                              struct seawall_bulkhead **out);
#endif

/**
 * Creates a bulkhead on the monotonic clock and writes it to `*out`.
 * `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_bulkhead_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
 * (naming `max_concurrent`, `max_queue` or `max_wait_ns`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_new(const struct seawall_bulkhead_config *config,
                                         struct seawall_bulkhead **out);

/**
 * Like `seawall_bulkhead_new`, on `clock`: blocking waits then end when
 * the manual clock passes their deadline (a waiter re-reads it every
 * millisecond of real time, so another thread advances it). The caller
 * owns `*out` and frees it with `seawall_bulkhead_free`. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_new_with_clock(const struct seawall_bulkhead_config *config,
                                                    const struct seawall_manual_clock *clock,
                                                    struct seawall_bulkhead **out);

/**
 * Frees a bulkhead handle. NULL is a no-op. Permits and waiters still
 * held keep the bulkhead alive until they are released / freed. Freeing
 * a handle twice is undefined behaviour, as for `free()`. Not
 * thread-safe: must not race other calls on the same handle.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_bulkhead_free(struct seawall_bulkhead *bulkhead);

/**
 * Takes a slot if one is free and nobody waits; never blocks. On
 * `SEAWALL_OK` writes a permit to `*out_permit`: give it back with
 * `seawall_bulkhead_release`. Thread-safe (lock-free). Returns
 * `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_try_acquire(const struct seawall_bulkhead *bulkhead,
                                                 struct seawall_bulkhead_permit **out_permit);

/**
 * Takes a slot, blocking the calling thread up to `timeout_ns` in the FIFO
 * queue when the bulkhead is full (measured on the bulkhead's clock).
 * Returns at once when a slot is free; rejects at once when the queue is
 * full, `max_queue` is 0 or `timeout_ns` is 0. Thread-safe. Returns
 * `SEAWALL_OK` (permit in `*out_permit`), `SEAWALL_BULKHEAD_FULL` (queue
 * full, or the wait ran out) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_acquire(const struct seawall_bulkhead *bulkhead,
                                             uint64_t timeout_ns,
                                             struct seawall_bulkhead_permit **out_permit);

/**
 * `seawall_bulkhead_acquire` until an absolute `deadline_ns` on the
 * bulkhead's clock (`seawall_monotonic_now_ns()` time, or the manual
 * clock's), so one deadline can bound several stages of a call; a deadline
 * already past rejects at once unless a slot is free. The caller owns the
 * permit and gives it back with `seawall_bulkhead_release`. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_acquire_until(const struct seawall_bulkhead *bulkhead,
                                                   uint64_t deadline_ns,
                                                   struct seawall_bulkhead_permit **out_permit);

/**
 * `seawall_bulkhead_acquire` with the configured `max_wait_ns`; the
 * caller owns the permit and gives it back with `seawall_bulkhead_release`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_acquire_default(const struct seawall_bulkhead *bulkhead,
                                                     struct seawall_bulkhead_permit **out_permit);

/**
 * Gives the slot of the permit `*permit` back (to the oldest waiter if
 * anyone waits), frees the permit and writes NULL to `*permit`, so a
 * second release through the same variable is refused, not a double free.
 * Any thread, one call at a time per permit. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `permit`: `*permit` is NULL, released
 * already or never acquired; nothing happens, so cleanup paths may ignore
 * it) or `SEAWALL_NULL_ARGUMENT` (`permit`). A copy of a permit pointer
 * released after the original is undefined behaviour, like `free()`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_release(struct seawall_bulkhead_permit **permit);

/**
 * Takes a slot if possible, else joins the FIFO queue without blocking.
 * On `SEAWALL_OK` exactly one of `*out_permit` (a slot was free) and
 * `*out_waiter` (queued: claim it later with
 * `seawall_bulkhead_waiter_try_claim` or `_wait`) is non-NULL; the other is
 * set to NULL. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL`
 * (the queue is full) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_enqueue(const struct seawall_bulkhead *bulkhead,
                                             struct seawall_bulkhead_permit **out_permit,
                                             struct seawall_bulkhead_waiter **out_waiter);

/**
 * If a slot has been handed to this waiter, writes its permit to
 * `*out_permit` (the caller owns it; give it back with
 * `seawall_bulkhead_release`; the waiter is then done); otherwise writes NULL (still
 * queued, or already claimed). Does not block. Not thread-safe on
 * `waiter`. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_waiter_try_claim(struct seawall_bulkhead_waiter *waiter,
                                                      struct seawall_bulkhead_permit **out_permit);

/**
 * Blocks up to `timeout_ns` for this waiter's slot. `SEAWALL_OK`: the
 * permit is in `*out_permit`. `SEAWALL_BULKHEAD_FULL`: the wait ran out
 * and the waiter left the queue (or it was already claimed or gone). The
 * waiter is done either way; free it. Not thread-safe on `waiter`. Also
 * returns `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_waiter_wait(struct seawall_bulkhead_waiter *waiter,
                                                 uint64_t timeout_ns,
                                                 struct seawall_bulkhead_permit **out_permit);

/**
 * Frees a waiter; if it is still queued it leaves the queue (a slot
 * already handed to it is passed on). NULL is a no-op. Not thread-safe
 * with other calls on the same waiter.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_bulkhead_waiter_free(struct seawall_bulkhead_waiter *waiter);

/**
 * Writes a snapshot of the counters to `*out`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_bulkhead_get_metrics(const struct seawall_bulkhead *bulkhead,
                                                 struct seawall_bulkhead_metrics *out);

/**
 * Fills `*config` with the defaults (see `seawall_circuit_breaker_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_circuit_breaker_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_config_init(struct seawall_circuit_breaker_config *config,
                                                        size_t size);

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Creates (first process) or attaches to (later ones) the breaker `name`
 * in `region` and writes it to `*out`: one state for every process that
 * does so (opened by one, it rejects in all at their next call). Each
 * process's listeners hear every transition once, at its next call on the
 * breaker or `seawall_circuit_breaker_poll_transitions`. `config` is read,
 * not kept. The caller owns `*out` and frees it with
 * `seawall_circuit_breaker_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` (also for another config than the region's,
 * naming the field), `SEAWALL_INVALID_ARGUMENT` (`name`),
 * `SEAWALL_SHARED_REGION` (the region is full) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_new_in_region(const struct seawall_circuit_breaker_config *config,
                                                          const struct seawall_region *region,
                                                          const char *name,
                                                          struct seawall_circuit_breaker **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Like `seawall_circuit_breaker_new_in_region`, on `clock` (for tests: the
 * conformance vectors run against region-backed instances this way).
 * Every process attached to the same `name` must use the same clock.
 * The caller owns `*out` and frees it with `seawall_circuit_breaker_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
 * another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_circuit_breaker_new_in_region`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_new_in_region_with_clock(const struct seawall_circuit_breaker_config *config,
                                                                     const struct seawall_manual_clock *clock,
                                                                     const struct seawall_region *region,
                                                                     const char *name,
                                                                     struct seawall_circuit_breaker **out);
#endif

/**
 * Fires this process's listeners for transitions other processes made
 * to a breaker in a shared region since this process last looked (any
 * call on the breaker does this too; a process idle for a while can call
 * this from a timer). Does nothing for a breaker on the heap.
 * Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_poll_transitions(const struct seawall_circuit_breaker *breaker);

/**
 * Creates a closed breaker on the monotonic clock and writes it to `*out`.
 * `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_circuit_breaker_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` (the last error names the field, e.g.
 * `open_duration_ns`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_new(const struct seawall_circuit_breaker_config *config,
                                                struct seawall_circuit_breaker **out);

/**
 * Like `seawall_circuit_breaker_new`, on `clock` (the breaker keeps its own
 * reference; the clock may be freed first). Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_new_with_clock(const struct seawall_circuit_breaker_config *config,
                                                           const struct seawall_manual_clock *clock,
                                                           struct seawall_circuit_breaker **out);

/**
 * Frees a breaker handle and removes the listeners registered on it:
 * when it returns, none of them is running or will run again, and their
 * `destroy` callbacks have run (unless called from inside a listener of
 * any breaker: then calls running on other threads may still finish, and
 * `destroy` runs after the last). A policy using the breaker keeps
 * working without them. NULL is a no-op. Freeing a handle twice is
 * undefined behaviour, as for `free()`. Not thread-safe: must not race
 * other calls on the same handle (nor run inside one of its listeners).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_circuit_breaker_free(struct seawall_circuit_breaker *breaker);

/**
 * Asks to make one call. `SEAWALL_OK`: make it, then finish the permit
 * written to `*out_permit` exactly once with `_record` or `_release` of
 * this breaker, passing its address. A permit is an opaque, non-zero
 * 64-bit token that names its breaker; finishing writes 0 to it, so a
 * second `_record` of it returns `SEAWALL_INVALID_ARGUMENT` (and a second
 * `_release` does nothing), and a permit from another breaker is
 * refused with `SEAWALL_INVALID_ARGUMENT`; a zeroed `uint64_t` is an empty
 * permit. A permit from before a transition is stale: it counts in the
 * lifetime counters only. Copies of one permit are one permit: finishing
 * each copy is a caller bug seawall cannot see. `SEAWALL_CIRCUIT_OPEN`:
 * don't call; `seawall_last_error_retry_after_ns()` says when the breaker
 * may admit again (`*out_permit` untouched). Closed: one atomic load.
 * Thread-safe. Also returns `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_try_acquire(const struct seawall_circuit_breaker *breaker,
                                                        uint64_t *out_permit);

/**
 * Whether a permit from `_try_acquire` is a half-open probe (false for
 * an empty permit). Pure; thread-safe; cannot fail.
 */
bool seawall_permit_is_probe(uint64_t permit);

/**
 * Records the outcome (a `seawall_outcome` value) of the call `*permit`
 * admitted and how long it took (`duration_ns` above the slow-call
 * threshold makes it slow; ignored for `SEAWALL_OUTCOME_IGNORED`), and
 * writes 0 to `*permit` (finished). May trip, close or re-open the breaker
 * (listeners run on this thread). Thread-safe on `breaker`; one call at a
 * time per permit. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT`
 * (field `outcome`: unknown outcome, the permit stays live; field
 * `permit`: already finished, zero, or issued by another breaker; nothing
 * is recorded) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_record(const struct seawall_circuit_breaker *breaker,
                                                   uint64_t *permit,
                                                   uint32_t outcome,
                                                   uint64_t duration_ns);

/**
 * Finishes a permit whose call produced no outcome (cancelled, or
 * rejected by a later stage): records nothing; a half-open probe gives its
 * slot back; writes 0 to `*permit`. An empty permit (0: finished already,
 * or never admitted) is a no-op, so it is safe in every cleanup path.
 * Thread-safe on `breaker`; one call at a time per permit. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `permit`: issued by
 * another breaker; nothing released) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_release(const struct seawall_circuit_breaker *breaker,
                                                    uint64_t *permit);

/**
 * Writes the current state to `*out_state`. A pure read: an open breaker
 * whose open duration has passed reports open until the next
 * `_try_acquire`. Thread-safe. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_state(const struct seawall_circuit_breaker *breaker,
                                                  enum seawall_circuit_state *out_state);

/**
 * The wire name of a `seawall_circuit_state` value (`"half_open"`), a
 * static string; `"unknown"` for other values. Thread-safe; do not free.
 */
const char *seawall_circuit_state_str(int state);

/**
 * Holds the breaker open (every call rejected) until `_reset`.
 * Listeners run on this thread. Thread-safe. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_force_open(const struct seawall_circuit_breaker *breaker);

/**
 * Admits every call and records nothing until `_reset`. Listeners run
 * on this thread. Thread-safe. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_disable(const struct seawall_circuit_breaker *breaker);

/**
 * Admits every call and records outcomes (fresh windows) without ever
 * tripping, until `_reset`. Listeners run on this thread. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_metrics_only(const struct seawall_circuit_breaker *breaker);

/**
 * Back to closed with fresh windows and the base open duration, from
 * any state; earlier permits become stale. Listeners run on this thread
 * unless it was already closed. Thread-safe. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_reset(const struct seawall_circuit_breaker *breaker);

/**
 * Writes a snapshot of the state and counters to `*out`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_get_metrics(const struct seawall_circuit_breaker *breaker,
                                                        struct seawall_circuit_breaker_metrics *out);

/**
 * Registers `listener`, called after every state transition with
 * `user_data` (see `seawall_transition_fn` for the thread it runs on and
 * what it may call), and writes its id to `*out_id`. `user_data` may be
 * NULL; seawall never reads it. `destroy` may be NULL (nothing to free).
 *
 * Lifetime: the listener fires until `_remove_listener(id)` or
 * `seawall_circuit_breaker_free` of this handle returns (both wait for
 * calls running on other threads, except when called from inside a
 * listener). Then `destroy(user_data)` runs exactly once, if `destroy` is
 * not NULL: free `user_data` in `destroy`, never yourself. With `destroy`
 * NULL, `user_data` must stay valid until `_remove_listener` / `_free`
 * returns, and, if that call came from inside a listener, until calls
 * still running elsewhere return (which only `destroy` tells). If
 * registration fails, `destroy` is not called. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `listener`: no memory
 * to store it) or `SEAWALL_NULL_ARGUMENT` (`breaker`, `listener` or
 * `out_id`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_on_transition(const struct seawall_circuit_breaker *breaker,
                                                          seawall_transition_fn listener,
                                                          void *user_data,
                                                          seawall_destroy_fn destroy,
                                                          uint64_t *out_id);

/**
 * Removes the listener with id `id` registered on this handle; writes
 * whether it was registered to `*out_removed`. When it returns, the
 * listener is not running on any other thread and will not run again, and
 * its `destroy` has run, unless called from inside a listener (of any
 * breaker): waiting there could deadlock, so it returns at once; calls
 * running on other threads may still finish, and `destroy` runs after the
 * last. Do not call it while holding a lock the listener takes.
 * Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_circuit_breaker_remove_listener(const struct seawall_circuit_breaker *breaker,
                                                            uint64_t id,
                                                            bool *out_removed);

/**
 * Whether an HTTP status is retried by default (408, 429, 500, 502, 503,
 * 504). Thread-safe; cannot fail.
 */
bool seawall_is_retryable_status(uint32_t status);

/**
 * Writes the sorted list of retryable HTTP statuses (a static array, do
 * not free) to `*out_statuses` and its length to `*out_len`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retryable_statuses(const uint16_t **out_statuses,
                                               size_t *out_len);

/**
 * The wire name of a kind (`"timed_out"`), a static string; `"unknown"`
 * for `SEAWALL_RETRYABLE_NONE` and unknown values (never NULL, like every
 * `*_str`). Takes a `uint32_t` so any
 * value is safe. Kinds are numbered 1..=5 in declaration order.
 * Thread-safe; do not free.
 */
const char *seawall_retryable_kind_str(uint32_t kind);

/**
 * Parses a kind's wire name (exact, case-sensitive) into `*out_kind`;
 * unknown names give `SEAWALL_RETRYABLE_NONE` (not retryable). Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (not UTF-8, field
 * `kind`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retryable_kind_parse(const char *kind,
                                                 enum seawall_retryable_kind *out_kind);

/**
 * Maps an error code (POSIX errno name such as `"ECONNRESET"`, a
 * getaddrinfo code, a Node/undici `err.code`, a gRPC status name; exact,
 * upper-case) to the kind it means, written to `*out_kind`;
 * `SEAWALL_RETRYABLE_NONE` when the code is not listed. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (not UTF-8, field
 * `code`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retryable_kind_for_code(const char *code,
                                                    enum seawall_retryable_kind *out_kind);

/**
 * Parses a `Retry-After` header value (RFC 9110: delay-seconds, also
 * with a fraction such as `"1.5"`, or an HTTP-date) into a delay in ns,
 * written to `*out_delay_ns`; `*out_valid` is 1 when the value is valid,
 * else 0 (and the delay 0: use the computed backoff delay). `now_unix_ms`
 * is the caller's wall clock (ms since the Unix epoch), used only for
 * dates; a date in the past is 0. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (not UTF-8, field `value`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_parse_retry_after(const char *value,
                                              uint64_t now_unix_ms,
                                              uint8_t *out_valid,
                                              uint64_t *out_delay_ns);

/**
 * Whether a seawall error (given by its status, 1..=10) is retried by
 * default: `SEAWALL_RATE_LIMITED`, `SEAWALL_TIMEOUT` and
 * `SEAWALL_INJECTED_FAULT` are; every other value is not. Thread-safe;
 * cannot fail.
 */
bool seawall_is_retryable_error_status(uint32_t status);

/**
 * Classifies the cause chain `links[0..n]` by `spec/classify.md`: the
 * first link (of at most 32) that has a seawall status, a transport kind
 * or an HTTP status decides; when none does, the error is not retried.
 * Writes the verdict to `*out`. `links` may be NULL when `n` is 0. A
 * `seawall_status` or `transport` value that names nothing is refused.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
 * `links`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_classify_chain(const struct seawall_error_link *links,
                                           size_t n,
                                           struct seawall_verdict *out);

/**
 * The breaker outcome (`seawall_outcome`) of a call that raised an error,
 * by `spec/classify.md`: `ignored` (the caller's ignore rule matched) →
 * ignored; else `recorded` 1 / 0 (the caller's record rule matched / did
 * not) → failure / success; else (`recorded` -1: no record rule) a
 * seawall rejection (`seawall_status` circuit_open, bulkhead_full,
 * rate_limited, invalid_config, invalid_argument) → ignored, anything
 * else → failure. `seawall_status` is the first seawall error's status on
 * the cause chain, 0 for none. Written to `*out_outcome`. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `recorded` not
 * -1, 0 or 1; `seawall_status` not 0..=9) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_outcome_for_error(uint8_t ignored,
                                              int32_t recorded,
                                              uint32_t seawall_status,
                                              uint32_t *out_outcome);

/**
 * Creates a manual clock at `start_ns` and writes it to `*out`.
 * The caller owns it and frees it with `seawall_manual_clock_free`;
 * primitives made with it keep their own reference, so it may be freed first.
 * Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_manual_clock_new(uint64_t start_ns,
                                             struct seawall_manual_clock **out);

/**
 * Frees a manual clock. NULL is a no-op. Not thread-safe with other calls
 * on the same handle.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_manual_clock_free(struct seawall_manual_clock *clock);

/**
 * Moves the clock forward by `ns` (saturating). Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_manual_clock_advance(const struct seawall_manual_clock *clock,
                                                 uint64_t ns);

/**
 * Sets the clock to `ns`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_manual_clock_set(const struct seawall_manual_clock *clock,
                                             uint64_t ns);

/**
 * Writes the clock's time in ns to `*out_ns`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_manual_clock_now(const struct seawall_manual_clock *clock,
                                             uint64_t *out_ns);

/**
 * The host's monotonic clock (`CLOCK_MONOTONIC`) in ns, the clock every
 * primitive uses by default. Thread-safe.
 */
uint64_t seawall_monotonic_now_ns(void);

/**
 * Subscribes `subscriber` to every event from now on (see
 * `seawall_event_fn` for the source, the thread it runs on and what it
 * may call) and writes its id to `*out_id`. `user_data` may be NULL;
 * seawall never reads it. `destroy` may be NULL (nothing to free).
 *
 * Lifetime: it runs until `seawall_events_unsubscribe(id)`. Then
 * `destroy(user_data)` runs exactly once, if `destroy` is not NULL: at
 * once in `_unsubscribe` when no delivery is running, else on the thread
 * of the last running delivery, when it returns. Free `user_data` in
 * `destroy`, never yourself. If subscribing fails, `destroy` is not
 * called. Thread-safe (cold path: takes a process-wide lock). Returns
 * `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT` (`subscriber` or `out_id`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h; `subscriber` and `destroy` follow
 * `seawall_event_fn` and `seawall_destroy_fn`.
 */
enum seawall_status seawall_events_subscribe(seawall_event_fn subscriber,
                                             void *user_data,
                                             seawall_destroy_fn destroy,
                                             uint64_t *out_id);

/**
 * Removes the subscriber with id `id`; writes whether it was subscribed
 * to `*out_removed`. No new delivery to it starts; a delivery running on
 * another thread finishes (then its `destroy` runs there). Thread-safe
 * (cold path: takes a process-wide lock). Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_events_unsubscribe(uint64_t id,
                                               bool *out_removed);

/**
 * Fills `*config` with the defaults (see `seawall_fault_injector_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_fault_injector_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_fault_injector_config_init(struct seawall_fault_injector_config *config,
                                                       size_t size);

/**
 * Creates a fault injector (seeded from the monotonic clock when no seed
 * is given) and writes it to `*out`. `config` is read, not kept. The
 * caller owns `*out` and frees it with `seawall_fault_injector_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the field, e.g.
 * `delay_rate`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_fault_injector_new(const struct seawall_fault_injector_config *config,
                                               struct seawall_fault_injector **out);

/**
 * Like `seawall_fault_injector_new`, on `clock`. The caller owns `*out` and frees
 * it with `seawall_fault_injector_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_fault_injector_new_with_clock(const struct seawall_fault_injector_config *config,
                                                          const struct seawall_manual_clock *clock,
                                                          struct seawall_fault_injector **out);

/**
 * Frees a fault injector. NULL is a no-op. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_fault_injector_free(struct seawall_fault_injector *injector);

/**
 * Decides what to do to one call and writes it to `*out`
 * (`SEAWALL_FAULT_NONE` while switched off). Thread-safe. Returns
 * `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_fault_injector_decide(const struct seawall_fault_injector *injector,
                                                  struct seawall_fault *out);

/**
 * `_decide` as a status: `SEAWALL_INJECTED_FAULT` when the call must fail;
 * else `SEAWALL_OK` with the delay to apply first (0 for none) in
 * `*out_delay_ns`. Thread-safe. Also returns `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_fault_injector_check(const struct seawall_fault_injector *injector,
                                                 uint64_t *out_delay_ns);

/**
 * The wire name of a `seawall_fault_kind` value (`"none"`, `"error"`,
 * `"delay"`), a static string; `"unknown"` for other values. Thread-safe.
 */
const char *seawall_fault_kind_str(int kind);

/**
 * Switches the injector on or off at run time. Thread-safe. Returns
 * `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_fault_injector_set_enabled(const struct seawall_fault_injector *injector,
                                                       uint8_t enabled);

/**
 * Writes the counters to `*out`. Thread-safe. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_fault_injector_get_metrics(const struct seawall_fault_injector *injector,
                                                       struct seawall_fault_injector_metrics *out);

/**
 * Creates a quota policy named `name` (copied) allowing `limit` requests
 * per `window_ns`, and writes it to `*out`. The caller owns `*out` and
 * frees it with `seawall_quota_policy_free`. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `name`: empty, longer
 * than 64, or not printable ASCII) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_quota_policy_new(const char *name,
                                             uint64_t limit,
                                             uint64_t window_ns,
                                             struct seawall_quota_policy **out);

/**
 * Creates the quota policy a token bucket advertises (`q` = burst, `w` =
 * burst × emission interval) and writes it to `*out`. The caller owns
 * `*out` and frees it with `seawall_quota_policy_free`. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `name`),
 * `SEAWALL_INVALID_CONFIG` (the bucket's config) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_quota_policy_from_token_bucket(const char *name,
                                                           const struct seawall_token_bucket_config *config,
                                                           struct seawall_quota_policy **out);

/**
 * Creates the quota policy a sliding window advertises (`q` = limit, `w`
 * = window) and writes it to `*out`. The caller owns `*out` and frees it
 * with `seawall_quota_policy_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `name`), `SEAWALL_INVALID_CONFIG` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_quota_policy_from_sliding_window(const char *name,
                                                             const struct seawall_sliding_window_config *config,
                                                             struct seawall_quota_policy **out);

/**
 * Frees a quota policy. NULL is a no-op. Not thread-safe: must not race
 * other calls on the same handle.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_quota_policy_free(struct seawall_quota_policy *policy);

/**
 * Writes the headers for `*decision` (from any limiter's `try_acquire`)
 * under `policy`, as numbers, to `*out`. Allocates nothing. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_rate_limit_headers_get(const struct seawall_quota_policy *policy,
                                                   const struct seawall_decision *decision,
                                                   struct seawall_rate_limit_headers *out);

/**
 * The name of header `header` (a `SEAWALL_HEADER_*` value), e.g.
 * `"RateLimit-Policy"`; `"unknown"` for other values. A static string:
 * never NULL; do not free. Thread-safe.
 */
const char *seawall_rate_limit_header_name(uint32_t header);

/**
 * Formats the value of header `header` (a `SEAWALL_HEADER_*`) for
 * `*decision` under `policy` into `buf` (caller-owned, `buf_len` bytes),
 * NUL-terminated, like `snprintf`: `*out_len` is set to the value's
 * length (without the NUL) on `SEAWALL_OK` and when `buf_len` is too
 * small (then `SEAWALL_INVALID_ARGUMENT`, field `buf_len`, and `buf` is
 * untouched: call again with `*out_len + 1` bytes; 160 bytes always fit).
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
 * `header`: unknown, or `Retry-After` for an allowed request, which sends
 * none; field `buf_len`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_rate_limit_header_value(const struct seawall_quota_policy *policy,
                                                    const struct seawall_decision *decision,
                                                    uint32_t header,
                                                    char *buf,
                                                    size_t buf_len,
                                                    size_t *out_len);

/**
 * Fills `*config` with the defaults (see `seawall_token_bucket_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_token_bucket_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_config_init(struct seawall_token_bucket_config *config,
                                                     size_t size);

/**
 * Creates a token bucket on the monotonic clock and writes it to `*out`.
 * `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` (naming `burst`, `rate_per_sec` or
 * `initial_tokens`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_new(const struct seawall_token_bucket_config *config,
                                             struct seawall_token_bucket **out);

/**
 * Like `seawall_token_bucket_new`, on `clock`. The caller owns `*out` and frees
 * it with `seawall_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_new_with_clock(const struct seawall_token_bucket_config *config,
                                                        const struct seawall_manual_clock *clock,
                                                        struct seawall_token_bucket **out);

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Creates (first process) or attaches to (later ones) the token bucket
 * `name` in `region`, on `CLOCK_MONOTONIC`, and writes it to `*out`: every
 * process that does so shares one bucket. `config` is read, not kept. The
 * caller owns `*out` and frees it with `seawall_token_bucket_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also when
 * the region's bucket has another config: the last error names the field
 * and both values), `SEAWALL_INVALID_ARGUMENT` (`name`),
 * `SEAWALL_SHARED_REGION` (the region is full) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_new_in_region(const struct seawall_token_bucket_config *config,
                                                       const struct seawall_region *region,
                                                       const char *name,
                                                       struct seawall_token_bucket **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Like `seawall_token_bucket_new_in_region`, on `clock` (for tests: the
 * conformance vectors run against region-backed instances this way).
 * Every process attached to the same `name` must use the same clock.
 * The caller owns `*out` and frees it with `seawall_token_bucket_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
 * another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_token_bucket_new_in_region`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_new_in_region_with_clock(const struct seawall_token_bucket_config *config,
                                                                  const struct seawall_manual_clock *clock,
                                                                  const struct seawall_region *region,
                                                                  const char *name,
                                                                  struct seawall_token_bucket **out);
#endif

/**
 * Frees a token bucket. NULL is a no-op. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_token_bucket_free(struct seawall_token_bucket *bucket);

/**
 * Takes `n` tokens if available now and writes the decision to `*out`:
 * `SEAWALL_OK` with `out->allowed` true (granted) or false (denied, nothing
 * taken; `retry_after_ns` says when). One clock read and one CAS loop.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n` is 0
 * or above `burst`: never grantable) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_try_acquire(const struct seawall_token_bucket *bucket,
                                                     uint64_t n,
                                                     struct seawall_decision *out);

/**
 * What `_try_acquire(n)` would answer now, taking nothing. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_peek(const struct seawall_token_bucket *bucket,
                                              uint64_t n,
                                              struct seawall_decision *out);

/**
 * Gives back `n` tokens granted earlier whose call never went out, never
 * above `burst`. Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_refund(const struct seawall_token_bucket *bucket,
                                                uint64_t n);

/**
 * Writes a snapshot of the bucket to `*out`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_get_metrics(const struct seawall_token_bucket *bucket,
                                                     struct seawall_token_bucket_metrics *out);

/**
 * Takes `n` tokens now, or reserves them in FIFO order for the earliest
 * time they are due if that is at most `max_wait_ns` away (GCRA
 * reservation; see spec/token_bucket.md, "Waiting acquires"). Never
 * blocks. `SEAWALL_OK` and `*out_wait` NULL: granted now, `*out` holds the
 * decision. `SEAWALL_OK` and `*out_wait` non-NULL: waiting; `*out` has
 * `allowed` false and `retry_after_ns` = time until due; the caller owns
 * `*out_wait` (claim it with `seawall_limiter_wait_try_claim` or
 * `seawall_limiter_wait_wait`, and free it with `seawall_limiter_wait_free`,
 * which gives an unclaimed reservation back). `SEAWALL_RATE_LIMITED`: the
 * tokens come later than `max_wait_ns`; nothing taken, `*out` has
 * `allowed` false and the exact `retry_after_ns`. Thread-safe. Also
 * returns `SEAWALL_INVALID_ARGUMENT` (`n` is 0 or above `burst`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_reserve(const struct seawall_token_bucket *bucket,
                                                 uint64_t n,
                                                 uint64_t max_wait_ns,
                                                 struct seawall_decision *out,
                                                 struct seawall_limiter_wait **out_wait);

/**
 * Takes `n` tokens, blocking the calling thread up to `timeout_ns` (on
 * the bucket's clock) in FIFO order: reserve, then sleep until they are
 * due (a manual clock wakes the thread when it is moved there). Refused at
 * once, without sleeping, when they would come later. Thread-safe.
 * Returns `SEAWALL_OK` (`*out` holds the granted decision),
 * `SEAWALL_RATE_LIMITED` (`*out` has `allowed` false and `retry_after_ns`),
 * `SEAWALL_INVALID_ARGUMENT` (`n`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_token_bucket_acquire_wait(const struct seawall_token_bucket *bucket,
                                                      uint64_t n,
                                                      uint64_t timeout_ns,
                                                      struct seawall_decision *out);

/**
 * Claims the wait if it is due now. `SEAWALL_OK` with `out->allowed` true:
 * granted (counted once), the wait is finished; with `out->allowed` false:
 * not yet, `out->retry_after_ns` = time until due. `SEAWALL_RATE_LIMITED`:
 * the limiter had to refuse it (a sliding window whose due time moved past
 * the deadline; `out->retry_after_ns` set), finished. Does not block. Not
 * thread-safe on `wait`. Also returns `SEAWALL_INVALID_ARGUMENT` (naming
 * `wait`: already finished) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_limiter_wait_try_claim(struct seawall_limiter_wait *wait,
                                                   struct seawall_decision *out);

/**
 * Blocks the calling thread until the wait is due and claims it (a
 * monotonic clock sleeps until then; a manual clock wakes the thread when
 * it is moved there). The wait is finished afterwards. Not thread-safe on
 * `wait`. Returns `SEAWALL_OK` (`*out` granted), `SEAWALL_RATE_LIMITED`
 * (refused, as for `_try_claim`), `SEAWALL_INVALID_ARGUMENT` (naming
 * `wait`: already finished) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_limiter_wait_wait(struct seawall_limiter_wait *wait,
                                              struct seawall_decision *out);

/**
 * Nanoseconds on the limiter's clock until the wait is due; 0 when due or
 * finished. `wait` may be NULL (then 0). Not thread-safe on `wait`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
uint64_t seawall_limiter_wait_due_in_ns(const struct seawall_limiter_wait *wait);

/**
 * Frees a wait; one never claimed gives its reservation back (counted as
 * one denial). NULL is a no-op. Not thread-safe with other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_limiter_wait_free(struct seawall_limiter_wait *wait);

/**
 * Fills `*config` with the defaults (see `seawall_sliding_window_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_sliding_window_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_config_init(struct seawall_sliding_window_config *config,
                                                       size_t size);

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Creates (first process) or attaches to (later ones) the sliding-window limiter `name`
 * in `region` and writes it to `*out`: every process that does so shares
 * it. `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
 * (also for another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_new_in_region(const struct seawall_sliding_window_config *config,
                                                         const struct seawall_region *region,
                                                         const char *name,
                                                         struct seawall_sliding_window **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Like `seawall_sliding_window_new_in_region`, on `clock` (for tests: the
 * conformance vectors run against region-backed instances this way).
 * Every process attached to the same `name` must use the same clock.
 * The caller owns `*out` and frees it with `seawall_sliding_window_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
 * another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_sliding_window_new_in_region`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_new_in_region_with_clock(const struct seawall_sliding_window_config *config,
                                                                    const struct seawall_manual_clock *clock,
                                                                    const struct seawall_region *region,
                                                                    const char *name,
                                                                    struct seawall_sliding_window **out);
#endif

/**
 * Creates a sliding-window limiter on the monotonic clock and writes it to
 * `*out`. `config` is read, not kept. The caller owns `*out` and frees it
 * with `seawall_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` (naming `limit`, `window_ns` or `buckets`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_new(const struct seawall_sliding_window_config *config,
                                               struct seawall_sliding_window **out);

/**
 * Like `seawall_sliding_window_new`, on `clock`. The caller owns `*out` and frees
 * it with `seawall_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_new_with_clock(const struct seawall_sliding_window_config *config,
                                                          const struct seawall_manual_clock *clock,
                                                          struct seawall_sliding_window **out);

/**
 * Frees a sliding-window limiter. NULL is a no-op. Not thread-safe: must not race other
 * calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_sliding_window_free(struct seawall_sliding_window *limiter);

/**
 * Counts `n` requests if the window has room and writes the decision to
 * `*out` (`SEAWALL_OK` with `allowed` false when denied). Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n` is 0 or above
 * `limit`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_try_acquire(const struct seawall_sliding_window *limiter,
                                                       uint64_t n,
                                                       struct seawall_decision *out);

/**
 * What `_try_acquire(n)` would answer now, counting nothing. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_peek(const struct seawall_sliding_window *limiter,
                                                uint64_t n,
                                                struct seawall_decision *out);

/**
 * Gives back `n` requests granted earlier whose call never went out.
 * Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_refund(const struct seawall_sliding_window *limiter,
                                                  uint64_t n);

/**
 * Writes a snapshot of the limiter to `*out`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_get_metrics(const struct seawall_sliding_window *limiter,
                                                       struct seawall_sliding_window_metrics *out);

/**
 * Counts `n` requests now, or queues them (FIFO) for the earliest time the
 * window has room after everyone queued before, if that is at most
 * `max_wait_ns` away (spec/sliding_window.md, "Waiting acquires"). Never
 * blocks. Outputs as for `seawall_token_bucket_reserve`: the caller owns a
 * non-NULL `*out_wait` and frees it with `seawall_limiter_wait_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_RATE_LIMITED`,
 * `SEAWALL_INVALID_ARGUMENT` (`n` is 0 or above `limit`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_reserve(const struct seawall_sliding_window *limiter,
                                                   uint64_t n,
                                                   uint64_t max_wait_ns,
                                                   struct seawall_decision *out,
                                                   struct seawall_limiter_wait **out_wait);

/**
 * Counts `n` requests, blocking the calling thread up to `timeout_ns` (on
 * the limiter's clock) in the FIFO queue; refused at once, without
 * sleeping, when they would be due later. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_RATE_LIMITED` (`*out` has `retry_after_ns`),
 * `SEAWALL_INVALID_ARGUMENT` (`n`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_sliding_window_acquire_wait(const struct seawall_sliding_window *limiter,
                                                        uint64_t n,
                                                        uint64_t timeout_ns,
                                                        struct seawall_decision *out);

/**
 * Fills `*config` with the defaults (see `seawall_keyed_token_bucket_config`):
 * writes `size` bytes, which must be `sizeof *config`, and sets
 * `struct_size` to it. The header's
 * `seawall_keyed_token_bucket_config_default()` does the same.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is
 * no layout of the struct) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_config_init(struct seawall_keyed_token_bucket_config *config,
                                                           size_t size);

/**
 * Fills `*config` with the defaults (see
 * `seawall_keyed_sliding_window_config`): writes `size` bytes, which must
 * be `sizeof *config`, and sets `struct_size` to it. The header's
 * `seawall_keyed_sliding_window_config_default()` does the same.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size`)
 * or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_config_init(struct seawall_keyed_sliding_window_config *config,
                                                             size_t size);

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Creates (first process) or attaches to (later ones) the keyed token bucket `name`
 * in `region` and writes it to `*out`: every process that does so shares
 * it. `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_keyed_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
 * (also for another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_new_in_region(const struct seawall_keyed_token_bucket_config *config,
                                                             const struct seawall_region *region,
                                                             const char *name,
                                                             struct seawall_keyed_token_bucket **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Like `seawall_keyed_token_bucket_new_in_region`, on `clock` (for tests: the
 * conformance vectors run against region-backed instances this way).
 * Every process attached to the same `name` must use the same clock.
 * The caller owns `*out` and frees it with `seawall_keyed_token_bucket_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
 * another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_keyed_token_bucket_new_in_region`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_new_in_region_with_clock(const struct seawall_keyed_token_bucket_config *config,
                                                                        const struct seawall_manual_clock *clock,
                                                                        const struct seawall_region *region,
                                                                        const char *name,
                                                                        struct seawall_keyed_token_bucket **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Creates (first process) or attaches to (later ones) the keyed sliding window `name`
 * in `region` and writes it to `*out`: every process that does so shares
 * it. `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_keyed_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
 * (also for another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_new_in_region(const struct seawall_keyed_sliding_window_config *config,
                                                               const struct seawall_region *region,
                                                               const char *name,
                                                               struct seawall_keyed_sliding_window **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Like `seawall_keyed_sliding_window_new_in_region`, on `clock` (for tests: the
 * conformance vectors run against region-backed instances this way).
 * Every process attached to the same `name` must use the same clock.
 * The caller owns `*out` and frees it with `seawall_keyed_sliding_window_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
 * another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_keyed_sliding_window_new_in_region`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_new_in_region_with_clock(const struct seawall_keyed_sliding_window_config *config,
                                                                          const struct seawall_manual_clock *clock,
                                                                          const struct seawall_region *region,
                                                                          const char *name,
                                                                          struct seawall_keyed_sliding_window **out);
#endif

/**
 * Creates a keyed token bucket on the monotonic clock and writes it to
 * `*out`. `config` is read, not kept. The caller owns `*out` and frees it
 * with `seawall_keyed_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` (naming the field, e.g. `max_keys`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_new(const struct seawall_keyed_token_bucket_config *config,
                                                   struct seawall_keyed_token_bucket **out);

/**
 * Like `seawall_keyed_token_bucket_new`, on `clock`. The caller owns `*out` and frees
 * it with `seawall_keyed_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_new_with_clock(const struct seawall_keyed_token_bucket_config *config,
                                                              const struct seawall_manual_clock *clock,
                                                              struct seawall_keyed_token_bucket **out);

/**
 * Frees a keyed token bucket. NULL is a no-op. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_keyed_token_bucket_free(struct seawall_keyed_token_bucket *limiter);

/**
 * Takes `n` tokens from the bucket of the key `key[0..key_len)` (any
 * bytes; `key` must not be NULL even when `key_len` is 0) and writes the
 * decision to `*out` (`SEAWALL_OK` with `allowed` false when denied).
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n` is 0
 * or above `burst`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_try_acquire(const struct seawall_keyed_token_bucket *limiter,
                                                           const uint8_t *key,
                                                           size_t key_len,
                                                           uint64_t n,
                                                           struct seawall_decision *out);

/**
 * Writes to `*out` what `seawall_keyed_token_bucket_try_acquire` would answer
 * now for the key `key[0..key_len)`, without spending anything and without
 * inserting the key (for rate-limit headers; an untracked key gets a fresh
 * bucket's answer, or the table-full answer when it would find no slot).
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_peek(const struct seawall_keyed_token_bucket *limiter,
                                                    const uint8_t *key,
                                                    size_t key_len,
                                                    uint64_t n,
                                                    struct seawall_decision *out);

/**
 * Gives back `n` tokens to the key's bucket. Thread-safe. Returns
 * `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_refund(const struct seawall_keyed_token_bucket *limiter,
                                                      const uint8_t *key,
                                                      size_t key_len,
                                                      uint64_t n);

/**
 * Takes `n` tokens from the key's bucket `key[0..key_len)` now, or
 * queues for them in the key's FIFO order if they are due at most
 * `max_wait_ns` away (spec/keyed.md, "Waiting acquires"). Never blocks.
 * Outputs as `seawall_token_bucket_reserve`: `SEAWALL_OK` with `*out_wait`
 * NULL (granted now, `*out` holds the decision) or non-NULL (waiting: the
 * caller owns `*out_wait`, claims it with `seawall_limiter_wait_try_claim`
 * or `seawall_limiter_wait_wait` and frees it with
 * `seawall_limiter_wait_free`); `SEAWALL_RATE_LIMITED` when they come later
 * than `max_wait_ns` or a new key finds no slot (`on_full` deny; nothing
 * taken, `*out` has `retry_after_ns`). Each call counts once in the
 * metrics. Thread-safe. Also returns `SEAWALL_INVALID_ARGUMENT` (`n`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_reserve(const struct seawall_keyed_token_bucket *limiter,
                                                       const uint8_t *key,
                                                       size_t key_len,
                                                       uint64_t n,
                                                       uint64_t max_wait_ns,
                                                       struct seawall_decision *out,
                                                       struct seawall_limiter_wait **out_wait);

/**
 * Takes `n` tokens from the key's bucket `key[0..key_len)`, blocking the
 * calling thread up to `timeout_ns` (on the limiter's clock) in the key's
 * FIFO order; refused at once, without sleeping, when they would come
 * later. Thread-safe. Returns `SEAWALL_OK` (`*out` holds the granted
 * decision), `SEAWALL_RATE_LIMITED` (`*out` has `allowed` false and
 * `retry_after_ns`), `SEAWALL_INVALID_ARGUMENT` (`n`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_acquire_wait(const struct seawall_keyed_token_bucket *limiter,
                                                            const uint8_t *key,
                                                            size_t key_len,
                                                            uint64_t n,
                                                            uint64_t timeout_ns,
                                                            struct seawall_decision *out);

/**
 * Writes the table counters to `*out`. Thread-safe. Returns `SEAWALL_OK`
 * or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_token_bucket_get_metrics(const struct seawall_keyed_token_bucket *limiter,
                                                           struct seawall_keyed_metrics *out);

/**
 * Creates a keyed sliding window on the monotonic clock and writes it to
 * `*out`. `config` is read, not kept. The caller owns `*out` and frees it
 * with `seawall_keyed_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_new(const struct seawall_keyed_sliding_window_config *config,
                                                     struct seawall_keyed_sliding_window **out);

/**
 * Like `seawall_keyed_sliding_window_new`, on `clock`. The caller owns `*out` and frees
 * it with `seawall_keyed_sliding_window_free`. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_new_with_clock(const struct seawall_keyed_sliding_window_config *config,
                                                                const struct seawall_manual_clock *clock,
                                                                struct seawall_keyed_sliding_window **out);

/**
 * Frees a keyed sliding window. NULL is a no-op. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_keyed_sliding_window_free(struct seawall_keyed_sliding_window *limiter);

/**
 * Counts `n` requests in the window of the key `key[0..key_len)` (`key`
 * must not be NULL even when `key_len` is 0) and writes the decision to
 * `*out`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT`
 * or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_try_acquire(const struct seawall_keyed_sliding_window *limiter,
                                                             const uint8_t *key,
                                                             size_t key_len,
                                                             uint64_t n,
                                                             struct seawall_decision *out);

/**
 * Writes to `*out` what `seawall_keyed_sliding_window_try_acquire` would answer
 * now for the key `key[0..key_len)`, without spending anything and without
 * inserting the key (for rate-limit headers; an untracked key gets a fresh
 * window's answer, or the table-full answer when it would find no slot).
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_peek(const struct seawall_keyed_sliding_window *limiter,
                                                      const uint8_t *key,
                                                      size_t key_len,
                                                      uint64_t n,
                                                      struct seawall_decision *out);

/**
 * Gives back `n` requests to the key's window. Thread-safe. Returns
 * `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_refund(const struct seawall_keyed_sliding_window *limiter,
                                                        const uint8_t *key,
                                                        size_t key_len,
                                                        uint64_t n);

/**
 * Takes `n` requests in the key's window `key[0..key_len)` now, or
 * queues for them in the key's FIFO order if they are due at most
 * `max_wait_ns` away (spec/keyed.md, "Waiting acquires"). Never blocks.
 * Outputs as `seawall_token_bucket_reserve`: `SEAWALL_OK` with `*out_wait`
 * NULL (granted now, `*out` holds the decision) or non-NULL (waiting: the
 * caller owns `*out_wait`, claims it with `seawall_limiter_wait_try_claim`
 * or `seawall_limiter_wait_wait` and frees it with
 * `seawall_limiter_wait_free`); `SEAWALL_RATE_LIMITED` when they come later
 * than `max_wait_ns` or a new key finds no slot (`on_full` deny; nothing
 * taken, `*out` has `retry_after_ns`). Each call counts once in the
 * metrics. Thread-safe. Also returns `SEAWALL_INVALID_ARGUMENT` (`n`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_reserve(const struct seawall_keyed_sliding_window *limiter,
                                                         const uint8_t *key,
                                                         size_t key_len,
                                                         uint64_t n,
                                                         uint64_t max_wait_ns,
                                                         struct seawall_decision *out,
                                                         struct seawall_limiter_wait **out_wait);

/**
 * Takes `n` requests in the key's window `key[0..key_len)`, blocking the
 * calling thread up to `timeout_ns` (on the limiter's clock) in the key's
 * FIFO order; refused at once, without sleeping, when they would come
 * later. Thread-safe. Returns `SEAWALL_OK` (`*out` holds the granted
 * decision), `SEAWALL_RATE_LIMITED` (`*out` has `allowed` false and
 * `retry_after_ns`), `SEAWALL_INVALID_ARGUMENT` (`n`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_acquire_wait(const struct seawall_keyed_sliding_window *limiter,
                                                              const uint8_t *key,
                                                              size_t key_len,
                                                              uint64_t n,
                                                              uint64_t timeout_ns,
                                                              struct seawall_decision *out);

/**
 * Writes the table counters to `*out`. Thread-safe. Returns `SEAWALL_OK`
 * or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_keyed_sliding_window_get_metrics(const struct seawall_keyed_sliding_window *limiter,
                                                             struct seawall_keyed_metrics *out);

/**
 * Fills `*config` with the defaults (see `seawall_policy_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_policy_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_config_init(struct seawall_policy_config *config,
                                               size_t size);

/**
 * Creates a policy measuring call durations on the monotonic clock and
 * writes it to `*out`. The caller owns `*out` and frees it with
 * `seawall_policy_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
 * (field `rate_limiter`: both limiters set) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_new(const struct seawall_policy_config *config,
                                       struct seawall_policy **out);

/**
 * Like `seawall_policy_new`, measuring durations on `clock`. The caller
 * owns `*out` and frees it with `seawall_policy_free`. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_new_with_clock(const struct seawall_policy_config *config,
                                                  const struct seawall_manual_clock *clock,
                                                  struct seawall_policy **out);

/**
 * Frees a policy. NULL is a no-op. Guards still held stay valid. Not
 * thread-safe: must not race other calls on the same handle.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_policy_free(struct seawall_policy *policy);

/**
 * Acquires every stage in order and initialises `*guard` (caller-owned
 * storage, see `seawall_policy_guard`; nothing is allocated).
 * `SEAWALL_OK`: `*guard` is live; run the call, then finish it with
 * `seawall_policy_guard_complete*` or `seawall_policy_guard_release`. A
 * rejection returns the stage's status (`SEAWALL_RATE_LIMITED`,
 * `SEAWALL_CIRCUIT_OPEN` or `SEAWALL_BULKHEAD_FULL`) after giving back
 * what earlier stages granted, and leaves `*guard` empty;
 * `seawall_last_error_stage()` names the stage and
 * `seawall_last_error_retry_after_ns()` says when to retry. Thread-safe
 * on `policy`. Also returns `SEAWALL_NULL_ARGUMENT` (`*guard` untouched).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_try_acquire(const struct seawall_policy *policy,
                                               struct seawall_policy_guard *guard);

/**
 * Whether the live guard's breaker permit is a half-open probe (false
 * without a breaker stage); written to `*out_probe`. Any thread, not
 * concurrently with a call finishing the same guard. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (the guard
 * is empty: finished, or not admitted) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_guard_is_probe(const struct seawall_policy_guard *guard,
                                                  bool *out_probe);

/**
 * Finishes a live guard: records `outcome` (a `seawall_outcome`) with the
 * time since `seawall_policy_try_acquire` on the policy's clock and
 * releases the bulkhead slot; the guard is empty afterwards (its storage
 * is the caller's; nothing to free). Any thread, one call at a time per
 * guard. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (unknown
 * outcome: the guard stays live; or the guard is empty: finished already,
 * or not admitted) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_guard_complete(struct seawall_policy_guard *guard,
                                                  uint32_t outcome);

/**
 * Like `seawall_policy_guard_complete` with a duration measured by the
 * caller. Any thread, one call at a time per guard. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (unknown outcome: the guard stays live; or
 * the guard is empty) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_guard_complete_with_duration(struct seawall_policy_guard *guard,
                                                                uint32_t outcome,
                                                                uint64_t duration_ns);

/**
 * Finishes a live guard without an outcome (the call was cancelled): a
 * half-open probe slot returns, the bulkhead slot is released; the guard
 * is empty afterwards. NULL or an empty guard (finished already, or
 * rejected) is a no-op, so it is safe in every cleanup path. Any thread,
 * one call at a time per guard.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_policy_guard_release(struct seawall_policy_guard *guard);

/**
 * Fills `*config` with the defaults (see `seawall_execute_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_execute_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` below
 * `SEAWALL_CONFIG_MIN_SIZE`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_execute_config_init(struct seawall_execute_config *config,
                                                size_t size);

/**
 * Runs one call through the whole stack of `policy` and blocks until it
 * is over: acquires the rate limiter, breaker and bulkhead (waiting in
 * the bulkhead's queue up to its `max_wait_ns`), calls `callback` once per
 * attempt, reports each result to the core, sleeps between attempts the
 * delay the retry stage chose, and ends with the result, the fallback or
 * the error. Every decision is the core's (`spec/policy.md`, "The policy
 * run"); this function only calls, waits and reports.
 *
 * Time limits: C cannot interrupt a running function, so each attempt is
 * told its deadline (`seawall_attempt_info.deadline_ns`: the policy's
 * per-attempt timeout shortened to the whole call's deadline) and must
 * honour it itself. An attempt that returns after its deadline counts as
 * timed out, whatever it returned: the breaker records a failure, and the
 * call goes on as after a `SEAWALL_TIMEOUT` (retried if retries remain).
 *
 * Clocks: on the monotonic clock, sleeps and bulkhead waits block the
 * thread (`nanosleep`). A policy built with a `seawall_manual_clock` does
 * not block: a sleep advances that clock by the delay, and a bulkhead wait
 * that is not granted at once advances it by the wait and times out.
 *
 * `config` may be NULL (no deadline). `fallback` may be NULL when the
 * policy has no fallback (else `SEAWALL_INVALID_ARGUMENT`, field
 * `fallback`, before anything runs). `user_data` may be NULL; it is passed
 * to both callbacks, must stay valid until this function returns, and is
 * not kept afterwards (seawall never frees it). Both callbacks run on the
 * calling thread and must return normally (no `longjmp` or C++ exception
 * out of them: that would skip giving back the stages). A panic inside
 * seawall never crosses into C: it returns `SEAWALL_PANIC` after giving
 * back every stage.
 *
 * `*out` is written on every status except `SEAWALL_NULL_ARGUMENT` and a
 * refused `config` / `fallback` (attempts, whether the fallback ran, the
 * last callback result, the refusing stage). Returns:
 * `SEAWALL_OK` (an attempt, or the fallback, succeeded);
 * `SEAWALL_CALL_FAILED` (the callback's own failure ended the call — not
 * retryable, or retries ran out without a retry error; or the fallback
 * returned non-zero); `SEAWALL_RATE_LIMITED`, `SEAWALL_CIRCUIT_OPEN`,
 * `SEAWALL_BULKHEAD_FULL` (a stage refused; `seawall_last_error_stage()`
 * names it); `SEAWALL_TIMEOUT` (the last attempt ran out of time, or the
 * deadline passed); `SEAWALL_RETRY_EXHAUSTED` or
 * `SEAWALL_RETRY_BUDGET_EXHAUSTED` (the retry stage gave up; the message
 * says why); `SEAWALL_INVALID_ARGUMENT` (field `outcome`: the callback
 * wrote an outcome that is no `seawall_outcome`; the run is cancelled);
 * `SEAWALL_INVALID_CONFIG`, `SEAWALL_NULL_ARGUMENT` or `SEAWALL_PANIC`.
 * Thread-safe on `policy` (many threads may execute through one policy).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_execute(const struct seawall_policy *policy,
                                           const struct seawall_execute_config *config,
                                           seawall_attempt_fn callback,
                                           seawall_fallback_fn fallback,
                                           void *user_data,
                                           struct seawall_execute_result *out);

/**
 * Starts one call through `policy` in `*run` (caller-owned storage, see
 * `seawall_policy_run`; nothing is allocated) and makes it live; the
 * first step comes from `seawall_policy_run_next`. If `has_deadline`,
 * `deadline_ns` (on the policy's clock) bounds the whole call. A live
 * `*run` is ended first. Reads no clock. Thread-safe on `policy`.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_start(const struct seawall_policy *policy,
                                             uint8_t has_deadline,
                                             uint64_t deadline_ns,
                                             struct seawall_policy_run *run);

/**
 * Ends `*run`: a run that is not over is cancelled (as
 * `seawall_policy_run_cancel`), a held bulkhead slot and a queue place are
 * given back, and `*run` is empty. An empty run is left as it is (ending
 * twice is fine). Thread-safe with other runs. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_end(struct seawall_policy_run *run);

/**
 * The first step, and the step after a sleep: acquires the rate limiter,
 * breaker and bulkhead and writes `ATTEMPT`, `WAIT_FOR_SLOT`, or (on a
 * rejection, handled like a failed attempt) `SLEEP`, `FALLBACK` or `FAIL`
 * to `*out_step`. Out of turn: `FAIL` with `SEAWALL_INVALID_ARGUMENT`,
 * `error_field` `"step"`, the run unchanged. One thread at a time per run.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `run`: not
 * live) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_next(struct seawall_policy_run *run,
                                            struct seawall_policy_step *out_step);

/**
 * The attempt returned: the breaker records a success, the adaptive
 * timeout the latency; the slot is released; `DONE`. One thread at a time
 * per run. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `run`)
 * or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_on_success(struct seawall_policy_run *run,
                                                  struct seawall_policy_step *out_step);

/**
 * The attempt failed, classified by `*failure`: the breaker records its
 * `outcome`, the slot is released, the retry stage decides (`SLEEP`,
 * `FALLBACK` or `FAIL`). One thread at a time per run. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `outcome`: no
 * `seawall_outcome`, nothing recorded; field `run`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_on_failure(struct seawall_policy_run *run,
                                                  const struct seawall_attempt_failure *failure,
                                                  struct seawall_policy_step *out_step);

/**
 * The attempt was cut off by its limit (the caller stopped waiting): the
 * breaker records a failure lasting the limit; the error is a timeout
 * (retryable). The bulkhead slot stays held by the run (`slot_held` = 1)
 * until `seawall_policy_run_settle` says the cut-off work has finished.
 * One thread at a time per run. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `run`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_on_timeout(struct seawall_policy_run *run,
                                                  struct seawall_policy_step *out_step);

/**
 * The work of an attempt cut off by `_on_timeout` has finished: the
 * bulkhead slot it held is released. Nothing held: a no-op. One thread at
 * a time per run. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
 * `run`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_settle(struct seawall_policy_run *run);

/**
 * After `WAIT_FOR_SLOT`: whether the bulkhead has handed the run a slot,
 * without blocking. `*out_claimed` 1: the step after the grant (`ATTEMPT`)
 * is written to `*out_step`; 0: still queued, `*out_step` untouched.
 * One thread at a time per run. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `run`: not live, or not waiting) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_try_claim(struct seawall_policy_run *run,
                                                 uint8_t *out_claimed,
                                                 struct seawall_policy_step *out_step);

/**
 * After `WAIT_FOR_SLOT`: the wait ran out (`max_wait_ns`); the run leaves
 * the queue and the rejection is handled (`SLEEP`, `FALLBACK` or `FAIL`
 * with `SEAWALL_BULKHEAD_FULL`). One thread at a time per run. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `run`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_wait_timed_out(struct seawall_policy_run *run,
                                                      struct seawall_policy_step *out_step);

/**
 * After a `FAIL` or `FALLBACK` step whose `error` is a rejection with a
 * retry-after (`SEAWALL_CIRCUIT_OPEN`, `SEAWALL_RATE_LIMITED`): how long
 * until the refusing stage could admit the call, ns (what a server sends
 * as `Retry-After`); 0 after any other step or error, and for a NULL run
 * or one that is not live. One thread at a time per run.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
uint64_t seawall_policy_run_retry_after_ns(struct seawall_policy_run *run);

/**
 * The caller gave up on the call: a running attempt records nothing, the
 * slot and a queue place are released, the retry run is abandoned. A held
 * cut-off slot stays until `_settle` or `_end`. A run that is over is
 * left as it is. One thread at a time per run. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `run`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_policy_run_cancel(struct seawall_policy_run *run);

/**
 * Creates a Redis backend for `url` (`redis://[user][:password@]host[:port][/db]`
 * TLS `rediss://` (the same, plus `?ssl_ca_certs=/path/ca.pem`) or
 * `unix:///path.sock`; spec/redis.md "The URL") and writes it
 * to `*out`. `deadline_ns` (1 ms ..= 60 s; 50 ms is the usual choice) is
 * the longest a decision waits for Redis; `on_failure` a
 * `seawall_redis_failure_mode`. Never connects here, so Redis being down
 * is no error. The caller owns `*out` and frees it with
 * `seawall_redis_backend_free` (after its limiters). Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (field `url`, `deadline` or
 * `on_failure`; a password is never echoed), `SEAWALL_INVALID_ARGUMENT`
 * (`url` not UTF-8) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_backend_new(const char *url,
                                              uint64_t deadline_ns,
                                              uint32_t on_failure,
                                              struct seawall_redis_backend **out);

/**
 * Frees a backend. NULL is a no-op. Limiters made from it keep what they
 * need and stay usable. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_redis_backend_free(struct seawall_redis_backend *backend);

/**
 * Creates a keyed GCRA token bucket in Redis, named `name` (1..=128 bytes
 * of ASCII letters, digits, `_-.:`; limiters with one name share state),
 * with `config`'s burst and rate (`initial_tokens` must be unset).
 * The caller owns `*out` and frees it with `seawall_redis_limiter_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the
 * field: `name`, `burst`, `rate_per_sec`, ...) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_token_bucket_new(const struct seawall_redis_backend *backend,
                                                   const char *name,
                                                   const struct seawall_token_bucket_config *config,
                                                   struct seawall_redis_limiter **out);

/**
 * Creates a keyed sliding window in Redis (see
 * `seawall_redis_token_bucket_new` for `name`). The caller owns `*out`
 * and frees it with `seawall_redis_limiter_free`. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_sliding_window_new(const struct seawall_redis_backend *backend,
                                                     const char *name,
                                                     const struct seawall_sliding_window_config *config,
                                                     struct seawall_redis_limiter **out);

/**
 * Frees a Redis limiter. NULL is a no-op. Not thread-safe: must not race
 * other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_redis_limiter_free(struct seawall_redis_limiter *limiter);

/**
 * Takes `n` for the key `key[0..key_len)` (1..=1024 bytes, any bytes) if
 * the limit allows: one Redis command; blocks at most the backend's
 * deadline. Writes the decision to `*out` (`SEAWALL_OK` with `allowed`
 * false when denied, by Redis or by the failure mode). Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key`: empty or
 * longer than 1024 bytes; field `n`: 0 or above the burst/limit) or
 * `SEAWALL_NULL_ARGUMENT`. Never an error for Redis being unreachable.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_limiter_try_acquire(const struct seawall_redis_limiter *limiter,
                                                      const uint8_t *key,
                                                      size_t key_len,
                                                      uint64_t n,
                                                      struct seawall_decision *out);

/**
 * What `seawall_redis_limiter_try_acquire` would answer, taking nothing;
 * writes it to `*out`. Blocks at most the deadline. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key` or `n`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_limiter_peek(const struct seawall_redis_limiter *limiter,
                                               const uint8_t *key,
                                               size_t key_len,
                                               uint64_t n,
                                               struct seawall_decision *out);

/**
 * Gives back up to `n` for the key (granted but never sent). Blocks at
 * most the deadline. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `key`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_limiter_refund(const struct seawall_redis_limiter *limiter,
                                                 const uint8_t *key,
                                                 size_t key_len,
                                                 uint64_t n);

/**
 * TEST ONLY, not a feature: never call it outside a test. The decision
 * for `op` (`"acquire"`, `"peek"` or `"refund"`) with the script's clock
 * set to `now_ns` (ns since an epoch 0) instead of Redis `TIME`, and no
 * key expiry (`spec/redis.md`, "Test-only time override"): how the
 * conformance vectors run against Redis. Never mix it with the real-time
 * calls on one key. Writes the decision to `*out`. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key`, `n` or `op`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_test_only_redis_limiter_decide_at(const struct seawall_redis_limiter *limiter,
                                                              const uint8_t *key,
                                                              size_t key_len,
                                                              uint64_t n,
                                                              const char *op,
                                                              uint64_t now_ns,
                                                              struct seawall_decision *out);

/**
 * Writes the limiter's and its backend's counters to `*out`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_limiter_metrics(const struct seawall_redis_limiter *limiter,
                                                  struct seawall_redis_metrics *out);

/**
 * Creates a concurrency limit named `name` (as a limiter name): at most
 * `max_concurrent` (1..=1000000) permits per key, each a lease of
 * `lease_ns` (1 ms ..= 1 day). The caller owns `*out` and frees it with
 * `seawall_redis_concurrency_limit_free`. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (field `name`, `max_concurrent`
 * or `lease_ns`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_concurrency_limit_new(const struct seawall_redis_backend *backend,
                                                        const char *name,
                                                        uint64_t max_concurrent,
                                                        uint64_t lease_ns,
                                                        struct seawall_redis_concurrency_limit **out);

/**
 * Frees a concurrency limit. NULL is a no-op. Not thread-safe: must not
 * race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_redis_concurrency_limit_free(struct seawall_redis_concurrency_limit *limit);

/**
 * Takes a permit of the key `key[0..key_len)` if fewer than
 * `max_concurrent` are held (one Redis command; blocks at most the
 * backend's deadline): writes the lease to `*out`, or NULL when all are
 * held (then `*retry_after_ns` says when the first held lease expires;
 * `retry_after_ns` may be NULL). The caller owns `*out` and gives it
 * to `seawall_redis_lease_release` (or `seawall_redis_lease_free`, which
 * leaves the permit held until its lease expires). When Redis cannot
 * answer the backend's failure mode decides. Thread-safe. Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_concurrency_limit_try_acquire(const struct seawall_redis_concurrency_limit *limit,
                                                                const uint8_t *key,
                                                                size_t key_len,
                                                                struct seawall_redis_lease **out,
                                                                uint64_t *retry_after_ns);

/**
 * Gives a permit back and frees `lease` (which must not be used again).
 * `*was_held` is true if it was still held, false if its lease had
 * expired or Redis could not answer; `was_held` may be NULL. Blocks at
 * most the deadline. Thread-safe. Returns `SEAWALL_OK` or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_lease_release(const struct seawall_redis_concurrency_limit *limit,
                                                struct seawall_redis_lease *lease,
                                                bool *was_held);

/**
 * Extends a held lease to its full length from now; `*held` is true if
 * it was still held. Blocks at most the deadline. Thread-safe. Returns
 * `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_lease_renew(const struct seawall_redis_concurrency_limit *limit,
                                              const struct seawall_redis_lease *lease,
                                              bool *held);

/**
 * Frees a lease without releasing it (its permit stays held until the
 * lease expires, as if the holder had died). NULL is a no-op. Not
 * thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_redis_lease_free(struct seawall_redis_lease *lease);

/**
 * Creates feature flags under `flag_namespace` (as a limiter name), each read
 * from Redis at most once per `cache_ttl_ns` (0 ..= 1 h; 0 = no cache)
 * per process. The caller owns `*out` and frees it with
 * `seawall_redis_feature_flags_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` (field `flag_namespace` or `cache_ttl_ns`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_feature_flags_new(const struct seawall_redis_backend *backend,
                                                    const char *flag_namespace,
                                                    uint64_t cache_ttl_ns,
                                                    struct seawall_redis_feature_flags **out);

/**
 * Frees feature flags. NULL is a no-op. Not thread-safe: must not race
 * other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_redis_feature_flags_free(struct seawall_redis_feature_flags *flags);

/**
 * Writes to `*out` whether the flag `flag[0..flag_len)` is on: the local
 * cache, else Redis (one command), else, when the flag was never set or
 * Redis cannot answer, `safe_default` (nonzero = true). Blocks at most
 * the deadline. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `flag`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_feature_flags_is_enabled(const struct seawall_redis_feature_flags *flags,
                                                           const uint8_t *flag,
                                                           size_t flag_len,
                                                           uint8_t safe_default,
                                                           bool *out);

/**
 * Sets the flag on (`on` nonzero) or off for every host; `*written` is
 * false when Redis could not take it. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `flag`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_feature_flags_set(const struct seawall_redis_feature_flags *flags,
                                                    const uint8_t *flag,
                                                    size_t flag_len,
                                                    uint8_t on,
                                                    bool *written);

/**
 * Turns the flag off for every host for `for_ns` (1 ms ..= 30 days),
 * then back to its value; `*written` is false when Redis could not take
 * it. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT`
 * (field `flag` or `for_ns`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_redis_feature_flags_disable(const struct seawall_redis_feature_flags *flags,
                                                        const uint8_t *flag,
                                                        size_t flag_len,
                                                        uint64_t for_ns,
                                                        bool *written);

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Writes the default region options into the caller's `size` bytes and
 * sets `struct_size`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (an unknown `size`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_region_config_init(struct seawall_region_config *config,
                                               size_t size);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Opens the region `name`, creating it if it does not exist, and writes
 * it to `*out`. A `name` with no `/` after its first character is a file
 * in `/dev/shm` (`"/payments"` is `/dev/shm/payments`); anything else is a
 * path. The file is created with mode 0600; `config` (may be NULL: the
 * defaults) is used only to create it. The caller owns `*out` and frees it
 * with `seawall_region_free`; primitives built in it keep the mapping
 * alive on their own. Thread-safe; many processes may open one region at
 * once. Returns `SEAWALL_OK`, `SEAWALL_SHARED_REGION` (I/O error, or a
 * truncated, corrupted or other-version file: the last error says which),
 * `SEAWALL_INVALID_CONFIG` (`size`, `slots`), `SEAWALL_INVALID_ARGUMENT`
 * (`name`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_region_open(const char *name,
                                        const struct seawall_region_config *config,
                                        struct seawall_region **out);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Frees a region handle (primitives built in it keep working). NULL is
 * a no-op. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_region_free(struct seawall_region *region);
#endif

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Deletes the region file `name` (processes that have it open keep their
 * mapping; the next open creates a new region). A missing file is not an
 * error. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_SHARED_REGION`,
 * `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_region_remove(const char *name);
#endif

/**
 * Makes an empty registry whose families start with `prefix` + `_`
 * (core's `namespace`: a Prometheus metric name). `prefix` may be NULL
 * (then `seawall`). The caller frees `*out` with
 * `seawall_registry_free`. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (naming `prefix`) or
 * `SEAWALL_NULL_ARGUMENT`. Thread-safe.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_new(const char *prefix,
                                         struct seawall_registry **out);

/**
 * Frees a registry made by `seawall_registry_new`. NULL is a no-op.
 * Registrations in it stay valid (freeing them is then a no-op).
 * Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_registry_free(struct seawall_registry *registry);

/**
 * Frees a registration: the instance leaves its registry. NULL is a
 * no-op. Free an instance's registrations when you free the instance
 * (a registration keeps the instance's counters alive, not its handle).
 * Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_registration_free(struct seawall_registration *registration);

/**
 * Registers `breaker` in `registry` as `name` with the `n_labels`
 * labels at `labels`; export reads its counters, so naming costs
 * nothing per call.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_circuit_breaker(const struct seawall_registry *registry,
                                                              const struct seawall_circuit_breaker *breaker,
                                                              const char *name,
                                                              const struct seawall_label *labels,
                                                              size_t n_labels,
                                                              struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for a token bucket.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_token_bucket(const struct seawall_registry *registry,
                                                           const struct seawall_token_bucket *bucket,
                                                           const char *name,
                                                           const struct seawall_label *labels,
                                                           size_t n_labels,
                                                           struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for a sliding window limiter.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_sliding_window(const struct seawall_registry *registry,
                                                             const struct seawall_sliding_window *limiter,
                                                             const char *name,
                                                             const struct seawall_label *labels,
                                                             size_t n_labels,
                                                             struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for a keyed token
 * bucket (its table's counters: calls by outcome, waiting calls, keys
 * tracked, capacity, evictions, table full; spec/metrics.md).
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_keyed_token_bucket(const struct seawall_registry *registry,
                                                                 const struct seawall_keyed_token_bucket *limiter,
                                                                 const char *name,
                                                                 const struct seawall_label *labels,
                                                                 size_t n_labels,
                                                                 struct seawall_registration **out);

/**
 * Like `seawall_registry_register_keyed_token_bucket`, for a keyed
 * sliding window.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_keyed_sliding_window(const struct seawall_registry *registry,
                                                                   const struct seawall_keyed_sliding_window *limiter,
                                                                   const char *name,
                                                                   const struct seawall_label *labels,
                                                                   size_t n_labels,
                                                                   struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for a bulkhead.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_bulkhead(const struct seawall_registry *registry,
                                                       const struct seawall_bulkhead *bulkhead,
                                                       const char *name,
                                                       const struct seawall_label *labels,
                                                       size_t n_labels,
                                                       struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for a retry budget.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_retry_budget(const struct seawall_registry *registry,
                                                           const struct seawall_retry_budget *budget,
                                                           const char *name,
                                                           const struct seawall_label *labels,
                                                           size_t n_labels,
                                                           struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for an adaptive timeout.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_adaptive_timeout(const struct seawall_registry *registry,
                                                               const struct seawall_adaptive_timeout *timeout,
                                                               const char *name,
                                                               const struct seawall_label *labels,
                                                               size_t n_labels,
                                                               struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for a fault injector.
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_fault_injector(const struct seawall_registry *registry,
                                                             const struct seawall_fault_injector *injector,
                                                             const char *name,
                                                             const struct seawall_label *labels,
                                                             size_t n_labels,
                                                             struct seawall_registration **out);

/**
 * Like `seawall_registry_register_circuit_breaker`, for a backoff: its
 * schedules, retries and give-ups by reason (a retry built on it counts
 * there too).
 *
 * `registry` may be NULL (the process-wide default registry).
 * `labels` may be NULL when `n_labels` is 0.
 * Thread-safe (cold path: takes the registry's lock). The caller
 * owns `*out` and frees it with `seawall_registration_free`.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (naming `name`:
 * empty, over 200 bytes, control characters, not UTF-8, or already
 * registered there; or `labels`: a bad label name, a value over
 * 1024 bytes, more than 16 labels) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_register_backoff(const struct seawall_registry *registry,
                                                      const struct seawall_backoff *backoff,
                                                      const char *name,
                                                      const struct seawall_label *labels,
                                                      size_t n_labels,
                                                      struct seawall_registration **out);

/**
 * Writes the Prometheus text exposition (format 0.0.4, `spec/metrics.md`)
 * of every instance in `registry` into `buf`, NUL-terminated, and its
 * length without the NUL to `*out_len`. `registry` may be NULL (the
 * default registry). `buf` may be NULL (to ask for the length).
 * When `buf` is NULL or `cap` is not more than the length, writes
 * nothing into `buf`, still writes the length to `*out_len`, and returns
 * `SEAWALL_INVALID_ARGUMENT` naming `cap`: call again with a buffer of
 * `*out_len + 1` bytes (the text may grow in between; loop). Returns
 * `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
 * Thread-safe (cold path: takes the registry's lock while it copies the
 * entries, then reads each instance's counters).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_prometheus_text(const struct seawall_registry *registry,
                                                     char *buf,
                                                     size_t cap,
                                                     size_t *out_len);

/**
 * Like `seawall_registry_prometheus_text`, for the health document
 * (JSON, `spec/metrics.md`). `registry` may be NULL (the default
 * registry). `buf` may be NULL (to ask for the length). Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (naming `cap`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_registry_health_json(const struct seawall_registry *registry,
                                                 char *buf,
                                                 size_t cap,
                                                 size_t *out_len);

/**
 * The wire name of a `seawall_give_up_reason` (`"budget"`), a static
 * string; `"unknown"` for other values. Takes a `uint32_t` so any value
 * is safe. Thread-safe; never NULL; do not free.
 */
const char *seawall_give_up_reason_str(uint32_t reason);

/**
 * Fills `*config` with the defaults (see `seawall_retry_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_retry_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` below
 * `SEAWALL_CONFIG_MIN_SIZE`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_config_init(struct seawall_retry_config *config,
                                              size_t size);

/**
 * Creates a retry on `backoff` (its schedule; the retry shares it, and
 * its metrics) and writes it to `*out`. `config` is read, not kept; the
 * retry keeps its own references to the backoff and budget (which may be
 * freed first). Elapsed time and deadlines are read from the backoff's
 * clock. The caller owns `*out` and frees it with `seawall_retry_free`.
 * Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (field
 * `max_attempts` above the backoff's) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_new(const struct seawall_backoff *backoff,
                                      const struct seawall_retry_config *config,
                                      struct seawall_retry **out);

/**
 * Frees a retry. NULL is a no-op. States it started cannot be stepped
 * after it is freed. Not thread-safe: must not race other calls on the
 * same handle.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_retry_free(struct seawall_retry *retry);

/**
 * Starts the run of one call and writes its state to `*out_state`
 * (caller-owned storage; nothing is allocated). If `has_deadline`, no
 * retry starts at or after `deadline_ns` (on the backoff's clock:
 * `CLOCK_MONOTONIC` ns, or the manual clock's). Reads no clock.
 * Thread-safe on `retry`. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_start(const struct seawall_retry *retry,
                                        uint8_t has_deadline,
                                        uint64_t deadline_ns,
                                        struct seawall_retry_state *out_state);

/**
 * The attempt succeeded: the run is over (the budget is credited; a
 * schedule is finished). A run that is over is left as it is. Thread-safe
 * on `retry`, not on `state`. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_ARGUMENT` (field `state`: not a state seawall wrote) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_on_success(const struct seawall_retry *retry,
                                             struct seawall_retry_state *state);

/**
 * The caller abandoned the call (cancelled): the run is over, the budget
 * untouched. A run that is over is left as it is. Thread-safe on `retry`,
 * not on `state`. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
 * `state`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_abandon(const struct seawall_retry *retry,
                                          struct seawall_retry_state *state);

/**
 * The attempt failed with `*failure`: advances `*state` and writes the
 * run's answer to `*out_step` — sleep `delay_ns` then retry, or give up
 * (`reason`, `attempts`, and the status to return in `error`). The
 * schedule is asked before the budget; a failure that is not retryable
 * does not touch the budget (`spec/retry.md`). On a run that is over, the
 * answer is to give up with the run's reason. Thread-safe on `retry`, not
 * on `state`. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field
 * `state`) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_on_failure(const struct seawall_retry *retry,
                                             struct seawall_retry_state *state,
                                             const struct seawall_retry_failure *failure,
                                             struct seawall_retry_step *out_step);

/**
 * Fills `*config` with the defaults (see `seawall_retry_budget_config`): writes
 * `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
 * it. The header's `seawall_retry_budget_config_default()` does the same. Thread-safe.
 * Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
 * of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_budget_config_init(struct seawall_retry_budget_config *config,
                                                     size_t size);

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * Creates (first process) or attaches to (later ones) the retry budget (full when created) `name`
 * in `region` and writes it to `*out`: every process that does so shares
 * it. `config` is read, not kept. The caller owns `*out` and frees it with
 * `seawall_retry_budget_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
 * (also for another config than the region's, naming the field),
 * `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
 * is full) or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_budget_new_in_region(const struct seawall_retry_budget_config *config,
                                                       const struct seawall_region *region,
                                                       const char *name,
                                                       struct seawall_retry_budget **out);
#endif

/**
 * Creates a full retry budget and writes it to `*out`. `config` is read,
 * not kept. The caller owns `*out` and frees it with
 * `seawall_retry_budget_free`. Thread-safe. Returns `SEAWALL_OK`,
 * `SEAWALL_INVALID_CONFIG` (naming `max_tokens` or `token_ratio`) or
 * `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_budget_new(const struct seawall_retry_budget_config *config,
                                             struct seawall_retry_budget **out);

/**
 * Frees a retry budget. NULL is a no-op. Not thread-safe: must not race other calls on it.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
void seawall_retry_budget_free(struct seawall_retry_budget *budget);

/**
 * Records a failed attempt (one token withdrawn) and asks for a retry:
 * `SEAWALL_OK` = send it, `SEAWALL_RETRY_BUDGET_EXHAUSTED` = don't.
 * Thread-safe (one CAS loop). Also returns `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_budget_try_retry(const struct seawall_retry_budget *budget);

/**
 * Records a failed attempt that will not be retried anyway (one token
 * withdrawn). Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_budget_record_failure(const struct seawall_retry_budget *budget);

/**
 * Records a success (`token_ratio` tokens back, never above max).
 * Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_budget_record_success(const struct seawall_retry_budget *budget);

/**
 * Writes a snapshot of tokens and counters to `*out`. Thread-safe.
 * Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
 * Set `out->struct_size = sizeof *out` before the call: only that many
 * bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
 *
 * # Safety
 * Every pointer argument follows the "Pointers" rule in the
 * Conventions at the top of seawall.h.
 */
enum seawall_status seawall_retry_budget_get_metrics(const struct seawall_retry_budget *budget,
                                                     struct seawall_retry_budget_metrics *out);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* SEAWALL_H */

#ifndef SEAWALL_INLINE_H
#define SEAWALL_INLINE_H
#ifdef __cplusplus
extern "C" {
#endif

/* One seawall_<x>_config_default() per seawall_<x>_config_init above,
 * written by bindings-c/config_defaults.py (`make header`). */
/**
 * A `seawall_adaptive_timeout_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_adaptive_timeout_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_adaptive_timeout_config seawall_adaptive_timeout_config_default(void) {
  seawall_adaptive_timeout_config c;
  (void)seawall_adaptive_timeout_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_backoff_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_backoff_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_backoff_config seawall_backoff_config_default(void) {
  seawall_backoff_config c;
  (void)seawall_backoff_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_bulkhead_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_bulkhead_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_bulkhead_config seawall_bulkhead_config_default(void) {
  seawall_bulkhead_config c;
  (void)seawall_bulkhead_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_circuit_breaker_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_circuit_breaker_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_circuit_breaker_config seawall_circuit_breaker_config_default(void) {
  seawall_circuit_breaker_config c;
  (void)seawall_circuit_breaker_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_fault_injector_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_fault_injector_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_fault_injector_config seawall_fault_injector_config_default(void) {
  seawall_fault_injector_config c;
  (void)seawall_fault_injector_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_token_bucket_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_token_bucket_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_token_bucket_config seawall_token_bucket_config_default(void) {
  seawall_token_bucket_config c;
  (void)seawall_token_bucket_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_sliding_window_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_sliding_window_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_sliding_window_config seawall_sliding_window_config_default(void) {
  seawall_sliding_window_config c;
  (void)seawall_sliding_window_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_keyed_token_bucket_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_keyed_token_bucket_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_keyed_token_bucket_config seawall_keyed_token_bucket_config_default(void) {
  seawall_keyed_token_bucket_config c;
  (void)seawall_keyed_token_bucket_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_keyed_sliding_window_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_keyed_sliding_window_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_keyed_sliding_window_config seawall_keyed_sliding_window_config_default(void) {
  seawall_keyed_sliding_window_config c;
  (void)seawall_keyed_sliding_window_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_policy_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_policy_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_policy_config seawall_policy_config_default(void) {
  seawall_policy_config c;
  (void)seawall_policy_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_execute_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_execute_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_execute_config seawall_execute_config_default(void) {
  seawall_execute_config c;
  (void)seawall_execute_config_init(&c, sizeof c);
  return c;
}

#if defined(SEAWALL_HAS_SHARED_REGIONS)
/**
 * A `seawall_region_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_region_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_region_config seawall_region_config_default(void) {
  seawall_region_config c;
  (void)seawall_region_config_init(&c, sizeof c);
  return c;
}
#endif

/**
 * A `seawall_retry_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_retry_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_retry_config seawall_retry_config_default(void) {
  seawall_retry_config c;
  (void)seawall_retry_config_init(&c, sizeof c);
  return c;
}

/**
 * A `seawall_retry_budget_config` holding the defaults, made with this program's
 * `sizeof`: `seawall_retry_budget_config_init` compiled into the caller, so the
 * library never writes more than the caller's struct. Thread-safe.
 */
static inline seawall_retry_budget_config seawall_retry_budget_config_default(void) {
  seawall_retry_budget_config c;
  (void)seawall_retry_budget_config_init(&c, sizeof c);
  return c;
}

#ifdef __cplusplus
}  /* extern "C" */
#endif
#endif  /* SEAWALL_INLINE_H */
