package seawall

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPolicyGuardStages(t *testing.T) {
	clock := newClock(t)
	tb := must(NewTokenBucket(TokenBucketConfig{Burst: 3, RatePerSec: 1}, WithClock(clock)))
	defer tb.Close()
	cb := must(NewCircuitBreaker(breakerConfig(), WithClock(clock)))
	defer cb.Close()
	bh := must(NewBulkhead(BulkheadConfig{MaxConcurrent: 1}, WithClock(clock)))
	defer bh.Close()
	pol := must(NewPolicy(PolicyConfig{TokenBucket: tb, CircuitBreaker: cb, Bulkhead: bh}, WithClock(clock)))
	defer pol.Close()

	g := must(pol.TryAcquire())
	if probe := must(g.IsProbe()); probe {
		t.Fatal("closed breaker: no probe")
	}
	_, err := pol.TryAcquire()
	if se := wantErr(t, err, KindBulkheadFull, ""); se.Stage != "bulkhead" {
		t.Fatal(se.Stage)
	}
	ok(t, clock.Advance(5*ms))
	ok(t, g.Complete(Failure))
	g.Release() // a no-op after Complete
	wantErr(t, g.Complete(Success), KindInvalidArgument, "guard")

	ok(t, cb.ForceOpen())
	_, err = pol.TryAcquire()
	if se := wantErr(t, err, KindCircuitOpen, ""); se.Stage != "circuit_breaker" {
		t.Fatal(se.Stage)
	}
	ok(t, cb.Reset())
	g = must(pol.TryAcquire())
	ok(t, g.CompleteWithDuration(Success, ms))
	// 3 tokens: 1st call, the bulkhead and breaker rejections refunded theirs, last call
	must(pol.TryAcquire())
	_, err = pol.TryAcquire()
	se := wantErr(t, err, KindRateLimited, "")
	if se.Stage != "rate_limiter" || se.RetryAfter <= 0 {
		t.Fatalf("%+v", se)
	}
	if m := must(cb.Metrics()); m.Failures != 1 || m.Successes != 1 {
		t.Fatalf("%+v", m)
	}
}

func noSleep(delays *[]time.Duration) func(context.Context, time.Duration) error {
	var mu sync.Mutex
	return func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*delays = append(*delays, d)
		return ctx.Err()
	}
}

func constantBackoff(t *testing.T, attempts uint32) *Backoff {
	b := must(NewBackoff(BackoffConfig{Kind: BackoffConstant, Base: 10 * ms, Factor: 1, MaxDelay: time.Second,
		Jitter: JitterNone, MaxAttempts: attempts}))
	t.Cleanup(func() { b.Close() })
	return b
}

func TestExecuteRetriesRetryableFailures(t *testing.T) {
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig()))
	defer cb.Close()
	var delays []time.Duration
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: constantBackoff(t, 4), Sleep: noSleep(&delays)}))
	defer pol.Close()
	calls := 0
	err := pol.Execute(context.Background(), func(ctx context.Context) error {
		calls++
		if calls < 3 {
			return codeErr("ECONNRESET")
		}
		return nil
	})
	if err != nil || calls != 3 || len(delays) != 2 || delays[0] != 10*ms {
		t.Fatal(err, calls, delays)
	}
	if m := must(cb.Metrics()); m.Failures != 2 || m.Successes != 1 {
		t.Fatalf("each attempt is a call: %+v", m)
	}
}

func TestExecuteDoesNotRetryOtherFailures(t *testing.T) {
	var delays []time.Duration
	pol := must(NewPolicy(PolicyConfig{Retry: constantBackoff(t, 4), Sleep: noSleep(&delays)}))
	defer pol.Close()
	boom := errors.New("boom")
	calls := 0
	err := pol.Execute(context.Background(), func(context.Context) error { calls++; return boom })
	if err != boom || calls != 1 {
		t.Fatal(err, calls)
	}
}

func TestExecuteGivesUpWhenTheScheduleDoes(t *testing.T) {
	var delays []time.Duration
	pol := must(NewPolicy(PolicyConfig{Retry: constantBackoff(t, 3), Sleep: noSleep(&delays),
		RetryIf: func(error) bool { return true }}))
	defer pol.Close()
	boom := errors.New("boom")
	calls := 0
	err := pol.Execute(context.Background(), func(context.Context) error { calls++; return boom })
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 3 || calls != 3 || !errors.Is(err, boom) || errors.Is(err, ErrRetryBudgetExhausted) {
		t.Fatal(err, calls)
	}
}

func TestExecuteStopsWhenTheBudgetSaysSo(t *testing.T) {
	rb := must(NewRetryBudget(RetryBudgetConfig{MaxTokens: 10, TokenRatio: 0.1}))
	defer rb.Close()
	var delays []time.Duration
	pol := must(NewPolicy(PolicyConfig{Retry: constantBackoff(t, 100), Budget: rb, Sleep: noSleep(&delays)}))
	defer pol.Close()
	calls := 0
	err := pol.Execute(context.Background(), func(context.Context) error { calls++; return syscall_ETIMEDOUT() })
	var re *RetryError
	if !errors.As(err, &re) || !errors.Is(err, ErrRetryBudgetExhausted) || calls != 5 {
		t.Fatal(err, calls)
	}
	if m := must(rb.Metrics()); m.RetriesAllowed != 4 || m.RetriesDenied != 1 {
		t.Fatalf("%+v", m)
	}
	ok(t, pol.Execute(context.Background(), func(context.Context) error { return nil }))
	if m := must(rb.Metrics()); m.Successes != 1 {
		t.Fatalf("%+v", m)
	}
}

func TestExecuteReturnsRejectionsAndHonoursRetryAfter(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(breakerConfig(), WithClock(clock)))
	defer cb.Close()
	ok(t, cb.ForceOpen())
	var delays []time.Duration
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: constantBackoff(t, 3), Sleep: noSleep(&delays)}, WithClock(clock)))
	defer pol.Close()
	called := false
	err := pol.Execute(context.Background(), func(context.Context) error { called = true; return nil })
	if se := wantErr(t, err, KindCircuitOpen, ""); se.Stage != "circuit_breaker" || called {
		t.Fatal(se, called)
	}
	ok(t, cb.Reset())
	n := 0
	err = pol.Execute(context.Background(), func(context.Context) error {
		n++
		if n == 1 {
			return retryLater{}
		}
		return nil
	})
	if err != nil || len(delays) != 1 || delays[0] != 3*time.Second {
		t.Fatal(err, delays)
	}
}

type retryLater struct{}

func (retryLater) Error() string             { return "503" }
func (retryLater) HTTPStatus() int           { return 503 }
func (retryLater) RetryAfter() time.Duration { return 3 * time.Second }
func syscall_ETIMEDOUT() error               { return codeErr("ETIMEDOUT") }

func TestExecuteCancelledCallRecordsNoOutcome(t *testing.T) {
	cb := must(NewCircuitBreaker(breakerConfig()))
	defer cb.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: constantBackoff(t, 3)}))
	defer pol.Close()
	ctx, cancel := context.WithCancel(context.Background())
	err := pol.Execute(ctx, func(ctx context.Context) error { cancel(); return ctx.Err() })
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if m := must(cb.Metrics()); m.Calls != 0 {
		t.Fatalf("%+v", m)
	}
	if err := pol.Execute(ctx, func(context.Context) error { t.Fatal("called"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

// Many goroutines through one policy: the bulkhead never admits more than
// its limit, and every admitted call is recorded exactly once.
func TestExecuteFromManyGoroutines(t *testing.T) {
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig()))
	defer cb.Close()
	bh := must(NewBulkhead(BulkheadConfig{MaxConcurrent: 3}))
	defer bh.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Bulkhead: bh}))
	defer pol.Close()
	var inFlight, maxSeen, ran, full atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				err := pol.Execute(context.Background(), func(context.Context) error {
					n := inFlight.Add(1)
					for {
						m := maxSeen.Load()
						if n <= m || maxSeen.CompareAndSwap(m, n) {
							break
						}
					}
					ran.Add(1)
					inFlight.Add(-1)
					return nil
				})
				if errors.Is(err, ErrBulkheadFull) {
					full.Add(1)
				} else if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if maxSeen.Load() > 3 {
		t.Fatal("bulkhead exceeded:", maxSeen.Load())
	}
	m := must(cb.Metrics())
	bm := must(bh.Metrics())
	if int64(m.Successes) != ran.Load() || int64(bm.Total) != ran.Load() || int64(bm.Rejected) != full.Load() ||
		ran.Load()+full.Load() != 16*500 || bm.Active != 0 {
		t.Fatalf("breaker %+v bulkhead %+v ran %d full %d", m, bm, ran.Load(), full.Load())
	}
}

// Many goroutines on one token bucket whose clock stands still: exactly
// Burst grants in total, never more.
func TestTokenBucketFromManyGoroutines(t *testing.T) {
	clock := newClock(t)
	tb := must(NewTokenBucket(TokenBucketConfig{Burst: 1000, RatePerSec: 1}, WithClock(clock)))
	defer tb.Close()
	var granted atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if d, err := tb.TryAcquire(1); err != nil {
					t.Error(err)
				} else if d.Allowed {
					granted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if granted.Load() != 1000 {
		t.Fatal(granted.Load())
	}
}

// Concurrent records and listener calls on one breaker (the race detector
// checks the listener's Go side).
func TestCircuitBreakerFromManyGoroutines(t *testing.T) {
	cfg := breakerConfig()
	cfg.OpenDuration = time.Nanosecond
	cb := must(NewCircuitBreaker(cfg))
	defer cb.Close()
	var transitions atomic.Int64
	must(cb.OnTransition(func(Transition) { transitions.Add(1) }))
	var recorded atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				p, err := cb.TryAcquire()
				if errors.Is(err, ErrCircuitOpen) {
					continue
				} else if err != nil {
					t.Error(err)
					return
				}
				o := Success
				if (g+i)%3 == 0 {
					o = Failure
				}
				ok(t, cb.Record(&p, o, 0))
				recorded.Add(1)
			}
		}(g)
	}
	wg.Wait()
	m := must(cb.Metrics())
	if int64(m.Calls) > recorded.Load() || transitions.Load() != int64(m.Transitions) {
		t.Fatalf("%+v recorded %d transitions %d", m, recorded.Load(), transitions.Load())
	}
}
