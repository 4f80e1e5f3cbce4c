package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"time"
	"unsafe"
)

// TokenBucketConfig configures a token bucket; start from DefaultTokenBucketConfig.
type TokenBucketConfig struct {
	Burst         uint64  // most tokens taken at once after an idle period
	RatePerSec    float64 // refill rate; fractions allowed
	InitialTokens *uint64 // nil: start full
}

// DefaultTokenBucketConfig is the core's default config.
func DefaultTokenBucketConfig() TokenBucketConfig {
	return tbConfigOf(C.seawall_token_bucket_config_default())
}

func tbConfigOf(c C.seawall_token_bucket_config) TokenBucketConfig {
	cfg := TokenBucketConfig{Burst: uint64(c.burst), RatePerSec: float64(c.rate_per_sec)}
	if truthy(c.has_initial_tokens) {
		cfg.InitialTokens = Ptr(uint64(c.initial_tokens))
	}
	return cfg
}

func (cfg *TokenBucketConfig) toC() C.seawall_token_bucket_config {
	c := C.seawall_token_bucket_config_default()
	c.burst = C.uint64_t(cfg.Burst)
	c.rate_per_sec = C.double(cfg.RatePerSec)
	setFlag(&c.has_initial_tokens, cfg.InitialTokens != nil)
	if cfg.InitialTokens != nil {
		c.initial_tokens = C.uint64_t(*cfg.InitialTokens)
	}
	return c
}

// TokenBucket is a lock-free token bucket (GCRA).
type TokenBucket struct {
	p      *C.seawall_token_bucket
	manual bool // reads a ManualClock
}

// NewTokenBucket makes a token bucket from cfg.
func NewTokenBucket(cfg TokenBucketConfig, opts ...Option) (*TokenBucket, error) {
	c := cfg.toC()
	clock, region, rname, err := placeOf(opts)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(rname))
	var p *C.seawall_token_bucket
	var e C.sw_err
	if err := fromC(C.sw_token_bucket_new_in(&c, clock, region, rname, &p, &e), &e); err != nil {
		return nil, err
	}
	b := &TokenBucket{}
	b.p, b.manual = p, clock != nil
	return b, nil
}

// TryAcquire takes n tokens if available now. A denial is a Decision with
// Allowed false, not an error; n of 0 or above Burst is KindInvalidArgument.
func (b *TokenBucket) TryAcquire(n uint64) (Decision, error) {
	r := C.sw_token_bucket_try_acquire_v(b.p, C.uint64_t(n))
	if err := fromC(r.status, &r.e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&r.d), nil
}

// Peek is what TryAcquire(n) would answer now, taking nothing.
func (b *TokenBucket) Peek(n uint64) (Decision, error) {
	var d C.seawall_decision
	var e C.sw_err
	if err := fromC(C.sw_token_bucket_peek(b.p, C.uint64_t(n), &d, &e), &e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&d), nil
}

// Refund gives back n tokens whose call never went out.
func (b *TokenBucket) Refund(n uint64) error {
	var e C.sw_err
	return fromC(C.sw_token_bucket_refund(b.p, C.uint64_t(n), &e), &e)
}

// TokenBucketMetrics is a snapshot of a token bucket.
type TokenBucketMetrics struct {
	Burst, Available uint64
	EmissionInterval time.Duration
	Allowed, Denied  uint64
	Waiting          uint64 // Wait calls in line now
}

// Metrics is a snapshot of the bucket.
func (b *TokenBucket) Metrics() (TokenBucketMetrics, error) {
	var m C.seawall_token_bucket_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_token_bucket_get_metrics(b.p, &m, &e), &e); err != nil {
		return TokenBucketMetrics{}, err
	}
	return TokenBucketMetrics{uint64(m.burst), uint64(m.available), nsToDuration(uint64(m.emission_interval_ns)),
		uint64(m.allowed), uint64(m.denied), uint64(m.waiting)}, nil
}

// Close frees the bucket.
func (b *TokenBucket) Close() error { C.seawall_token_bucket_free(b.p); b.p = nil; return nil }

// SlidingWindowConfig configures a sliding-window limiter.
type SlidingWindowConfig struct {
	Limit   uint64        // requests allowed in any window
	Window  time.Duration // the window length
	Buckets uint32        // sub-windows per window
}

// DefaultSlidingWindowConfig is the core's default config.
func DefaultSlidingWindowConfig() SlidingWindowConfig {
	return swConfigOf(C.seawall_sliding_window_config_default())
}

func swConfigOf(c C.seawall_sliding_window_config) SlidingWindowConfig {
	return SlidingWindowConfig{uint64(c.limit), nsToDuration(uint64(c.window_ns)), uint32(c.buckets)}
}

func (cfg *SlidingWindowConfig) toC(prefix string) (c C.seawall_sliding_window_config, err error) {
	c = C.seawall_sliding_window_config_default()
	c.limit = C.uint64_t(cfg.Limit)
	if c.window_ns, err = durNs(cfg.Window, prefix+"Window"); err != nil {
		return
	}
	c.buckets = C.uint32_t(cfg.Buckets)
	return c, nil
}

// SlidingWindow allows at most Limit requests in any window, lock-free.
type SlidingWindow struct {
	p      *C.seawall_sliding_window
	manual bool // reads a ManualClock
}

// NewSlidingWindow makes a sliding-window limiter from cfg.
func NewSlidingWindow(cfg SlidingWindowConfig, opts ...Option) (*SlidingWindow, error) {
	c, err := cfg.toC("")
	if err != nil {
		return nil, err
	}
	clock, region, rname, err := placeOf(opts)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(rname))
	var p *C.seawall_sliding_window
	var e C.sw_err
	if err := fromC(C.sw_sliding_window_new_in(&c, clock, region, rname, &p, &e), &e); err != nil {
		return nil, err
	}
	w := &SlidingWindow{}
	w.p, w.manual = p, clock != nil
	return w, nil
}

// TryAcquire counts n requests if the window has room.
func (w *SlidingWindow) TryAcquire(n uint64) (Decision, error) {
	r := C.sw_sliding_window_try_acquire_v(w.p, C.uint64_t(n))
	if err := fromC(r.status, &r.e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&r.d), nil
}

// Peek is what TryAcquire(n) would answer now, counting nothing.
func (w *SlidingWindow) Peek(n uint64) (Decision, error) {
	var d C.seawall_decision
	var e C.sw_err
	if err := fromC(C.sw_sliding_window_peek(w.p, C.uint64_t(n), &d, &e), &e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&d), nil
}

// Refund gives back n requests whose call never went out.
func (w *SlidingWindow) Refund(n uint64) error {
	var e C.sw_err
	return fromC(C.sw_sliding_window_refund(w.p, C.uint64_t(n), &e), &e)
}

// SlidingWindowMetrics is a snapshot of a sliding window.
type SlidingWindowMetrics struct {
	Limit, Count, Allowed, Denied uint64
	Waiting                       uint64 // Wait calls in line now
}

// Metrics is a snapshot of the limiter.
func (w *SlidingWindow) Metrics() (SlidingWindowMetrics, error) {
	var m C.seawall_sliding_window_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_sliding_window_get_metrics(w.p, &m, &e), &e); err != nil {
		return SlidingWindowMetrics{}, err
	}
	return SlidingWindowMetrics{uint64(m.limit), uint64(m.count), uint64(m.allowed), uint64(m.denied), uint64(m.waiting)}, nil
}

// Close frees the limiter.
func (w *SlidingWindow) Close() error { C.seawall_sliding_window_free(w.p); w.p = nil; return nil }

// OnFull says what a keyed limiter answers for a new key when its table is full.
type OnFull uint32

const (
	OnFullDeny  OnFull = 0 // deny (the default)
	OnFullAllow OnFull = 1 // allow, untracked
)

// KeyTableConfig configures the key table of a keyed limiter.
type KeyTableConfig struct {
	MaxKeys  uint64 // distinct keys the table always has room for (default 10000; 4 x MaxKeys slots)
	MaxProbe uint32 // slots probed per lookup, 1..64 (default 64; smaller makes false denials below MaxKeys possible)
	OnFull   OnFull
	HashSeed *uint64 // nil: seeded from the clock
}

// The C keyed configs are flat (versioned, struct_size first): the table
// fields follow the limiter's. These read and write them.
func ktConfigOf(maxKeys C.uint64_t, maxProbe, onFull C.uint32_t, hasSeed C.uint8_t, seed C.uint64_t) KeyTableConfig {
	cfg := KeyTableConfig{MaxKeys: uint64(maxKeys), MaxProbe: uint32(maxProbe), OnFull: OnFull(onFull)}
	if truthy(hasSeed) {
		cfg.HashSeed = Ptr(uint64(seed))
	}
	return cfg
}

func (cfg *KeyTableConfig) toC(maxKeys *C.uint64_t, maxProbe, onFull *C.uint32_t, hasSeed *C.uint8_t, seed *C.uint64_t) {
	*maxKeys = C.uint64_t(cfg.MaxKeys)
	*maxProbe = C.uint32_t(cfg.MaxProbe)
	*onFull = C.uint32_t(cfg.OnFull)
	setFlag(hasSeed, cfg.HashSeed != nil)
	if cfg.HashSeed != nil {
		*seed = C.uint64_t(*cfg.HashSeed)
	}
}

// KeyedMetrics is a snapshot of a keyed limiter's table and decisions
// (Allowed, Denied: one count per request; Waiting: waiting acquires now).
type KeyedMetrics struct {
	KeysTracked, Capacity, Evictions, TableFull uint64
	Allowed, Denied, Waiting                    uint64
}

func keyedMetricsOf(m *C.seawall_keyed_metrics) KeyedMetrics {
	return KeyedMetrics{uint64(m.keys_tracked), uint64(m.capacity), uint64(m.evictions), uint64(m.table_full),
		uint64(m.allowed), uint64(m.denied), uint64(m.waiting)}
}

// keyPtr points into key for the duration of one C call (never NULL).
func keyPtr(key []byte) (*C.uint8_t, C.size_t) {
	if len(key) == 0 {
		var zero C.uint8_t
		return &zero, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&key[0])), C.size_t(len(key))
}

// KeyedTokenBucketConfig configures one token bucket per key.
type KeyedTokenBucketConfig struct {
	Bucket TokenBucketConfig
	Table  KeyTableConfig
}

// DefaultKeyedTokenBucketConfig is the core's default config.
func DefaultKeyedTokenBucketConfig() KeyedTokenBucketConfig {
	c := C.seawall_keyed_token_bucket_config_default()
	return KeyedTokenBucketConfig{
		TokenBucketConfig{Burst: uint64(c.burst), RatePerSec: float64(c.rate_per_sec)},
		ktConfigOf(c.max_keys, c.max_probe, c.on_full, c.has_hash_seed, c.hash_seed)}
}

// KeyedTokenBucket keeps a token bucket per key in a lock-free table.
type KeyedTokenBucket struct {
	p      *C.seawall_keyed_token_bucket
	manual bool // reads a ManualClock
}

// NewKeyedTokenBucket makes a keyed token bucket from cfg.
func NewKeyedTokenBucket(cfg KeyedTokenBucketConfig, opts ...Option) (*KeyedTokenBucket, error) {
	c := C.seawall_keyed_token_bucket_config_default()
	b := cfg.Bucket.toC() // initial tokens too: the library refuses them for keyed buckets
	c.burst, c.rate_per_sec = b.burst, b.rate_per_sec
	c.has_initial_tokens, c.initial_tokens = b.has_initial_tokens, b.initial_tokens
	cfg.Table.toC(&c.max_keys, &c.max_probe, &c.on_full, &c.has_hash_seed, &c.hash_seed)
	clock, region, rname, err := placeOf(opts)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(rname))
	var p *C.seawall_keyed_token_bucket
	var e C.sw_err
	if err := fromC(C.sw_keyed_token_bucket_new_in(&c, clock, region, rname, &p, &e), &e); err != nil {
		return nil, err
	}
	k := &KeyedTokenBucket{}
	k.p, k.manual = p, clock != nil
	return k, nil
}

// TryAcquire takes n tokens from key's bucket.
func (k *KeyedTokenBucket) TryAcquire(key string, n uint64) (Decision, error) {
	return k.TryAcquireBytes([]byte(key), n)
}

// TryAcquireBytes is TryAcquire with a key of any bytes.
func (k *KeyedTokenBucket) TryAcquireBytes(key []byte, n uint64) (Decision, error) {
	kp, kl := keyPtr(key)
	var d C.seawall_decision
	var e C.sw_err
	if err := fromC(C.sw_keyed_token_bucket_try_acquire(k.p, kp, kl, C.uint64_t(n), &d, &e), &e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&d), nil
}

// Refund gives back n tokens to key's bucket.
func (k *KeyedTokenBucket) Refund(key string, n uint64) error {
	kp, kl := keyPtr([]byte(key))
	var e C.sw_err
	return fromC(C.sw_keyed_token_bucket_refund(k.p, kp, kl, C.uint64_t(n), &e), &e)
}

// Metrics is a snapshot of the key table.
func (k *KeyedTokenBucket) Metrics() (KeyedMetrics, error) {
	var m C.seawall_keyed_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_keyed_token_bucket_get_metrics(k.p, &m, &e), &e); err != nil {
		return KeyedMetrics{}, err
	}
	return keyedMetricsOf(&m), nil
}

// Close frees the limiter.
func (k *KeyedTokenBucket) Close() error {
	C.seawall_keyed_token_bucket_free(k.p)
	k.p = nil
	return nil
}

// KeyedSlidingWindowConfig configures one sliding window per key.
type KeyedSlidingWindowConfig struct {
	Window SlidingWindowConfig
	Table  KeyTableConfig
}

// DefaultKeyedSlidingWindowConfig is the core's default config.
func DefaultKeyedSlidingWindowConfig() KeyedSlidingWindowConfig {
	c := C.seawall_keyed_sliding_window_config_default()
	return KeyedSlidingWindowConfig{
		SlidingWindowConfig{uint64(c.limit), nsToDuration(uint64(c.window_ns)), uint32(c.buckets)},
		ktConfigOf(c.max_keys, c.max_probe, c.on_full, c.has_hash_seed, c.hash_seed)}
}

// KeyedSlidingWindow keeps a sliding window per key in a lock-free table.
type KeyedSlidingWindow struct {
	p      *C.seawall_keyed_sliding_window
	manual bool // reads a ManualClock
}

// NewKeyedSlidingWindow makes a keyed sliding window from cfg.
func NewKeyedSlidingWindow(cfg KeyedSlidingWindowConfig, opts ...Option) (*KeyedSlidingWindow, error) {
	c := C.seawall_keyed_sliding_window_config_default()
	w, err := cfg.Window.toC("Window.")
	if err != nil {
		return nil, err
	}
	c.limit, c.window_ns, c.buckets = w.limit, w.window_ns, w.buckets
	cfg.Table.toC(&c.max_keys, &c.max_probe, &c.on_full, &c.has_hash_seed, &c.hash_seed)
	clock, region, rname, err := placeOf(opts)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(rname))
	var p *C.seawall_keyed_sliding_window
	var e C.sw_err
	if err := fromC(C.sw_keyed_sliding_window_new_in(&c, clock, region, rname, &p, &e), &e); err != nil {
		return nil, err
	}
	k := &KeyedSlidingWindow{}
	k.p, k.manual = p, clock != nil
	return k, nil
}

// TryAcquire counts n requests in key's window.
func (k *KeyedSlidingWindow) TryAcquire(key string, n uint64) (Decision, error) {
	return k.TryAcquireBytes([]byte(key), n)
}

// TryAcquireBytes is TryAcquire with a key of any bytes.
func (k *KeyedSlidingWindow) TryAcquireBytes(key []byte, n uint64) (Decision, error) {
	kp, kl := keyPtr(key)
	var d C.seawall_decision
	var e C.sw_err
	if err := fromC(C.sw_keyed_sliding_window_try_acquire(k.p, kp, kl, C.uint64_t(n), &d, &e), &e); err != nil {
		return Decision{}, err
	}
	return decisionOf(&d), nil
}

// Refund gives back n requests to key's window.
func (k *KeyedSlidingWindow) Refund(key string, n uint64) error {
	kp, kl := keyPtr([]byte(key))
	var e C.sw_err
	return fromC(C.sw_keyed_sliding_window_refund(k.p, kp, kl, C.uint64_t(n), &e), &e)
}

// Metrics is a snapshot of the key table.
func (k *KeyedSlidingWindow) Metrics() (KeyedMetrics, error) {
	var m C.seawall_keyed_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_keyed_sliding_window_get_metrics(k.p, &m, &e), &e); err != nil {
		return KeyedMetrics{}, err
	}
	return keyedMetricsOf(&m), nil
}

// Close frees the limiter.
func (k *KeyedSlidingWindow) Close() error {
	C.seawall_keyed_sliding_window_free(k.p)
	k.p = nil
	return nil
}
