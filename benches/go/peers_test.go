// Go: seawall next to the libraries a Go service would otherwise use, in
// the form their users write. Run: make bench-go (or, after make lib-c,
// go test -run '^$' -bench . -count 10 in this folder).
package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seawall-rs/seawall/bindings-go"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"
)

var errDown = errors.New("down")

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Rate limiting, allowed: a limit never reached during the run.
func BenchmarkAllow_XTimeRate(b *testing.B) {
	lim := rate.NewLimiter(rate.Limit(1e12), 1<<40)
	for i := 0; i < b.N; i++ {
		if !lim.Allow() {
			b.Fatal("denied")
		}
	}
}

func BenchmarkAllow_Seawall(b *testing.B) {
	tb := must(seawall.NewTokenBucket(seawall.TokenBucketConfig{Burst: 1 << 40, RatePerSec: 1e9}))
	defer tb.Close()
	for i := 0; i < b.N; i++ {
		if d, _ := tb.TryAcquire(1); !d.Allowed {
			b.Fatal("denied")
		}
	}
}

// Rate limiting, denied: an empty bucket that refills once an hour.
func BenchmarkDeny_XTimeRate(b *testing.B) {
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	lim.Allow()
	for i := 0; i < b.N; i++ {
		if lim.Allow() {
			b.Fatal("allowed")
		}
	}
}

func BenchmarkDeny_Seawall(b *testing.B) {
	tb := must(seawall.NewTokenBucket(seawall.TokenBucketConfig{Burst: 1, RatePerSec: 1.0 / 3600}))
	defer tb.Close()
	tb.TryAcquire(1)
	for i := 0; i < b.N; i++ {
		if d, _ := tb.TryAcquire(1); d.Allowed {
			b.Fatal("allowed")
		}
	}
}

// Rate limiting, many goroutines on one limiter.
func BenchmarkAllowParallel_XTimeRate(b *testing.B) {
	lim := rate.NewLimiter(rate.Limit(1e12), 1<<40)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			lim.Allow()
		}
	})
}

func BenchmarkAllowParallel_Seawall(b *testing.B) {
	tb := must(seawall.NewTokenBucket(seawall.TokenBucketConfig{Burst: 1 << 40, RatePerSec: 1e9}))
	defer tb.Close()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tb.TryAcquire(1)
		}
	})
}

// A circuit breaker around a call that succeeds: gobreaker's Execute,
// seawall's TryAcquire + Record (the breaker's own form) and
// Policy.Execute (the whole call in core, a breaker only).
func BenchmarkBreakerCall_Gobreaker(b *testing.B) {
	cb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Name: "bench"})
	for i := 0; i < b.N; i++ {
		if _, err := cb.Execute(func() (int, error) { return 1, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBreakerCall_Seawall(b *testing.B) {
	cb := must(seawall.NewCircuitBreaker(seawall.DefaultCircuitBreakerConfig()))
	defer cb.Close()
	for i := 0; i < b.N; i++ {
		p, err := cb.TryAcquire()
		if err != nil {
			b.Fatal(err)
		}
		if err := cb.Record(&p, seawall.Success, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBreakerCall_SeawallPolicyExecute(b *testing.B) {
	cb := must(seawall.NewCircuitBreaker(seawall.DefaultCircuitBreakerConfig()))
	defer cb.Close()
	p := must(seawall.NewPolicy(seawall.PolicyConfig{CircuitBreaker: cb}))
	defer p.Close()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if err := p.Execute(ctx, func(context.Context) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// A call refused by an open breaker.
func BenchmarkBreakerOpen_Gobreaker(b *testing.B) {
	cb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Name: "bench", Timeout: time.Hour,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 }})
	cb.Execute(func() (int, error) { return 0, errDown })
	for i := 0; i < b.N; i++ {
		if _, err := cb.Execute(func() (int, error) { return 1, nil }); err != gobreaker.ErrOpenState {
			b.Fatal(err)
		}
	}
}

func BenchmarkBreakerOpen_Seawall(b *testing.B) {
	cb := must(seawall.NewCircuitBreaker(seawall.DefaultCircuitBreakerConfig()))
	defer cb.Close()
	cb.ForceOpen()
	for i := 0; i < b.N; i++ {
		if _, err := cb.TryAcquire(); err == nil {
			b.Fatal("admitted")
		}
	}
}

// The floor: a cgo call that does nothing (each seawall call above is at
// least one).
func BenchmarkFloor_CgoCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cgoNop()
	}
}
