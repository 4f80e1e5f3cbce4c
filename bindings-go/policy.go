package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"context"
	"strings"
	"time"
)

// PolicyConfig lists a policy's stages; each may be nil (stage absent). At
// most one rate limiter (TokenBucket or SlidingWindow), at most one of
// Timeout and AdaptiveTimeout. The policy keeps its own references to every
// stage: they may be closed after NewPolicy.
type PolicyConfig struct {
	TokenBucket    *TokenBucket
	SlidingWindow  *SlidingWindow
	CircuitBreaker *CircuitBreaker
	Bulkhead       *Bulkhead

	// Timeout is Execute's per-attempt time limit (0: none): each attempt's
	// ctx carries the deadline, and an attempt that returns after it counts
	// as timed out (the breaker records a failure; retried if retries remain).
	Timeout time.Duration
	// AdaptiveTimeout is a per-attempt limit learned from the latencies of
	// earlier attempts (each attempt is recorded into it).
	AdaptiveTimeout *AdaptiveTimeout

	// Retry, if set, retries failed calls as its schedule decides (core's
	// retry run: schedule first, then Budget; a Retry-After hint replaces the
	// computed delay). Each retry acquires every stage again.
	Retry *Backoff
	// Budget, if set with Retry, caps retries across calls (gRFC A6).
	Budget *RetryBudget

	// Fallback, if set, produces the result when the call failed: err is the
	// error Execute would have returned. Its own error is Execute's result.
	Fallback func(ctx context.Context, err error) error

	// RetryIf overrides whether a failure is worth retrying; default core's
	// classification of the error chain (IsRetryable, spec/classify.md).
	RetryIf func(error) bool
	// Classify overrides the outcome the breaker records for a failure;
	// default core's (a seawall rejection is Ignored, anything else Failure).
	// record false: no outcome.
	Classify func(ctx context.Context, err error) (Outcome, bool)
}

// Policy is rate limiter → circuit breaker → bulkhead, acquired in that
// order (a stage that rejects gives back what earlier stages granted),
// plus the timeout, retry and fallback Execute runs around it in core.
type Policy struct {
	p     *C.seawall_policy
	cfg   PolicyConfig
	clock *ManualClock // the policy's clock when it is a manual one
}

// NewPolicy makes a policy; WithClock runs it (durations, deadlines, the
// sleeps of Execute) on a ManualClock.
func NewPolicy(cfg PolicyConfig, opts ...Option) (*Policy, error) {
	c := C.seawall_policy_config_default()
	if cfg.TokenBucket != nil {
		c.token_bucket = cfg.TokenBucket.p
	}
	if cfg.SlidingWindow != nil {
		c.sliding_window = cfg.SlidingWindow.p
	}
	if cfg.CircuitBreaker != nil {
		c.circuit_breaker = cfg.CircuitBreaker.p
	}
	if cfg.Bulkhead != nil {
		c.bulkhead = cfg.Bulkhead.p
	}
	if cfg.AdaptiveTimeout != nil {
		c.adaptive_timeout = cfg.AdaptiveTimeout.p
	}
	to, err := durNs(cfg.Timeout, "Timeout")
	if err != nil {
		return nil, err
	}
	c.timeout_ns = to
	if cfg.Budget != nil && cfg.Retry == nil {
		return nil, invalidConfig("Budget", "needs Retry (a budget only limits retries)")
	}
	if cfg.Fallback != nil {
		c.has_fallback = 1
	}
	clock, err := clockOf(opts, "Policy")
	if err != nil {
		return nil, err
	}
	if cfg.Retry != nil {
		rc := C.seawall_retry_config_default()
		if cfg.Budget != nil {
			rc.retry_budget = cfg.Budget.p
		}
		var r *C.seawall_retry
		var e C.sw_err
		if err := fromC(C.sw_retry_new(cfg.Retry.p, &rc, &r, &e), &e); err != nil {
			return nil, err
		}
		c.retry = r
		defer C.seawall_retry_free(r) // the policy keeps its own reference
	}
	var p *C.seawall_policy
	var e C.sw_err
	if err := fromC(C.sw_policy_new(&c, clock, &p, &e), &e); err != nil {
		if se, ok := err.(*Error); ok && se.Field == "RateLimiter" {
			// both limiters set: name the Go fields, not the C struct's
			se.Field = "SlidingWindow"
			se.Message = strings.Replace(se.cMessage, "rate_limiter token_bucket and sliding_window",
				"TokenBucket and SlidingWindow", 1)
		}
		return nil, err
	}
	pol := &Policy{cfg: cfg, clock: optionsOf(opts).clock}
	pol.p = p
	return pol, nil
}

// Close frees the policy; guards still held stay valid.
func (p *Policy) Close() error { C.seawall_policy_free(p.p); p.p = nil; return nil }

// Guard is everything one admitted call holds. Finish it exactly once with
// Complete, CompleteWithDuration or Release (Release after a finish is a
// no-op, so `defer g.Release()` is always safe). One goroutine at a time.
type Guard struct{ g C.seawall_policy_guard }

// TryAcquire acquires every stage in order. A rejection is a *Error of kind
// KindRateLimited, KindCircuitOpen or KindBulkheadFull whose Stage names the
// stage and RetryAfter says when to retry.
func (p *Policy) TryAcquire() (*Guard, error) {
	g := &Guard{}
	var e C.sw_err
	if err := fromC(C.sw_policy_try_acquire(p.p, &g.g, &e), &e); err != nil {
		return nil, err
	}
	return g, nil
}

// IsProbe reports whether the call is a half-open probe of the breaker.
func (g *Guard) IsProbe() (bool, error) {
	var probe C.int
	var e C.sw_err
	if err := fromC(C.sw_policy_guard_is_probe(&g.g, &probe, &e), &e); err != nil {
		return false, err
	}
	return probe != 0, nil
}

// Complete records outcome with the time since TryAcquire on the policy's
// clock and releases the bulkhead slot.
func (g *Guard) Complete(outcome Outcome) error {
	var e C.sw_err
	return fromC(C.sw_policy_guard_complete(&g.g, C.uint32_t(outcome), &e), &e)
}

// CompleteWithDuration is Complete with a duration measured by the caller.
func (g *Guard) CompleteWithDuration(outcome Outcome, d time.Duration) error {
	if d < 0 {
		return invalidArgument("d", "must be ≥ 0, got "+d.String())
	}
	var e C.sw_err
	return fromC(C.sw_policy_guard_complete_with_duration(&g.g, C.uint32_t(outcome), C.uint64_t(d), &e), &e)
}

// Release finishes the guard without an outcome (the call was cancelled).
func (g *Guard) Release() { C.seawall_policy_guard_release(&g.g) }
