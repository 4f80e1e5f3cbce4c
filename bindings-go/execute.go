package seawall

// Execute's internals, kept in this one file: today they compose the
// policy guard, the backoff schedule and the retry budget; every decision
// (admit, when and whether to retry) is theirs, asked through the C ABI.

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RetryError is returned by Execute when it stops retrying a failing call:
// the schedule gave up (attempts or time ran out) or the retry budget denied
// the retry. errors.Is/As see both the last error and, for the budget,
// ErrRetryBudgetExhausted.
type RetryError struct {
	Attempts int   // calls made, the first included
	Err      error // the last call's error
	Budget   error // the budget's refusal (kind KindRetryBudgetExhausted), or nil
}

func (e *RetryError) Error() string {
	why := "the backoff schedule gave up"
	if e.Budget != nil {
		why = "retry budget exhausted"
	}
	return fmt.Sprintf("seawall: gave up after %d attempt(s): %s; last error: %v", e.Attempts, why, e.Err)
}

// Unwrap returns the last error and the budget's refusal.
func (e *RetryError) Unwrap() []error {
	if e.Budget != nil {
		return []error{e.Err, e.Budget}
	}
	return []error{e.Err}
}

// Execute calls fn through the policy: acquire the guard (a rejection is a
// *Error of kind KindRateLimited, KindCircuitOpen or KindBulkheadFull, not
// retried by the default RetryIf), call fn, complete the guard with fn's outcome. If
// Retry is set and RetryIf (default IsRetryable) says the failure is worth
// retrying, the backoff schedule gives the delay (or gives up) and the
// budget allows the retry (or not); each retry acquires the guard again.
// A RetryAfterError's hint replaces the computed delay. ctx bounds the
// whole call, sleeps included.
func (p *Policy) Execute(ctx context.Context, fn func(ctx context.Context) error) error {
	var sched *Schedule
	if p.cfg.Retry != nil {
		s, err := p.cfg.Retry.Start()
		if err != nil {
			return err
		}
		sched = s
		defer sched.Finish() //nolint:errcheck // counts the schedule's retries; idempotent
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := p.once(ctx, fn)
		if err == nil {
			if p.cfg.Budget != nil {
				_ = p.cfg.Budget.RecordSuccess()
			}
			return nil
		}
		if sched == nil || ctx.Err() != nil || !p.retryable(err) {
			return err
		}
		hint := retryAfterHint(err)
		delay, ok, nerr := sched.Next(hint)
		if nerr != nil {
			return errors.Join(err, nerr)
		}
		if !ok {
			if p.cfg.Budget != nil {
				_ = p.cfg.Budget.RecordFailure()
			}
			return &RetryError{Attempts: attempt, Err: err}
		}
		if p.cfg.Budget != nil {
			if berr := p.cfg.Budget.TryRetry(); berr != nil {
				return &RetryError{Attempts: attempt, Err: err, Budget: berr}
			}
		}
		if serr := p.sleep(ctx, delay); serr != nil {
			return serr
		}
	}
}

// once is one attempt: guard → fn → outcome.
func (p *Policy) once(ctx context.Context, fn func(ctx context.Context) error) error {
	g, err := p.TryAcquire()
	if err != nil {
		return err
	}
	defer g.Release() // a no-op once completed; frees the slots if fn panics
	err = fn(ctx)
	outcome, record := p.classify(ctx, err)
	if record {
		if cerr := g.Complete(outcome); cerr != nil {
			return errors.Join(err, cerr)
		}
	}
	return err
}

func (p *Policy) classify(ctx context.Context, err error) (Outcome, bool) {
	if p.cfg.Classify != nil {
		return p.cfg.Classify(ctx, err)
	}
	switch {
	case err == nil:
		return Success, true
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return 0, false // the caller gave up: says nothing about the dependency
	default:
		return Failure, true
	}
}

// retryAfterHint is a RetryAfterError's hint, or a rejection's RetryAfter.
func retryAfterHint(err error) *time.Duration {
	var ra RetryAfterError
	if errors.As(err, &ra) {
		return Ptr(ra.RetryAfter())
	}
	var se *Error
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return Ptr(se.RetryAfter)
	}
	return nil
}

func (p *Policy) retryable(err error) bool {
	if p.cfg.RetryIf != nil {
		return p.cfg.RetryIf(err)
	}
	return IsRetryable(err)
}

func (p *Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.cfg.Sleep != nil {
		return p.cfg.Sleep(ctx, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
