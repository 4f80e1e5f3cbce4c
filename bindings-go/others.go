package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"time"
	"unsafe"
)

// ---- retry budget ----

// RetryBudgetConfig configures a retry budget (gRPC retry throttling).
type RetryBudgetConfig struct {
	MaxTokens  uint32  // retries stop when the bucket is half empty
	TokenRatio float64 // tokens each success gives back
}

// DefaultRetryBudgetConfig is the core's default config.
func DefaultRetryBudgetConfig() RetryBudgetConfig {
	c := C.seawall_retry_budget_config_default()
	return RetryBudgetConfig{uint32(c.max_tokens), float64(c.token_ratio)}
}

// RetryBudget answers "may this retry be sent at all?" (gRFC A6).
type RetryBudget struct {
	p *C.seawall_retry_budget
}

// NewRetryBudget makes a full retry budget (InRegion: one budget shared
// by every process that builds it under that name; it reads no clock, so
// WithClock is refused).
func NewRetryBudget(cfg RetryBudgetConfig, opts ...Option) (*RetryBudget, error) {
	c := C.seawall_retry_budget_config_default()
	c.max_tokens = C.uint32_t(cfg.MaxTokens)
	c.token_ratio = C.double(cfg.TokenRatio)
	if optionsOf(opts).clock != nil {
		return nil, invalidArgument("clock", "a RetryBudget reads no clock")
	}
	_, region, rname, err := placeOf(opts)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(rname))
	var p *C.seawall_retry_budget
	var e C.sw_err
	if err := fromC(C.sw_retry_budget_new_in(&c, region, rname, &p, &e), &e); err != nil {
		return nil, err
	}
	b := &RetryBudget{}
	b.p = p
	return b, nil
}

// TryRetry records a failed attempt and asks for a retry: nil means send
// it, a *Error of kind KindRetryBudgetExhausted means don't.
func (b *RetryBudget) TryRetry() error {
	var e C.sw_err
	return fromC(C.sw_retry_budget_try_retry(b.p, &e), &e)
}

// RecordFailure records a failed attempt that will not be retried anyway.
func (b *RetryBudget) RecordFailure() error {
	var e C.sw_err
	return fromC(C.sw_retry_budget_record_failure(b.p, &e), &e)
}

// RecordSuccess records a success.
func (b *RetryBudget) RecordSuccess() error {
	var e C.sw_err
	return fromC(C.sw_retry_budget_record_success(b.p, &e), &e)
}

// RetryBudgetMetrics is a snapshot of a retry budget (tokens in thousandths).
type RetryBudgetMetrics struct {
	TokensMilli, MaxTokensMilli, ThresholdMilli uint64
	RetriesAllowed, RetriesDenied               uint64
	Successes, Failures                         uint64
}

// Metrics is a snapshot of tokens and counters.
func (b *RetryBudget) Metrics() (RetryBudgetMetrics, error) {
	var m C.seawall_retry_budget_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_retry_budget_get_metrics(b.p, &m, &e), &e); err != nil {
		return RetryBudgetMetrics{}, err
	}
	return RetryBudgetMetrics{uint64(m.tokens_milli), uint64(m.max_tokens_milli), uint64(m.threshold_milli),
		uint64(m.retries_allowed), uint64(m.retries_denied), uint64(m.successes), uint64(m.failures)}, nil
}

// Close frees the budget.
func (b *RetryBudget) Close() error { C.seawall_retry_budget_free(b.p); b.p = nil; return nil }

// ---- adaptive timeout ----

// AdaptiveTimeoutConfig configures an adaptive timeout:
// clamp(Percentile of recent latencies × Multiplier, MinTimeout, MaxTimeout).
type AdaptiveTimeoutConfig struct {
	Percentile, Multiplier float64
	MinTimeout, MaxTimeout time.Duration
	InitialTimeout         time.Duration // used until MinSamples are known
	MinSamples             uint64
	Window                 time.Duration
}

// DefaultAdaptiveTimeoutConfig is the core's default config.
func DefaultAdaptiveTimeoutConfig() AdaptiveTimeoutConfig {
	c := C.seawall_adaptive_timeout_config_default()
	return AdaptiveTimeoutConfig{float64(c.percentile), float64(c.multiplier), nsToDuration(uint64(c.min_timeout_ns)),
		nsToDuration(uint64(c.max_timeout_ns)), nsToDuration(uint64(c.initial_timeout_ns)), uint64(c.min_samples),
		nsToDuration(uint64(c.window_ns))}
}

// AdaptiveTimeout tracks recent latencies and answers the timeout to use.
type AdaptiveTimeout struct {
	p *C.seawall_adaptive_timeout
}

// NewAdaptiveTimeout makes an adaptive timeout from cfg.
func NewAdaptiveTimeout(cfg AdaptiveTimeoutConfig, opts ...Option) (*AdaptiveTimeout, error) {
	c := C.seawall_adaptive_timeout_config_default()
	c.percentile = C.double(cfg.Percentile)
	c.multiplier = C.double(cfg.Multiplier)
	var err error
	for _, f := range []struct {
		d    time.Duration
		name string
		out  *C.uint64_t
	}{{cfg.MinTimeout, "MinTimeout", &c.min_timeout_ns}, {cfg.MaxTimeout, "MaxTimeout", &c.max_timeout_ns},
		{cfg.InitialTimeout, "InitialTimeout", &c.initial_timeout_ns}, {cfg.Window, "Window", &c.window_ns}} {
		if *f.out, err = durNs(f.d, f.name); err != nil {
			return nil, err
		}
	}
	c.min_samples = C.uint64_t(cfg.MinSamples)
	clock, err := clockOf(opts, "AdaptiveTimeout")
	if err != nil {
		return nil, err
	}
	var p *C.seawall_adaptive_timeout
	var e C.sw_err
	if err := fromC(C.sw_adaptive_timeout_new(&c, clock, &p, &e), &e); err != nil {
		return nil, err
	}
	a := &AdaptiveTimeout{}
	a.p = p
	return a, nil
}

// Record records the latency of one completed call.
func (a *AdaptiveTimeout) Record(latency time.Duration) error {
	if latency < 0 {
		return invalidArgument("latency", "must be ≥ 0, got "+latency.String())
	}
	var e C.sw_err
	return fromC(C.sw_adaptive_timeout_record(a.p, C.uint64_t(latency), &e), &e)
}

// Timeout is the timeout to use for a call starting now.
func (a *AdaptiveTimeout) Timeout() (time.Duration, error) {
	var ns C.uint64_t
	var e C.sw_err
	if err := fromC(C.sw_adaptive_timeout_get(a.p, &ns, &e), &e); err != nil {
		return 0, err
	}
	return nsToDuration(uint64(ns)), nil
}

// AdaptiveTimeoutMetrics is a snapshot of an adaptive timeout.
type AdaptiveTimeoutMetrics struct {
	Samples, Total         uint64
	P50, P95, P99, Timeout time.Duration
}

// Metrics is a snapshot (samples, percentiles, timeout).
func (a *AdaptiveTimeout) Metrics() (AdaptiveTimeoutMetrics, error) {
	var m C.seawall_adaptive_timeout_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_adaptive_timeout_get_metrics(a.p, &m, &e), &e); err != nil {
		return AdaptiveTimeoutMetrics{}, err
	}
	return AdaptiveTimeoutMetrics{uint64(m.samples), uint64(m.total), nsToDuration(uint64(m.p50_ns)),
		nsToDuration(uint64(m.p95_ns)), nsToDuration(uint64(m.p99_ns)), nsToDuration(uint64(m.timeout_ns))}, nil
}

// Close frees the adaptive timeout.
func (a *AdaptiveTimeout) Close() error { C.seawall_adaptive_timeout_free(a.p); a.p = nil; return nil }

// ---- fault injector ----

// FaultInjectorConfig configures a fault injector; the default injects nothing.
type FaultInjectorConfig struct {
	ErrorRate, DelayRate float64
	DelayMin, DelayMax   time.Duration
	Seed                 *uint64 // nil: seeded from the clock
	Enabled              bool
}

// DefaultFaultInjectorConfig is the core's default config.
func DefaultFaultInjectorConfig() FaultInjectorConfig {
	c := C.seawall_fault_injector_config_default()
	cfg := FaultInjectorConfig{float64(c.error_rate), float64(c.delay_rate), nsToDuration(uint64(c.delay_min_ns)),
		nsToDuration(uint64(c.delay_max_ns)), nil, truthy(c.enabled)}
	if truthy(c.has_seed) {
		cfg.Seed = Ptr(uint64(c.seed))
	}
	return cfg
}

// FaultKind is what to do to one call.
type FaultKind uint32

const (
	FaultNone  FaultKind = 0
	FaultError FaultKind = 1
	FaultDelay FaultKind = 2
)

// String is the wire name ("none", "error", "delay").
func (k FaultKind) String() string { return C.GoString(C.seawall_fault_kind_str(C.int(k))) }

// Fault is a fault decision.
type Fault struct {
	Kind  FaultKind
	Delay time.Duration // 0 unless FaultDelay
}

// FaultInjector injects errors and delays with fixed probabilities.
type FaultInjector struct {
	p *C.seawall_fault_injector
}

// NewFaultInjector makes a fault injector from cfg.
func NewFaultInjector(cfg FaultInjectorConfig, opts ...Option) (*FaultInjector, error) {
	c := C.seawall_fault_injector_config_default()
	c.error_rate = C.double(cfg.ErrorRate)
	c.delay_rate = C.double(cfg.DelayRate)
	var err error
	if c.delay_min_ns, err = durNs(cfg.DelayMin, "DelayMin"); err != nil {
		return nil, err
	}
	if c.delay_max_ns, err = durNs(cfg.DelayMax, "DelayMax"); err != nil {
		return nil, err
	}
	setFlag(&c.has_seed, cfg.Seed != nil)
	if cfg.Seed != nil {
		c.seed = C.uint64_t(*cfg.Seed)
	}
	setFlag(&c.enabled, cfg.Enabled)
	clock, err := clockOf(opts, "FaultInjector")
	if err != nil {
		return nil, err
	}
	var p *C.seawall_fault_injector
	var e C.sw_err
	if err := fromC(C.sw_fault_injector_new(&c, clock, &p, &e), &e); err != nil {
		return nil, err
	}
	f := &FaultInjector{}
	f.p = p
	return f, nil
}

// Decide decides what to do to one call (FaultNone while switched off).
func (f *FaultInjector) Decide() (Fault, error) {
	var r C.seawall_fault
	var e C.sw_err
	if err := fromC(C.sw_fault_injector_decide(f.p, &r, &e), &e); err != nil {
		return Fault{}, err
	}
	return Fault{FaultKind(r.kind), nsToDuration(uint64(r.delay_ns))}, nil
}

// Check is Decide as an error: a *Error of kind KindInjectedFault when the
// call must fail, else the delay to apply first (0 for none).
func (f *FaultInjector) Check() (time.Duration, error) {
	var ns C.uint64_t
	var e C.sw_err
	if err := fromC(C.sw_fault_injector_check(f.p, &ns, &e), &e); err != nil {
		return 0, err
	}
	return nsToDuration(uint64(ns)), nil
}

// SetEnabled switches the injector on or off.
func (f *FaultInjector) SetEnabled(on bool) error {
	var v C.int
	if on {
		v = 1
	}
	var e C.sw_err
	return fromC(C.sw_fault_injector_set_enabled(f.p, v, &e), &e)
}

// FaultInjectorMetrics are a fault injector's counters.
type FaultInjectorMetrics struct {
	Decisions, Errors, Delays uint64
	Enabled                   bool
}

// Metrics is a snapshot of the counters.
func (f *FaultInjector) Metrics() (FaultInjectorMetrics, error) {
	var m C.seawall_fault_injector_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_fault_injector_get_metrics(f.p, &m, &e), &e); err != nil {
		return FaultInjectorMetrics{}, err
	}
	return FaultInjectorMetrics{uint64(m.decisions), uint64(m.errors), uint64(m.delays), truthy(m.enabled)}, nil
}

// Close frees the injector.
func (f *FaultInjector) Close() error { C.seawall_fault_injector_free(f.p); f.p = nil; return nil }
