// Package seawall is the Go binding of seawall, a fault-tolerance library:
// circuit breaker (with transition listeners), token bucket, sliding window,
// keyed token bucket, keyed sliding window, bulkhead, backoff schedule,
// retry budget, adaptive timeout, fault injector, policy guard, manual
// clock and the retry classification functions.
//
// Every decision is made by the one Rust core, reached through the C ABI
// (include/seawall.h); this package links libseawall.a statically (build it
// with `make lib-c` at the repository root) and only converts types, waits
// on a context.Context, and turns statuses into Go errors.
//
// # Errors
//
// Every fallible method returns an error with the call itself. A seawall
// failure is a *Error carrying Kind, Field and Message (use errors.As), and
// it matches its kind's sentinel with errors.Is:
//
//	_, err := seawall.NewTokenBucket(cfg)
//	if errors.Is(err, seawall.ErrInvalidConfig) { ... }
//	var se *seawall.Error
//	if errors.As(err, &se) { fmt.Println(se.Field) } // "RatePerSec"
//
// The C ABI keeps the last error per OS thread. A goroutine may move to
// another thread between two cgo calls, so this package never reads the
// error in a second call: a small C wrapper copies it out within the same
// call. No runtime.LockOSThread is needed.
//
// Config errors name the field as it is spelled in this package's config
// structs (RatePerSec, OpenDuration); argument errors name the parameter
// ("n"). Durations are time.Duration; a negative one is an invalid config.
//
// # Handles
//
// Constructors return (*T, error). Each T is safe for concurrent use and is
// released with Close, which must not race other calls on the same value
// (a closed value returns errors of kind KindNullArgument, never crashes).
// Pass WithClock(clock) to drive a primitive by a ManualClock in tests.
//
// # Policy
//
// Policy.Execute runs a function through the whole stack in core: rate
// limiter → circuit breaker → bulkhead → timeout (the attempt's ctx
// deadline) → retry (backoff schedule and retry budget) → fallback. Go only
// classifies the function's error in core's terms.
package seawall
