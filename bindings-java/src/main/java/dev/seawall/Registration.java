package dev.seawall;

import com.sun.jna.Pointer;

/** Keeps an instance in its {@link Registry}; {@link #close()} removes it. */
public final class Registration extends Handle {
  Registration(Pointer p) {
    super(p, "registration");
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_registration_free(p);
  }
}
