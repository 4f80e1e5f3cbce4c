package main

import "fmt"

const sec = uint64(1_000_000_000)

func check(cond bool, format string, args ...any) error {
	if cond {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// Scenario: three failures open the breaker; after the open duration a probe
// closes it. A bucket of 2 tokens at 1/s denies the third call for 1 s.
// A bulkhead of 2 rejects a third concurrent call until one is released.
func Scenario() error {
	clock, err := NewClock(0)
	if err != nil {
		return err
	}
	defer clock.Free()

	// circuit breaker
	cb, err := NewBreaker(3, 10*sec, clock)
	if err != nil {
		return err
	}
	defer cb.Free()
	log := &TransitionLog{}
	remove, err := cb.OnTransition(log)
	if err != nil {
		return err
	}
	defer remove()
	for i := 0; i < 3; i++ {
		p, err := cb.TryAcquire()
		if err != nil {
			return err
		}
		if err := cb.Record(p, false, 1000); err != nil {
			return err
		}
	}
	if st, _ := cb.State(); st != "open" {
		return fmt.Errorf("breaker state %q, want open", st)
	}
	_, err = cb.TryAcquire()
	if e := check(Status(err) == SeawallCircuitOpen, "want circuit_open, got %v", err); e != nil {
		return e
	}
	if e := check(err.(*Error).RetryAfterNs == 10*sec, "retry_after %d", err.(*Error).RetryAfterNs); e != nil {
		return e
	}
	if err := clock.Advance(10 * sec); err != nil {
		return err
	}
	probe, err := cb.TryAcquire()
	if err != nil {
		return err
	}
	if err := cb.Record(probe, true, 1000); err != nil {
		return err
	}
	if st, _ := cb.State(); st != "closed" {
		return fmt.Errorf("breaker state %q, want closed", st)
	}
	if n, _ := cb.Transitions(); n != 3 {
		return fmt.Errorf("transitions %d, want 3", n)
	}
	want := []string{"closed->open", "open->half_open", "half_open->closed"}
	if got := log.Transitions(); fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("listener heard %v, want %v", got, want)
	}

	// token bucket
	tb, err := NewBucket(2, 1.0, clock)
	if err != nil {
		return err
	}
	defer tb.Free()
	for i := 0; i < 2; i++ {
		d, err := tb.TryAcquire(1)
		if err != nil || !d.Allowed {
			return fmt.Errorf("bucket call %d: %v %v", i, d, err)
		}
	}
	d, err := tb.TryAcquire(1)
	if err != nil || d.Allowed || d.RetryAfterNs != sec {
		return fmt.Errorf("bucket third call: %+v %v", d, err)
	}
	if err := clock.Advance(sec); err != nil {
		return err
	}
	if d, err := tb.TryAcquire(1); err != nil || !d.Allowed {
		return fmt.Errorf("bucket after 1 s: %+v %v", d, err)
	}

	// bulkhead
	if err := bulkheadScenario(clock); err != nil {
		return err
	}

	// a bad config names the field
	_, err = NewBucket(2, -1, clock)
	if e, ok := err.(*Error); !ok || e.Status != SeawallInvalidConfig || e.Field != "rate_per_sec" {
		return fmt.Errorf("bad rate: %v", err)
	}
	return nil
}
