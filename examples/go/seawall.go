// A cgo program that drives libseawall through include/seawall.h only:
// a circuit breaker, a token bucket and a bulkhead on one manual clock.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/hooks/release -lseawall -Wl,-rpath,${SRCDIR}/../../target/hooks/release
#include <seawall.h>
*/
import "C"

import (
	"fmt"
	"runtime"
)

// Error is a failed seawall call: its status name and this thread's message.
type Error struct {
	Status       int
	Name         string
	Message      string
	Field        string
	RetryAfterNs uint64
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

// call runs f on one locked OS thread and, on failure, reads the last error
// from that same thread (seawall's last error is per thread, and a goroutine
// may move between threads between two cgo calls).
func call(f func() C.enum_seawall_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := f()
	if st == C.SEAWALL_OK {
		return nil
	}
	return &Error{
		Status:       int(st),
		Name:         C.GoString(C.seawall_status_str(C.int(st))),
		Message:      C.GoString(C.seawall_last_error_message()),
		Field:        C.GoString(C.seawall_last_error_field()),
		RetryAfterNs: uint64(C.seawall_last_error_retry_after_ns()),
	}
}

// Status of an error (SEAWALL_OK for nil).
func Status(err error) int {
	if e, ok := err.(*Error); ok {
		return e.Status
	}
	return int(C.SEAWALL_OK)
}

// ---- manual clock ----

type Clock struct{ p *C.seawall_manual_clock }

func NewClock(startNs uint64) (*Clock, error) {
	c := &Clock{}
	err := call(func() C.enum_seawall_status { return C.seawall_manual_clock_new(C.uint64_t(startNs), &c.p) })
	return c, err
}
func (c *Clock) Advance(ns uint64) error {
	return call(func() C.enum_seawall_status { return C.seawall_manual_clock_advance(c.p, C.uint64_t(ns)) })
}
func (c *Clock) Free() { C.seawall_manual_clock_free(c.p); c.p = nil }

// ---- circuit breaker ----

type Breaker struct{ p *C.seawall_circuit_breaker }

func NewBreaker(failuresInARow uint64, openNs uint64, clock *Clock) (*Breaker, error) {
	cfg := C.seawall_circuit_breaker_config_default()
	cfg.has_failure_count_threshold = 1
	cfg.failure_count_threshold = C.uint64_t(failuresInARow)
	cfg.open_duration_ns = C.uint64_t(openNs)
	cfg.half_open_max_calls = 1
	cfg.success_threshold = 1
	b := &Breaker{}
	err := call(func() C.enum_seawall_status {
		return C.seawall_circuit_breaker_new_with_clock(&cfg, clock.p, &b.p)
	})
	return b, err
}

// TryAcquire returns a permit, or an *Error with status SEAWALL_CIRCUIT_OPEN.
func (b *Breaker) TryAcquire() (uint64, error) {
	var permit C.uint64_t
	err := call(func() C.enum_seawall_status { return C.seawall_circuit_breaker_try_acquire(b.p, &permit) })
	return uint64(permit), err
}
func (b *Breaker) Record(permit uint64, ok bool, durationNs uint64) error {
	outcome := C.uint32_t(C.SEAWALL_OUTCOME_SUCCESS)
	if !ok {
		outcome = C.uint32_t(C.SEAWALL_OUTCOME_FAILURE)
	}
	p := C.uint64_t(permit)
	return call(func() C.enum_seawall_status {
		return C.seawall_circuit_breaker_record(b.p, &p, outcome, C.uint64_t(durationNs))
	})
}
func (b *Breaker) State() (string, error) {
	var st C.enum_seawall_circuit_state
	err := call(func() C.enum_seawall_status { return C.seawall_circuit_breaker_state(b.p, &st) })
	return C.GoString(C.seawall_circuit_state_str(C.int(st))), err
}
func (b *Breaker) Transitions() (uint64, error) {
	var m C.seawall_circuit_breaker_metrics
	err := call(func() C.enum_seawall_status { return C.seawall_circuit_breaker_get_metrics(b.p, &m) })
	return uint64(m.transitions), err
}
func (b *Breaker) Free() { C.seawall_circuit_breaker_free(b.p); b.p = nil }

// ---- token bucket ----

type Bucket struct{ p *C.seawall_token_bucket }

type Decision struct {
	Allowed      bool
	Remaining    uint64
	RetryAfterNs uint64
}

func NewBucket(burst uint64, ratePerSec float64, clock *Clock) (*Bucket, error) {
	cfg := C.seawall_token_bucket_config_default()
	cfg.burst = C.uint64_t(burst)
	cfg.rate_per_sec = C.double(ratePerSec)
	t := &Bucket{}
	err := call(func() C.enum_seawall_status { return C.seawall_token_bucket_new_with_clock(&cfg, clock.p, &t.p) })
	return t, err
}
func (t *Bucket) TryAcquire(n uint64) (Decision, error) {
	var d C.seawall_decision
	err := call(func() C.enum_seawall_status { return C.seawall_token_bucket_try_acquire(t.p, C.uint64_t(n), &d) })
	return Decision{bool(d.allowed), uint64(d.remaining), uint64(d.retry_after_ns)}, err
}
func (t *Bucket) Free() { C.seawall_token_bucket_free(t.p); t.p = nil }

func main() {
	if err := Scenario(); err != nil {
		fmt.Println("scenario failed:", err)
		return
	}
	fmt.Println("seawall", C.GoString(C.seawall_version()), "from Go: scenario ok")
}
