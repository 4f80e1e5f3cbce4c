// A Go program using the seawall package (bindings-go): a call to a flaky
// dependency through rate limiter → circuit breaker → bulkhead, retried as
// the backoff schedule and the retry budget decide. Run: make test-go, or
// `go run .` here after `make lib-c`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/seawall-rs/seawall/bindings-go"
)

// unavailable is what the dependency fails with: an HTTP 503.
type unavailable struct{}

func (unavailable) Error() string   { return "503 service unavailable" }
func (unavailable) HTTPStatus() int { return 503 }

// run makes 20 calls to a dependency that fails every third call, and
// returns how many succeeded and the breaker's state.
func run() (int, seawall.CircuitState, error) {
	limiter, err := seawall.NewTokenBucket(seawall.TokenBucketConfig{Burst: 100, RatePerSec: 100})
	if err != nil {
		return 0, 0, err
	}
	defer limiter.Close()
	cbCfg := seawall.DefaultCircuitBreakerConfig()
	cbCfg.WindowSize, cbCfg.MinimumNumberOfCalls = 20, 10
	breaker, err := seawall.NewCircuitBreaker(cbCfg)
	if err != nil {
		return 0, 0, err
	}
	defer breaker.Close()
	bulkhead, err := seawall.NewBulkhead(seawall.BulkheadConfig{MaxConcurrent: 4})
	if err != nil {
		return 0, 0, err
	}
	defer bulkhead.Close()
	backoff, err := seawall.NewBackoff(seawall.BackoffConfig{Kind: seawall.BackoffExponential,
		Base: time.Millisecond, Factor: 2, MaxDelay: 20 * time.Millisecond, Jitter: seawall.JitterFull, MaxAttempts: 3})
	if err != nil {
		return 0, 0, err
	}
	defer backoff.Close()
	budget, err := seawall.NewRetryBudget(seawall.RetryBudgetConfig{MaxTokens: 100, TokenRatio: 0.1})
	if err != nil {
		return 0, 0, err
	}
	defer budget.Close()
	policy, err := seawall.NewPolicy(seawall.PolicyConfig{TokenBucket: limiter, CircuitBreaker: breaker,
		Bulkhead: bulkhead, Retry: backoff, Budget: budget})
	if err != nil {
		return 0, 0, err
	}
	defer policy.Close()

	calls, ok := 0, 0
	for i := 0; i < 20; i++ {
		err := policy.Execute(context.Background(), func(ctx context.Context) error {
			calls++
			if calls%3 == 0 {
				return unavailable{}
			}
			return nil
		})
		var re *seawall.RetryError
		var se *seawall.Error
		switch {
		case err == nil:
			ok++
		case errors.As(err, &re):
			fmt.Printf("gave up after %d attempts: %v\n", re.Attempts, re.Err)
		case errors.As(err, &se):
			fmt.Printf("rejected by %s (%s), retry after %v\n", se.Stage, se.Kind, se.RetryAfter)
		default:
			fmt.Println("failed:", err)
		}
	}
	state, err := breaker.State()
	return ok, state, err
}

func main() {
	ok, state, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d/20 calls succeeded; breaker %s\n", ok, state)
}
