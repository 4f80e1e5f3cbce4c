package seawall_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/seawall-rs/seawall/bindings-go"
)

// A policy with a breaker and a bulkhead, retrying transient failures as
// the backoff schedule decides.
func ExamplePolicy_Execute() {
	cb, _ := seawall.NewCircuitBreaker(seawall.DefaultCircuitBreakerConfig())
	defer cb.Close()
	bh, _ := seawall.NewBulkhead(seawall.BulkheadConfig{MaxConcurrent: 10})
	defer bh.Close()
	retry, _ := seawall.NewBackoff(seawall.BackoffConfig{
		Kind: seawall.BackoffExponential, Base: time.Millisecond, Factor: 2,
		MaxDelay: 10 * time.Millisecond, Jitter: seawall.JitterFull, MaxAttempts: 3,
	})
	defer retry.Close()
	policy, err := seawall.NewPolicy(seawall.PolicyConfig{CircuitBreaker: cb, Bulkhead: bh, Retry: retry})
	if err != nil {
		panic(err)
	}
	defer policy.Close()

	attempts := 0
	err = policy.Execute(context.Background(), func(ctx context.Context) error {
		attempts++
		if attempts == 1 {
			return errConnReset // transient: retried
		}
		return nil
	})
	fmt.Println(err, attempts)
	// Output: <nil> 2
}

// A per-attempt timeout that reaches fn as its ctx deadline, and a fallback
// when the call fails: core decides, Go only passes the deadline on.
func ExamplePolicy_Execute_timeoutAndFallback() {
	policy, err := seawall.NewPolicy(seawall.PolicyConfig{
		Timeout: 200 * time.Millisecond,
		Fallback: func(ctx context.Context, err error) error {
			fmt.Println("fallback after:", err)
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	defer policy.Close()
	err = policy.Execute(context.Background(), func(ctx context.Context) error {
		_, hasDeadline := ctx.Deadline() // pass it on to the I/O
		fmt.Println("deadline:", hasDeadline)
		return errors.New("upstream said no")
	})
	fmt.Println(err)
	// Output:
	// deadline: true
	// fallback after: upstream said no
	// <nil>
}

var errConnReset = codeError("ECONNRESET")

// codeError carries an errno or gRPC code name, classified by the core.
type codeError string

func (e codeError) Error() string { return string(e) }
func (e codeError) Code() string  { return string(e) }

// Errors carry their kind, the field and a message, with the call itself.
func ExampleError() {
	_, err := seawall.NewTokenBucket(seawall.TokenBucketConfig{Burst: 10, RatePerSec: 0})
	var se *seawall.Error
	if errors.As(err, &se) {
		fmt.Println(se.Kind, se.Field)
	}
	fmt.Println(errors.Is(err, seawall.ErrInvalidConfig))
	// Output:
	// invalid_config RatePerSec
	// true
}

// A breaker driven by a manual clock: two failures in a row trip it.
func ExampleCircuitBreaker() {
	clock, _ := seawall.NewManualClock(0)
	defer clock.Close()
	cfg := seawall.DefaultCircuitBreakerConfig()
	cfg.FailureCountThreshold = seawall.Ptr(uint64(2))
	cfg.OpenDuration = 30 * time.Second
	cb, _ := seawall.NewCircuitBreaker(cfg, seawall.WithClock(clock))
	defer cb.Close()
	cb.OnTransition(func(t seawall.Transition) { fmt.Println(t.From, "->", t.To) })

	for i := 0; i < 2; i++ {
		permit, _ := cb.TryAcquire()
		cb.Record(&permit, seawall.Failure, time.Millisecond)
	}
	_, err := cb.TryAcquire()
	var se *seawall.Error
	if errors.As(err, &se) {
		fmt.Println(se.Kind, "retry after", se.RetryAfter)
	}
	// Output:
	// closed -> open
	// circuit_open retry after 30s
}

// Per-client rate limiting: one token bucket per key.
func ExampleKeyedTokenBucket() {
	cfg := seawall.DefaultKeyedTokenBucketConfig()
	cfg.Bucket = seawall.TokenBucketConfig{Burst: 1, RatePerSec: 1}
	limiter, _ := seawall.NewKeyedTokenBucket(cfg)
	defer limiter.Close()
	for _, client := range []string{"alice", "alice", "bob"} {
		d, _ := limiter.TryAcquire(client, 1)
		fmt.Println(client, d.Allowed)
	}
	// Output:
	// alice true
	// alice false
	// bob true
}

// One breaker for every process on the host: each opens the same region
// and builds the breaker under the same name (Python, Node and C workers
// too).
func ExampleInRegion() {
	dir, _ := os.MkdirTemp("", "seawall-example")
	defer os.RemoveAll(dir)
	region, err := seawall.OpenRegion(filepath.Join(dir, "myapp"), nil) // "/myapp" is /dev/shm/myapp
	if err != nil {
		fmt.Println(err)
		return
	}
	defer region.Close()
	worker1, _ := seawall.NewCircuitBreaker(seawall.DefaultCircuitBreakerConfig(), seawall.InRegion(region, "payments"))
	defer worker1.Close()
	worker2, _ := seawall.NewCircuitBreaker(seawall.DefaultCircuitBreakerConfig(), seawall.InRegion(region, "payments"))
	defer worker2.Close()
	worker1.ForceOpen()
	state, _ := worker2.State()
	fmt.Println(state)
	// Output: forced_open
}

// One limit per customer across hosts. With nothing listening on the
// port, the failure mode answers within the 50 ms deadline.
func ExampleNewRedisTokenBucket() {
	cfg := seawall.DefaultRedisBackendConfig("redis://127.0.0.1:1/0")
	cfg.OnFailure = seawall.RedisFailClosed
	backend, err := seawall.NewRedisBackend(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer backend.Close()
	api, _ := seawall.NewRedisTokenBucket(backend, "partner-api", seawall.TokenBucketConfig{Burst: 50, RatePerSec: 50})
	defer api.Close()
	d, _ := api.TryAcquire("customer-42", 1)
	m, _ := api.Metrics()
	fmt.Println(d.Allowed, m.Fallbacks)
	// Output: false 1
}

// A rate-limited HTTP handler: the limiter decides, the core writes the
// headers (the same bytes as the Python and Node middlewares).
func ExampleQuotaPolicy_Headers() {
	cfg := seawall.DefaultKeyedTokenBucketConfig()
	cfg.Bucket = seawall.TokenBucketConfig{Burst: 2, RatePerSec: 1}
	limiter, _ := seawall.NewKeyedTokenBucket(cfg)
	defer limiter.Close()
	policy, _ := seawall.QuotaPolicyOf("per-client", cfg.Bucket)
	defer policy.Close()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := limiter.TryAcquire(r.RemoteAddr, 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		policy.Headers(w.Header(), d)
		if !d.Allowed {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	})
	for i := 0; i < 3; i++ {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		fmt.Printf("%d %s retry-after=%q\n", rec.Code, rec.Header().Get("RateLimit"), rec.Header().Get("Retry-After"))
	}
	// Output:
	// 200 "per-client";r=1;t=1 retry-after=""
	// 200 "per-client";r=0;t=2 retry-after=""
	// 429 "per-client";r=0;t=2 retry-after="1"
}

// Waiting for a token, as with golang.org/x/time/rate: refused at once if
// it would come after the deadline.
func ExampleTokenBucket_Wait() {
	bucket, _ := seawall.NewTokenBucket(seawall.TokenBucketConfig{Burst: 1, RatePerSec: 20})
	defer bucket.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		if _, err := bucket.Wait(ctx, 1); err != nil {
			fmt.Println(err)
			return
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond) // the next token is 50 ms away
	defer cancel2()
	_, err := bucket.Wait(short, 1)
	fmt.Println(errors.Is(err, seawall.ErrRateLimited))
	// Output: true
}
