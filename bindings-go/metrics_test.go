package seawall

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRegistryExportsTheCoreFamilies(t *testing.T) {
	reg := must(NewRegistry(""))
	defer reg.Close()
	cb := must(NewCircuitBreaker(breakerConfig()))
	defer cb.Close()
	tbc := DefaultTokenBucketConfig()
	tbc.Burst, tbc.RatePerSec = 10, 100
	tb := must(NewTokenBucket(tbc))
	defer tb.Close()
	g1 := must(reg.Register("payments", cb, Label{"team", "billing"}))
	g2 := must(reg.Register("api", tb))
	must(tb.TryAcquire(1))

	text := must(reg.PrometheusText())
	for _, want := range []string{
		`seawall_circuit_breaker_state{name="payments",team="billing",state="closed"} 1`,
		`seawall_rate_limiter_calls_total{name="api",outcome="allowed"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Fatalf("missing %q in:\n%s", want, text)
		}
	}
	var health struct {
		Status string `json:"status"`
	}
	ok(t, json.Unmarshal([]byte(must(reg.HealthJSON())), &health))
	if health.Status != "ok" {
		t.Fatal(health.Status)
	}
	ok(t, cb.ForceOpen())
	ok(t, json.Unmarshal([]byte(must(reg.HealthJSON())), &health))
	if health.Status != "degraded" {
		t.Fatal(health.Status)
	}

	// Bad input: typed errors naming the parameter.
	_, err := reg.Register("payments", tb)
	wantErr(t, err, KindInvalidArgument, "name")
	_, err = reg.Register("x", tb, Label{"0bad", "v"})
	wantErr(t, err, KindInvalidArgument, "labels")
	_, err = reg.Register("y", "not a primitive")
	wantErr(t, err, KindInvalidArgument, "instance")
	_, err = NewRegistry("bad prefix")
	wantErr(t, err, KindInvalidArgument, "prefix")

	// Closing a registration removes the instance from the export.
	ok(t, g2.Close())
	ok(t, g2.Close())
	if strings.Contains(must(reg.PrometheusText()), `name="api"`) {
		t.Fatal("api still exported")
	}
	ok(t, g1.Close())
}

func TestSubscribeDeliversDecisionsUntilUnsubscribed(t *testing.T) {
	clock := must(NewManualClock(0))
	defer clock.Close()
	tbc := DefaultTokenBucketConfig()
	tbc.Burst, tbc.RatePerSec = 1, 1
	tb := must(NewTokenBucket(tbc, WithClock(clock)))
	defer tb.Close()
	reg := must(NewRegistry(""))
	defer reg.Close()
	g := must(reg.Register("partner-api", tb))
	defer g.Close()

	var mu sync.Mutex
	var seen []Event
	id := must(Subscribe(func(e Event) {
		mu.Lock()
		seen = append(seen, e)
		mu.Unlock()
	}))
	must(tb.TryAcquire(1))
	if d := must(tb.TryAcquire(1)); d.Allowed {
		t.Fatal("a second token")
	}
	removed := must(Unsubscribe(id))
	if !removed {
		t.Fatal("not subscribed")
	}
	must(tb.TryAcquire(1)) // refused, unheard
	if again := must(Unsubscribe(id)); again {
		t.Fatal("unsubscribed twice")
	}

	mu.Lock()
	defer mu.Unlock()
	// Other tests' instances are unregistered (name ""): only ours counts.
	var ours []Event
	for _, e := range seen {
		if e.Name == "partner-api" {
			ours = append(ours, e)
		}
	}
	if len(ours) != 1 {
		t.Fatalf("want one rejection, got %+v", ours)
	}
	e := ours[0]
	if e.Kind != EventRejected || e.By != "rate_limiter" || !e.HasRetryAfter || e.RetryAfter != time.Second {
		t.Fatalf("%+v", e)
	}
	_, err := Subscribe(nil)
	wantErr(t, err, KindInvalidArgument, "fn")
}
