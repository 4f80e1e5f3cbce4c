package main

/*
#include <stdlib.h>
#include <seawall.h>
extern void goTransition(void *user_data, seawall_circuit_state from, seawall_circuit_state to, uint64_t at_ns);
*/
import "C"

import (
	"runtime/cgo"
	"sync"
	"unsafe"
)

// TransitionLog collects a breaker's transitions as "from->to".
type TransitionLog struct {
	mu   sync.Mutex
	list []string
}

func (l *TransitionLog) Transitions() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}

// goTransition is the C listener: it runs on the thread that made the
// transition (possibly several at once), so it only locks and appends.
//
//export goTransition
func goTransition(userData unsafe.Pointer, from C.seawall_circuit_state, to C.seawall_circuit_state, atNs C.uint64_t) {
	_ = atNs
	l := cgo.Handle(*(*uintptr)(userData)).Value().(*TransitionLog)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, C.GoString(C.seawall_circuit_state_str(C.int(from)))+"->"+
		C.GoString(C.seawall_circuit_state_str(C.int(to))))
}

// OnTransition registers a Go listener; the returned func removes it.
// user_data is C memory holding a cgo.Handle, valid until removal.
func (b *Breaker) OnTransition(l *TransitionLog) (func(), error) {
	h := cgo.NewHandle(l)
	ud := (*C.uintptr_t)(C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0)))))
	*ud = C.uintptr_t(h)
	var id C.uint64_t
	err := call(func() C.enum_seawall_status {
		return C.seawall_circuit_breaker_on_transition(b.p, C.seawall_transition_fn(C.goTransition), unsafe.Pointer(ud), nil, &id)
	})
	if err != nil {
		C.free(unsafe.Pointer(ud))
		h.Delete()
		return nil, err
	}
	return func() {
		var removed C.bool
		C.seawall_circuit_breaker_remove_listener(b.p, id, &removed)
		C.free(unsafe.Pointer(ud))
		h.Delete()
	}, nil
}
