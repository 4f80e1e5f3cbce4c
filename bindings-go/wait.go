package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"context"
	"math"
	"time"
)

// reserveFn is a limiter's reserve call (seawall_*_reserve) for maxWait.
type reserveFn func(maxWait C.uint64_t, d *C.seawall_decision, w **C.seawall_limiter_wait, e *C.sw_err) C.int

// limiterWait takes a place in the limiter's FIFO line (core's reservation,
// spec/token_bucket.md "Waiting acquires") and waits until it is due. It
// is refused at once, with a *Error of KindRateLimited and its
// RetryAfter, when the place would come after ctx's deadline; when ctx
// ends first the place is given back and ctx.Err() returned. manual: the
// limiter reads a ManualClock, whose time moves only when told to.
func limiterWait(ctx context.Context, manual bool, reserve reserveFn) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	maxWait := C.uint64_t(math.MaxUint64)
	if dl, ok := ctx.Deadline(); ok {
		maxWait = 0
		if left := time.Until(dl); left > 0 {
			maxWait = C.uint64_t(left)
		}
	}
	var d C.seawall_decision
	var w *C.seawall_limiter_wait
	var e C.sw_err
	if err := fromC(reserve(maxWait, &d, &w, &e), &e); err != nil || w == nil {
		return decisionOf(&d), err
	}
	defer C.seawall_limiter_wait_free(w) // gives an unclaimed place back
	if ctx.Done() == nil {
		// Nothing can cancel the wait: core sleeps until it is due (or, on
		// a manual clock, until the clock is moved there).
		err := fromC(C.sw_limiter_wait_wait(w, &d, &e), &e)
		return decisionOf(&d), err
	}
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	poll := 50 * time.Microsecond
	for {
		// The due time on the monotonic clock is exact: one timer. A
		// manual clock moves when the test says so: look again soon.
		next := nsToDuration(uint64(C.seawall_limiter_wait_due_in_ns(w)))
		if manual {
			next, poll = poll, min(2*poll, 5*time.Millisecond)
		}
		t.Reset(next)
		select {
		case <-ctx.Done():
			return Decision{}, ctx.Err()
		case <-t.C:
		}
		if err := fromC(C.sw_limiter_wait_try_claim(w, &d, &e), &e); err != nil || truthy(d.allowed) {
			return decisionOf(&d), err
		}
	}
}

// Wait takes n tokens, waiting in FIFO order until they are due (like
// golang.org/x/time/rate's Wait). It fails at once with KindRateLimited
// (RetryAfter set) when they would come after ctx's deadline; when ctx
// ends first the reservation is given back and ctx.Err() returned.
func (b *TokenBucket) Wait(ctx context.Context, n uint64) (Decision, error) {
	return limiterWait(ctx, b.manual, func(mw C.uint64_t, d *C.seawall_decision, w **C.seawall_limiter_wait, e *C.sw_err) C.int {
		return C.sw_token_bucket_reserve(b.p, C.uint64_t(n), mw, d, w, e)
	})
}

// Wait is TokenBucket.Wait for a sliding window.
func (w *SlidingWindow) Wait(ctx context.Context, n uint64) (Decision, error) {
	return limiterWait(ctx, w.manual, func(mw C.uint64_t, d *C.seawall_decision, out **C.seawall_limiter_wait, e *C.sw_err) C.int {
		return C.sw_sliding_window_reserve(w.p, C.uint64_t(n), mw, d, out, e)
	})
}

// Wait is TokenBucket.Wait for key's bucket; a key with waiters is never
// evicted.
func (k *KeyedTokenBucket) Wait(ctx context.Context, key string, n uint64) (Decision, error) {
	kb := []byte(key)
	return limiterWait(ctx, k.manual, func(mw C.uint64_t, d *C.seawall_decision, w **C.seawall_limiter_wait, e *C.sw_err) C.int {
		kp, kl := keyPtr(kb)
		return C.sw_keyed_token_bucket_reserve(k.p, kp, kl, C.uint64_t(n), mw, d, w, e)
	})
}

// Wait is TokenBucket.Wait for key's window; a key with waiters is never
// evicted.
func (k *KeyedSlidingWindow) Wait(ctx context.Context, key string, n uint64) (Decision, error) {
	kb := []byte(key)
	return limiterWait(ctx, k.manual, func(mw C.uint64_t, d *C.seawall_decision, w **C.seawall_limiter_wait, e *C.sw_err) C.int {
		kp, kl := keyPtr(kb)
		return C.sw_keyed_sliding_window_reserve(k.p, kp, kl, C.uint64_t(n), mw, d, w, e)
	})
}

// Peek is what TryAcquire(key, n) would answer now, taking nothing.
func (k *KeyedTokenBucket) Peek(key string, n uint64) (Decision, error) {
	kp, kl := keyPtr([]byte(key))
	var d C.seawall_decision
	var e C.sw_err
	err := fromC(C.sw_keyed_token_bucket_peek(k.p, kp, kl, C.uint64_t(n), &d, &e), &e)
	return decisionOf(&d), err
}

// Peek is what TryAcquire(key, n) would answer now, taking nothing.
func (k *KeyedSlidingWindow) Peek(key string, n uint64) (Decision, error) {
	kp, kl := keyPtr([]byte(key))
	var d C.seawall_decision
	var e C.sw_err
	err := fromC(C.sw_keyed_sliding_window_peek(k.p, kp, kl, C.uint64_t(n), &d, &e), &e)
	return decisionOf(&d), err
}
