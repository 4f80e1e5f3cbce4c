//go:build seawall_testhooks

package seawall

import (
	"errors"
	"testing"
)

func TestAPanicInsideSeawallIsAnError(t *testing.T) {
	err := testPanic()
	if !errors.Is(err, ErrPanic) {
		t.Fatalf("got %#v", err)
	}
}
