package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"context"
	"time"
	"unsafe"
)

// BulkheadConfig configures a bulkhead; start from DefaultBulkheadConfig.
type BulkheadConfig struct {
	MaxConcurrent uint64        // calls in flight at once
	MaxQueue      uint64        // callers allowed to wait (FIFO); 0 = nobody waits
	MaxWait       time.Duration // the wait of AcquireDefault
}

// DefaultBulkheadConfig is the core's default config.
func DefaultBulkheadConfig() BulkheadConfig {
	c := C.seawall_bulkhead_config_default()
	return BulkheadConfig{uint64(c.max_concurrent), uint64(c.max_queue), nsToDuration(uint64(c.max_wait_ns))}
}

// Bulkhead limits concurrent calls.
type Bulkhead struct {
	p *C.seawall_bulkhead
}

// NewBulkhead makes a bulkhead from cfg.
func NewBulkhead(cfg BulkheadConfig, opts ...Option) (*Bulkhead, error) {
	c := C.seawall_bulkhead_config_default()
	c.max_concurrent = C.uint64_t(cfg.MaxConcurrent)
	c.max_queue = C.uint64_t(cfg.MaxQueue)
	var err error
	if c.max_wait_ns, err = durNs(cfg.MaxWait, "MaxWait"); err != nil {
		return nil, err
	}
	clock, region, rname, err := placeOf(opts)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(rname))
	var p *C.seawall_bulkhead
	var e C.sw_err
	if err := fromC(C.sw_bulkhead_new_in(&c, clock, region, rname, &p, &e), &e); err != nil {
		return nil, err
	}
	b := &Bulkhead{}
	b.p = p
	return b, nil
}

// BulkheadPermit is one slot; Release gives it back (once; later calls are no-ops).
type BulkheadPermit struct {
	p *C.seawall_bulkhead_permit
}

func permitOf(p *C.seawall_bulkhead_permit) *BulkheadPermit {
	bp := &BulkheadPermit{}
	bp.p = p
	return bp
}

// Release gives the slot back, to the oldest waiter if anyone waits.
func (p *BulkheadPermit) Release() { C.sw_bulkhead_release(p.p); p.p = nil }

// TryAcquire takes a slot if one is free and nobody waits; never blocks.
// A full bulkhead is a *Error of kind KindBulkheadFull.
func (b *Bulkhead) TryAcquire() (*BulkheadPermit, error) {
	var p *C.seawall_bulkhead_permit
	var e C.sw_err
	if err := fromC(C.sw_bulkhead_try_acquire(b.p, &p, &e), &e); err != nil {
		return nil, err
	}
	return permitOf(p), nil
}

// AcquireTimeout takes a slot, blocking up to timeout in the FIFO queue
// (measured on the bulkhead's clock).
func (b *Bulkhead) AcquireTimeout(timeout time.Duration) (*BulkheadPermit, error) {
	if timeout < 0 {
		return nil, invalidArgument("timeout", "must be ≥ 0, got "+timeout.String())
	}
	var p *C.seawall_bulkhead_permit
	var e C.sw_err
	if err := fromC(C.sw_bulkhead_acquire(b.p, C.uint64_t(timeout), &p, &e), &e); err != nil {
		return nil, err
	}
	return permitOf(p), nil
}

// Acquire takes a slot, waiting in the FIFO queue until one is handed over
// or ctx is done (then it leaves the queue and returns ctx.Err()). A full
// queue (or MaxQueue 0) is KindBulkheadFull at once. The wait does not block
// an OS thread: it polls its place in the queue, a few hundred times a second.
func (b *Bulkhead) Acquire(ctx context.Context) (*BulkheadPermit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var p *C.seawall_bulkhead_permit
	var w *C.seawall_bulkhead_waiter
	var e C.sw_err
	if err := fromC(C.sw_bulkhead_enqueue(b.p, &p, &w, &e), &e); err != nil {
		return nil, err
	}
	if p != nil {
		return permitOf(p), nil
	}
	defer C.seawall_bulkhead_waiter_free(w) // leaves the queue if still waiting
	poll := 50 * time.Microsecond
	t := time.NewTimer(poll)
	defer t.Stop()
	for {
		if err := fromC(C.sw_bulkhead_waiter_try_claim(w, &p, &e), &e); err != nil {
			return nil, err
		}
		if p != nil {
			return permitOf(p), nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
		if poll < 5*time.Millisecond {
			poll *= 2
		}
		t.Reset(poll)
	}
}

// BulkheadMetrics is a snapshot of a bulkhead's counters.
type BulkheadMetrics struct {
	Active, Queued, Total, Rejected, MaxConcurrent, MaxQueue uint64
}

// Metrics is a snapshot of the counters.
func (b *Bulkhead) Metrics() (BulkheadMetrics, error) {
	var m C.seawall_bulkhead_metrics
	m.struct_size = C.uint32_t(unsafe.Sizeof(m))
	var e C.sw_err
	if err := fromC(C.sw_bulkhead_get_metrics(b.p, &m, &e), &e); err != nil {
		return BulkheadMetrics{}, err
	}
	return BulkheadMetrics{uint64(m.active), uint64(m.queued), uint64(m.total), uint64(m.rejected),
		uint64(m.max_concurrent), uint64(m.max_queue)}, nil
}

// Close frees the bulkhead handle; permits still held stay valid.
func (b *Bulkhead) Close() error { C.seawall_bulkhead_free(b.p); b.p = nil; return nil }
