package main

import (
	"strings"
	"testing"
)

func TestScenario(t *testing.T) {
	if err := Scenario(); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidConfigNamesTheField(t *testing.T) {
	clock, err := NewClock(0)
	if err != nil {
		t.Fatal(err)
	}
	defer clock.Free()
	_, err = NewBreaker(0, sec, clock)
	e, ok := err.(*Error)
	if !ok || e.Name != "invalid_config" || e.Field != "failure_count_threshold" ||
		!strings.Contains(e.Message, "failure_count_threshold") {
		t.Fatalf("got %v", err)
	}
}

func TestPanicIsAStatus(t *testing.T) {
	if st := testPanic(); st != "panic" {
		t.Fatalf("got %s", st)
	}
}
