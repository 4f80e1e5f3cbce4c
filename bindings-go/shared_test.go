package seawall

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// regionPath is a region file in the test's temp dir (a name with a "/"
// after its first character is a path, not a /dev/shm name).
func regionPath(t *testing.T) string { return filepath.Join(t.TempDir(), "region") }

func openRegion(t *testing.T, path string) *SharedRegion {
	r := must(OpenRegion(path, nil))
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRegionBreakerIsOneStateForTwoObjects(t *testing.T) {
	path := regionPath(t)
	a := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), InRegion(openRegion(t, path), "payments")))
	defer a.Close()
	b := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), InRegion(openRegion(t, path), "payments")))
	defer b.Close()
	other := must(NewCircuitBreaker(DefaultCircuitBreakerConfig(), InRegion(openRegion(t, path), "search")))
	defer other.Close()
	ok(t, a.ForceOpen())
	if s := must(b.State()); s != StateForcedOpen {
		t.Fatalf("b.State() = %v after a.ForceOpen(), want %v", s, StateForcedOpen)
	}
	if s := must(other.State()); s != StateClosed {
		t.Fatalf("a breaker under another name is %v, want closed", s)
	}
	if _, err := b.TryAcquire(); !isKind(err, KindCircuitOpen) {
		t.Fatalf("b.TryAcquire() = %v, want circuit_open", err)
	}
}

func TestRegionPrimitivesShareState(t *testing.T) {
	r := openRegion(t, regionPath(t))
	cfg := TokenBucketConfig{Burst: 3, RatePerSec: 0.001}
	a := must(NewTokenBucket(cfg, InRegion(r, "tb")))
	b := must(NewTokenBucket(cfg, InRegion(r, "tb")))
	defer a.Close()
	defer b.Close()
	granted := 0
	for i := 0; i < 4; i++ {
		for _, x := range []*TokenBucket{a, b} {
			if must(x.TryAcquire(1)).Allowed {
				granted++
			}
		}
	}
	if granted != 3 {
		t.Fatalf("two objects on one region bucket of burst 3 granted %d", granted)
	}

	kc := DefaultKeyedSlidingWindowConfig()
	kc.Window.Limit = 2
	k1 := must(NewKeyedSlidingWindow(kc, InRegion(r, "ksw")))
	k2 := must(NewKeyedSlidingWindow(kc, InRegion(r, "ksw")))
	defer k1.Close()
	defer k2.Close()
	must(k1.TryAcquire("u", 1))
	must(k2.TryAcquire("u", 1))
	if must(k1.TryAcquire("u", 1)).Allowed {
		t.Fatal("keyed window of limit 2 in a region granted a third call across two objects")
	}

	bc := DefaultBulkheadConfig()
	bc.MaxConcurrent = 1
	h1 := must(NewBulkhead(bc, InRegion(r, "bh")))
	h2 := must(NewBulkhead(bc, InRegion(r, "bh")))
	defer h1.Close()
	defer h2.Close()
	p := must(h1.TryAcquire())
	if _, err := h2.TryAcquire(); !isKind(err, KindBulkheadFull) {
		t.Fatalf("region bulkhead of 1 held by h1: h2.TryAcquire() = %v, want bulkhead_full", err)
	}
	p.Release()
	must(h2.TryAcquire()).Release()

	rb1 := must(NewRetryBudget(RetryBudgetConfig{MaxTokens: 2, TokenRatio: 0.1}, InRegion(r, "rb")))
	rb2 := must(NewRetryBudget(RetryBudgetConfig{MaxTokens: 2, TokenRatio: 0.1}, InRegion(r, "rb")))
	defer rb1.Close()
	defer rb2.Close()
	for i := 0; i < 5; i++ {
		ok(t, rb1.RecordFailure())
	}
	if err := rb2.TryRetry(); !isKind(err, KindRetryBudgetExhausted) {
		t.Fatalf("failures recorded through rb1 did not drain rb2's shared budget: %v", err)
	}
}

func TestRegionWithAManualClock(t *testing.T) {
	r := openRegion(t, regionPath(t))
	c := newClock(t)
	w := must(NewSlidingWindow(SlidingWindowConfig{Limit: 1, Window: 1000 * ms, Buckets: 10}, WithClock(c), InRegion(r, "w")))
	defer w.Close()
	if !must(w.TryAcquire(1)).Allowed || must(w.TryAcquire(1)).Allowed {
		t.Fatal("limit 1: want allowed then denied")
	}
	// A call counts until its whole bucket (100 ms) has left the window.
	ok(t, c.Advance(1099*ms))
	if must(w.TryAcquire(1)).Allowed {
		t.Fatal("1099 ms later the first call's bucket is still in the window: want denied")
	}
	ok(t, c.Advance(1*ms))
	if !must(w.TryAcquire(1)).Allowed {
		t.Fatal("the manual clock moved the window past the first call: want allowed")
	}
}

// The region's token bucket across real processes: this test binary run
// again (TestMain below dispatches on SEAWALL_GO_CHILD).
func TestRegionTokenBucketAcrossProcesses(t *testing.T) {
	path := regionPath(t)
	const burst, procs = 200, 4
	children := make([]*exec.Cmd, procs)
	outs := make([]strings.Builder, procs)
	for i := range children {
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), "SEAWALL_GO_CHILD=take", "SEAWALL_GO_REGION="+path, "SEAWALL_GO_BURST="+strconv.Itoa(burst))
		c.Stdout, c.Stderr = &outs[i], os.Stderr
		ok(t, c.Start())
		children[i] = c
	}
	total := 0
	for i, c := range children {
		ok(t, c.Wait())
		n, err := strconv.Atoi(strings.TrimSpace(outs[i].String()))
		ok(t, err)
		total += n
	}
	if total != burst {
		t.Fatalf("%d processes on one region bucket of burst %d were granted %d in all", procs, burst, total)
	}
}

// childTake takes tokens (at a rate that refills none during the test)
// until a long run of denials, and prints how many it was granted.
func childTake() {
	r := must(OpenRegion(os.Getenv("SEAWALL_GO_REGION"), nil))
	burst := must(strconv.ParseUint(os.Getenv("SEAWALL_GO_BURST"), 10, 64))
	b := must(NewTokenBucket(TokenBucketConfig{Burst: burst, RatePerSec: 1e-6 * float64(burst)}, InRegion(r, "shared")))
	granted := 0
	for denied := 0; denied < 20000; {
		if must(b.TryAcquire(1)).Allowed {
			granted++
			denied = 0
		} else {
			denied++
		}
	}
	fmt.Println(granted)
}

func TestMain(m *testing.M) {
	switch os.Getenv("SEAWALL_GO_CHILD") {
	case "take":
		childTake()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestRegionBadInput(t *testing.T) {
	path := regionPath(t)
	r := openRegion(t, path)
	_, err := NewTokenBucket(DefaultTokenBucketConfig(), InRegion(nil, "x"))
	wantErr(t, err, KindInvalidArgument, "region")
	_, err = NewTokenBucket(DefaultTokenBucketConfig(), InRegion(r, "a\x00b"))
	wantErr(t, err, KindInvalidArgument, "name")
	_, err = NewTokenBucket(DefaultTokenBucketConfig(), InRegion(r, ""))
	wantErr(t, err, KindInvalidArgument, "name")
	_, err = NewBackoff(DefaultBackoffConfig(), InRegion(r, "b"))
	se := wantErr(t, err, KindInvalidArgument, "region")
	if !strings.Contains(se.Message, "Backoff") {
		t.Fatalf("message %q does not name the Backoff", se.Message)
	}
	_, err = NewRetryBudget(DefaultRetryBudgetConfig(), WithClock(newClock(t)))
	wantErr(t, err, KindInvalidArgument, "clock")
	_, err = OpenRegion("", nil)
	wantErr(t, err, KindInvalidArgument, "name")
	_, err = OpenRegion(filepath.Join(t.TempDir(), "r2"), &RegionConfig{Slots: 0, Size: DefaultRegionConfig().Size})
	wantErr(t, err, KindInvalidConfig, "Slots")
	_, err = OpenRegion(filepath.Join(t.TempDir(), "r3"), &RegionConfig{Slots: 16, Size: 1})
	wantErr(t, err, KindInvalidConfig, "Size")
	// The same name with another config is refused, naming the field.
	must(NewTokenBucket(TokenBucketConfig{Burst: 5, RatePerSec: 1}, InRegion(r, "cfg"))).Close()
	_, err = NewTokenBucket(TokenBucketConfig{Burst: 6, RatePerSec: 1}, InRegion(r, "cfg"))
	wantErr(t, err, KindInvalidConfig, "Burst")
	// A queue cannot be shared between processes.
	bc := DefaultBulkheadConfig()
	bc.MaxQueue = 1
	_, err = NewBulkhead(bc, InRegion(r, "q"))
	wantErr(t, err, KindInvalidConfig, "MaxQueue")
	// Not a region file.
	junk := filepath.Join(t.TempDir(), "junk")
	ok(t, os.WriteFile(junk, []byte(strings.Repeat("x", 4096)), 0o600))
	_, err = OpenRegion(junk, nil)
	if !isKind(err, KindSharedRegion) {
		t.Fatalf("OpenRegion(a file of x's) = %v, want shared_region", err)
	}
	ok(t, RemoveRegion(path))
	ok(t, RemoveRegion(path)) // a missing file is no error
}
