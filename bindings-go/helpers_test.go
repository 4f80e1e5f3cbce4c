package seawall

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// must returns v, or panics (failing the test) on a setup error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newClock(t testing.TB) *ManualClock {
	c := must(NewManualClock(0))
	t.Cleanup(func() { c.Close() })
	return c
}

// wantErr checks kind (errors.Is and the field), field and that the message names it.
func wantErr(t testing.TB, err error, kind Kind, field string) *Error {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("want a *seawall.Error of kind %v, got %#v", kind, err)
	}
	if !errors.Is(err, kind.Err()) || se.Kind != kind {
		t.Fatalf("want kind %v, got %v (%v)", kind, se.Kind, err)
	}
	if se.Field != field {
		t.Fatalf("want field %q, got %q (%v)", field, se.Field, err)
	}
	if field != "" && !strings.Contains(se.Message, field) {
		t.Fatalf("message %q does not name %q", se.Message, field)
	}
	return se
}

const ms = time.Millisecond

// isKind is errors.Is(err, k.Err()).
func isKind(err error, k Kind) bool { return errors.Is(err, k.Err()) }
