package seawall

// Execute: the whole call is decided in core (the stepped policy run,
// seawall_policy_run_*: limiter → breaker → bulkhead → timeout → retry →
// fallback). This file calls fn, sleeps and waits where core says,
// classifies Go errors into core's terms (via the C classify functions),
// passes each attempt's deadline into its ctx, and returns the result as
// Go errors.

/*
#include "capture.h"
*/
import "C"

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// RetryError is returned by Execute when the call ended after at least one
// attempt of fn failed and seawall gave up: Cause is the *Error saying why
// (kind KindRetryExhausted, KindRetryBudgetExhausted or KindTimeout) and Err
// is fn's last error. errors.Is/As see both.
type RetryError struct {
	Attempts int    // attempts started, the first included
	Err      error  // fn's last error (nil if the last attempt ran out of time and returned nil)
	Cause    *Error // why the call ended
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("seawall: gave up after %d attempt(s): %s; last error: %v", e.Attempts, e.Cause.Kind, e.Err)
}

// Unwrap returns the cause and fn's last error.
func (e *RetryError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Cause, e.Err}
	}
	return []error{e.Cause}
}

// PanicError is an attempt's failure when fn panicked: the panic is
// recovered (it never unwinds through seawall) and ends the call, not retried.
type PanicError struct{ Value any }

func (e *PanicError) Error() string {
	return fmt.Sprintf("seawall: the called function panicked: %v", e.Value)
}

// Execute calls fn through the policy, the whole call decided by core
// (spec/policy.md "The policy run"): acquire rate limiter → breaker →
// bulkhead, call fn with a ctx bounded by the attempt's deadline (Timeout or
// AdaptiveTimeout, shortened to ctx's own deadline), record the outcome,
// retry as Retry and Budget allow (sleeping core's delay), and fall back.
// Go drives core's stepped run (seawall_policy_run_*): it calls fn, waits
// and sleeps where core says, so ctx ends a sleep between attempts or a
// wait in the bulkhead's queue at once.
//
// A failure is classified by core's default rules (spec/classify.md) over
// the error chain: seawall's own ErrRateLimited, ErrTimeout and
// ErrInjectedFault, a retryable HTTPStatusError, a CodeError or
// syscall.Errno naming a transient transport failure, and timeouts are
// retried; a RetryAfterError's hint replaces the computed delay. The
// caller's ctx being done ends the call with no outcome. RetryIf and
// Classify override the defaults.
//
// Returns nil on success (or when Fallback returned nil); fn's own error
// when it is not retried or the fallback's error; a *Error for a rejection
// (ErrCircuitOpen, ErrRateLimited, ErrBulkheadFull, with Stage and
// RetryAfter) before any attempt ran; a *RetryError (Cause
// ErrRetryExhausted, ErrRetryBudgetExhausted or ErrTimeout) when attempts
// ran and seawall gave up; ctx.Err() when ctx was done. A panic in fn is
// recovered and returned as a *PanicError.
func (p *Policy) Execute(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.p == nil {
		return errClosed("policy")
	}
	var hasDeadline C.uint8_t
	var deadline C.uint64_t
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return context.DeadlineExceeded
		}
		hasDeadline, deadline = 1, C.uint64_t(p.now()+left)
	}
	r := execRuns.Get().(*execRun)
	r.p, r.ctx, r.fn = p, ctx, fn
	defer r.release()
	C.sw_run_begin(p.p, hasDeadline, deadline, &r.run, &r.step)
	for {
		var err error
		switch r.step.kind {
		case C.SEAWALL_STEP_ATTEMPT:
			err = r.attempt()
		case C.SEAWALL_STEP_WAIT_FOR_SLOT:
			err = r.waitForSlot()
		case C.SEAWALL_STEP_SLEEP:
			err = r.sleep()
		case C.SEAWALL_STEP_DONE:
			return nil
		case C.SEAWALL_STEP_FALLBACK:
			return r.fallback()
		default: // SEAWALL_STEP_FAIL
			return r.failed()
		}
		if err != nil { // ctx is done: the run records nothing more
			C.seawall_policy_run_cancel(&r.run)
			return err
		}
	}
}

// now reads the policy's clock: its ManualClock, or the monotonic clock.
func (p *Policy) now() time.Duration {
	if p.clock != nil {
		if t, err := p.clock.Now(); err == nil {
			return t
		}
	}
	return MonotonicNow()
}

// execRun is one Execute call: core's run (in Go memory: a run may be
// moved, and core keeps no pointer to it between calls) and the step to
// carry out. Pooled: a call allocates nothing.
type execRun struct {
	run     C.seawall_policy_run
	step    C.seawall_policy_step
	p       *Policy
	ctx     context.Context
	fn      func(ctx context.Context) error
	lastErr error // fn's last error (a *PanicError after a panic)
}

var execRuns = sync.Pool{New: func() any { return new(execRun) }}

// release ends the run (a no-op when it has ended) and pools r.
func (r *execRun) release() {
	if r.step.kind != C.SEAWALL_STEP_DONE {
		C.seawall_policy_run_end(&r.run)
	}
	r.p, r.ctx, r.fn, r.lastErr = nil, nil, nil, nil
	execRuns.Put(r)
}

// attempt calls fn once, bounded by the step's limit, and reports how it
// ended. fn cannot be stopped: one that returns after its limit counts as
// cut off, whatever it returned (its slot is free again: it has returned).
func (r *execRun) attempt() error {
	actx, start := r.ctx, time.Duration(0)
	limit := time.Duration(-1)
	if r.step.has_timeout != 0 {
		limit = nsToDuration(uint64(r.step.timeout_ns))
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(r.ctx, limit)
		defer cancel()
		start = r.p.now()
	}
	err, panicked := call(r.fn, actx)
	if limit >= 0 && r.p.now()-start > limit {
		r.lastErr = err
		C.seawall_policy_run_on_timeout(&r.run, &r.step)
		C.seawall_policy_run_settle(&r.run)
		return nil
	}
	if err == nil {
		r.lastErr = nil
		C.sw_run_succeeded(&r.run, &r.step) // DONE, and the run ended
		return nil
	}
	var f C.seawall_attempt_failure
	if panicked {
		r.lastErr = err
		f.outcome = C.uint32_t(Failure)
	} else {
		r.lastErr = err
		r.p.classifyFailure(r.ctx, err, &f)
	}
	C.seawall_policy_run_on_failure(&r.run, &f, &r.step)
	return nil
}

// call runs fn, a panic recovered as a *PanicError.
func call(fn func(ctx context.Context) error, ctx context.Context) (err error, panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			err, panicked = &PanicError{Value: v}, true
		}
	}()
	return fn(ctx), false
}

// waitForSlot waits in the bulkhead's queue at most the step's max wait.
// On a manual clock a slot not free now is a wait that runs out (the clock
// is moved by the wait).
func (r *execRun) waitForSlot() error {
	maxWait := nsToDuration(uint64(r.step.max_wait_ns))
	var claimed C.uint8_t
	if r.p.clock != nil {
		if C.seawall_policy_run_try_claim(&r.run, &claimed, &r.step); claimed == 0 {
			r.p.clock.Advance(maxWait)
			C.seawall_policy_run_wait_timed_out(&r.run, &r.step)
		}
		return nil
	}
	end := time.Now().Add(maxWait)
	poll := 50 * time.Microsecond
	t := time.NewTimer(poll)
	defer t.Stop()
	for {
		if C.seawall_policy_run_try_claim(&r.run, &claimed, &r.step); claimed != 0 {
			return nil
		}
		left := time.Until(end)
		if left <= 0 {
			C.seawall_policy_run_wait_timed_out(&r.run, &r.step)
			return nil
		}
		t.Reset(min(poll, left))
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case <-t.C:
		}
		poll = min(2*poll, 5*time.Millisecond)
	}
}

// sleep waits the delay core chose before the next attempt (a manual
// clock is moved by it instead), then asks for the next step.
func (r *execRun) sleep() error {
	d := nsToDuration(uint64(r.step.delay_ns))
	if r.p.clock != nil {
		r.p.clock.Advance(d)
	} else if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-r.ctx.Done():
			t.Stop()
			return r.ctx.Err()
		case <-t.C:
		}
	}
	C.seawall_policy_run_next(&r.run, &r.step)
	return nil
}

// stepError is the error a FAIL or FALLBACK step names, as this package
// returns it; nil for fn's own last failure.
func (r *execRun) stepError() error {
	st := Kind(r.step.error)
	if st == 0 {
		return nil
	}
	se := &Error{Kind: st}
	if r.step.stage != nil && *r.step.stage != 0 {
		se.Stage = stageName(r.step.stage)
	}
	se.RetryAfter = nsToDuration(uint64(C.seawall_policy_run_retry_after_ns(&r.run)))
	if r.step.error_reason != C.UINT32_MAX {
		se.Message = fmt.Sprintf("gave up after %d attempt(s): %s", int(r.step.error_attempts),
			C.GoString(C.seawall_give_up_reason_str(r.step.error_reason)))
	}
	if r.step.error_field != nil && *r.step.error_field != 0 {
		se.Field = C.GoString(r.step.error_field)
	}
	attempts := int(r.step.attempt)
	if se.Stage == "" && attempts > 0 &&
		(st == KindRetryExhausted || st == KindRetryBudgetExhausted || st == KindTimeout) {
		return &RetryError{Attempts: attempts, Err: r.lastErr, Cause: se}
	}
	return se
}

// fallback runs the policy's Fallback with the error the call ended with.
func (r *execRun) fallback() (err error) {
	if err := r.ctx.Err(); err != nil {
		return err // the caller gave up: no fallback
	}
	cause := r.stepError()
	if cause == nil {
		cause = r.lastErr
	}
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v}
		}
	}()
	return r.p.cfg.Fallback(r.ctx, cause)
}

// failed is Execute's result for a FAIL step.
func (r *execRun) failed() error {
	if err := r.stepError(); err != nil {
		if cerr := r.ctx.Err(); cerr != nil {
			return cerr
		}
		return err
	}
	if cerr := r.ctx.Err(); cerr != nil && r.lastErr == nil {
		return cerr
	}
	return r.lastErr
}

// classifyFailure fills core's failure record for fn's error: retryable and
// hint by core's chain rule, outcome by core's outcome rule, unless the
// caller's RetryIf / Classify say otherwise. The caller's own ctx being
// done is not retried and records nothing.
func (p *Policy) classifyFailure(ctx context.Context, err error, out *C.seawall_attempt_failure) {
	if ctx.Err() != nil {
		out.retryable = 0
		out.outcome = C.uint32_t(Ignored)
		return
	}
	v, status := verdictOf(err)
	out.retryable = 0
	if v.retryable {
		out.retryable = 1
	}
	if v.retryAfter != nil {
		out.has_retry_after = 1
		out.retry_after_ns = C.uint64_t(*v.retryAfter)
	}
	if p.cfg.RetryIf != nil {
		out.retryable = 0
		if p.cfg.RetryIf(err) {
			out.retryable = 1
		}
	}
	if p.cfg.Classify != nil {
		o, record := p.cfg.Classify(ctx, err)
		if !record {
			o = Ignored
		}
		out.outcome = C.uint32_t(o)
		return
	}
	var o C.uint32_t
	var e C.sw_err
	if fromC(C.sw_outcome_for_error(0, -1, C.uint32_t(status), &o, &e), &e) != nil {
		o = C.uint32_t(Failure)
	}
	out.outcome = o
}

type verdict struct {
	retryable  bool
	retryAfter *time.Duration
}

// maxLinks is core's chain limit (spec/classify.md).
const maxLinks = 32

// verdictOf classifies err's cause chain by core's rule (seawall_classify_chain)
// and returns the first seawall error's status on it (0 for none).
func verdictOf(err error) (verdict, int) {
	links := make([]C.seawall_error_link, 0, 4)
	status := 0
	walkChain(err, func(e error) bool {
		l := linkOf(e)
		if status == 0 && l.seawall_status != 0 {
			status = int(l.seawall_status)
		}
		links = append(links, l)
		return len(links) < maxLinks
	})
	var v C.seawall_verdict
	var ce C.sw_err
	var ptr *C.seawall_error_link
	if len(links) > 0 {
		ptr = &links[0]
	}
	if fromC(C.sw_classify_chain(ptr, C.size_t(len(links)), &v, &ce), &ce) != nil {
		return verdict{}, status
	}
	out := verdict{retryable: truthy(v.retryable)}
	if truthy(v.has_retry_after) {
		out.retryAfter = Ptr(nsToDuration(uint64(v.retry_after_ns)))
	}
	return out, status
}

// walkChain visits err and its causes depth first (Unwrap() error and
// Unwrap() []error) until visit returns false.
func walkChain(err error, visit func(error) bool) bool {
	for err != nil {
		if !visit(err) {
			return false
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				if !walkChain(c, visit) {
					return false
				}
			}
			return true
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return true
		}
	}
	return true
}

// linkOf describes one error of a chain in core's terms (this error only,
// not its causes).
func linkOf(err error) C.seawall_error_link {
	var l C.seawall_error_link
	switch x := err.(type) {
	case *Error:
		if x.Kind >= 1 && x.Kind <= 9 {
			l.seawall_status = C.uint32_t(x.Kind)
		}
		if x.RetryAfter > 0 {
			l.has_retry_after = 1
			l.retry_after_ns = C.uint64_t(x.RetryAfter)
		}
		return l
	case kindError:
		if Kind(x) >= 1 && Kind(x) <= 9 {
			l.seawall_status = C.uint32_t(x)
		}
		return l
	}
	if he, ok := err.(HTTPStatusError); ok {
		if s := he.HTTPStatus(); s > 0 && s < 1000 {
			l.http_status = C.uint32_t(s)
		}
	}
	if ra, ok := err.(RetryAfterError); ok && ra.RetryAfter() >= 0 {
		l.has_retry_after = 1
		l.retry_after_ns = C.uint64_t(ra.RetryAfter())
	}
	l.transport = C.uint32_t(transportOf(err))
	return l
}

// transportOf is this error's transport kind by core's code table: a
// CodeError's code, a syscall.Errno's name, a timeout as "ETIMEDOUT".
func transportOf(err error) RetryableKind {
	if ce, ok := err.(CodeError); ok {
		if k, e := KindForCode(ce.Code()); e == nil && k != RetryableNone {
			return k
		}
	}
	if errno, ok := err.(syscall.Errno); ok {
		if name, ok := errnoNames[errno]; ok {
			if k, e := KindForCode(name); e == nil {
				return k
			}
		}
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return timedOut()
	}
	if err == context.DeadlineExceeded || err == os.ErrDeadlineExceeded { //nolint:errorlint // this link only
		return timedOut()
	}
	return RetryableNone
}

func timedOut() RetryableKind {
	if k, e := KindForCode("ETIMEDOUT"); e == nil {
		return k
	}
	return RetryableNone
}
