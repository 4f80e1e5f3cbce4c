package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"time"
	"unsafe"
)

// BackoffKind says how the un-jittered delay grows with the retry number.
type BackoffKind uint32

const (
	BackoffConstant    BackoffKind = 0 // Base before every retry
	BackoffLinear      BackoffKind = 1 // Base × n
	BackoffExponential BackoffKind = 2 // Base × Factor^(n−1) (the default)
)

// Jitter says how randomness spreads each delay (spec/backoff.md).
type Jitter uint32

const (
	JitterNone         Jitter = 0
	JitterFull         Jitter = 1 // the default
	JitterEqual        Jitter = 2
	JitterProportional Jitter = 3
	JitterDecorrelated Jitter = 4
)

// BackoffConfig configures a retry schedule; start from DefaultBackoffConfig.
type BackoffConfig struct {
	Kind        BackoffKind
	Base        time.Duration
	Factor      float64
	MaxDelay    time.Duration
	Jitter      Jitter
	MaxAttempts uint32         // every call counts, the first included
	MaxElapsed  *time.Duration // nil: no limit
	Seed        *uint64        // nil: seeded from the clock
}

// DefaultBackoffConfig is the core's default config.
func DefaultBackoffConfig() BackoffConfig {
	c := C.seawall_backoff_config_default()
	cfg := BackoffConfig{BackoffKind(c.kind), nsToDuration(uint64(c.base_ns)), float64(c.factor),
		nsToDuration(uint64(c.max_delay_ns)), Jitter(c.jitter), uint32(c.max_attempts), nil, nil}
	if truthy(c.has_max_elapsed) {
		cfg.MaxElapsed = Ptr(nsToDuration(uint64(c.max_elapsed_ns)))
	}
	if truthy(c.has_seed) {
		cfg.Seed = Ptr(uint64(c.seed))
	}
	return cfg
}

// Backoff is a retry schedule definition, shared by every call it retries.
type Backoff struct {
	p *C.seawall_backoff
}

// NewBackoff makes a backoff from cfg.
func NewBackoff(cfg BackoffConfig, opts ...Option) (*Backoff, error) {
	c := C.seawall_backoff_config_default()
	var err error
	c.kind = C.uint32_t(cfg.Kind)
	if c.base_ns, err = durNs(cfg.Base, "Base"); err != nil {
		return nil, err
	}
	c.factor = C.double(cfg.Factor)
	if c.max_delay_ns, err = durNs(cfg.MaxDelay, "MaxDelay"); err != nil {
		return nil, err
	}
	c.jitter = C.uint32_t(cfg.Jitter)
	c.max_attempts = C.uint32_t(cfg.MaxAttempts)
	setFlag(&c.has_max_elapsed, cfg.MaxElapsed != nil)
	if cfg.MaxElapsed != nil {
		if c.max_elapsed_ns, err = durNs(*cfg.MaxElapsed, "MaxElapsed"); err != nil {
			return nil, err
		}
	}
	setFlag(&c.has_seed, cfg.Seed != nil)
	if cfg.Seed != nil {
		c.seed = C.uint64_t(*cfg.Seed)
	}
	clock, err := clockOf(opts, "Backoff")
	if err != nil {
		return nil, err
	}
	var p *C.seawall_backoff
	var e C.sw_err
	if err := fromC(C.sw_backoff_new(&c, clock, &p, &e), &e); err != nil {
		return nil, err
	}
	b := &Backoff{}
	b.p = p
	return b, nil
}

// DelayFor is the un-jittered delay before retry attempt (1-based).
func (b *Backoff) DelayFor(attempt uint32) (time.Duration, error) {
	var ns C.uint64_t
	var e C.sw_err
	if err := fromC(C.sw_backoff_delay_for(b.p, C.uint32_t(attempt), &ns, &e), &e); err != nil {
		return 0, err
	}
	return nsToDuration(uint64(ns)), nil
}

// BackoffMetrics are a backoff's counters over all its schedules.
type BackoffMetrics struct{ Schedules, Retries, ExhaustedAttempts, ExhaustedElapsed uint64 }

// Metrics is a snapshot of the counters.
func (b *Backoff) Metrics() (BackoffMetrics, error) {
	var m C.seawall_backoff_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_backoff_get_metrics(b.p, &m, &e), &e); err != nil {
		return BackoffMetrics{}, err
	}
	return BackoffMetrics{uint64(m.schedules), uint64(m.retries), uint64(m.exhausted_attempts), uint64(m.exhausted_elapsed)}, nil
}

// Close frees the backoff; its schedules cannot be used afterwards.
func (b *Backoff) Close() error { C.seawall_backoff_free(b.p); b.p = nil; return nil }

// Schedule is the retry state of one call. Not safe for concurrent use.
type Schedule struct {
	b     *Backoff
	state C.seawall_backoff_schedule_state
}

// Start begins the schedule of one retried call (elapsed time counts from now).
func (b *Backoff) Start() (*Schedule, error) {
	s := &Schedule{b: b}
	var e C.sw_err
	if err := fromC(C.sw_backoff_start(b.p, &s.state, &e), &e); err != nil {
		return nil, err
	}
	return s, nil
}

// Next advances the schedule after a failed call: the delay before the next
// retry and true, or false when the schedule gives up. A non-nil
// retryAfter (a server's Retry-After) replaces the computed delay.
func (s *Schedule) Next(retryAfter *time.Duration) (time.Duration, bool, error) {
	has, ra, err := hint(retryAfter)
	if err != nil {
		return 0, false, err
	}
	var d C.seawall_backoff_delay
	var e C.sw_err
	if err := fromC(C.sw_backoff_next_delay(s.b.p, &s.state, has, ra, &d, &e), &e); err != nil {
		return 0, false, err
	}
	return delayOf(&d)
}

// NextElapsed is Next with the elapsed time since the schedule began given by the caller.
func (s *Schedule) NextElapsed(elapsed time.Duration, retryAfter *time.Duration) (time.Duration, bool, error) {
	if elapsed < 0 {
		return 0, false, invalidArgument("elapsed", "must be ≥ 0, got "+elapsed.String())
	}
	has, ra, err := hint(retryAfter)
	if err != nil {
		return 0, false, err
	}
	var d C.seawall_backoff_delay
	var e C.sw_err
	if err := fromC(C.sw_backoff_next_delay_elapsed(s.b.p, &s.state, C.uint64_t(elapsed), has, ra, &d, &e), &e); err != nil {
		return 0, false, err
	}
	return delayOf(&d)
}

func hint(retryAfter *time.Duration) (C.int, C.uint64_t, error) {
	if retryAfter == nil {
		return 0, 0, nil
	}
	if *retryAfter < 0 {
		return 0, 0, invalidArgument("retryAfter", "must be ≥ 0, got "+retryAfter.String())
	}
	return 1, C.uint64_t(*retryAfter), nil
}

func delayOf(d *C.seawall_backoff_delay) (time.Duration, bool, error) {
	if truthy(d.give_up) {
		return 0, false, nil
	}
	return nsToDuration(uint64(d.delay_ns)), true, nil
}

// Finish ends the schedule (the call succeeded or was abandoned) so its
// retries are counted; idempotent.
func (s *Schedule) Finish() error {
	var e C.sw_err
	return fromC(C.sw_backoff_finish(s.b.p, &s.state, &e), &e)
}

// Retries is the number of retries handed out so far.
func (s *Schedule) Retries() uint32 { return uint32(s.state.retries) }

// Done reports whether the schedule has ended.
func (s *Schedule) Done() bool { return truthy(s.state.done) }
