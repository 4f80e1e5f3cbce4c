package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -DSEAWALL_TEST_HOOKS
#include <seawall.h>
*/
import "C"

// Status numbers from seawall.h.
const (
	SeawallOK            = int(C.SEAWALL_OK)
	SeawallInvalidConfig = int(C.SEAWALL_INVALID_CONFIG)
	SeawallCircuitOpen   = int(C.SEAWALL_CIRCUIT_OPEN)
	SeawallBulkheadFull  = int(C.SEAWALL_BULKHEAD_FULL)
)

// testPanic calls the test hook that panics inside seawall.
func testPanic() string {
	return C.GoString(C.seawall_status_str(C.int(C.seawall_test_panic())))
}
