package seawall

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"
)

// The header vectors (spec/vectors/headers), run through this package:
// a Go server sends the bytes the Rust, C, Python and Node runners check.
func TestHeaderVectors(t *testing.T) {
	raw, err := os.ReadFile("../spec/vectors/headers/headers.json")
	ok(t, err)
	var file struct {
		Scenarios []struct {
			Name   string
			Config struct {
				Name        *string
				Limit       uint64
				WindowNs    uint64 `json:"window_ns"`
				TokenBucket *struct {
					Burst      uint64
					RatePerSec float64 `json:"rate_per_sec"`
				} `json:"token_bucket"`
				SlidingWindow *struct {
					Limit    uint64
					WindowNs uint64 `json:"window_ns"`
					Buckets  uint32
				} `json:"sliding_window"`
			}
			ExpectError *struct{ Error, Field string } `json:"expect_error"`
			Steps       []struct {
				Op            string
				Allowed       bool
				Remaining, Ns uint64
				RetryAfterNs  uint64 `json:"retry_after_ns"`
				ResetAfterNs  uint64 `json:"reset_after_ns"`
				Expect        map[string]*string
			}
		}
	}
	ok(t, json.Unmarshal(raw, &file))
	ran := 0
	for _, sc := range file.Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			name := "default"
			if sc.Config.Name != nil {
				name = *sc.Config.Name
			}
			clock := newClock(t)
			var q *QuotaPolicy
			var try func() Decision
			switch c := sc.Config; {
			case c.TokenBucket != nil:
				cfg := TokenBucketConfig{Burst: c.TokenBucket.Burst, RatePerSec: c.TokenBucket.RatePerSec}
				q, err = QuotaPolicyOf(name, cfg)
				b := must(NewTokenBucket(cfg, WithClock(clock)))
				t.Cleanup(func() { b.Close() })
				try = func() Decision { return must(b.TryAcquire(1)) }
			case c.SlidingWindow != nil:
				cfg := SlidingWindowConfig{Limit: c.SlidingWindow.Limit, Window: time.Duration(c.SlidingWindow.WindowNs), Buckets: c.SlidingWindow.Buckets}
				q, err = QuotaPolicyOfWindow(name, cfg)
				w := must(NewSlidingWindow(cfg, WithClock(clock)))
				t.Cleanup(func() { w.Close() })
				try = func() Decision { return must(w.TryAcquire(1)) }
			default:
				q, err = NewQuotaPolicy(name, c.Limit, time.Duration(c.WindowNs))
			}
			if sc.ExpectError != nil {
				wantErr(t, err, kindNamed(t, sc.ExpectError.Error), sc.ExpectError.Field)
				return
			}
			ok(t, err)
			defer q.Close()
			for i, st := range sc.Steps {
				var d Decision
				switch st.Op {
				case "advance":
					ok(t, clock.Advance(time.Duration(st.Ns)))
					continue
				case "try_acquire":
					d = try()
				case "headers":
					d = Decision{st.Allowed, st.Remaining, time.Duration(st.RetryAfterNs), time.Duration(st.ResetAfterNs)}
				default:
					t.Fatalf("step %d: unknown op %q", i, st.Op)
				}
				h := http.Header{}
				h.Set("Retry-After", "stale") // a denial's header must not survive a grant
				ok(t, q.Headers(h, d))
				for k, want := range st.Expect {
					got, present := h[http.CanonicalHeaderKey(k)]
					switch {
					case want == nil && present:
						t.Fatalf("step %d: %s = %q, want none", i, k, got)
					case want != nil && (!present || got[0] != *want):
						t.Fatalf("step %d: %s = %q, want %q", i, k, got, *want)
					}
				}
			}
		})
		ran++
	}
	if ran < 7 {
		t.Fatalf("ran %d header scenarios; the vector file has more", ran)
	}
}

// kindNamed is the Kind whose wire name is name.
func kindNamed(t *testing.T, name string) Kind {
	for k := KindInvalidConfig; k <= KindSharedRegion; k++ {
		if k.String() == name {
			return k
		}
	}
	t.Fatalf("no kind named %q", name)
	return 0
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in    string
		want  time.Duration
		valid bool
	}{
		{"120", 120 * time.Second, true},
		{"1.5", 1500 * ms, true},
		{"Sat, 05 Dec 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 05 Dec 2026 11:00:00 GMT", 0, true},
		{"soon", 0, false},
		{"-1", 0, false},
		{"1\x002", 0, false},
	} {
		got, valid, err := ParseRetryAfter(c.in, now)
		ok(t, err)
		if got != c.want || valid != c.valid {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", c.in, got, valid, c.want, c.valid)
		}
	}
}
