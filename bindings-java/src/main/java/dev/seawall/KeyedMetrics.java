package dev.seawall;

/**
 * A snapshot of a keyed limiter's table.
 *
 * @param keysTracked slots holding a key
 * @param capacity the table's capacity (maxKeys)
 * @param evictions slots taken over from an idle key by a new key
 * @param tableFull requests of new keys that found no slot
 * @param allowed requests granted
 * @param denied requests denied
 * @param waiting waiting acquires now
 */
public record KeyedMetrics(
    long keysTracked, long capacity, long evictions, long tableFull, long allowed, long denied,
    long waiting) {
  static KeyedMetrics of(Lib.KeyedMetrics m) {
    return new KeyedMetrics(
        m.keys_tracked, m.capacity, m.evictions, m.table_full, m.allowed, m.denied, m.waiting);
  }
}
