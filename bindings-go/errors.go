package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Kind is the kind of a seawall error; its numbers equal the C ABI's
// seawall_status values.
type Kind int

// Error kinds. 1–10 are the core's error kinds.
const (
	KindInvalidConfig        Kind = 1
	KindInvalidArgument      Kind = 2
	KindCircuitOpen          Kind = 3
	KindRateLimited          Kind = 4
	KindBulkheadFull         Kind = 5
	KindTimeout              Kind = 6
	KindRetryBudgetExhausted Kind = 7
	KindInjectedFault        Kind = 8
	KindRetryExhausted       Kind = 9   // Execute's retry stage ran out of attempts or time
	KindSharedRegion         Kind = 10  // a shared-memory region could not be opened or used
	KindNullArgument         Kind = 100 // a closed handle or a missing argument
	KindPanic                Kind = 101 // an internal bug, caught at the C boundary
)

// Sentinels for errors.Is, one per kind: errors.Is(err, seawall.ErrCircuitOpen)
// is true for every *Error of kind KindCircuitOpen.
var (
	ErrInvalidConfig        error = kindError(KindInvalidConfig)
	ErrInvalidArgument      error = kindError(KindInvalidArgument)
	ErrCircuitOpen          error = kindError(KindCircuitOpen)
	ErrRateLimited          error = kindError(KindRateLimited)
	ErrBulkheadFull         error = kindError(KindBulkheadFull)
	ErrTimeout              error = kindError(KindTimeout)
	ErrRetryBudgetExhausted error = kindError(KindRetryBudgetExhausted)
	ErrInjectedFault        error = kindError(KindInjectedFault)
	ErrRetryExhausted       error = kindError(KindRetryExhausted)
	ErrSharedRegion         error = kindError(KindSharedRegion)
	ErrClosed               error = kindError(KindNullArgument)
	ErrPanic                error = kindError(KindPanic)
)

// kindError is the type of the sentinels.
type kindError Kind

func (k kindError) Error() string { return "seawall: " + Kind(k).String() }

// Err is the kind's sentinel (ErrCircuitOpen for KindCircuitOpen).
func (k Kind) Err() error { return kindError(k) }

// String is the kind's wire name ("circuit_open"), shared by every binding.
func (k Kind) String() string { return C.GoString(C.seawall_status_str(C.int(k))) }

// Error is a failed seawall call.
type Error struct {
	Kind Kind
	// Field names the config field (Go spelling, e.g. "OpenDuration") or
	// the parameter ("n") the error is about; "" when none.
	Field string
	// Message is the core's message, naming the field and the value; ""
	// for the rejections (KindCircuitOpen, KindRateLimited,
	// KindBulkheadFull), whose Error() is made from Kind and RetryAfter
	// when it is called, so that a refusal costs no string.
	Message string
	// Stage is the policy stage that rejected the call ("rate_limiter",
	// "circuit_breaker", "bulkhead"); "" for other errors.
	Stage string
	// RetryAfter is, for KindCircuitOpen and KindRateLimited, how long
	// until the call could be admitted.
	RetryAfter time.Duration

	cMessage string // the message as the C ABI wrote it
}

func (e *Error) Error() string {
	if e.Message != "" {
		return "seawall: " + e.Message
	}
	switch e.Kind {
	case KindCircuitOpen:
		return "seawall: circuit open; retry after " + e.RetryAfter.String()
	case KindRateLimited:
		return "seawall: rate limited; retry after " + e.RetryAfter.String()
	case KindBulkheadFull:
		return "seawall: bulkhead full"
	}
	return "seawall: " + e.Kind.String()
}

// Is reports whether target is e's Kind (errors.Is(err, ErrCircuitOpen)).
func (e *Error) Is(target error) bool {
	k, ok := target.(kindError)
	return ok && Kind(k) == e.Kind
}

// goFieldName turns a C field name into this package's spelling:
// "open_duration_ns" → "OpenDuration", "bucket.rate_per_sec" →
// "Bucket.RatePerSec". Parameters (lower-case, no config) stay as they are.
func goFieldName(c string) string {
	parts := strings.Split(c, ".")
	for i, p := range parts {
		p = strings.TrimSuffix(p, "_ns")
		var b strings.Builder
		for _, w := range strings.Split(p, "_") {
			if w == "" {
				continue
			}
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ".")
}

// fromC converts the error copied out by a capture.h wrapper; frees it.
func fromC(st C.int, e *C.sw_err) error {
	if st == C.SEAWALL_OK {
		return nil
	}
	err := &Error{Kind: Kind(st)}
	if e.message != nil {
		err.Message = C.GoString(e.message)
		err.cMessage = err.Message
		C.free(unsafe.Pointer(e.message))
		e.message = nil
	}
	if e.field != nil && *e.field != 0 {
		err.Field = C.GoString(e.field)
	}
	if e.stage != nil && *e.stage != 0 {
		err.Stage = stageName(e.stage)
	}
	err.RetryAfter = nsToDuration(uint64(e.retry_after_ns))
	if err.Kind == KindInvalidConfig && err.Field != "" {
		goName := goFieldName(err.Field)
		err.Message = strings.Replace(err.Message, err.Field, goName, 1)
		err.Field = goName
	}
	return err
}

// named re-spells err's field as this package's caller wrote it, where
// the C name is not the Go one by the usual rule: a parameter
// ("cache_ttl_ns" → "cacheTTL"), an initialism ("Url" → "URL"). pairs is
// from, to, from, to...; the first match is used.
func named(err error, pairs ...string) error {
	se, ok := err.(*Error)
	if !ok {
		return err
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		from, to := pairs[i], pairs[i+1]
		if se.Field != from {
			continue
		}
		se.Message = strings.Replace(se.Message, from, to, 1)
		se.Field = to
		break
	}
	return err
}

// stageName is a policy stage's wire name (a static C string), without a
// copy for the three stages that reject.
func stageName(c *C.char) string {
	for _, name := range [...]string{"circuit_breaker", "rate_limiter", "bulkhead"} {
		if cEquals(c, name) {
			return name
		}
	}
	return C.GoString(c)
}

// cEquals is whether the NUL-terminated c is s (read up to the first
// difference, never past c's NUL).
func cEquals(c *C.char, s string) bool {
	p := unsafe.Pointer(c)
	for i := 0; i < len(s); i++ {
		if *(*byte)(unsafe.Add(p, i)) != s[i] {
			return false
		}
	}
	return *(*byte)(unsafe.Add(p, len(s))) == 0
}

// invalidConfig is a config error found before calling C (a negative duration).
func invalidConfig(field, msg string) error {
	return &Error{Kind: KindInvalidConfig, Field: field, Message: "invalid config: " + field + " " + msg}
}

func invalidArgument(field, msg string) error {
	return &Error{Kind: KindInvalidArgument, Field: field, Message: "invalid argument: " + field + " " + msg}
}

func errClosed(what string) error {
	return &Error{Kind: KindNullArgument, Message: what + " is closed"}
}

// quote is s as a Go literal for a message, cut to its first 64 bytes.
func quote(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "…"
	}
	return strconv.Quote(s)
}

// durArg converts a duration argument; negative ones are an error naming it.
func durArg(d time.Duration, name string) (C.uint64_t, error) {
	if d < 0 {
		return 0, invalidArgument(name, "must be ≥ 0, got "+d.String())
	}
	return C.uint64_t(d), nil
}

// nsToDuration saturates at the largest Duration (~292 years).
func nsToDuration(ns uint64) time.Duration {
	if ns > uint64(1<<63-1) {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(ns)
}

// durNs converts a config duration; negative ones are an error naming field.
func durNs(d time.Duration, field string) (C.uint64_t, error) {
	if d < 0 {
		return 0, invalidConfig(field, "must be ≥ 0, got "+d.String())
	}
	return C.uint64_t(d), nil
}

// truthy reads a C bool field, declared bool or uint8_t.
func truthy(v any) bool {
	switch x := v.(type) {
	case C.bool:
		return bool(x)
	case C.uint8_t:
		return x != 0
	}
	panic("seawall: a C bool field of an unexpected type") // only if include/seawall.h changed incompatibly
}

// setFlag writes a C bool field, declared bool or uint8_t.
func setFlag(p any, v bool) {
	switch q := p.(type) {
	case *C.bool:
		*q = C.bool(v)
	case *C.uint8_t:
		if v {
			*q = 1
		} else {
			*q = 0
		}
	default:
		panic("seawall: a C bool field of an unexpected type") // only if include/seawall.h changed incompatibly
	}
}

// Version is the library version, e.g. "0.1.0".
func Version() string { return C.GoString(C.seawall_version()) }

// Ptr returns a pointer to v, for the optional config fields.
func Ptr[T any](v T) *T { return &v }
