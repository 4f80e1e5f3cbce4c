package main

import (
	"testing"

	"github.com/seawall-rs/seawall/bindings-go"
)

// Every third attempt fails with a retryable 503 and is retried at once,
// so every call succeeds and the breaker (50% threshold) stays closed.
func TestRun(t *testing.T) {
	ok, state, err := run()
	if err != nil {
		t.Fatal(err)
	}
	if ok != 20 || state != seawall.StateClosed {
		t.Fatalf("%d ok, breaker %s", ok, state)
	}
}
