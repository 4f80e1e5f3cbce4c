package seawall

/*
#include "capture.h"
extern void seawallGoEvent(void *user_data, seawall_event *event);
extern void seawallGoDestroy(void *user_data);
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"time"
	"unsafe"
)

// Registry names instances for export: one call renders every registered
// instance as Prometheus text (the families of spec/metrics.md, rendered by
// the core, the same in every language) or as the JSON health document.
// The zero value (and DefaultRegistry) is the process-wide default registry.
type Registry struct {
	p *C.seawall_registry
}

// DefaultRegistry is the process-wide default registry.
var DefaultRegistry = &Registry{}

// NewRegistry makes an empty registry whose families start with prefix +
// "_" ("" for "seawall"; a bad one is a *Error of kind KindInvalidArgument
// naming "prefix"). Free it with Close.
func NewRegistry(prefix string) (*Registry, error) {
	var cp *C.char
	if prefix != "" {
		cp = C.CString(prefix)
		defer C.free(unsafe.Pointer(cp))
	}
	var p *C.seawall_registry
	var e C.sw_err
	if err := fromC(C.sw_registry_new(cp, &p, &e), &e); err != nil {
		return nil, err
	}
	return &Registry{p: p}, nil
}

// Close frees a registry made by NewRegistry (the default one is never
// freed). Its registrations stay valid; closing them is then a no-op.
func (r *Registry) Close() error {
	if r.p != nil {
		C.seawall_registry_free(r.p)
		r.p = nil
	}
	return nil
}

// Label is one Prometheus label of a registered instance.
type Label struct{ Name, Value string }

// Registration keeps an instance in its registry; Close removes it. Close
// an instance's registrations when you close the instance.
type Registration struct {
	p *C.seawall_registration
}

// Close removes the instance from its registry; a second Close is a no-op.
func (g *Registration) Close() error {
	if g.p != nil {
		C.seawall_registration_free(g.p)
		g.p = nil
	}
	return nil
}

// Register names instance (a *CircuitBreaker, *TokenBucket,
// *SlidingWindow, *KeyedTokenBucket, *KeyedSlidingWindow, *Bulkhead,
// *RetryBudget, *AdaptiveTimeout, *FaultInjector or *Backoff) name, with
// labels. A bad or duplicate name is a *Error of kind KindInvalidArgument
// naming "name"; bad labels name "labels"; another type names "instance".
func (r *Registry) Register(name string, instance any, labels ...Label) (*Registration, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var cl *C.seawall_label
	if len(labels) > 0 {
		cl = (*C.seawall_label)(C.malloc(C.size_t(len(labels)) * C.size_t(unsafe.Sizeof(C.seawall_label{}))))
		defer C.free(unsafe.Pointer(cl))
		all := unsafe.Slice(cl, len(labels))
		for i, l := range labels {
			all[i].name = C.CString(l.Name)
			all[i].value = C.CString(l.Value)
			defer C.free(unsafe.Pointer(all[i].name))
			defer C.free(unsafe.Pointer(all[i].value))
		}
	}
	n := C.size_t(len(labels))
	var out *C.seawall_registration
	var e C.sw_err
	var st C.int
	switch h := instance.(type) {
	case *CircuitBreaker:
		st = C.sw_registry_register_circuit_breaker(r.p, h.p, cname, cl, n, &out, &e)
	case *TokenBucket:
		st = C.sw_registry_register_token_bucket(r.p, h.p, cname, cl, n, &out, &e)
	case *SlidingWindow:
		st = C.sw_registry_register_sliding_window(r.p, h.p, cname, cl, n, &out, &e)
	case *KeyedTokenBucket:
		st = C.sw_registry_register_keyed_token_bucket(r.p, h.p, cname, cl, n, &out, &e)
	case *KeyedSlidingWindow:
		st = C.sw_registry_register_keyed_sliding_window(r.p, h.p, cname, cl, n, &out, &e)
	case *Bulkhead:
		st = C.sw_registry_register_bulkhead(r.p, h.p, cname, cl, n, &out, &e)
	case *RetryBudget:
		st = C.sw_registry_register_retry_budget(r.p, h.p, cname, cl, n, &out, &e)
	case *AdaptiveTimeout:
		st = C.sw_registry_register_adaptive_timeout(r.p, h.p, cname, cl, n, &out, &e)
	case *FaultInjector:
		st = C.sw_registry_register_fault_injector(r.p, h.p, cname, cl, n, &out, &e)
	case *Backoff:
		st = C.sw_registry_register_backoff(r.p, h.p, cname, cl, n, &out, &e)
	default:
		return nil, invalidArgument("instance", fmt.Sprintf("must be a seawall primitive, got %T", instance))
	}
	if err := fromC(st, &e); err != nil {
		return nil, err
	}
	return &Registration{p: out}, nil
}

// readText calls a C function that writes text into a caller buffer: it
// answers a buffer too small (none, at first) with SEAWALL_INVALID_ARGUMENT
// naming "cap" and the length; then again with room for it (and again if
// the text grew in between).
func readText(f func(buf *C.char, cap C.size_t, n *C.size_t, e *C.sw_err) C.int) (string, error) {
	var buf *C.char
	var size C.size_t
	defer func() { C.free(unsafe.Pointer(buf)) }()
	for {
		var n C.size_t
		var e C.sw_err
		st := f(buf, size, &n, &e)
		err := fromC(st, &e)
		if err == nil {
			return C.GoStringN(buf, C.int(n)), nil
		}
		if se, isSe := err.(*Error); !isSe || se.Kind != KindInvalidArgument || se.Field != "cap" || n < size {
			return "", err
		}
		C.free(unsafe.Pointer(buf))
		size = n + 1
		buf = (*C.char)(C.malloc(size))
	}
}

// PrometheusText renders every registered instance (text format 0.0.4).
func (r *Registry) PrometheusText() (string, error) {
	return readText(func(buf *C.char, cap C.size_t, n *C.size_t, e *C.sw_err) C.int {
		return C.sw_registry_prometheus_text(r.p, buf, cap, n, e)
	})
}

// HealthJSON renders the health document of every registered instance
// (JSON; "status" is "degraded" while a breaker is not closed).
func (r *Registry) HealthJSON() (string, error) {
	return readText(func(buf *C.char, cap C.size_t, n *C.size_t, e *C.sw_err) C.int {
		return C.sw_registry_health_json(r.p, buf, cap, n, e)
	})
}

// EventKind is what an Event reports.
type EventKind uint32

// The event kinds (spec/metrics.md, "Events and logs").
const (
	EventTransition     EventKind = 1 // a registered breaker changed state
	EventRejected       EventKind = 2 // a breaker, limiter or bulkhead refused a call
	EventRetryScheduled EventKind = 3 // a retry run will try again after Delay
	EventGaveUp         EventKind = 4 // a retry run stopped (Reason)
	EventFallbackUsed   EventKind = 5 // a policy run handed the call to its fallback
	EventTimeout        EventKind = 6 // an attempt was cut off at Limit
	EventFaultInjected  EventKind = 7 // a fault injector injected Fault
)

// Event is one decision; the fields that do not apply to its Kind are zero.
type Event struct {
	Kind EventKind
	// Name is the refusing or transitioning instance's registered name
	// ("" when it is not registered, and for the run events).
	Name string
	// From and To: EventTransition.
	From, To CircuitState
	// By: EventRejected ("circuit_breaker", "rate_limiter", "bulkhead").
	By string
	// RetryAfter: EventRejected, when HasRetryAfter.
	HasRetryAfter bool
	RetryAfter    time.Duration
	// Key: EventRejected by a keyed limiter.
	Key []byte
	// Attempt: EventRetryScheduled (the attempt that failed, 1 = the first)
	// and EventGaveUp (the calls made).
	Attempt uint32
	// Reason: EventGaveUp ("not_retryable", "attempts", "elapsed",
	// "deadline", "budget").
	Reason string
	// Delay: EventRetryScheduled and EventFaultInjected (a delay fault).
	Delay time.Duration
	// Limit: EventTimeout.
	Limit time.Duration
	// Fault: EventFaultInjected ("error" or "delay").
	Fault string
}

// Subscribe calls fn for every event from now on, on the goroutine (thread)
// that made the decision, after it; several may run at once, so fn must be
// safe for concurrent use and short. It returns the subscription's id for
// Unsubscribe.
func Subscribe(fn func(Event)) (uint64, error) {
	if fn == nil {
		return 0, invalidArgument("fn", "must not be nil")
	}
	return subscribeWith(fn, func(ud unsafe.Pointer, id *C.uint64_t, e *C.sw_err) C.int {
		return C.sw_events_subscribe(C.seawall_event_fn(C.seawallGoEvent), ud, C.seawall_destroy_fn(C.seawallGoDestroy), id, e)
	})
}

// Unsubscribe stops a subscription; it reports whether id was subscribed.
func Unsubscribe(id uint64) (bool, error) {
	var removed C.bool
	var e C.sw_err
	if err := fromC(C.sw_events_unsubscribe(C.uint64_t(id), &removed, &e), &e); err != nil {
		return false, err
	}
	return bool(removed), nil
}

//export seawallGoEvent
func seawallGoEvent(userData unsafe.Pointer, ev *C.seawall_event) {
	fn := cgo.Handle(*(*C.uintptr_t)(userData)).Value().(func(Event))
	out := Event{Kind: EventKind(ev.kind)}
	if ev.name != nil {
		out.Name = C.GoString(ev.name)
	}
	switch out.Kind {
	case EventTransition:
		out.From, out.To = CircuitState(ev.from), CircuitState(ev.to)
	case EventRejected:
		out.By = C.GoString(ev.by)
		out.HasRetryAfter = ev.has_retry_after != 0
		out.RetryAfter = nsToDuration(uint64(ev.retry_after_ns))
		if ev.key != nil {
			out.Key = C.GoBytes(unsafe.Pointer(ev.key), C.int(ev.key_len))
		}
	case EventRetryScheduled:
		out.Attempt = uint32(ev.attempt)
		out.Delay = nsToDuration(uint64(ev.delay_ns))
	case EventGaveUp:
		out.Attempt = uint32(ev.attempt)
		out.Reason = C.GoString(C.seawall_give_up_reason_str(C.uint32_t(ev.reason)))
	case EventTimeout:
		out.Limit = nsToDuration(uint64(ev.limit_ns))
	case EventFaultInjected:
		out.Delay = nsToDuration(uint64(ev.delay_ns))
		if ev.fault == C.SEAWALL_FAULT_DELAY {
			out.Fault = "delay"
		} else {
			out.Fault = "error"
		}
	}
	fn(out)
}
