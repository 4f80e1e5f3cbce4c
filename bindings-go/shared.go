package seawall

/*
#include "capture.h"
*/
import "C"

import (
	"unsafe"
)

// RegionConfig sizes a shared-memory region; it is used only by the
// process that creates the region's file. Start from DefaultRegionConfig.
type RegionConfig struct {
	Slots uint32 // named primitives the region can hold
	Size  uint64 // bytes of the file (pages cost memory only once touched)
}

// DefaultRegionConfig is the core's default (256 slots, 64 MiB).
func DefaultRegionConfig() RegionConfig {
	var c C.seawall_region_config
	var e C.sw_err
	// Cannot fail: the size is this package's own sizeof.
	_ = fromC(C.sw_region_config_init(&c, C.size_t(unsafe.Sizeof(c)), &e), &e)
	return RegionConfig{Slots: uint32(c.slots), Size: uint64(c.size)}
}

// SharedRegion is a shared-memory region (spec/shared_memory.md): a file
// that every process opening the same name maps, so primitives built in
// it with InRegion share their state across processes, in any language
// (Python's SharedRegion, Node's SharedRegion, C's seawall_region_open).
type SharedRegion struct {
	p    *C.seawall_region
	name string
}

// OpenRegion opens the region name, creating it (mode 0600) if it does
// not exist. A name with no "/" after its first character is a file in
// /dev/shm ("/payments" is /dev/shm/payments); anything else is a path.
// cfg (nil: the defaults) is used only to create the file.
func OpenRegion(name string, cfg *RegionConfig) (*SharedRegion, error) {
	cname, err := cString(name, "name")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	var cc *C.seawall_region_config
	if cfg != nil {
		var c C.seawall_region_config
		var e C.sw_err
		_ = fromC(C.sw_region_config_init(&c, C.size_t(unsafe.Sizeof(c)), &e), &e)
		c.slots = C.uint32_t(cfg.Slots)
		c.size = C.uint64_t(cfg.Size)
		cc = &c
	}
	var p *C.seawall_region
	var e C.sw_err
	if err := fromC(C.sw_region_open(cname, cc, &p, &e), &e); err != nil {
		return nil, err
	}
	return &SharedRegion{p: p, name: name}, nil
}

// RemoveRegion deletes the region file name. Processes that have it open
// keep their mapping; the next open creates a new region. A missing file
// is not an error.
func RemoveRegion(name string) error {
	cname, err := cString(name, "name")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	var e C.sw_err
	return fromC(C.sw_region_remove(cname, &e), &e)
}

// Name is the name the region was opened with.
func (r *SharedRegion) Name() string { return r.name }

// Close frees this handle; primitives built in the region keep the
// mapping alive on their own.
func (r *SharedRegion) Close() error { C.seawall_region_free(r.p); r.p = nil; return nil }

// InRegion builds the primitive in region under name: every process
// (and every object of this one) that builds a primitive of the same kind
// and config under that name in that region shares one state. Breakers,
// token buckets, sliding windows, keyed limiters, bulkheads (without a
// queue) and retry budgets can live in a region; other constructors
// refuse the option.
func InRegion(region *SharedRegion, name string) Option {
	return func(o *options) { o.region, o.regionName, o.hasRegion = region, name, true }
}

// placeOf reads the options of a primitive that can live in a region:
// its clock, and its region and slot name (nil when on the heap). Free
// the name with C.free when it is not nil.
func placeOf(opts []Option) (clock *C.seawall_manual_clock, region *C.seawall_region, name *C.char, err error) {
	o := optionsOf(opts)
	if clock, err = o.clockPtr(); err != nil {
		return nil, nil, nil, err
	}
	if !o.hasRegion {
		return clock, nil, nil, nil
	}
	if o.region == nil || o.region.p == nil {
		return nil, nil, nil, invalidArgument("region", "is nil or closed")
	}
	if name, err = cString(o.regionName, "name"); err != nil {
		return nil, nil, nil, err
	}
	return clock, o.region.p, name, nil
}

// cString copies s for C; a NUL inside it is an error naming param.
func cString(s, param string) (*C.char, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return nil, invalidArgument(param, "contains a NUL byte: "+quote(s))
		}
	}
	return C.CString(s), nil
}
