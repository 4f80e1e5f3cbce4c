package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"time"
)

// ManualClock is a clock that moves only when told to. Pass it with
// WithClock to a constructor to drive that primitive in tests; any
// goroutine may advance or read it.
type ManualClock struct {
	p *C.seawall_manual_clock
}

// NewManualClock makes a manual clock reading start.
func NewManualClock(start time.Duration) (*ManualClock, error) {
	s, err := durArg(start, "start")
	if err != nil {
		return nil, err
	}
	var p *C.seawall_manual_clock
	var e C.sw_err
	if err := fromC(C.sw_manual_clock_new(s, &p, &e), &e); err != nil {
		return nil, err
	}
	c := &ManualClock{}
	c.p = p
	return c, nil
}

// Advance moves the clock forward by d (saturating).
func (c *ManualClock) Advance(d time.Duration) error {
	ns, err := durArg(d, "d")
	if err != nil {
		return err
	}
	var e C.sw_err
	return fromC(C.sw_manual_clock_advance(c.p, ns, &e), &e)
}

// Set sets the clock to t.
func (c *ManualClock) Set(t time.Duration) error {
	ns, err := durArg(t, "t")
	if err != nil {
		return err
	}
	var e C.sw_err
	return fromC(C.sw_manual_clock_set(c.p, ns, &e), &e)
}

// Now reads the clock.
func (c *ManualClock) Now() (time.Duration, error) {
	var ns C.uint64_t
	var e C.sw_err
	if err := fromC(C.sw_manual_clock_now(c.p, &ns, &e), &e); err != nil {
		return 0, err
	}
	return nsToDuration(uint64(ns)), nil
}

// Close frees the clock; primitives made with it keep their own reference.
func (c *ManualClock) Close() error {
	C.seawall_manual_clock_free(c.p)
	c.p = nil
	return nil
}

// MonotonicNow is the host's monotonic clock, the one every primitive uses
// unless it is given a ManualClock.
func MonotonicNow() time.Duration { return nsToDuration(uint64(C.seawall_monotonic_now_ns())) }

// Option configures a constructor.
type Option func(*options)

type options struct {
	clock      *ManualClock
	region     *SharedRegion
	regionName string
	hasRegion  bool
}

// WithClock makes the primitive read clock instead of the monotonic clock.
func WithClock(clock *ManualClock) Option { return func(o *options) { o.clock = clock } }

func optionsOf(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

func (o *options) clockPtr() (*C.seawall_manual_clock, error) {
	if o.clock == nil {
		return nil, nil
	}
	p := o.clock.p
	if p == nil {
		return nil, &Error{Kind: KindInvalidArgument, Field: "clock", Message: "invalid argument: clock is closed"}
	}
	return p, nil
}

// clockOf reads the options of a primitive that lives on the heap only
// (what names it in an InRegion error).
func clockOf(opts []Option, what string) (*C.seawall_manual_clock, error) {
	o := optionsOf(opts)
	if o.hasRegion {
		return nil, invalidArgument("region", "a "+what+" cannot live in a shared region (breakers, limiters, bulkheads and retry budgets can)")
	}
	return o.clockPtr()
}

// Decision is a rate limiter's answer (the numbers of the X-RateLimit-* and
// Retry-After headers).
type Decision struct {
	Allowed    bool
	Remaining  uint64
	RetryAfter time.Duration // when denied: until the same request could pass
	ResetAfter time.Duration // until the limiter is back to full capacity
}

func decisionOf(d *C.seawall_decision) Decision {
	return Decision{
		Allowed:    truthy(d.allowed),
		Remaining:  uint64(d.remaining),
		RetryAfter: nsToDuration(uint64(d.retry_after_ns)),
		ResetAfter: nsToDuration(uint64(d.reset_after_ns)),
	}
}
