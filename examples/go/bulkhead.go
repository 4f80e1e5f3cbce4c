package main

/*
#include <seawall.h>
*/
import "C"

import "fmt"

// Bulkhead limits concurrent calls.
type Bulkhead struct{ p *C.seawall_bulkhead }

// Permit is one slot; Release gives it back.
type Permit struct{ p *C.seawall_bulkhead_permit }

func NewBulkhead(maxConcurrent uint64, clock *Clock) (*Bulkhead, error) {
	cfg := C.seawall_bulkhead_config_default()
	cfg.max_concurrent = C.uint64_t(maxConcurrent)
	b := &Bulkhead{}
	err := call(func() C.enum_seawall_status { return C.seawall_bulkhead_new_with_clock(&cfg, clock.p, &b.p) })
	return b, err
}

// TryAcquire returns a permit, or an *Error with status SEAWALL_BULKHEAD_FULL.
func (b *Bulkhead) TryAcquire() (*Permit, error) {
	p := &Permit{}
	err := call(func() C.enum_seawall_status { return C.seawall_bulkhead_try_acquire(b.p, &p.p) })
	return p, err
}

// Active is the number of slots held now.
func (b *Bulkhead) Active() (uint64, error) {
	var m C.seawall_bulkhead_metrics
	err := call(func() C.enum_seawall_status { return C.seawall_bulkhead_get_metrics(b.p, &m) })
	return uint64(m.active), err
}

func (p *Permit) Release() { C.seawall_bulkhead_release(&p.p) }
func (b *Bulkhead) Free()  { C.seawall_bulkhead_free(b.p); b.p = nil }

// bulkheadScenario: two slots; a third call is rejected until one is released.
func bulkheadScenario(clock *Clock) error {
	bh, err := NewBulkhead(2, clock)
	if err != nil {
		return err
	}
	defer bh.Free()
	p1, err := bh.TryAcquire()
	if err != nil {
		return err
	}
	p2, err := bh.TryAcquire()
	if err != nil {
		return err
	}
	if _, err := bh.TryAcquire(); Status(err) != SeawallBulkheadFull {
		return fmt.Errorf("third acquire: want bulkhead_full, got %v", err)
	}
	p1.Release()
	p3, err := bh.TryAcquire()
	if err != nil {
		return fmt.Errorf("after a release: %v", err)
	}
	if n, _ := bh.Active(); n != 2 {
		return fmt.Errorf("active %d, want 2", n)
	}
	p2.Release()
	p3.Release()
	if n, _ := bh.Active(); n != 0 {
		return fmt.Errorf("active %d, want 0", n)
	}
	return nil
}
