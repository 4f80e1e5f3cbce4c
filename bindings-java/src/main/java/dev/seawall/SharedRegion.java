package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * A shared-memory region (spec/shared_memory.md): a file that every process opening the same
 * name maps, so primitives built in it ({@code .region(region, name)} on their builders) share
 * their state across processes and languages — a Java service and Python, Node or Go workers on
 * one host opening {@code "/payments"} share one breaker.
 *
 * <pre>{@code
 * try (SharedRegion region = SharedRegion.open("/myapp");   // /dev/shm/myapp, mode 0600
 *      CircuitBreaker breaker = CircuitBreaker.builder().region(region, "payments").build()) { ... }
 * }</pre>
 */
public final class SharedRegion extends Handle {
  private SharedRegion(Pointer p) {
    super(p, "shared region");
  }

  /**
   * Opens the region {@code name}, creating it if it does not exist (256 slots, 64 MiB). A name
   * with no {@code /} after its first character is a file in {@code /dev/shm}; anything else is
   * a path.
   */
  public static SharedRegion open(String name) {
    return open(name, 0, 0);
  }

  /**
   * {@link #open(String)} creating the file, if this process creates it, with {@code slots}
   * named primitives and {@code size} bytes (0: the default of each).
   */
  public static SharedRegion open(String name, int slots, long size) {
    String n = path(name, "name");
    Lib.RegionConfig c = Lib.init(new Lib.RegionConfig(), Lib.C::seawall_region_config_init);
    if (slots != 0) {
      c.slots = slots;
    }
    if (size != 0) {
      c.size = size;
    }
    PointerByReference out = new PointerByReference();
    Err.check(Lib.C.seawall_region_open(n, c, out));
    return new SharedRegion(out.getValue());
  }

  /**
   * Deletes the region file {@code name}; processes that have it open keep their mapping, and
   * the next open creates a new region. A missing file is not an error.
   */
  public static void remove(String name) {
    Err.check(Lib.C.seawall_region_remove(path(name, "name")));
  }

  /** A region or slot name for C: null or a NUL inside is an error naming {@code param}. */
  private static String path(String name, String param) {
    if (name == null) {
      throw Err.argument(param, "must not be null", "null");
    }
    if (name.indexOf('\0') >= 0) {
      throw Err.argument(param, "must not contain a NUL character", name);
    }
    return name;
  }

  /**
   * Where a builder builds its primitive: in {@code region} under {@code name}, or (region null)
   * on the heap. Every primitive built in the same region under the same name, with the same
   * kind and config, is one state for every process and object that builds it there; another
   * config under the name is an {@link InvalidConfigException}.
   */
  static final class Place {
    SharedRegion region;
    private String name;

    void set(SharedRegion region, String name) {
      if (region == null) {
        throw Err.argument("region", "must not be null", "null");
      }
      this.region = region;
      this.name = name;
    }

    String name() {
      return path(name, "name");
    }
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_region_free(p);
  }
}
