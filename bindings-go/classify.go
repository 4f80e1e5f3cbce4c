package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// RetryableKind is a transient transport failure worth retrying by default.
type RetryableKind uint32

const (
	RetryableNone               RetryableKind = 0 // not retryable / not listed
	RetryableConnectionReset    RetryableKind = 1
	RetryableTimedOut           RetryableKind = 2
	RetryableConnectionRefused  RetryableKind = 3
	RetryableNetworkError       RetryableKind = 4
	RetryableServiceUnavailable RetryableKind = 5
)

// String is the wire name ("timed_out"); "unknown" for RetryableNone.
func (k RetryableKind) String() string {
	s := C.seawall_retryable_kind_str(C.uint32_t(k))
	if s == nil {
		return "unknown"
	}
	return C.GoString(s)
}

// IsRetryableStatus reports whether an HTTP status is retried by default
// (408, 429, 500, 502, 503, 504).
func IsRetryableStatus(status int) bool {
	if status < 0 || status > 1<<31 {
		return false
	}
	return C.sw_is_retryable_status(C.uint32_t(status)) != 0
}

// RetryableStatuses is the sorted list of retryable HTTP statuses.
func RetryableStatuses() []int {
	var p *C.uint16_t
	var n C.size_t
	if C.seawall_retryable_statuses(&p, &n) != C.SEAWALL_OK {
		return nil
	}
	out := make([]int, 0, int(n))
	for _, s := range unsafe.Slice((*uint16)(unsafe.Pointer(p)), int(n)) {
		out = append(out, int(s))
	}
	return out
}

// ParseRetryableKind parses a kind's wire name; unknown names give RetryableNone.
func ParseRetryableKind(name string) (RetryableKind, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var k C.seawall_retryable_kind
	var e C.sw_err
	if err := fromC(C.sw_retryable_kind_parse(cs, &k, &e), &e); err != nil {
		return RetryableNone, err
	}
	return RetryableKind(k), nil
}

// KindForCode maps an error code (POSIX errno name such as "ECONNRESET",
// a gRPC status name such as "UNAVAILABLE") to the kind it means;
// RetryableNone when the code is not listed.
func KindForCode(code string) (RetryableKind, error) {
	cs := C.CString(code)
	defer C.free(unsafe.Pointer(cs))
	var k C.seawall_retryable_kind
	var e C.sw_err
	if err := fromC(C.sw_retryable_kind_for_code(cs, &k, &e), &e); err != nil {
		return RetryableNone, err
	}
	return RetryableKind(k), nil
}

// Interfaces an error may implement to be classified (anywhere in its chain).
type (
	// HTTPStatusError carries an HTTP status (classified by IsRetryableStatus).
	HTTPStatusError interface{ HTTPStatus() int }
	// CodeError carries an error code (errno or gRPC name; classified by KindForCode).
	CodeError interface{ Code() string }
	// RetryAfterError carries a server's Retry-After hint, honoured by the backoff.
	RetryAfterError interface{ RetryAfter() time.Duration }
)

// errnoNames names the errnos Go reports as syscall.Errno, for KindForCode
// (Go has no portable errno-to-name function). Which names are retryable
// is core's table; this only spells the Go values.
var errnoNames = map[syscall.Errno]string{
	syscall.ECONNRESET: "ECONNRESET", syscall.EPIPE: "EPIPE", syscall.ECONNABORTED: "ECONNABORTED",
	syscall.ETIMEDOUT: "ETIMEDOUT", syscall.ECONNREFUSED: "ECONNREFUSED", syscall.ENETUNREACH: "ENETUNREACH",
	syscall.EHOSTUNREACH: "EHOSTUNREACH", syscall.ENETDOWN: "ENETDOWN", syscall.ENETRESET: "ENETRESET",
	syscall.EHOSTDOWN: "EHOSTDOWN",
}

// RetryableKindOf classifies a Go error by core's tables: a CodeError's code,
// a syscall.Errno's name, and a timeout (context.DeadlineExceeded,
// os.ErrDeadlineExceeded, a net.Error with Timeout()) as "ETIMEDOUT".
// seawall's own rejections (circuit open, rate limited, ...) are not retryable.
func RetryableKindOf(err error) RetryableKind {
	if err == nil {
		return RetryableNone
	}
	var se *Error
	if errors.As(err, &se) {
		return RetryableNone
	}
	var ce CodeError
	if errors.As(err, &ce) {
		if k, e := KindForCode(ce.Code()); e == nil && k != RetryableNone {
			return k
		}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			if k, e := KindForCode(name); e == nil {
				return k
			}
		}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		if k, e := KindForCode("ETIMEDOUT"); e == nil {
			return k
		}
	}
	return RetryableNone
}

// IsRetryable is the default answer to "is this failure worth retrying?",
// core's rule over the cause chain (spec/classify.md): the first error on
// the chain that is a seawall *Error (ErrRateLimited, ErrTimeout and
// ErrInjectedFault are retried, other kinds are not), carries a transport
// kind (RetryableKindOf) or an HTTP status (IsRetryableStatus) decides.
// Whether repeating the call is safe (idempotency) is the caller's choice.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	v, _ := verdictOf(err)
	return v.retryable
}
