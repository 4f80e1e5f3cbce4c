package seawall

// Execute: the whole call runs in core (seawall_policy_execute: limiter →
// breaker → bulkhead → timeout → retry → fallback, sleeps included). This
// file only classifies Go errors into core's terms (via the C classify
// functions), passes each attempt's deadline into its ctx, and returns the
// result as Go errors.

/*
#include "capture.h"
*/
import "C"

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime/cgo"
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

// execState is one Execute call, reached from the C callbacks by a cgo.Handle.
type execState struct {
	ctx     context.Context
	p       *Policy
	fn      func(ctx context.Context) error
	lastErr error // fn's last error (a *PanicError after a panic)
	fbErr   error // the fallback's error
}

// Execute calls fn through the policy, the whole call decided by core
// (spec/policy.md "The policy run"): acquire rate limiter → breaker →
// bulkhead, call fn with a ctx bounded by the attempt's deadline (Timeout or
// AdaptiveTimeout, shortened to ctx's own deadline), record the outcome,
// retry as Retry and Budget allow (sleeping core's delay), and fall back.
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
// (ErrCircuitOpen, ErrRateLimited, ErrBulkheadFull) before any attempt ran;
// a *RetryError (Cause ErrRetryExhausted, ErrRetryBudgetExhausted or
// ErrTimeout) when attempts ran and seawall gave up; ctx.Err() when ctx was
// done. A panic in fn is recovered and returned as a *PanicError.
func (p *Policy) Execute(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.p == nil {
		return errClosed("policy")
	}
	cfg := C.seawall_execute_config_default()
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return context.DeadlineExceeded
		}
		cfg.total_timeout_ns = C.uint64_t(left)
	}
	st := &execState{ctx: ctx, p: p, fn: fn}
	h := cgo.NewHandle(st)
	defer h.Delete()
	var res C.seawall_execute_result
	var e C.sw_err
	hasFallback := C.int(0)
	if p.cfg.Fallback != nil {
		hasFallback = 1
	}
	status := C.sw_policy_execute(p.p, &cfg, hasFallback, C.uintptr_t(h), &res, &e)
	err := fromC(status, &e)
	if err == nil {
		return nil
	}
	se, _ := err.(*Error)
	switch {
	case se != nil && Kind(status) == 102: // SEAWALL_CALL_FAILED: fn's (or the fallback's) own failure
		if truthy(res.fell_back) {
			return st.fbErr
		}
		if cerr := ctx.Err(); cerr != nil && st.lastErr == nil {
			return cerr
		}
		return st.lastErr
	case ctx.Err() != nil:
		return ctx.Err()
	case se != nil && res.attempts > 0 && (se.Kind == KindRetryExhausted ||
		se.Kind == KindRetryBudgetExhausted || se.Kind == KindTimeout):
		return &RetryError{Attempts: int(res.attempts), Err: st.lastErr, Cause: se}
	default:
		return err
	}
}

//export swGoAttempt
func swGoAttempt(handle C.uintptr_t, info *C.seawall_attempt_info, out *C.seawall_attempt_failure) (rc C.int) {
	st := cgo.Handle(handle).Value().(*execState)
	actx := st.ctx
	if truthy(info.has_deadline) {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(st.ctx, nsToDuration(uint64(info.timeout_ns)))
		defer cancel()
	}
	defer func() {
		if v := recover(); v != nil {
			st.lastErr = &PanicError{Value: v}
			out.retryable = 0
			out.outcome = C.uint32_t(Failure)
			rc = 1
		}
	}()
	err := st.fn(actx)
	if err == nil {
		st.lastErr = nil
		return 0
	}
	st.lastErr = err
	st.p.classifyFailure(st.ctx, err, out)
	return 1
}

//export swGoFallback
func swGoFallback(handle C.uintptr_t, info *C.seawall_fallback_info) (rc C.int) {
	st := cgo.Handle(handle).Value().(*execState)
	if err := st.ctx.Err(); err != nil {
		st.fbErr = err // the caller gave up: no fallback
		return 1
	}
	var cause error
	if info.error == C.SEAWALL_OK {
		cause = st.lastErr
	} else {
		ce := &Error{Kind: Kind(info.error)}
		if info.stage != nil {
			ce.Stage = C.GoString(info.stage)
		}
		cause = ce
		if st.lastErr != nil && int(info.attempts) > 0 && ce.Stage == "" {
			cause = &RetryError{Attempts: int(info.attempts), Err: st.lastErr, Cause: ce}
		}
	}
	defer func() {
		if v := recover(); v != nil {
			st.fbErr = &PanicError{Value: v}
			rc = 1
		}
	}()
	st.fbErr = st.p.cfg.Fallback(st.ctx, cause)
	if st.fbErr != nil {
		return 1
	}
	return 0
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
