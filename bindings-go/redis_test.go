package seawall

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisServer starts a redis-server on a free port of 127.0.0.1 in a temp
// dir (extra: more arguments, e.g. --requirepass) and stops it when the
// test ends. Without a redis-server the test is skipped, unless
// SEAWALL_REQUIRE_REDIS is set (make test-go sets it).
func redisServer(t *testing.T, extra ...string) (port int) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("SEAWALL_REQUIRE_REDIS") != "" {
			t.Fatal("redis-server not found and SEAWALL_REQUIRE_REDIS is set (make deps-redis installs it)")
		}
		t.Skip("redis-server not found")
	}
	port = freePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir()}, extra...)
	cmd := exec.Command(bin, args...)
	ok(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			c.Close()
			return port
		}
		if i == 1000 {
			t.Fatal("redis-server did not listen within 10 s")
		}
		time.Sleep(10 * ms)
	}
}

// freePort is a port nothing listens on (the kernel's pick, closed again).
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ok(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func backendAt(t *testing.T, url string, mode RedisFailureMode) *RedisBackend {
	cfg := DefaultRedisBackendConfig(url)
	cfg.OnFailure = mode
	b := must(NewRedisBackend(cfg))
	t.Cleanup(func() { b.Close() })
	return b
}

func redisURL(port int) string { return "redis://127.0.0.1:" + strconv.Itoa(port) + "/0" }

func TestRedisTokenBucketIsOneLimitForTwoLimiters(t *testing.T) {
	url := redisURL(redisServer(t))
	cfg := TokenBucketConfig{Burst: 5, RatePerSec: 0.001}
	a := must(NewRedisTokenBucket(backendAt(t, url, RedisFailClosed), "go-tb", cfg))
	b := must(NewRedisTokenBucket(backendAt(t, url, RedisFailClosed), "go-tb", cfg))
	defer a.Close()
	defer b.Close()
	granted := 0
	for i := 0; i < 5; i++ {
		for _, l := range []*RedisLimiter{a, b} {
			d := must(l.TryAcquire("customer-1", 1))
			if d.Allowed {
				granted++
			} else if d.RetryAfter <= 0 {
				t.Fatalf("a denial without a retry-after: %+v", d)
			}
		}
	}
	if granted != 5 {
		t.Fatalf("two limiters (two backends) on one Redis key of burst 5 granted %d", granted)
	}
	if !must(a.TryAcquire("customer-2", 1)).Allowed {
		t.Fatal("another key has its own limit")
	}
	if must(a.Peek("customer-1", 1)).Allowed {
		t.Fatal("Peek: the drained key would be denied")
	}
	ok(t, a.Refund("customer-1", 1))
	if !must(b.TryAcquireBytes([]byte("customer-1"), 1)).Allowed {
		t.Fatal("a refunded token is granted again")
	}
	m := must(a.Metrics())
	if m.Limit != 5 || m.RedisOK == 0 || m.Fallbacks != 0 || m.Connects == 0 || m.BreakerOpen {
		t.Fatalf("metrics after Redis answered everything: %+v", m)
	}
}

func TestRedisSlidingWindow(t *testing.T) {
	url := redisURL(redisServer(t))
	w := must(NewRedisSlidingWindow(backendAt(t, url, RedisFailClosed), "go-sw", SlidingWindowConfig{Limit: 3, Window: time.Hour, Buckets: 10}))
	defer w.Close()
	for i := 0; i < 3; i++ {
		if !must(w.TryAcquire("k", 1)).Allowed {
			t.Fatalf("call %d of a limit of 3 was denied", i+1)
		}
	}
	d := must(w.TryAcquire("k", 1))
	if d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("the fourth call in the window: %+v, want denied with a retry-after", d)
	}
}

// With nothing listening, each failure mode answers within the deadline.
func TestRedisFailureModesWithNoRedis(t *testing.T) {
	url := redisURL(freePort(t))
	cfg := TokenBucketConfig{Burst: 2, RatePerSec: 0.001}
	for _, c := range []struct {
		mode RedisFailureMode
		want []bool
	}{
		{RedisFailOpen, []bool{true, true, true}},
		{RedisFailClosed, []bool{false, false, false}},
		{RedisFailLocal, []bool{true, true, false}}, // the local bucket of burst 2
	} {
		l := must(NewRedisTokenBucket(backendAt(t, url, c.mode), "go-down", cfg))
		for i, want := range c.want {
			start := time.Now()
			d := must(l.TryAcquire("k", 1))
			if took := time.Since(start); took > time.Second {
				t.Fatalf("mode %d: a decision took %v with a 50 ms deadline", c.mode, took)
			}
			if d.Allowed != want {
				t.Fatalf("mode %d, decision %d: allowed = %v, want %v", c.mode, i+1, d.Allowed, want)
			}
		}
		m := must(l.Metrics())
		if m.Fallbacks != 3 || m.RedisOK != 0 {
			t.Fatalf("mode %d: metrics %+v, want 3 fallbacks", c.mode, m)
		}
		l.Close()
	}
}

func TestRedisWrongPasswordIsAnsweredByTheMode(t *testing.T) {
	port := redisServer(t, "--requirepass", "right")
	l := must(NewRedisTokenBucket(backendAt(t, "redis://:wrong@127.0.0.1:"+strconv.Itoa(port)+"/0", RedisFailClosed), "go-pw",
		TokenBucketConfig{Burst: 5, RatePerSec: 1}))
	defer l.Close()
	if must(l.TryAcquire("k", 1)).Allowed {
		t.Fatal("fail closed with a wrong password: want denied")
	}
	if m := must(l.Metrics()); m.Errors == 0 || m.Fallbacks != 1 {
		t.Fatalf("metrics %+v, want the auth error counted and one fallback", m)
	}
	good := must(NewRedisTokenBucket(backendAt(t, "redis://:right@127.0.0.1:"+strconv.Itoa(port)+"/0", RedisFailClosed), "go-pw",
		TokenBucketConfig{Burst: 5, RatePerSec: 1}))
	defer good.Close()
	if !must(good.TryAcquire("k", 1)).Allowed {
		t.Fatal("the right password: want allowed")
	}
}

func TestRedisConcurrencyLimit(t *testing.T) {
	url := redisURL(redisServer(t))
	l := must(NewRedisConcurrencyLimit(backendAt(t, url, RedisFailClosed), "go-cl", DefaultRedisConcurrencyLimitConfig(2)))
	defer l.Close()
	a, _ := must2(l.TryAcquire("db"))
	b, _ := must2(l.TryAcquire("db"))
	if a == nil || b == nil {
		t.Fatal("two permits of 2: want both")
	}
	c, retry := must2(l.TryAcquire("db"))
	if c != nil || retry <= 0 || retry > 30*time.Second {
		t.Fatalf("a third permit of 2: lease %v, retry after %v; want none, within the 30 s lease", c, retry)
	}
	if held := must(a.Renew()); !held {
		t.Fatal("Renew of a held lease: want held")
	}
	if was := must(a.Release()); !was {
		t.Fatal("Release of a held lease: want was held")
	}
	if _, err := a.Release(); !isKind(err, KindNullArgument) {
		t.Fatalf("a second Release = %v, want an error", err)
	}
	d, _ := must2(l.TryAcquire("db"))
	if d == nil {
		t.Fatal("after a release: want a permit")
	}
	ok(t, d.Close()) // freed without release: still held until it expires
	if e, _ := must2(l.TryAcquire("db")); e != nil {
		t.Fatal("a lease freed without release still holds its permit")
	}
	b.Release()
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func TestRedisFeatureFlags(t *testing.T) {
	url := redisURL(redisServer(t))
	f := must(NewRedisFeatureFlags(backendAt(t, url, RedisFailClosed), "go-shop", 0))
	defer f.Close()
	if on := must(f.IsEnabled("checkout", true)); !on {
		t.Fatal("a flag never set: want the safe default (true)")
	}
	if !must(f.Set("checkout", false)) {
		t.Fatal("Set: want written")
	}
	if must(f.IsEnabled("checkout", true)) {
		t.Fatal("after Set(false): want off")
	}
	must(f.Set("checkout", true))
	if !must(f.Disable("checkout", time.Hour)) || must(f.IsEnabled("checkout", true)) {
		t.Fatal("Disable for an hour: want written and off")
	}
	down := must(NewRedisFeatureFlags(backendAt(t, redisURL(freePort(t)), RedisFailClosed), "go-shop", DefaultFlagCacheTTL))
	defer down.Close()
	if on := must(down.IsEnabled("checkout", false)); on {
		t.Fatal("Redis down: want the safe default (false)")
	}
}

func TestRedisBadInput(t *testing.T) {
	bad := func(url string) {
		t.Helper()
		_, err := NewRedisBackend(DefaultRedisBackendConfig(url))
		se := wantErr(t, err, KindInvalidConfig, "URL")
		if strings.Contains(se.Message, "hunter2") {
			t.Fatalf("the password is echoed: %q", se.Message)
		}
	}
	bad("")
	bad("http://127.0.0.1")
	bad("redis://:hunter2@127.0.0.1:99999/0")
	bad("redis://127.0.0.1/0#frag")
	_, err := NewRedisBackend(DefaultRedisBackendConfig("redis://a\x00b"))
	wantErr(t, err, KindInvalidArgument, "URL")
	cfg := DefaultRedisBackendConfig("redis://127.0.0.1:6379/0")
	cfg.Deadline = 0
	_, err = NewRedisBackend(cfg)
	wantErr(t, err, KindInvalidConfig, "Deadline")
	cfg.Deadline = -time.Second
	_, err = NewRedisBackend(cfg)
	wantErr(t, err, KindInvalidConfig, "Deadline")
	cfg.Deadline = 50 * ms
	cfg.OnFailure = 7
	_, err = NewRedisBackend(cfg)
	wantErr(t, err, KindInvalidConfig, "OnFailure")

	b := backendAt(t, "redis://127.0.0.1:6379/0", RedisFailOpen)
	_, err = NewRedisTokenBucket(nil, "x", DefaultTokenBucketConfig())
	wantErr(t, err, KindInvalidArgument, "backend")
	for _, name := range []string{"", "has space", strings.Repeat("n", 129)} {
		_, err = NewRedisTokenBucket(b, name, DefaultTokenBucketConfig())
		wantErr(t, err, KindInvalidConfig, "name")
	}
	_, err = NewRedisTokenBucket(b, "x", TokenBucketConfig{Burst: 0, RatePerSec: 1})
	wantErr(t, err, KindInvalidConfig, "Burst")
	_, err = NewRedisTokenBucket(b, "x", TokenBucketConfig{Burst: 1, RatePerSec: 1, InitialTokens: Ptr(uint64(1))})
	wantErr(t, err, KindInvalidConfig, "InitialTokens")
	_, err = NewRedisSlidingWindow(b, "x", SlidingWindowConfig{Limit: 1, Window: -1, Buckets: 1})
	wantErr(t, err, KindInvalidConfig, "Window")
	l := must(NewRedisTokenBucket(b, "x", DefaultTokenBucketConfig()))
	defer l.Close()
	_, err = l.TryAcquire("", 1)
	wantErr(t, err, KindInvalidArgument, "key")
	_, err = l.TryAcquire(strings.Repeat("k", 1025), 1)
	wantErr(t, err, KindInvalidArgument, "key")
	_, err = l.TryAcquire("k", 0)
	wantErr(t, err, KindInvalidArgument, "n")
	_, err = NewRedisConcurrencyLimit(b, "c", DefaultRedisConcurrencyLimitConfig(0))
	wantErr(t, err, KindInvalidConfig, "MaxConcurrent")
	_, err = NewRedisConcurrencyLimit(b, "c", RedisConcurrencyLimitConfig{MaxConcurrent: 1, Lease: 0})
	wantErr(t, err, KindInvalidConfig, "Lease")
	_, err = NewRedisFeatureFlags(b, "f", -time.Second)
	wantErr(t, err, KindInvalidArgument, "cacheTTL")
	_, err = NewRedisFeatureFlags(b, "f", 2*time.Hour)
	wantErr(t, err, KindInvalidConfig, "cacheTTL")
	f := must(NewRedisFeatureFlags(b, "f", 0))
	defer f.Close()
	_, err = f.IsEnabled("", false)
	wantErr(t, err, KindInvalidArgument, "flag")
	_, err = f.Disable("x", 0)
	wantErr(t, err, KindInvalidArgument, "d")
}
