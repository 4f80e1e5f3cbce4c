// seawall from Go: a flaky call through circuit breaker → bulkhead, retried
// as the backoff schedule and the retry budget decide. Run: make test-go.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/seawall-rs/seawall/bindings-go"
)

// unavailable is what the dependency fails with: a retryable HTTP 503.
type unavailable struct{}

func (unavailable) Error() string   { return "503 service unavailable" }
func (unavailable) HTTPStatus() int { return 503 }

// run makes 20 calls to a dependency that fails every third attempt.
func run() (succeeded int, state seawall.CircuitState, err error) {
	cb := seawall.DefaultCircuitBreakerConfig()
	cb.WindowSize, cb.MinimumNumberOfCalls = 20, 10
	breaker, err := seawall.NewCircuitBreaker(cb)
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
	policy, err := seawall.NewPolicy(seawall.PolicyConfig{
		CircuitBreaker: breaker, Bulkhead: bulkhead, Retry: backoff, Budget: budget})
	if err != nil {
		return 0, 0, err
	}
	defer policy.Close()

	attempts := 0
	for i := 0; i < 20; i++ {
		err := policy.Execute(context.Background(), func(ctx context.Context) error {
			if attempts++; attempts%3 == 0 {
				return unavailable{}
			}
			return nil
		})
		var rejected *seawall.Error
		switch {
		case err == nil:
			succeeded++
		case errors.As(err, &rejected) && rejected.Stage != "":
			fmt.Printf("rejected by the %s, retry in %v\n", rejected.Stage, rejected.RetryAfter)
		default:
			fmt.Println("failed:", err)
		}
	}
	state, err = breaker.State()
	return succeeded, state, err
}

func main() {
	succeeded, state, err := run()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d/20 calls succeeded; breaker %s\n", succeeded, state)
}
