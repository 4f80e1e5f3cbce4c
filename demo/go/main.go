// The Go client of `make demo-distributed` (demo/distributed.py): the
// same loop as the Python and Node clients, on the same Redis sliding
// window, printing one JSON line per second.
//
// Usage: go-client URL MODE SECONDS NAME T0 (T0: the parent's
// CLOCK_MONOTONIC reading, the common time origin).
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"github.com/seawall-rs/seawall/bindings-go"
)

// mono is CLOCK_MONOTONIC in seconds, as Python's time.monotonic().
func mono() float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0) // 1 = CLOCK_MONOTONIC
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

// second is the whole second since t0, floored as Python's math.floor
// (before t0 it is negative: those lines are not shown).
func second(t0 float64) int { return int(math.Floor(mono() - t0)) }

func main() {
	if len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: go-client URL MODE SECONDS NAME T0")
		os.Exit(2)
	}
	url, name := os.Args[1], os.Args[4]
	secs, err1 := strconv.ParseFloat(os.Args[3], 64)
	t0, err2 := strconv.ParseFloat(os.Args[5], 64)
	modes := map[string]seawall.RedisFailureMode{"local": seawall.RedisFailLocal, "open": seawall.RedisFailOpen, "closed": seawall.RedisFailClosed}
	mode, known := modes[os.Args[2]]
	if err1 != nil || err2 != nil || !known {
		fmt.Fprintln(os.Stderr, "go-client: bad SECONDS, T0 or MODE")
		os.Exit(2)
	}
	cfg := seawall.DefaultRedisBackendConfig(url)
	cfg.OnFailure = mode
	backend, err := seawall.NewRedisBackend(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer backend.Close()
	limiter, err := seawall.NewRedisSlidingWindow(backend, "partner-api", seawall.SlidingWindowConfig{Limit: 60, Window: time.Second, Buckets: 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer limiter.Close()
	enc := json.NewEncoder(os.Stdout)
	sec, ok, denied := second(t0), 0, 0
	for mono()-t0 < secs {
		d, err := limiter.TryAcquire("all-of-us", 1)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if d.Allowed {
			ok++
		} else {
			denied++
		}
		if now := second(t0); now != sec {
			m, _ := limiter.Metrics()
			breaker := "closed"
			if m.BreakerOpen {
				breaker = "open"
			}
			enc.Encode(map[string]any{"t": sec, "client": name, "ok": ok, "denied": denied, "fallbacks": m.Fallbacks, "breaker": breaker})
			sec, ok, denied = now, 0, 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}
