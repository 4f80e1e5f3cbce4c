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
		if err := cb.Record(p, Success, 0); err != nil {
			b.Fatal(err)
		}
	}
}
