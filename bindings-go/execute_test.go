package seawall

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// backoffOn is a constant 10 ms schedule of `attempts` calls on clock.
func backoffOn(t *testing.T, clock *ManualClock, attempts uint32) *Backoff {
	b := must(NewBackoff(BackoffConfig{Kind: BackoffConstant, Base: 10 * ms, Factor: 1, MaxDelay: time.Second,
		Jitter: JitterNone, MaxAttempts: attempts}, WithClock(clock)))
	t.Cleanup(func() { b.Close() })
	return b
}

func now(t *testing.T, c *ManualClock) time.Duration { return must(c.Now()) }

type retryAfterErr struct{ d time.Duration }

func (e retryAfterErr) Error() string             { return "slow down" }
func (e retryAfterErr) HTTPStatus() int           { return 429 }
func (e retryAfterErr) RetryAfter() time.Duration { return e.d }

func TestExecuteRetriesThenSucceeds(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), WithClock(clock)))
	defer cb.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: backoffOn(t, clock, 4)}, WithClock(clock)))
	defer pol.Close()
	calls := 0
	err := pol.Execute(context.Background(), func(ctx context.Context) error {
		calls++
		if calls < 3 {
			return syscall.ECONNRESET // a transport failure core retries
		}
		return nil
	})
	ok(t, err)
	if calls != 3 {
		t.Fatal("calls", calls)
	}
	// core slept twice 10 ms on the manual clock
	if n := now(t, clock); n != 20*ms {
		t.Fatal("clock", n)
	}
	if m := must(cb.Metrics()); m.Failures != 2 || m.Successes != 1 {
		t.Fatalf("%+v", m)
	}
}

func TestExecuteHonoursRetryAfterAndSeawallErrors(t *testing.T) {
	clock := newClock(t)
	pol := must(NewPolicy(PolicyConfig{Retry: backoffOn(t, clock, 3)}, WithClock(clock)))
	defer pol.Close()
	calls := 0
	ok(t, pol.Execute(context.Background(), func(context.Context) error {
		calls++
		switch calls {
		case 1:
			return retryAfterErr{250 * ms} // the hint replaces the 10 ms delay
		case 2:
			return &Error{Kind: KindRateLimited} // core retries its own rate_limited by default
		}
		return nil
	}))
	if calls != 3 || now(t, clock) != 260*ms {
		t.Fatal(calls, now(t, clock))
	}
	if !IsRetryable(ErrTimeout) || !IsRetryable(&Error{Kind: KindInjectedFault}) || IsRetryable(ErrCircuitOpen) {
		t.Fatal("core's default classification of seawall's errors")
	}
}

func TestExecuteDoesNotRetryOtherFailures(t *testing.T) {
	clock := newClock(t)
	pol := must(NewPolicy(PolicyConfig{Retry: backoffOn(t, clock, 4)}, WithClock(clock)))
	defer pol.Close()
	boom := errors.New("boom")
	calls := 0
	err := pol.Execute(context.Background(), func(context.Context) error { calls++; return boom })
	if err != boom || calls != 1 { //nolint:errorlint // the very error
		t.Fatal(err, calls)
	}
	calls = 0
	err = pol.Execute(context.Background(), func(context.Context) error { calls++; return httpErr(404) })
	if !errors.Is(err, httpErr(404)) || calls != 1 {
		t.Fatal(err, calls)
	}
}

func TestExecuteRetriesExhausted(t *testing.T) {
	clock := newClock(t)
	pol := must(NewPolicy(PolicyConfig{Retry: backoffOn(t, clock, 3)}, WithClock(clock)))
	defer pol.Close()
	calls := 0
	err := pol.Execute(context.Background(), func(context.Context) error { calls++; return httpErr(503) })
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 3 || calls != 3 {
		t.Fatalf("%#v calls %d", err, calls)
	}
	wantErr(t, err, KindRetryExhausted, "")
	if !errors.Is(err, ErrRetryExhausted) || !errors.Is(err, httpErr(503)) {
		t.Fatal(err)
	}
}

func TestExecuteStopsWhenTheBudgetSaysSo(t *testing.T) {
	clock := newClock(t)
	rb := must(NewRetryBudget(RetryBudgetConfig{MaxTokens: 10, TokenRatio: 0.1}))
	defer rb.Close()
	pol := must(NewPolicy(PolicyConfig{Retry: backoffOn(t, clock, 100), Budget: rb}, WithClock(clock)))
	defer pol.Close()
	calls := 0
	err := pol.Execute(context.Background(), func(context.Context) error { calls++; return syscall.ETIMEDOUT })
	var re *RetryError
	if !errors.As(err, &re) || !errors.Is(err, ErrRetryBudgetExhausted) || !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("%#v", err)
	}
	// a failure costs a token, retries stop at half the tokens: 10 → 5 after 5 failures
	if calls != 5 || re.Attempts != calls {
		t.Fatal("calls", calls, re.Attempts)
	}
}

func TestExecuteFallback(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), WithClock(clock)))
	defer cb.Close()
	var seen []error
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: backoffOn(t, clock, 2),
		Fallback: func(ctx context.Context, err error) error { seen = append(seen, err); return nil }}, WithClock(clock)))
	defer pol.Close()
	boom := errors.New("boom")
	ok(t, pol.Execute(context.Background(), func(context.Context) error { return boom }))
	ok(t, pol.Execute(context.Background(), func(context.Context) error { return syscall.ECONNRESET }))
	ok(t, cb.ForceOpen())
	ok(t, pol.Execute(context.Background(), func(context.Context) error { t.Fatal("open: not called"); return nil }))
	if len(seen) != 3 || seen[0] != boom { //nolint:errorlint // the very error
		t.Fatalf("%v", seen)
	}
	if !errors.Is(seen[1], ErrRetryExhausted) || !errors.Is(seen[1], syscall.ECONNRESET) {
		t.Fatal(seen[1])
	}
	if se := wantErr(t, seen[2], KindCircuitOpen, ""); se.Stage != "circuit_breaker" {
		t.Fatal(se.Stage)
	}
	// the fallback's own error is the call's result
	pol2 := must(NewPolicy(PolicyConfig{Fallback: func(context.Context, error) error { return errors.New("fallback failed") }}))
	defer pol2.Close()
	if err := pol2.Execute(context.Background(), func(context.Context) error { return boom }); err == nil || err.Error() != "fallback failed" {
		t.Fatal(err)
	}
}

func TestExecuteTimeoutIsTheAttemptDeadline(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), WithClock(clock)))
	defer cb.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Timeout: 100 * ms, Retry: backoffOn(t, clock, 2)}, WithClock(clock)))
	defer pol.Close()
	calls := 0
	err := pol.Execute(context.Background(), func(ctx context.Context) error {
		calls++
		dl, has := ctx.Deadline()
		if !has || time.Until(dl) > 100*ms {
			t.Errorf("attempt ctx deadline %v %v", dl, has)
		}
		return clock.Advance(150 * ms) // runs over its limit on the policy's clock, returns nil
	})
	// both attempts timed out (the breaker recorded two failures), then the retry gave up
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 2 || calls != 2 || re.Err != nil {
		t.Fatalf("%#v %d", err, calls)
	}
	wantErr(t, err, KindRetryExhausted, "")
	if m := must(cb.Metrics()); m.Failures != 2 {
		t.Fatalf("%+v", m)
	}
	// without retries the call ends with the timeout
	pol1 := must(NewPolicy(PolicyConfig{Timeout: 100 * ms}, WithClock(clock)))
	defer pol1.Close()
	err = pol1.Execute(context.Background(), func(ctx context.Context) error { return clock.Advance(101 * ms) })
	wantErr(t, err, KindTimeout, "")
	ok(t, pol1.Execute(context.Background(), func(ctx context.Context) error { return clock.Advance(100 * ms) }))
	// without a policy timeout, the caller's ctx deadline reaches the attempt
	pol2 := must(NewPolicy(PolicyConfig{}))
	defer pol2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	ok(t, pol2.Execute(ctx, func(actx context.Context) error {
		if _, has := actx.Deadline(); !has {
			t.Error("no deadline")
		}
		return nil
	}))
}

func TestExecuteOpensTheBreaker(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(breakerConfig(), WithClock(clock)))
	defer cb.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb}, WithClock(clock)))
	defer pol.Close()
	boom := errors.New("boom")
	for i := 0; i < 2; i++ {
		if err := pol.Execute(context.Background(), func(context.Context) error { return boom }); err != boom { //nolint:errorlint // the very error
			t.Fatal(err)
		}
	}
	if s := must(cb.State()); s != StateOpen {
		t.Fatal(s)
	}
	err := pol.Execute(context.Background(), func(context.Context) error { t.Fatal("called"); return nil })
	if se := wantErr(t, err, KindCircuitOpen, ""); se.Stage != "circuit_breaker" || se.RetryAfter != 10*time.Second {
		t.Fatalf("%+v", se)
	}
}

func TestExecutePanicIsTheCallsFailure(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), WithClock(clock)))
	defer cb.Close()
	bh := must(NewBulkhead(BulkheadConfig{MaxConcurrent: 1}, WithClock(clock)))
	defer bh.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Bulkhead: bh, Retry: backoffOn(t, clock, 3)}, WithClock(clock)))
	defer pol.Close()
	calls := 0
	err := pol.Execute(context.Background(), func(context.Context) error { calls++; panic("kaboom") })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "kaboom" || calls != 1 {
		t.Fatalf("%#v %d", err, calls)
	}
	if m := must(cb.Metrics()); m.Failures != 1 {
		t.Fatalf("%+v", m)
	}
	if m := must(bh.Metrics()); m.Active != 0 {
		t.Fatalf("slot kept: %+v", m)
	}
	ok(t, pol.Execute(context.Background(), func(context.Context) error { return nil }))
}

func TestExecuteCancelledCallRecordsNoOutcome(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(breakerConfig(), WithClock(clock)))
	defer cb.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: backoffOn(t, clock, 3)}, WithClock(clock)))
	defer pol.Close()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := pol.Execute(ctx, func(ctx context.Context) error { calls++; cancel(); return ctx.Err() })
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatal(err, calls)
	}
	if m := must(cb.Metrics()); m.Failures != 0 || m.Successes != 0 {
		t.Fatalf("%+v", m)
	}
	if err := pol.Execute(ctx, func(context.Context) error { t.Fatal("called"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	// nor does it go to the fallback
	polFb := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Fallback: func(context.Context, error) error {
		t.Error("fallback ran")
		return nil
	}}, WithClock(clock)))
	defer polFb.Close()
	ctx2, cancel2 := context.WithCancel(context.Background())
	if err := polFb.Execute(ctx2, func(ctx context.Context) error { cancel2(); return ctx.Err() }); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

func TestExecuteRetriesFromEightGoroutines(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), WithClock(clock)))
	defer cb.Close()
	ok(t, cb.MetricsOnly()) // records, never opens
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: backoffOn(t, clock, 3)}, WithClock(clock)))
	defer pol.Close()
	var calls atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := 0
				err := pol.Execute(context.Background(), func(context.Context) error {
					calls.Add(1)
					n++
					if n == 1 {
						return syscall.ECONNREFUSED
					}
					return nil
				})
				if err != nil || n != 2 {
					t.Error(err, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	m := must(cb.Metrics())
	if calls.Load() != 8*200*2 || m.Failures != 8*200 || m.Successes != 8*200 {
		t.Fatalf("calls %d %+v", calls.Load(), m)
	}
}

// The caller's ctx ends a sleep between attempts at once: Go sleeps where
// core says, not core (a sleep inside a C call could not be interrupted).
func TestExecuteCancelEndsTheSleepBetweenAttempts(t *testing.T) {
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig()))
	defer cb.Close()
	hour := must(NewBackoff(BackoffConfig{Kind: BackoffConstant, Base: time.Hour, Factor: 1, MaxDelay: time.Hour,
		Jitter: JitterNone, MaxAttempts: 3}))
	defer hour.Close()
	pol := must(NewPolicy(PolicyConfig{CircuitBreaker: cb, Retry: hour}))
	defer pol.Close()
	ctx, cancel := context.WithCancel(context.Background())
	sleeping := make(chan struct{}, 1)
	id := must(Subscribe(func(e Event) {
		if e.Kind == EventRetryScheduled {
			sleeping <- struct{}{}
		}
	}))
	defer Unsubscribe(id)
	var calls atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- pol.Execute(ctx, func(context.Context) error {
			calls.Add(1)
			return &Error{Kind: KindTimeout} // retryable: core schedules the next attempt in an hour
		})
	}()
	<-sleeping // the run answered "sleep an hour"
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
			t.Fatalf("Execute = %v after %d calls, want context.Canceled after 1", err, calls.Load())
		}
	case <-time.After(time.Minute):
		t.Fatal("the cancelled call was still sleeping a minute later")
	}
}

// ... and a wait in the bulkhead's queue, which gives its place back.
func TestExecuteCancelEndsTheBulkheadWait(t *testing.T) {
	bh := must(NewBulkhead(BulkheadConfig{MaxConcurrent: 1, MaxQueue: 1, MaxWait: time.Hour}))
	defer bh.Close()
	pol := must(NewPolicy(PolicyConfig{Bulkhead: bh}))
	defer pol.Close()
	held := must(bh.TryAcquire())
	defer held.Release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- pol.Execute(ctx, func(context.Context) error { t.Error("called without a slot"); return nil })
	}()
	waitFor(t, func() bool { return must(bh.Metrics()).Queued == 1 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Execute = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the cancelled call was still queued a minute later")
	}
	if m := must(bh.Metrics()); m.Queued != 0 {
		t.Fatalf("the cancelled call kept its place in the queue: %+v", m)
	}
}
