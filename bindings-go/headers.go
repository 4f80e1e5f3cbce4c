package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"net/http"
	"time"
	"unsafe"
)

// QuotaPolicy is what a limiter advertises in its response headers
// (spec/headers.md): a name, a limit and a window. The header values are
// written by the core, so a Go server sends the same bytes as a Python or
// Node one.
type QuotaPolicy struct {
	p *C.seawall_quota_policy
}

// NewQuotaPolicy is a policy of limit requests per window, named name
// (1..=64 printable ASCII characters; "default" is the usual choice).
func NewQuotaPolicy(name string, limit uint64, window time.Duration) (*QuotaPolicy, error) {
	w, err := durArg(window, "window")
	if err != nil {
		return nil, err
	}
	return newQuotaPolicy(name, func(n *C.char, out **C.seawall_quota_policy, e *C.sw_err) C.int {
		return C.sw_quota_policy_new(n, C.uint64_t(limit), w, out, e)
	})
}

// QuotaPolicyOf is the policy a token bucket with cfg advertises (limit =
// Burst, window = the time to refill from empty).
func QuotaPolicyOf(name string, cfg TokenBucketConfig) (*QuotaPolicy, error) {
	c := cfg.toC()
	return newQuotaPolicy(name, func(n *C.char, out **C.seawall_quota_policy, e *C.sw_err) C.int {
		return C.sw_quota_policy_from_token_bucket(n, &c, out, e)
	})
}

// QuotaPolicyOfWindow is the policy a sliding window with cfg advertises
// (its Limit and Window).
func QuotaPolicyOfWindow(name string, cfg SlidingWindowConfig) (*QuotaPolicy, error) {
	c, err := cfg.toC("")
	if err != nil {
		return nil, err
	}
	return newQuotaPolicy(name, func(n *C.char, out **C.seawall_quota_policy, e *C.sw_err) C.int {
		return C.sw_quota_policy_from_sliding_window(n, &c, out, e)
	})
}

func newQuotaPolicy(name string, make func(*C.char, **C.seawall_quota_policy, *C.sw_err) C.int) (*QuotaPolicy, error) {
	n, err := cString(name, "name")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(n))
	var p *C.seawall_quota_policy
	var e C.sw_err
	if err := fromC(make(n, &p, &e), &e); err != nil {
		return nil, err
	}
	return &QuotaPolicy{p: p}, nil
}

// headerOrder is the core's header set, in the order it is written.
var headerOrder = []C.uint32_t{
	C.SEAWALL_HEADER_RATELIMIT_POLICY, C.SEAWALL_HEADER_RATELIMIT, C.SEAWALL_HEADER_X_RATELIMIT_LIMIT,
	C.SEAWALL_HEADER_X_RATELIMIT_REMAINING, C.SEAWALL_HEADER_X_RATELIMIT_RESET, C.SEAWALL_HEADER_RETRY_AFTER,
}

// Headers sets on h the response headers for d (from any limiter's
// TryAcquire, Wait or Peek): RateLimit-Policy and RateLimit
// (draft-ietf-httpapi-ratelimit-headers), X-RateLimit-Limit, -Remaining
// and -Reset, and Retry-After when d was denied.
func (q *QuotaPolicy) Headers(h http.Header, d Decision) error {
	var cd C.seawall_decision
	setFlag(&cd.allowed, d.Allowed)
	cd.remaining = C.uint64_t(d.Remaining)
	cd.retry_after_ns = C.uint64_t(max(d.RetryAfter, 0))
	cd.reset_after_ns = C.uint64_t(max(d.ResetAfter, 0))
	var buf [160]C.char // every value fits (seawall.h)
	for _, hd := range headerOrder {
		if hd == C.SEAWALL_HEADER_RETRY_AFTER && d.Allowed {
			h.Del("Retry-After")
			continue
		}
		var n C.size_t
		var e C.sw_err
		if err := fromC(C.sw_rate_limit_header_value(q.p, &cd, hd, &buf[0], C.size_t(len(buf)), &n, &e), &e); err != nil {
			return err
		}
		h.Set(C.GoString(C.seawall_rate_limit_header_name(hd)), C.GoStringN(&buf[0], C.int(n)))
	}
	return nil
}

// Close frees the policy.
func (q *QuotaPolicy) Close() error { C.seawall_quota_policy_free(q.p); q.p = nil; return nil }

// ParseRetryAfter reads a Retry-After header value (RFC 9110:
// delay-seconds, also with a fraction such as "1.5", or an HTTP date,
// compared with now): the delay and true, or 0 and false when the value
// is not valid (then use the computed backoff delay). A date in the past
// is 0 and true.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool, error) {
	v, err := cString(value, "value")
	if err != nil {
		return 0, false, nil // a NUL is in no valid header value
	}
	defer C.free(unsafe.Pointer(v))
	var valid C.int
	var ns C.uint64_t
	var e C.sw_err
	if err := fromC(C.sw_parse_retry_after(v, C.uint64_t(max(now.UnixMilli(), 0)), &valid, &ns, &e), &e); err != nil {
		return 0, false, err
	}
	return nsToDuration(uint64(ns)), valid != 0, nil
}
