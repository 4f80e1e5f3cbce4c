//go:build seawall_testhooks

package seawall

// The C ABI's test hook (a panic inside seawall, caught at the boundary),
// reachable from this package's tests only.

/*
#cgo CFLAGS: -DSEAWALL_TEST_HOOKS
#include "capture.h"
static inline int sw_test_panic(sw_err *e) { return sw_capture((int)seawall_test_panic(), e); }
*/
import "C"

func testPanic() error {
	var e C.sw_err
	return fromC(C.sw_test_panic(&e), &e)
}
