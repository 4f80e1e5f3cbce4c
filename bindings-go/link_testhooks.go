//go:build seawall_testhooks

package seawall

// With -tags seawall_testhooks (make test-go): the library built with the
// C ABI's test hook (`make lib-c-test`), for the panic test.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: ${SRCDIR}/../target/hooks/release/libseawall.a -lpthread -ldl -lm
*/
import "C"
