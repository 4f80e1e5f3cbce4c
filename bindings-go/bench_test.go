package seawall

import "testing"

// Allocations per hot-path call (run: go test -bench . -benchmem -run ^$).
func BenchmarkTokenBucketTryAcquire(b *testing.B) {
	tb := must(NewTokenBucket(TokenBucketConfig{Burst: 1 << 40, RatePerSec: 1e9}))
	defer tb.Close()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := tb.TryAcquire(1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCircuitBreakerAcquireRecord(b *testing.B) {
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig()))
	defer cb.Close()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := cb.TryAcquire()
		if err != nil {
			b.Fatal(err)
		}
		if err := cb.Record(&p, Success, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// The hot paths return their C results by value: no Go pointer crosses
// into C, so nothing escapes to the heap (an allocation count, not a timing).
func TestHotPathsAllocateNothing(t *testing.T) {
	tb := must(NewTokenBucket(TokenBucketConfig{Burst: 1 << 40, RatePerSec: 1e9}))
	defer tb.Close()
	sw := must(NewSlidingWindow(DefaultSlidingWindowConfig()))
	defer sw.Close()
	cb := must(NewCircuitBreaker(DefaultCircuitBreakerConfig()))
	defer cb.Close()
	for name, f := range map[string]func(){
		"TokenBucket.TryAcquire":   func() { _, _ = tb.TryAcquire(1) },
		"SlidingWindow.TryAcquire": func() { _, _ = sw.TryAcquire(1) },
		"CircuitBreaker.TryAcquire+Record": func() {
			p, _ := cb.TryAcquire()
			_ = cb.Record(&p, Success, 0)
		},
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per call", name, n)
		}
	}
}
