package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Duration;

/**
 * A clock that moves only when told to. Pass it to a primitive's builder ({@code .clock(c)})
 * to drive that primitive in tests; any thread may advance or read it. Primitives keep their
 * own reference, so it may be closed first.
 */
public final class ManualClock extends Handle {
  ManualClock(Pointer p) {
    super(p, "clock");
  }

  /** A manual clock reading {@code start}. */
  public static ManualClock create(Duration start) {
    long ns = Durations.argNs(start, "start");
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_manual_clock_new(ns, out));
    return new ManualClock(out.getValue());
  }

  /** A manual clock reading 0. */
  public static ManualClock create() {
    return create(Duration.ZERO);
  }

  /** Moves the clock forward by {@code d} (saturating). */
  public void advance(Duration d) {
    Err.check(Lib.C.seawall_manual_clock_advance(ptr(), Durations.argNs(d, "d")));
  }

  /** Sets the clock to {@code t}. */
  public void set(Duration t) {
    Err.check(Lib.C.seawall_manual_clock_set(ptr(), Durations.argNs(t, "t")));
  }

  /** The clock's time. */
  public Duration now() {
    LongByReference out = new LongByReference();
    Err.check(Lib.C.seawall_manual_clock_now(ptr(), out));
    return Durations.of(out.getValue());
  }

  /** The host's monotonic clock, the one every primitive uses by default. */
  public static Duration monotonicNow() {
    return Durations.of(Lib.C.seawall_monotonic_now_ns());
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_manual_clock_free(p);
  }

  static Pointer ptrOf(ManualClock c) {
    return c == null ? null : c.ptr();
  }
}
