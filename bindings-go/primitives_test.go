package seawall

import (
	"context"
	"errors"
	"net"
	"reflect"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestManualClock(t *testing.T) {
	c := must(NewManualClock(5 * time.Second))
	defer c.Close()
	ok(t, c.Advance(2*time.Second))
	if now := must(c.Now()); now != 7*time.Second {
		t.Fatal(now)
	}
	ok(t, c.Set(time.Second))
	if now := must(c.Now()); now != time.Second {
		t.Fatal(now)
	}
	wantErr(t, c.Advance(-1), KindInvalidArgument, "d")
	if MonotonicNow() <= 0 {
		t.Fatal("monotonic clock")
	}
}

func breakerConfig() CircuitBreakerConfig {
	c := DefaultCircuitBreakerConfig()
	c.FailureRateThreshold = nil
	c.SlowCallRateThreshold = nil
	c.FailureCountThreshold = Ptr(uint64(2))
	c.OpenDuration = 10 * time.Second
	c.HalfOpenMaxCalls = 1
	c.SuccessThreshold = 1
	return c
}

func TestCircuitBreakerTripsProbesAndCloses(t *testing.T) {
	clock := newClock(t)
	cb := must(NewCircuitBreaker(breakerConfig(), WithClock(clock)))
	defer cb.Close()
	var mu sync.Mutex
	var seen []string
	id := must(cb.OnTransition(func(tr Transition) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, tr.From.String()+"->"+tr.To.String())
	}))
	for i := 0; i < 2; i++ {
		p := must(cb.TryAcquire())
		ok(t, cb.Record(&p, Failure, ms))
	}
	if s := must(cb.State()); s != StateOpen {
		t.Fatalf("state %v", s)
	}
	_, err := cb.TryAcquire()
	se := wantErr(t, err, KindCircuitOpen, "")
	if se.RetryAfter != 10*time.Second {
		t.Fatalf("retry after %v", se.RetryAfter)
	}
	ok(t, clock.Advance(10*time.Second))
	probe := must(cb.TryAcquire())
	if !probe.IsProbe() {
		t.Fatal("want a half-open probe")
	}
	ok(t, cb.Record(&probe, Success, ms))
	m := must(cb.Metrics())
	if m.State != StateClosed || m.Failures != 2 || m.Successes != 1 || m.Rejected != 1 || m.Transitions != 3 {
		t.Fatalf("metrics %+v", m)
	}
	mu.Lock()
	want := []string{"closed->open", "open->half_open", "half_open->closed"}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("transitions %v", seen)
	}
	mu.Unlock()
	if removed := must(cb.RemoveListener(id)); !removed {
		t.Fatal("listener not removed")
	}
	if removed := must(cb.RemoveListener(id)); removed {
		t.Fatal("removed twice")
	}
	ok(t, cb.ForceOpen())
	mu.Lock()
	n := len(seen)
	mu.Unlock()
	if n != 3 {
		t.Fatal("a removed listener was called")
	}
}

func TestCircuitBreakerManualStates(t *testing.T) {
	cb := must(NewCircuitBreaker(breakerConfig(), WithClock(newClock(t))))
	defer cb.Close()
	ok(t, cb.ForceOpen())
	_, err := cb.TryAcquire()
	wantErr(t, err, KindCircuitOpen, "")
	ok(t, cb.Disable())
	p := must(cb.TryAcquire())
	ok(t, cb.Release(&p))
	ok(t, cb.MetricsOnly())
	for i := 0; i < 5; i++ {
		p := must(cb.TryAcquire())
		ok(t, cb.Record(&p, Failure, ms))
	}
	if s := must(cb.State()); s != StateMetricsOnly {
		t.Fatal(s)
	}
	ok(t, cb.Reset())
	if s := must(cb.State()); s != StateClosed {
		t.Fatal(s)
	}
	p = must(cb.TryAcquire())
	wantErr(t, cb.Record(&p, Outcome(9), 0), KindInvalidArgument, "outcome")
	if p == 0 {
		t.Fatal("an unknown outcome leaves the permit live")
	}
	ok(t, cb.Record(&p, Success, 0))
	if p != 0 {
		t.Fatal("a recorded permit is set to 0")
	}
	wantErr(t, cb.Record(&p, Success, 0), KindInvalidArgument, "permit")
	ok(t, cb.Release(&p)) // releasing a finished permit does nothing
}

func TestTokenBucket(t *testing.T) {
	clock := newClock(t)
	tb := must(NewTokenBucket(TokenBucketConfig{Burst: 2, RatePerSec: 1}, WithClock(clock)))
	defer tb.Close()
	for i := 0; i < 2; i++ {
		if d := must(tb.TryAcquire(1)); !d.Allowed {
			t.Fatalf("call %d denied", i)
		}
	}
	d := must(tb.TryAcquire(1))
	if d.Allowed || d.RetryAfter != time.Second || d.Remaining != 0 {
		t.Fatalf("third: %+v", d)
	}
	if p := must(tb.Peek(1)); p.Allowed {
		t.Fatal("peek")
	}
	ok(t, tb.Refund(1))
	if d := must(tb.TryAcquire(1)); !d.Allowed {
		t.Fatal("after refund")
	}
	ok(t, clock.Advance(time.Second))
	if d := must(tb.TryAcquire(1)); !d.Allowed {
		t.Fatal("after a second")
	}
	m := must(tb.Metrics())
	if m.Burst != 2 || m.Allowed != 4 || m.Denied != 1 || m.EmissionInterval != time.Second {
		t.Fatalf("%+v", m)
	}
}

func TestSlidingWindow(t *testing.T) {
	clock := newClock(t)
	sw := must(NewSlidingWindow(SlidingWindowConfig{Limit: 2, Window: time.Second, Buckets: 1}, WithClock(clock)))
	defer sw.Close()
	must(sw.TryAcquire(2))
	d := must(sw.TryAcquire(1))
	if d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("%+v", d)
	}
	if p := must(sw.Peek(1)); p.Allowed {
		t.Fatal("peek")
	}
	ok(t, sw.Refund(1))
	if d := must(sw.TryAcquire(1)); !d.Allowed {
		t.Fatal("after refund")
	}
	ok(t, clock.Advance(d.RetryAfter+time.Second))
	if d := must(sw.TryAcquire(2)); !d.Allowed {
		t.Fatal("next window")
	}
	m := must(sw.Metrics())
	if m.Limit != 2 || m.Count != 2 || m.Denied != 1 {
		t.Fatalf("%+v", m)
	}
	_, err := sw.TryAcquire(3)
	wantErr(t, err, KindInvalidArgument, "n")
}

func TestKeyedLimitersKeepOneLimitPerKey(t *testing.T) {
	clock := newClock(t)
	kc := DefaultKeyedTokenBucketConfig()
	kc.Bucket = TokenBucketConfig{Burst: 1, RatePerSec: 1}
	kc.Table.HashSeed = Ptr(uint64(7))
	ktb := must(NewKeyedTokenBucket(kc, WithClock(clock)))
	defer ktb.Close()
	wc := DefaultKeyedSlidingWindowConfig()
	wc.Window = SlidingWindowConfig{Limit: 1, Window: time.Second, Buckets: 1}
	wc.Table.HashSeed = Ptr(uint64(7))
	ksw := must(NewKeyedSlidingWindow(wc, WithClock(clock)))
	defer ksw.Close()
	type limiter struct {
		acquire func(string) Decision
		refund  func(string) error
		metrics func() KeyedMetrics
	}
	for name, l := range map[string]limiter{
		"token bucket": {func(k string) Decision { return must(ktb.TryAcquire(k, 1)) },
			func(k string) error { return ktb.Refund(k, 1) }, func() KeyedMetrics { return must(ktb.Metrics()) }},
		"sliding window": {func(k string) Decision { return must(ksw.TryAcquire(k, 1)) },
			func(k string) error { return ksw.Refund(k, 1) }, func() KeyedMetrics { return must(ksw.Metrics()) }},
	} {
		t.Run(name, func(t *testing.T) {
			if !l.acquire("alice").Allowed || l.acquire("alice").Allowed || !l.acquire("bob").Allowed {
				t.Fatal("one limit per key")
			}
			ok(t, l.refund("alice"))
			if !l.acquire("alice").Allowed {
				t.Fatal("refund")
			}
			if !l.acquire("").Allowed {
				t.Fatal("empty key")
			}
			if m := l.metrics(); m.KeysTracked != 3 || m.Capacity < kc.Table.MaxKeys {
				t.Fatalf("%+v", m)
			}
		})
	}
	_, err := ktb.TryAcquireBytes([]byte{0, 1}, 2)
	wantErr(t, err, KindInvalidArgument, "n")
}

func TestBulkhead(t *testing.T) {
	bh := must(NewBulkhead(BulkheadConfig{MaxConcurrent: 1, MaxQueue: 1}, WithClock(newClock(t))))
	defer bh.Close()
	p1 := must(bh.TryAcquire())
	_, err := bh.TryAcquire()
	wantErr(t, err, KindBulkheadFull, "")
	_, err = bh.AcquireTimeout(0)
	wantErr(t, err, KindBulkheadFull, "")

	got := make(chan *BulkheadPermit)
	go func() { got <- must(bh.Acquire(context.Background())) }()
	waitFor(t, func() bool { return must(bh.Metrics()).Queued == 1 })
	// the queue (1) is full now
	_, err = bh.Acquire(context.Background())
	wantErr(t, err, KindBulkheadFull, "")
	p1.Release()
	p1.Release() // a no-op
	p2 := <-got
	if m := must(bh.Metrics()); m.Active != 1 || m.Queued != 0 {
		t.Fatalf("%+v", m)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := bh.Acquire(ctx); done <- err }()
	waitFor(t, func() bool { return must(bh.Metrics()).Queued == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	p2.Release()
	if m := must(bh.Metrics()); m.Active != 0 || m.Queued != 0 || m.Total != 2 {
		t.Fatalf("%+v", m)
	}
}

// waitFor spins (yielding) until cond holds; a bounded number of tries.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 10_000_000; i++ {
		if cond() {
			return
		}
		runtime.Gosched()
	}
	t.Fatal("condition never held")
}

func TestBackoffSchedule(t *testing.T) {
	b := must(NewBackoff(BackoffConfig{Kind: BackoffConstant, Base: 100 * ms, Factor: 1, MaxDelay: time.Second,
		Jitter: JitterNone, MaxAttempts: 3}))
	defer b.Close()
	s := must(b.Start())
	for i := 0; i < 2; i++ {
		d, more, err := s.Next(nil)
		if err != nil || !more || d != 100*ms {
			t.Fatalf("retry %d: %v %v %v", i, d, more, err)
		}
	}
	if _, more, _ := s.Next(nil); more || !s.Done() || s.Retries() != 2 {
		t.Fatal("want give up after 3 attempts")
	}
	s2 := must(b.Start())
	d, more, err := s2.Next(Ptr(7 * time.Second))
	if err != nil || !more || d != 7*time.Second {
		t.Fatal("Retry-After hint", d, more, err)
	}
	ok(t, s2.Finish())
	if m := must(b.Metrics()); m.Schedules != 2 || m.ExhaustedAttempts != 1 || m.Retries != 3 {
		t.Fatalf("%+v", m)
	}

	exp := must(NewBackoff(BackoffConfig{Kind: BackoffExponential, Base: 100 * ms, Factor: 2, MaxDelay: 300 * ms,
		Jitter: JitterNone, MaxAttempts: 5}))
	defer exp.Close()
	for attempt, want := range []time.Duration{0, 100 * ms, 200 * ms, 300 * ms} {
		if d := must(exp.DelayFor(uint32(attempt))); d != want {
			t.Fatalf("DelayFor(%d) = %v", attempt, d)
		}
	}
	s3 := must(exp.Start())
	if _, more, _ := s3.NextElapsed(0, nil); !more {
		t.Fatal("elapsed")
	}
}

func TestBackoffSeedGivesTheSameJitter(t *testing.T) {
	cfg := DefaultBackoffConfig()
	cfg.Seed = Ptr(uint64(42))
	cfg.MaxAttempts = 6
	delays := func() []time.Duration {
		b := must(NewBackoff(cfg))
		defer b.Close()
		s := must(b.Start())
		var out []time.Duration
		for {
			d, more, err := s.Next(nil)
			ok(t, err)
			if !more {
				return out
			}
			out = append(out, d)
		}
	}
	a, b := delays(), delays()
	if len(a) != 5 || !reflect.DeepEqual(a, b) {
		t.Fatal(a, b)
	}
	for i, d := range a {
		if d < 0 || d > cfg.MaxDelay {
			t.Fatal(i, d)
		}
	}
}

func TestRetryBudget(t *testing.T) {
	rb := must(NewRetryBudget(RetryBudgetConfig{MaxTokens: 10, TokenRatio: 0.1}))
	defer rb.Close()
	allowed := 0
	for i := 0; i < 10; i++ {
		if err := rb.TryRetry(); err == nil {
			allowed++
		} else {
			wantErr(t, err, KindRetryBudgetExhausted, "")
		}
	}
	// gRFC A6: 10 tokens, threshold 5: 9, 8, 7, 6 allowed; 5 and below denied
	if allowed != 4 {
		t.Fatal(allowed)
	}
	ok(t, rb.RecordFailure())
	ok(t, rb.RecordSuccess())
	m := must(rb.Metrics())
	if m.TokensMilli != 100 || m.RetriesAllowed != 4 || m.RetriesDenied != 6 || m.Failures != 11 || m.Successes != 1 {
		t.Fatalf("%+v", m)
	}
}

func TestAdaptiveTimeout(t *testing.T) {
	cfg := AdaptiveTimeoutConfig{Percentile: 0.5, Multiplier: 2, MinTimeout: 10 * ms, MaxTimeout: 10 * time.Second,
		InitialTimeout: 5 * time.Second, MinSamples: 10, Window: 30 * time.Second}
	at := must(NewAdaptiveTimeout(cfg, WithClock(newClock(t))))
	defer at.Close()
	if d := must(at.Timeout()); d != 5*time.Second {
		t.Fatal("initial", d)
	}
	for i := 0; i < 100; i++ {
		ok(t, at.Record(100*ms))
	}
	d := must(at.Timeout())
	if d < 180*ms || d > 220*ms {
		t.Fatal("2 × p50 of 100ms:", d)
	}
	m := must(at.Metrics())
	if m.Total != 100 || m.Timeout != d || m.P50 < 90*ms || m.P50 > 110*ms {
		t.Fatalf("%+v", m)
	}
	wantErr(t, at.Record(-ms), KindInvalidArgument, "latency")
}

func TestFaultInjector(t *testing.T) {
	fi := must(NewFaultInjector(FaultInjectorConfig{ErrorRate: 1, DelayMin: ms, DelayMax: ms, Enabled: true}))
	defer fi.Close()
	_, err := fi.Check()
	wantErr(t, err, KindInjectedFault, "")
	if f := must(fi.Decide()); f.Kind != FaultError || f.Kind.String() != "error" {
		t.Fatal(f)
	}
	ok(t, fi.SetEnabled(false))
	if d, err := fi.Check(); err != nil || d != 0 {
		t.Fatal(d, err)
	}
	if m := must(fi.Metrics()); m.Decisions != 3 || m.Errors != 2 || m.Enabled {
		t.Fatalf("%+v", m)
	}
	delay := must(NewFaultInjector(FaultInjectorConfig{DelayRate: 1, DelayMin: 50 * ms, DelayMax: 50 * ms, Enabled: true}))
	defer delay.Close()
	if d := must(delay.Check()); d != 50*ms {
		t.Fatal(d)
	}
	seq := func() []FaultKind {
		f := must(NewFaultInjector(FaultInjectorConfig{ErrorRate: 0.5, DelayMin: ms, DelayMax: ms, Seed: Ptr(uint64(9)), Enabled: true}))
		defer f.Close()
		var out []FaultKind
		for i := 0; i < 32; i++ {
			out = append(out, must(f.Decide()).Kind)
		}
		return out
	}
	a := seq()
	if !reflect.DeepEqual(a, seq()) {
		t.Fatal("same seed, different faults")
	}
}

type httpErr int

func (e httpErr) Error() string   { return "http error" }
func (e httpErr) HTTPStatus() int { return int(e) }

type codeErr string

func (e codeErr) Error() string { return string(e) }
func (e codeErr) Code() string  { return string(e) }

func TestClassify(t *testing.T) {
	if !reflect.DeepEqual(RetryableStatuses(), []int{408, 429, 500, 502, 503, 504}) {
		t.Fatal(RetryableStatuses())
	}
	if !IsRetryableStatus(503) || IsRetryableStatus(501) || IsRetryableStatus(-1) {
		t.Fatal("statuses")
	}
	if k := must(KindForCode("ECONNRESET")); k != RetryableConnectionReset || k.String() != "connection_reset" {
		t.Fatal(k)
	}
	if k := must(KindForCode("EAI_NONAME")); k != RetryableNone || k.String() != "unknown" {
		t.Fatal(k)
	}
	if k := must(ParseRetryableKind("timed_out")); k != RetryableTimedOut {
		t.Fatal(k)
	}
	if k := must(ParseRetryableKind("bogus")); k != RetryableNone {
		t.Fatal(k)
	}
	for err, want := range map[error]bool{
		syscall.ECONNRESET: true,
		&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}: true,
		context.DeadlineExceeded:                            true,
		codeErr("UNAVAILABLE"):                              true,
		codeErr("NOT_FOUND"):                                false,
		httpErr(503):                                        true,
		httpErr(404):                                        false,
		errors.New("boom"):                                  false,
		&Error{Kind: KindCircuitOpen}:                       false,
		syscall.ENOENT:                                      false,
	} {
		if IsRetryable(err) != want {
			t.Errorf("IsRetryable(%#v) != %v", err, want)
		}
	}
}

// Every optional breaker field (pointer in Go, has_ flag in C) reaches the core.
func TestOptionalBreakerFieldsReachTheCore(t *testing.T) {
	clock := newClock(t)
	cfg := DefaultCircuitBreakerConfig()
	cfg.FailureRateThreshold, cfg.SlowCallRateThreshold = nil, nil
	cfg.FailureCountThreshold = Ptr(uint64(1))
	cfg.FailureCountPeriod = Ptr(5 * time.Second)
	cfg.OpenDuration = 2 * time.Second
	cfg.OpenDurationMultiplier = 3
	cfg.MaxOpenDuration = Ptr(4 * time.Second)
	cfg.HalfOpenMaxCalls, cfg.SuccessThreshold = 1, 1
	cb := must(NewCircuitBreaker(cfg, WithClock(clock)))
	defer cb.Close()
	first := must(cb.TryAcquire())
	ok(t, cb.Record(&first, Failure, 0))
	if m := must(cb.Metrics()); m.OpenDuration != 2*time.Second || m.State != StateOpen {
		t.Fatalf("%+v", m)
	}
	ok(t, clock.Advance(2*time.Second))
	probe := must(cb.TryAcquire())
	if m := must(cb.Metrics()); m.HalfOpenInFlight != 1 {
		t.Fatalf("%+v", m)
	}
	ok(t, cb.Record(&probe, Failure, 0))
	// grown ×3, capped at MaxOpenDuration
	if m := must(cb.Metrics()); m.OpenDuration != 4*time.Second || m.Failures != 2 || m.FailureRate != nil {
		t.Fatalf("%+v", m)
	}
}
