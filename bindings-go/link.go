//go:build !seawall_testhooks

package seawall

// The static release library, built by `make lib-c` at the repository root.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: ${SRCDIR}/../target/release/libseawall.a -lpthread -ldl -lm
*/
import "C"
