package seawall

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestInvalidConfigNamesTheGoField(t *testing.T) {
	cases := []struct {
		name  string
		make  func() error
		field string
	}{
		{"token bucket", func() error {
			c := DefaultTokenBucketConfig()
			c.RatePerSec = math.NaN()
			_, err := NewTokenBucket(c)
			return err
		}, "RatePerSec"},
		{"token bucket initial", func() error {
			c := DefaultTokenBucketConfig()
			c.InitialTokens = Ptr(c.Burst + 1)
			_, err := NewTokenBucket(c)
			return err
		}, "InitialTokens"},
		{"sliding window", func() error {
			c := DefaultSlidingWindowConfig()
			c.Buckets = 0
			_, err := NewSlidingWindow(c)
			return err
		}, "Buckets"},
		{"sliding window negative", func() error {
			c := DefaultSlidingWindowConfig()
			c.Window = -time.Second
			_, err := NewSlidingWindow(c)
			return err
		}, "Window"},
		{"keyed token bucket", func() error {
			c := DefaultKeyedTokenBucketConfig()
			c.Table.MaxProbe = 0
			_, err := NewKeyedTokenBucket(c)
			return err
		}, "MaxProbe"},
		{"keyed sliding window", func() error {
			c := DefaultKeyedSlidingWindowConfig()
			c.Window.Limit = 0
			_, err := NewKeyedSlidingWindow(c)
			return err
		}, "Limit"},
		{"breaker", func() error {
			c := DefaultCircuitBreakerConfig()
			c.OpenDuration = 0
			_, err := NewCircuitBreaker(c)
			return err
		}, "OpenDuration"},
		{"breaker count", func() error {
			c := DefaultCircuitBreakerConfig()
			c.FailureCountThreshold = Ptr(uint64(0))
			_, err := NewCircuitBreaker(c)
			return err
		}, "FailureCountThreshold"},
		{"bulkhead", func() error {
			c := DefaultBulkheadConfig()
			c.MaxConcurrent = 0
			_, err := NewBulkhead(c)
			return err
		}, "MaxConcurrent"},
		{"backoff", func() error {
			c := DefaultBackoffConfig()
			c.MaxDelay = c.Base - 1
			_, err := NewBackoff(c)
			return err
		}, "MaxDelay"},
		{"retry budget", func() error {
			c := DefaultRetryBudgetConfig()
			c.TokenRatio = 0
			_, err := NewRetryBudget(c)
			return err
		}, "TokenRatio"},
		{"adaptive timeout", func() error {
			c := DefaultAdaptiveTimeoutConfig()
			c.Percentile = 1.5
			_, err := NewAdaptiveTimeout(c)
			return err
		}, "Percentile"},
		{"fault injector", func() error {
			c := DefaultFaultInjectorConfig()
			c.ErrorRate, c.DelayRate = 0.7, 0.7
			_, err := NewFaultInjector(c)
			return err
		}, "DelayRate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, c.make(), KindInvalidConfig, c.field)
		})
	}
}

func TestPolicyWithTwoLimitersIsAConfigError(t *testing.T) {
	tb := must(NewTokenBucket(DefaultTokenBucketConfig()))
	defer tb.Close()
	sw := must(NewSlidingWindow(DefaultSlidingWindowConfig()))
	defer sw.Close()
	_, err := NewPolicy(PolicyConfig{TokenBucket: tb, SlidingWindow: sw})
	se := wantErr(t, err, KindInvalidConfig, "SlidingWindow")
	if se.Message == "" || !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(se)
	}
}

func TestInvalidArgumentAndClosedHandle(t *testing.T) {
	tb := must(NewTokenBucket(DefaultTokenBucketConfig()))
	_, err := tb.TryAcquire(0)
	wantErr(t, err, KindInvalidArgument, "n")
	_, err = tb.TryAcquire(11)
	wantErr(t, err, KindInvalidArgument, "n")
	ok(t, tb.Close())
	ok(t, tb.Close()) // idempotent
	_, err = tb.TryAcquire(1)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("closed handle: %v", err)
	}
}

func TestErrorStringsAndSentinels(t *testing.T) {
	if KindCircuitOpen.String() != "circuit_open" || KindInvalidConfig.String() != "invalid_config" {
		t.Fatal(KindCircuitOpen.String(), KindInvalidConfig.String())
	}
	err := error(&Error{Kind: KindBulkheadFull})
	if !errors.Is(err, ErrBulkheadFull) || errors.Is(err, ErrCircuitOpen) {
		t.Fatal("errors.Is on kinds")
	}
	wrapped := fmt.Errorf("calling: %w", err)
	if !errors.Is(wrapped, ErrBulkheadFull) {
		t.Fatal("wrapped")
	}
}

// Issue 13 item 8. Many goroutines provoke different errors at once; each must get its own
// kind, field and message. Reading the thread-local last error in a second
// cgo call (without runtime.LockOSThread) mixes them up: a goroutine can
// move to another OS thread between the calls, or another goroutine can
// run a failing call on the same thread in between.
func TestIssue13Item8EachGoroutineGetsItsOwnError(t *testing.T) {
	clock := newClock(t)
	tb := must(NewTokenBucket(DefaultTokenBucketConfig(), WithClock(clock)))
	defer tb.Close()
	cbCfg := DefaultCircuitBreakerConfig()
	cb := must(NewCircuitBreaker(cbCfg, WithClock(clock)))
	defer cb.Close()
	ok(t, cb.ForceOpen())
	bh := must(NewBulkhead(BulkheadConfig{MaxConcurrent: 1}, WithClock(clock)))
	defer bh.Close()
	held := must(bh.TryAcquire())
	defer held.Release()

	provokers := []struct {
		kind  Kind
		field string
		call  func() error
	}{
		{KindInvalidArgument, "n", func() error { _, err := tb.TryAcquire(0); return err }},
		{KindInvalidConfig, "Burst", func() error {
			c := DefaultTokenBucketConfig()
			c.Burst = 0
			_, err := NewTokenBucket(c)
			return err
		}},
		{KindInvalidConfig, "OpenDuration", func() error {
			c := DefaultCircuitBreakerConfig()
			c.OpenDuration = 0
			_, err := NewCircuitBreaker(c)
			return err
		}},
		{KindInvalidConfig, "MaxAttempts", func() error {
			c := DefaultBackoffConfig()
			c.MaxAttempts = 0
			_, err := NewBackoff(c)
			return err
		}},
		{KindCircuitOpen, "", func() error { _, err := cb.TryAcquire(); return err }},
		{KindBulkheadFull, "", func() error { _, err := bh.TryAcquire(); return err }},
	}
	const goroutines, iterations = 48, 300
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			p := provokers[g%len(provokers)]
			for i := 0; i < iterations; i++ {
				err := p.call()
				var se *Error
				if !errors.As(err, &se) || se.Kind != p.kind || se.Field != p.field ||
					(p.field != "" && !containsStr(se.Message, p.field)) {
					errs <- fmt.Errorf("goroutine %d wanted %v/%q, got %#v", g, p.kind, p.field, err)
					return
				}
				if i%8 == 0 {
					runtime.Gosched()
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func containsStr(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// A refusal is one allocation (the *Error): no message is copied out of
// C; Error() writes it when asked, from the kind and the retry-after.
func TestRejectionsAreCheap(t *testing.T) {
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig()))
	defer cb.Close()
	ok(t, cb.ForceOpen())
	if n := testing.AllocsPerRun(100, func() { _, _ = cb.TryAcquire() }); n > 1 {
		t.Errorf("a refused TryAcquire: %v allocations, want 1", n)
	}
	_, err := cb.TryAcquire()
	se := wantErr(t, err, KindCircuitOpen, "")
	if se.Message != "" || err.Error() != "seawall: circuit open; retry after "+se.RetryAfter.String() {
		t.Fatalf("Message %q, Error() %q", se.Message, err.Error())
	}

	tb := must(NewTokenBucket(TokenBucketConfig{Burst: 1, RatePerSec: 1}))
	defer tb.Close()
	p := must(NewPolicy(PolicyConfig{TokenBucket: tb}))
	defer p.Close()
	ok(t, p.Execute(context.Background(), func(context.Context) error { return nil }))
	err = p.Execute(context.Background(), func(context.Context) error { return nil })
	se = wantErr(t, err, KindRateLimited, "")
	if se.Stage != "rate_limiter" || se.RetryAfter <= 0 || !strings.HasPrefix(err.Error(), "seawall: rate limited; retry after ") {
		t.Fatalf("a policy's limiter refusal: stage %q, retry after %v, %q", se.Stage, se.RetryAfter, err.Error())
	}

	bh := must(NewBulkhead(BulkheadConfig{MaxConcurrent: 1}))
	defer bh.Close()
	held := must(bh.TryAcquire())
	defer held.Release()
	if _, err := bh.TryAcquire(); err == nil || err.Error() != "seawall: bulkhead full" {
		t.Fatalf("a full bulkhead: %v", err)
	}
}
