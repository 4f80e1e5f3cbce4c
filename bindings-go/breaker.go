package seawall

/*
#include "capture.h"
extern void seawallGoTransition(void *user_data, seawall_circuit_state from, seawall_circuit_state to, uint64_t at_ns);
extern void seawallGoDestroy(void *user_data);
*/
import "C"

import (
	"runtime/cgo"
	"time"
	"unsafe"
)

// CircuitState is a breaker state.
type CircuitState int

// Breaker states.
const (
	StateClosed      CircuitState = 0
	StateOpen        CircuitState = 1
	StateHalfOpen    CircuitState = 2
	StateDisabled    CircuitState = 3
	StateForcedOpen  CircuitState = 4
	StateMetricsOnly CircuitState = 5
)

// String is the wire name ("half_open").
func (s CircuitState) String() string { return C.GoString(C.seawall_circuit_state_str(C.int(s))) }

// WindowKind says how the failure-rate window counts.
type WindowKind uint32

const (
	WindowCountBased WindowKind = 0 // the last WindowSize calls
	WindowTimeBased  WindowKind = 1 // the calls of the last WindowSize seconds
)

// Outcome is how a call ended, as the caller classified it.
type Outcome uint32

const (
	Success Outcome = 0
	Failure Outcome = 1
	Ignored Outcome = 2 // says nothing about the dependency's health
)

// CircuitBreakerConfig configures a breaker; start from
// DefaultCircuitBreakerConfig. A nil optional field turns its rule off.
type CircuitBreakerConfig struct {
	FailureRateThreshold      *float64 // default 0.5
	SlowCallRateThreshold     *float64 // default 1.0
	SlowCallDurationThreshold time.Duration
	WindowKind                WindowKind
	WindowSize                uint64
	MinimumNumberOfCalls      uint64
	FailureCountThreshold     *uint64 // failures in a row (or within FailureCountPeriod)
	FailureCountPeriod        *time.Duration
	OpenDuration              time.Duration
	OpenDurationMultiplier    float64
	MaxOpenDuration           *time.Duration
	HalfOpenMaxCalls          uint64
	SuccessThreshold          uint64
}

// DefaultCircuitBreakerConfig is the core's default config.
func DefaultCircuitBreakerConfig() CircuitBreakerConfig {
	c := C.seawall_circuit_breaker_config_default()
	cfg := CircuitBreakerConfig{
		SlowCallDurationThreshold: nsToDuration(uint64(c.slow_call_duration_threshold_ns)),
		WindowKind:                WindowKind(c.window_kind),
		WindowSize:                uint64(c.window_size),
		MinimumNumberOfCalls:      uint64(c.minimum_number_of_calls),
		OpenDuration:              nsToDuration(uint64(c.open_duration_ns)),
		OpenDurationMultiplier:    float64(c.open_duration_multiplier),
		HalfOpenMaxCalls:          uint64(c.half_open_max_calls),
		SuccessThreshold:          uint64(c.success_threshold),
	}
	if truthy(c.has_failure_rate_threshold) {
		cfg.FailureRateThreshold = Ptr(float64(c.failure_rate_threshold))
	}
	if truthy(c.has_slow_call_rate_threshold) {
		cfg.SlowCallRateThreshold = Ptr(float64(c.slow_call_rate_threshold))
	}
	if truthy(c.has_failure_count_threshold) {
		cfg.FailureCountThreshold = Ptr(uint64(c.failure_count_threshold))
	}
	if truthy(c.has_failure_count_period) {
		cfg.FailureCountPeriod = Ptr(nsToDuration(uint64(c.failure_count_period_ns)))
	}
	if truthy(c.has_max_open_duration) {
		cfg.MaxOpenDuration = Ptr(nsToDuration(uint64(c.max_open_duration_ns)))
	}
	return cfg
}

func (cfg *CircuitBreakerConfig) toC() (c C.seawall_circuit_breaker_config, err error) {
	c = C.seawall_circuit_breaker_config_default()
	setFlag(&c.has_failure_rate_threshold, cfg.FailureRateThreshold != nil)
	if cfg.FailureRateThreshold != nil {
		c.failure_rate_threshold = C.double(*cfg.FailureRateThreshold)
	}
	setFlag(&c.has_slow_call_rate_threshold, cfg.SlowCallRateThreshold != nil)
	if cfg.SlowCallRateThreshold != nil {
		c.slow_call_rate_threshold = C.double(*cfg.SlowCallRateThreshold)
	}
	if c.slow_call_duration_threshold_ns, err = durNs(cfg.SlowCallDurationThreshold, "SlowCallDurationThreshold"); err != nil {
		return
	}
	c.window_kind = C.uint32_t(cfg.WindowKind)
	c.window_size = C.uint64_t(cfg.WindowSize)
	c.minimum_number_of_calls = C.uint64_t(cfg.MinimumNumberOfCalls)
	setFlag(&c.has_failure_count_threshold, cfg.FailureCountThreshold != nil)
	if cfg.FailureCountThreshold != nil {
		c.failure_count_threshold = C.uint64_t(*cfg.FailureCountThreshold)
	}
	setFlag(&c.has_failure_count_period, cfg.FailureCountPeriod != nil)
	if cfg.FailureCountPeriod != nil {
		if c.failure_count_period_ns, err = durNs(*cfg.FailureCountPeriod, "FailureCountPeriod"); err != nil {
			return
		}
	}
	if c.open_duration_ns, err = durNs(cfg.OpenDuration, "OpenDuration"); err != nil {
		return
	}
	c.open_duration_multiplier = C.double(cfg.OpenDurationMultiplier)
	setFlag(&c.has_max_open_duration, cfg.MaxOpenDuration != nil)
	if cfg.MaxOpenDuration != nil {
		if c.max_open_duration_ns, err = durNs(*cfg.MaxOpenDuration, "MaxOpenDuration"); err != nil {
			return
		}
	}
	c.half_open_max_calls = C.uint64_t(cfg.HalfOpenMaxCalls)
	c.success_threshold = C.uint64_t(cfg.SuccessThreshold)
	return c, nil
}

// CircuitBreaker is a thread-safe circuit breaker.
type CircuitBreaker struct {
	p *C.seawall_circuit_breaker
}

// NewCircuitBreaker makes a breaker from cfg.
func NewCircuitBreaker(cfg CircuitBreakerConfig, opts ...Option) (*CircuitBreaker, error) {
	c, err := cfg.toC()
	if err != nil {
		return nil, err
	}
	clock, region, rname, err := placeOf(opts)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(rname))
	var p *C.seawall_circuit_breaker
	var e C.sw_err
	if err := fromC(C.sw_circuit_breaker_new_in(&c, clock, region, rname, &p, &e), &e); err != nil {
		return nil, err
	}
	b := &CircuitBreaker{}
	b.p = p
	return b, nil
}

// Permit is the breaker's admission of one call: finish it once with
// Record or Release, which set it to 0 (finished); finishing it again is a
// *Error of kind KindInvalidArgument naming "permit". A permit from before
// a transition is stale: it counts in the lifetime counters only.
type Permit uint64

// IsProbe reports whether the permit is a half-open probe.
func (p Permit) IsProbe() bool { return C.sw_permit_is_probe(C.uint64_t(p)) != 0 }

// TryAcquire asks to make one call: a permit, or a *Error of kind
// KindCircuitOpen whose RetryAfter says when the breaker may admit again.
func (b *CircuitBreaker) TryAcquire() (Permit, error) {
	r := C.sw_circuit_breaker_try_acquire_v(b.p)
	if err := fromC(r.status, &r.e); err != nil {
		return 0, err
	}
	return Permit(r.permit), nil
}

// Record records the outcome of the call *permit admitted and its
// duration, and sets *permit to 0 (finished).
func (b *CircuitBreaker) Record(permit *Permit, outcome Outcome, d time.Duration) error {
	if permit == nil {
		return invalidArgument("permit", "must not be nil")
	}
	if d < 0 {
		return invalidArgument("d", "must be ≥ 0, got "+d.String())
	}
	r := C.sw_circuit_breaker_record_v(b.p, C.uint64_t(*permit), C.uint32_t(outcome), C.uint64_t(d))
	*permit = Permit(r.permit)
	return fromC(r.status, &r.e)
}

// Release finishes a permit whose call produced no outcome (a half-open
// probe gives its slot back) and sets *permit to 0; a finished permit is a no-op.
func (b *CircuitBreaker) Release(permit *Permit) error {
	if permit == nil {
		return invalidArgument("permit", "must not be nil")
	}
	r := C.sw_circuit_breaker_release_v(b.p, C.uint64_t(*permit))
	*permit = Permit(r.permit)
	return fromC(r.status, &r.e)
}

// State is the current state (a pure read).
func (b *CircuitBreaker) State() (CircuitState, error) {
	var s C.seawall_circuit_state
	var e C.sw_err
	if err := fromC(C.sw_circuit_breaker_state(b.p, &s, &e), &e); err != nil {
		return 0, err
	}
	return CircuitState(s), nil
}

// ForceOpen rejects every call until Reset.
func (b *CircuitBreaker) ForceOpen() error {
	var e C.sw_err
	return fromC(C.sw_circuit_breaker_force_open(b.p, &e), &e)
}

// Disable admits every call and records nothing until Reset.
func (b *CircuitBreaker) Disable() error {
	var e C.sw_err
	return fromC(C.sw_circuit_breaker_disable(b.p, &e), &e)
}

// MetricsOnly records outcomes but never trips, until Reset.
func (b *CircuitBreaker) MetricsOnly() error {
	var e C.sw_err
	return fromC(C.sw_circuit_breaker_metrics_only(b.p, &e), &e)
}

// Reset goes back to closed with fresh windows.
func (b *CircuitBreaker) Reset() error {
	var e C.sw_err
	return fromC(C.sw_circuit_breaker_reset(b.p, &e), &e)
}

// CircuitBreakerMetrics is a snapshot of a breaker.
type CircuitBreakerMetrics struct {
	State                                         CircuitState
	Calls, Successes, Failures, Slow, Ignored     uint64
	Rejected, Transitions                         uint64
	BufferedCalls, BufferedFailures, BufferedSlow uint64
	FailureRate, SlowCallRate                     *float64 // nil until the window holds MinimumNumberOfCalls
	FailureCount                                  uint64
	HalfOpenInFlight, HalfOpenSuccesses           uint32
	OpenDuration                                  time.Duration
}

// Metrics is a snapshot of the state and counters.
func (b *CircuitBreaker) Metrics() (CircuitBreakerMetrics, error) {
	var m C.seawall_circuit_breaker_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_circuit_breaker_get_metrics(b.p, &m, &e), &e); err != nil {
		return CircuitBreakerMetrics{}, err
	}
	r := CircuitBreakerMetrics{
		State: CircuitState(m.state), Calls: uint64(m.calls), Successes: uint64(m.successes),
		Failures: uint64(m.failures), Slow: uint64(m.slow), Ignored: uint64(m.ignored),
		Rejected: uint64(m.rejected), Transitions: uint64(m.transitions),
		BufferedCalls: uint64(m.buffered_calls), BufferedFailures: uint64(m.buffered_failures),
		BufferedSlow: uint64(m.buffered_slow), FailureCount: uint64(m.failure_count),
		HalfOpenInFlight: uint32(m.half_open_in_flight), HalfOpenSuccesses: uint32(m.half_open_successes),
		OpenDuration: nsToDuration(uint64(m.open_duration_ns)),
	}
	if truthy(m.has_failure_rate) {
		r.FailureRate = Ptr(float64(m.failure_rate))
	}
	if truthy(m.has_slow_call_rate) {
		r.SlowCallRate = Ptr(float64(m.slow_call_rate))
	}
	return r, nil
}

// Transition is one state change, as passed to a listener.
type Transition struct {
	From, To CircuitState
	At       time.Duration // clock time of the transition
}

// OnTransition registers fn, called after every state transition on the
// goroutine (thread) that made it; several may run at once, so fn must be
// safe for concurrent use and short. It returns an id for RemoveListener.
func (b *CircuitBreaker) OnTransition(fn func(Transition)) (uint64, error) {
	if fn == nil {
		return 0, invalidArgument("fn", "must not be nil")
	}
	return subscribeWith(fn, func(ud unsafe.Pointer, id *C.uint64_t, e *C.sw_err) C.int {
		return C.sw_circuit_breaker_on_transition(b.p, C.seawall_transition_fn(C.seawallGoTransition), ud,
			C.seawall_destroy_fn(C.seawallGoDestroy), id, e)
	})
}

// subscribeWith hands fn to a C subscribe call as user_data: C memory
// holding a cgo handle, which seawallGoDestroy frees (both) once the
// library says the callback can no longer run; freed here if subscribing
// fails (the library then never calls destroy).
func subscribeWith(fn any, call func(ud unsafe.Pointer, id *C.uint64_t, e *C.sw_err) C.int) (uint64, error) {
	h := cgo.NewHandle(fn)
	ud := (*C.uintptr_t)(C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0)))))
	*ud = C.uintptr_t(h)
	var id C.uint64_t
	var e C.sw_err
	if err := fromC(call(unsafe.Pointer(ud), &id, &e), &e); err != nil {
		C.free(unsafe.Pointer(ud))
		h.Delete()
		return 0, err
	}
	return uint64(id), nil
}

// RemoveListener removes a listener; it reports whether id was registered.
// When it returns, the listener no longer runs (it waits for calls running
// on other goroutines, unless called from inside a listener).
func (b *CircuitBreaker) RemoveListener(id uint64) (bool, error) {
	var removed C.int
	var e C.sw_err
	if err := fromC(C.sw_remove_listener(b.p, C.uint64_t(id), &removed, &e), &e); err != nil {
		return false, err
	}
	return removed != 0, nil
}

// Close frees the breaker and its listeners.
func (b *CircuitBreaker) Close() error {
	C.seawall_circuit_breaker_free(b.p)
	b.p = nil
	return nil
}

//export seawallGoTransition
func seawallGoTransition(userData unsafe.Pointer, from, to C.seawall_circuit_state, atNs C.uint64_t) {
	fn := cgo.Handle(*(*C.uintptr_t)(userData)).Value().(func(Transition))
	fn(Transition{From: CircuitState(from), To: CircuitState(to), At: nsToDuration(uint64(atNs))})
}

//export seawallGoDestroy
func seawallGoDestroy(userData unsafe.Pointer) {
	cgo.Handle(*(*C.uintptr_t)(userData)).Delete()
	C.free(userData)
}
