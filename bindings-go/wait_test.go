package seawall

import (
	"context"
	"testing"
	"time"
)

func TestLimiterWaits(t *testing.T) {
	clock := newClock(t)
	b := must(NewTokenBucket(TokenBucketConfig{Burst: 1, RatePerSec: 1}, WithClock(clock)))
	defer b.Close()
	must(b.TryAcquire(1))

	// The next token is due in 1 s of the manual clock: a deadline of
	// 100 ms (real time) refuses at once, naming when.
	ctx, cancel := context.WithTimeout(context.Background(), 100*ms)
	_, err := b.Wait(ctx, 1)
	cancel()
	if se := wantErr(t, err, KindRateLimited, ""); se.RetryAfter != time.Second {
		t.Fatalf("retry after %v, want 1s", se.RetryAfter)
	}

	// Three waiters in line, served in order as the clock moves; a fourth
	// cancelled while waiting gives its place back.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	served := make(chan int, 3)
	for i := 0; i < 3; i++ {
		go func(i int) {
			d, err := b.Wait(ctx, 1)
			if err != nil || !d.Allowed {
				served <- -1
				return
			}
			served <- i
		}(i)
		waitFor(t, func() bool { return must(b.Metrics()).Waiting == uint64(i+1) })
	}
	quit, stop := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := b.Wait(quit, 1); gaveUp <- err }()
	waitFor(t, func() bool { return must(b.Metrics()).Waiting == 4 })
	stop()
	if err := <-gaveUp; err != context.Canceled {
		t.Fatalf("a cancelled wait returned %v", err)
	}
	for i := 0; i < 3; i++ {
		ok(t, clock.Advance(time.Second))
		if got := <-served; got != i {
			t.Fatalf("waiter %d served at turn %d", got, i)
		}
	}
	// The cancelled place was given back: the next token is due 1 s on.
	ok(t, clock.Advance(time.Second))
	if d := must(b.Wait(context.Background(), 1)); !d.Allowed {
		t.Fatal("after the waiters, with the clock moved on: want a grant")
	}

	k := must(NewKeyedSlidingWindow(KeyedSlidingWindowConfig{
		Window: SlidingWindowConfig{Limit: 1, Window: time.Second, Buckets: 10}, Table: DefaultKeyedSlidingWindowConfig().Table,
	}, WithClock(clock)))
	defer k.Close()
	must(k.TryAcquire("u", 1))
	if must(k.Peek("u", 1)).Allowed {
		t.Fatal("Peek: a window of 1 already used would deny")
	}
	done := make(chan Decision, 1)
	go func() { done <- must(k.Wait(context.Background(), "u", 1)) }() // no Done channel: blocks in core until the clock moves
	waitFor(t, func() bool { return must(k.Metrics()).Waiting == 1 })
	ok(t, clock.Advance(1100*ms))
	if d := <-done; !d.Allowed {
		t.Fatal("the keyed wait was not granted when the clock moved")
	}
	_, err = k.Wait(context.Background(), "u", 0)
	wantErr(t, err, KindInvalidArgument, "n")
	_, err = b.Wait(context.Background(), 2)
	wantErr(t, err, KindInvalidArgument, "n")
}

// On the monotonic clock a wait sleeps on one timer until its place is
// due, and a cancelled one gives its place back.
func TestLimiterWaitOnTheMonotonicClock(t *testing.T) {
	fast := must(NewTokenBucket(TokenBucketConfig{Burst: 1, RatePerSec: 1000}))
	defer fast.Close()
	must(fast.TryAcquire(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if d := must(fast.Wait(ctx, 1)); !d.Allowed {
		t.Fatal("a token due in 1 ms: want granted")
	}

	slow := must(NewSlidingWindow(SlidingWindowConfig{Limit: 1, Window: time.Hour, Buckets: 10}))
	defer slow.Close()
	must(slow.TryAcquire(1))
	quit, stop := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := slow.Wait(quit, 1); gaveUp <- err }()
	waitFor(t, func() bool { return must(slow.Metrics()).Waiting == 1 })
	stop()
	if err := <-gaveUp; err != context.Canceled {
		t.Fatalf("a cancelled wait returned %v, want context.Canceled", err)
	}
	if m := must(slow.Metrics()); m.Waiting != 0 {
		t.Fatalf("after the cancel %d still waiting", m.Waiting)
	}
}
