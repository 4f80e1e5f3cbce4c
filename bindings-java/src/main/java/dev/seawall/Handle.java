package dev.seawall;

import com.sun.jna.Pointer;
import java.util.concurrent.atomic.AtomicReference;

/** A native handle freed once by {@link #close()} (internal base class). */
abstract class Handle implements AutoCloseable {
  private final AtomicReference<Pointer> p;
  private final String what;

  Handle(Pointer p, String what) {
    this.p = new AtomicReference<>(p);
    this.what = what;
  }

  /** The live pointer; a closed handle throws {@link ClosedException}. */
  final Pointer ptr() {
    Pointer x = p.get();
    if (x == null) {
      throw new ClosedException(what, what + " is closed", "", java.time.Duration.ZERO);
    }
    return x;
  }

  abstract void free(Pointer p);

  /** Frees the native object. Idempotent; must not race other calls on this object. */
  @Override
  public void close() {
    Pointer x = p.getAndSet(null);
    if (x != null) {
      free(x);
    }
  }
}
