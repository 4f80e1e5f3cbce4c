package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"time"
	"unsafe"
)

// RedisFailureMode is what a decision answers when Redis cannot
// (unreachable, slower than the deadline, erroring, or its breaker open).
type RedisFailureMode uint32

// Failure modes (spec/redis.md, "Failure modes").
const (
	RedisFailLocal  RedisFailureMode = C.SEAWALL_REDIS_FAIL_LOCAL  // an in-memory limiter of the same limits in this process
	RedisFailOpen   RedisFailureMode = C.SEAWALL_REDIS_FAIL_OPEN   // allow
	RedisFailClosed RedisFailureMode = C.SEAWALL_REDIS_FAIL_CLOSED // deny, RetryAfter = when Redis will be tried again
)

// RedisBackendConfig configures a RedisBackend; start from
// DefaultRedisBackendConfig.
type RedisBackendConfig struct {
	// URL: redis://[user][:password@]host[:port][/db], rediss://… (TLS,
	// with ?ssl_ca_certs=/path/ca.pem for a private CA) or
	// unix:///path.sock (spec/redis.md, "The URL").
	URL string
	// Deadline is the longest a decision waits for Redis, connecting
	// included (1 ms ..= 60 s).
	Deadline time.Duration
	// OnFailure answers the decisions Redis cannot.
	OnFailure RedisFailureMode
}

// DefaultRedisBackendConfig is the core's defaults with url: a 50 ms
// deadline, RedisFailLocal.
func DefaultRedisBackendConfig(url string) RedisBackendConfig {
	return RedisBackendConfig{URL: url, Deadline: time.Duration(C.SEAWALL_REDIS_DEFAULT_DEADLINE_NS), OnFailure: RedisFailLocal}
}

// RedisBackend is one Redis (one URL: one connection, one deadline, one
// failure mode, one circuit breaker around Redis) shared by any number of
// limiters. It connects on the first decision, so a Redis that is down is
// no error here.
type RedisBackend struct {
	p *C.seawall_redis_backend
}

// NewRedisBackend makes a backend from cfg.
func NewRedisBackend(cfg RedisBackendConfig) (*RedisBackend, error) {
	url, err := cString(cfg.URL, "URL")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(url))
	d, err := durNs(cfg.Deadline, "Deadline")
	if err != nil {
		return nil, err
	}
	var p *C.seawall_redis_backend
	var e C.sw_err
	if err := fromC(C.sw_redis_backend_new(url, d, C.uint32_t(cfg.OnFailure), &p, &e), &e); err != nil {
		return nil, named(err, "Url", "URL", "url", "URL")
	}
	return &RedisBackend{p: p}, nil
}

// Close frees the backend (after its limiters).
func (b *RedisBackend) Close() error { C.seawall_redis_backend_free(b.p); b.p = nil; return nil }

func (b *RedisBackend) ptr() (*C.seawall_redis_backend, error) {
	if b == nil || b.p == nil {
		return nil, invalidArgument("backend", "is nil or closed")
	}
	return b.p, nil
}

// RedisLimiter is a keyed token bucket or sliding window whose state lives
// in Redis: every limiter with the same name on the same Redis, in any
// process on any host and in any language, shares one limit per key. A
// decision is one Redis command using Redis' own clock and blocks at most
// the backend's deadline; a Redis failure is answered by the failure
// mode, never by an error.
type RedisLimiter struct {
	p *C.seawall_redis_limiter
}

// NewRedisTokenBucket makes a GCRA token bucket in Redis named name
// (1..=128 ASCII letters, digits and _-.:), with cfg's Burst and
// RatePerSec (InitialTokens must be nil).
func NewRedisTokenBucket(backend *RedisBackend, name string, cfg TokenBucketConfig) (*RedisLimiter, error) {
	c := cfg.toC()
	return newRedisLimiter(backend, name, func(b *C.seawall_redis_backend, n *C.char, out **C.seawall_redis_limiter, e *C.sw_err) C.int {
		return C.sw_redis_token_bucket_new(b, n, &c, out, e)
	})
}

// NewRedisSlidingWindow makes a sliding window in Redis named name, with
// cfg's Limit, Window and Buckets (spec/redis.md states its bound).
func NewRedisSlidingWindow(backend *RedisBackend, name string, cfg SlidingWindowConfig) (*RedisLimiter, error) {
	c, err := cfg.toC("")
	if err != nil {
		return nil, err
	}
	return newRedisLimiter(backend, name, func(b *C.seawall_redis_backend, n *C.char, out **C.seawall_redis_limiter, e *C.sw_err) C.int {
		return C.sw_redis_sliding_window_new(b, n, &c, out, e)
	})
}

func newRedisLimiter(backend *RedisBackend, name string,
	make func(*C.seawall_redis_backend, *C.char, **C.seawall_redis_limiter, *C.sw_err) C.int) (*RedisLimiter, error) {
	b, err := backend.ptr()
	if err != nil {
		return nil, err
	}
	n, err := cString(name, "name")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(n))
	var p *C.seawall_redis_limiter
	var e C.sw_err
	if err := fromC(make(b, n, &p, &e), &e); err != nil {
		return nil, named(err, "Name", "name")
	}
	return &RedisLimiter{p: p}, nil
}

// TryAcquire takes n for key (1..=1024 bytes) if the limit allows. A
// denial, by Redis or by the failure mode, is a Decision with Allowed
// false, not an error.
func (l *RedisLimiter) TryAcquire(key string, n uint64) (Decision, error) {
	return l.TryAcquireBytes([]byte(key), n)
}

// TryAcquireBytes is TryAcquire with a key of any bytes.
func (l *RedisLimiter) TryAcquireBytes(key []byte, n uint64) (Decision, error) {
	kp, kl := keyPtr(key)
	var d C.seawall_decision
	var e C.sw_err
	if err := fromC(C.sw_redis_limiter_try_acquire(l.p, kp, kl, C.uint64_t(n), &d, &e), &e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&d), nil
}

// Peek is what TryAcquire(key, n) would answer now, taking nothing.
func (l *RedisLimiter) Peek(key string, n uint64) (Decision, error) {
	kp, kl := keyPtr([]byte(key))
	var d C.seawall_decision
	var e C.sw_err
	if err := fromC(C.sw_redis_limiter_peek(l.p, kp, kl, C.uint64_t(n), &d, &e), &e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&d), nil
}

// Refund gives back n to key whose call never went out.
func (l *RedisLimiter) Refund(key string, n uint64) error {
	kp, kl := keyPtr([]byte(key))
	var e C.sw_err
	return fromC(C.sw_redis_limiter_refund(l.p, kp, kl, C.uint64_t(n), &e), &e)
}

// RedisMetrics counts a Redis limiter's decisions and its backend's
// health (spec/redis.md, "Metrics").
type RedisMetrics struct {
	Limit           uint64 // the burst or limit
	Allowed, Denied uint64 // decisions, by Redis or by the failure mode
	RedisOK         uint64 // decisions Redis answered (backend-wide)
	Errors          uint64 // Redis errors, timeouts excluded (backend-wide)
	Timeouts        uint64 // decisions that hit the deadline (backend-wide)
	Fallbacks       uint64 // decisions answered by the failure mode (backend-wide)
	ShortCircuited  uint64 // of those, answered by the open breaker without trying Redis
	Connects        uint64 // connections opened
	BreakerOpen     bool   // the breaker around Redis is open or half-open
}

// Metrics is a snapshot of the limiter's and its backend's counters.
func (l *RedisLimiter) Metrics() (RedisMetrics, error) {
	var m C.seawall_redis_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_redis_limiter_metrics(l.p, &m, &e), &e); err != nil {
		return RedisMetrics{}, err
	}
	return RedisMetrics{uint64(m.limit), uint64(m.allowed), uint64(m.denied), uint64(m.redis_ok), uint64(m.errors),
		uint64(m.timeouts), uint64(m.fallbacks), uint64(m.short_circuited), uint64(m.connects), m.breaker_open != 0}, nil
}

// Close frees the limiter; it must not race other calls on it.
func (l *RedisLimiter) Close() error { C.seawall_redis_limiter_free(l.p); l.p = nil; return nil }

// RedisConcurrencyLimit allows at most MaxConcurrent permits per key held
// at once across hosts (a bulkhead across hosts). Each permit is a lease
// that expires unless renewed, so a holder that dies frees its permit.
type RedisConcurrencyLimit struct {
	p *C.seawall_redis_concurrency_limit
}

// RedisConcurrencyLimitConfig configures a RedisConcurrencyLimit; start
// from DefaultRedisConcurrencyLimitConfig.
type RedisConcurrencyLimitConfig struct {
	MaxConcurrent uint64        // permits per key (1..=1,000,000)
	Lease         time.Duration // how long a permit lasts unless renewed (1 ms ..= 1 day)
}

// DefaultRedisConcurrencyLimitConfig is maxConcurrent with the core's
// default lease (30 s).
func DefaultRedisConcurrencyLimitConfig(maxConcurrent uint64) RedisConcurrencyLimitConfig {
	return RedisConcurrencyLimitConfig{MaxConcurrent: maxConcurrent, Lease: time.Duration(C.SEAWALL_REDIS_DEFAULT_LEASE_NS)}
}

// NewRedisConcurrencyLimit makes a concurrency limit named name (as a
// limiter name).
func NewRedisConcurrencyLimit(backend *RedisBackend, name string, cfg RedisConcurrencyLimitConfig) (*RedisConcurrencyLimit, error) {
	b, err := backend.ptr()
	if err != nil {
		return nil, err
	}
	lease, err := durNs(cfg.Lease, "Lease")
	if err != nil {
		return nil, err
	}
	n, err := cString(name, "name")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(n))
	var p *C.seawall_redis_concurrency_limit
	var e C.sw_err
	if err := fromC(C.sw_redis_concurrency_limit_new(b, n, C.uint64_t(cfg.MaxConcurrent), lease, &p, &e), &e); err != nil {
		return nil, named(err, "Name", "name")
	}
	return &RedisConcurrencyLimit{p: p}, nil
}

// RedisLease is a held permit of a RedisConcurrencyLimit: Release it when
// the call ends (once), Renew it to keep it past its lease.
type RedisLease struct {
	limit *RedisConcurrencyLimit
	p     *C.seawall_redis_lease
}

// TryAcquire takes a permit of key if fewer than MaxConcurrent are held:
// the lease, or nil when all are held (then retryAfter says when the
// first held lease expires). When Redis cannot answer, the failure mode
// decides (open: a lease that holds nothing in Redis).
func (l *RedisConcurrencyLimit) TryAcquire(key string) (lease *RedisLease, retryAfter time.Duration, err error) {
	kp, kl := keyPtr([]byte(key))
	var p *C.seawall_redis_lease
	var ra C.uint64_t
	var e C.sw_err
	if err := fromC(C.sw_redis_concurrency_limit_try_acquire(l.p, kp, kl, &p, &ra, &e), &e); err != nil {
		return nil, 0, err
	}
	if p == nil {
		return nil, nsToDuration(uint64(ra)), nil
	}
	return &RedisLease{limit: l, p: p}, 0, nil
}

// Release gives the permit back; wasHeld is false when the lease had
// already expired (or Redis could not be told). A second Release is an
// error of kind KindNullArgument.
func (s *RedisLease) Release() (wasHeld bool, err error) {
	if s.p == nil {
		return false, errClosed("the lease")
	}
	var held C.int
	var e C.sw_err
	err = fromC(C.sw_redis_lease_release(s.limit.p, s.p, &held, &e), &e)
	s.p = nil // the C call took the lease, whatever it answered
	return held != 0, err
}

// Renew extends the held lease to its full length from now; held is
// false when it had already expired.
func (s *RedisLease) Renew() (held bool, err error) {
	if s.p == nil {
		return false, errClosed("the lease")
	}
	var h C.int
	var e C.sw_err
	err = fromC(C.sw_redis_lease_renew(s.limit.p, s.p, &h, &e), &e)
	return h != 0, err
}

// Close frees the lease without releasing it: the permit stays held until
// the lease expires, as if the holder had died. A no-op after Release.
func (s *RedisLease) Close() error { C.seawall_redis_lease_free(s.p); s.p = nil; return nil }

// Close frees the limit; it must not race other calls on it.
func (l *RedisConcurrencyLimit) Close() error {
	C.seawall_redis_concurrency_limit_free(l.p)
	l.p = nil
	return nil
}

// RedisFeatureFlags are on/off switches in Redis shared by every host, read
// through a short local cache, with the caller's safe default when Redis
// cannot answer.
type RedisFeatureFlags struct {
	p *C.seawall_redis_feature_flags
}

// DefaultFlagCacheTTL is the core's default cache lifetime (1 s).
const DefaultFlagCacheTTL = time.Duration(C.SEAWALL_REDIS_DEFAULT_CACHE_TTL_NS)

// NewRedisFeatureFlags makes the flags under namespace (as a limiter
// name), each read from Redis at most once per cacheTTL (0 ..= 1 h; 0: no
// cache; DefaultFlagCacheTTL is the usual choice) per process.
func NewRedisFeatureFlags(backend *RedisBackend, namespace string, cacheTTL time.Duration) (*RedisFeatureFlags, error) {
	b, err := backend.ptr()
	if err != nil {
		return nil, err
	}
	ttl, err := durArg(cacheTTL, "cacheTTL")
	if err != nil {
		return nil, err
	}
	ns, err := cString(namespace, "namespace")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(ns))
	var p *C.seawall_redis_feature_flags
	var e C.sw_err
	if err := fromC(C.sw_redis_feature_flags_new(b, ns, ttl, &p, &e), &e); err != nil {
		return nil, named(err, "CacheTtl", "cacheTTL", "FlagNamespace", "namespace", "Name", "namespace")
	}
	return &RedisFeatureFlags{p: p}, nil
}

// IsEnabled is whether flag is on: the local cache, else Redis, else (the
// flag never set, or Redis unable to answer) safeDefault.
func (f *RedisFeatureFlags) IsEnabled(flag string, safeDefault bool) (bool, error) {
	kp, kl := keyPtr([]byte(flag))
	var on C.int
	var e C.sw_err
	err := fromC(C.sw_redis_feature_flags_is_enabled(f.p, kp, kl, boolInt(safeDefault), &on, &e), &e)
	return on != 0, err
}

// Set turns flag on or off for every host; written is false when Redis
// could not take it.
func (f *RedisFeatureFlags) Set(flag string, on bool) (written bool, err error) {
	kp, kl := keyPtr([]byte(flag))
	var w C.int
	var e C.sw_err
	err = fromC(C.sw_redis_feature_flags_set(f.p, kp, kl, boolInt(on), &w, &e), &e)
	return w != 0, err
}

// Disable turns flag off for every host for d (1 ms ..= 30 days), then
// back to its value (graceful degradation); written is false when Redis
// could not take it.
func (f *RedisFeatureFlags) Disable(flag string, d time.Duration) (written bool, err error) {
	ns, err := durArg(d, "d")
	if err != nil {
		return false, err
	}
	kp, kl := keyPtr([]byte(flag))
	var w C.int
	var e C.sw_err
	err = fromC(C.sw_redis_feature_flags_disable(f.p, kp, kl, ns, &w, &e), &e)
	return w != 0, named(err, "for_ns", "d")
}

// Close frees the flags; it must not race other calls on them.
func (f *RedisFeatureFlags) Close() error {
	C.seawall_redis_feature_flags_free(f.p)
	f.p = nil
	return nil
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
