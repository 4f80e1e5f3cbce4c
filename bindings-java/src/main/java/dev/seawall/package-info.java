/**
 * seawall for Java: circuit breaker (with transition listeners), token bucket, sliding window,
 * keyed token bucket and sliding window, bulkhead, backoff schedule, retry budget, adaptive
 * timeout, fault injector, policy guard with {@link dev.seawall.Policy#execute}, manual clock
 * and the retry classification functions.
 *
 * <p>Every decision is made by the one Rust core through the C ABI (libseawall, loaded by JNA
 * from {@code jna.library.path}); this library converts types, sleeps and throws. Objects are
 * {@link java.lang.AutoCloseable} and thread-safe; {@code close()} must not race other calls on
 * the same object. Errors are {@link dev.seawall.SeawallException}s, one subclass per
 * {@link dev.seawall.ErrorKind}, carrying the kind, the field (named as the builder method) and
 * the core's message. The C ABI's last error is per thread; it is read right after the failing
 * call on the calling thread, before anything else can run there.
 */
package dev.seawall;
