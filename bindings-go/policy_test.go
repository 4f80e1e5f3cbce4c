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
