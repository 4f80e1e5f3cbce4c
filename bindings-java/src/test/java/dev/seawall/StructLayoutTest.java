package dev.seawall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every JNA {@link Structure} in {@link Lib} has the size and field offsets of its C struct:
 * a small C program, generated from the Java mappings and compiled against include/seawall.h
 * at test time, prints {@code sizeof} and {@code offsetof} of every mapped field. A field the
 * Java mapping misses, adds, reorders or types differently (a C struct change not followed
 * here) fails this test: the program does not compile (no such field) or a number differs.
 */
class StructLayoutTest {
  /** Java names whose C struct is not {@code seawall_<snake_case name>}. */
  static final Map<String, String> C_NAMES = Map.of(
      "BreakerConfig", "seawall_circuit_breaker_config",
      "BreakerMetrics", "seawall_circuit_breaker_metrics",
      "ScheduleState", "seawall_backoff_schedule_state");

  static String cName(Class<?> c) {
    String n = c.getSimpleName();
    if (C_NAMES.containsKey(n)) {
      return C_NAMES.get(n);
    }
    return "seawall_" + n.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  /** The Structure classes of Lib (not their ByValue variants). */
  static List<Class<? extends Structure>> mapped() {
    List<Class<? extends Structure>> out = new ArrayList<>();
    for (Class<?> c : Lib.class.getDeclaredClasses()) {
      if (Structure.class.isAssignableFrom(c) && !Structure.ByValue.class.isAssignableFrom(c)
          && !Modifier.isAbstract(c.getModifiers())) {
        out.add(c.asSubclass(Structure.class));
      }
    }
    return out;
  }

  @Test
  void everyStructureMatchesItsCStruct() throws Exception {
    List<Class<? extends Structure>> classes = mapped();
    assertTrue(classes.size() >= 30, "found " + classes.size() + " structures");
    Method order = Structure.class.getDeclaredMethod("getFieldOrder");
    order.setAccessible(true);
    Method offset = Structure.class.getDeclaredMethod("fieldOffset", String.class);
    offset.setAccessible(true);

    Map<String, Long> java = new HashMap<>();
    StringBuilder src = new StringBuilder(
        "#include <stddef.h>\n#include <stdio.h>\n#include \"seawall.h\"\nint main(void) {\n");
    for (Class<? extends Structure> c : classes) {
      Structure s = instance(c);
      String cn = cName(c);
      java.put(cn, (long) s.size());
      src.append(String.format("  printf(\"%s %%zu\\n\", sizeof(%s));%n", cn, cn));
      @SuppressWarnings("unchecked")
      List<String> fields = (List<String>) order.invoke(s);
      for (String f : fields) {
        java.put(cn + "." + f, ((Number) offset.invoke(s, f)).longValue());
        src.append(String.format("  printf(\"%s.%s %%zu\\n\", offsetof(%s, %s));%n", cn, f, cn, f));
      }
    }
    src.append("  return 0;\n}\n");

    Map<String, Long> c = runC(src.toString());
    assertFalse(c.isEmpty());
    for (Map.Entry<String, Long> e : java.entrySet()) {
      assertEquals(c.get(e.getKey()), e.getValue(), "JNA vs C for " + e.getKey());
    }
    assertEquals(c.keySet(), java.keySet());
  }

  /** A structure to measure: its no-argument constructor, or the one that
   * reads a native struct, over zeroed memory (NULL pointers, zero values). */
  static Structure instance(Class<? extends Structure> c) throws Exception {
    try {
      return c.getDeclaredConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      Memory zero = new Memory(4096);
      zero.clear();
      return c.getDeclaredConstructor(Pointer.class).newInstance(zero);
    }
  }

  static Map<String, Long> runC(String src) throws IOException, InterruptedException {
    String include = System.getProperty("seawall.include");
    assertTrue(include != null && Files.isDirectory(Path.of(include)), "seawall.include=" + include);
    Path dir = Files.createTempDirectory("seawall-layout");
    try {
      Path c = dir.resolve("layout.c");
      Path exe = dir.resolve("layout");
      Files.writeString(c, src, StandardCharsets.UTF_8);
      String cc = System.getenv().getOrDefault("CC", "cc");
      String out = run(List.of(cc, "-std=c11", "-Wall", "-Werror", "-I", include, "-o", exe.toString(), c.toString()));
      assertTrue(out.isEmpty(), out);
      Map<String, Long> m = new HashMap<>();
      for (String line : run(List.of(exe.toString())).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        String[] kv = line.trim().split(" ");
        m.put(kv[0], Long.parseLong(kv[1]));
      }
      return m;
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    assertEquals(0, rc, String.join(" ", cmd) + ":\n" + out);
    return out;
  }
}
