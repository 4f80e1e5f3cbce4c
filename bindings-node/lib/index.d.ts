// Types of the public `seawall` API (lib/). The generated ../index.d.ts
// describes the native classes this layer wraps; it is not public API.

/// <reference types="node" />

import { EventEmitter } from 'node:events'

/** The seawall version (the same in every language binding). */
export declare const VERSION: string

// ---------------------------------------------------------------- errors

/** Codes of the errors seawall rejects calls with. */
export type SeawallErrorCode =
  | 'SEAWALL_CIRCUIT_OPEN'
  | 'SEAWALL_RATE_LIMITED'
  | 'SEAWALL_BULKHEAD_FULL'
  | 'SEAWALL_RETRY_EXHAUSTED'
  | 'SEAWALL_RETRY_BUDGET_EXHAUSTED'
  | 'SEAWALL_TIMEOUT'
  | 'SEAWALL_INJECTED_FAULT'
  | 'SEAWALL_SHARED_REGION'
  | 'SEAWALL_HTTP_STATUS'

/**
 * Bad configuration throws a `RangeError` (bad value) or `TypeError`
 * (wrong type) with one of these codes, `field` naming the option
 * (`openDurationMs`) and `value` the value given.
 */
export type SeawallConfigErrorCode = 'SEAWALL_INVALID_CONFIG' | 'SEAWALL_INVALID_ARGUMENT'

export interface SeawallConfigError extends Error {
  code: SeawallConfigErrorCode
  field: string
  value?: unknown
}

/** Base class of every error seawall rejects a call with. */
export declare class SeawallError extends Error {
  readonly code: SeawallErrorCode | string
}

/** The breaker rejected the call (code `SEAWALL_CIRCUIT_OPEN`). */
export declare class CircuitOpenError extends SeawallError {
  constructor(retryAfterMs: number, message?: string)
  readonly code: 'SEAWALL_CIRCUIT_OPEN'
  /** Milliseconds until the breaker may admit a call again. */
  readonly retryAfterMs: number
}

/** A rate limiter rejected the call (code `SEAWALL_RATE_LIMITED`). */
export declare class RateLimitedError extends SeawallError {
  constructor(retryAfterMs: number, message?: string, extra?: Partial<RateLimitDecision>)
  readonly code: 'SEAWALL_RATE_LIMITED'
  /** Milliseconds until the same request could be granted. */
  readonly retryAfterMs: number
  readonly remaining?: number
  readonly resetAfterMs?: number
  readonly limit?: number
}

/** No bulkhead slot (and no queue room, or the wait ran out). */
export declare class BulkheadFullError extends SeawallError {
  constructor(message?: string)
  readonly code: 'SEAWALL_BULKHEAD_FULL'
}

/** A call or a wait ran out of time (code `SEAWALL_TIMEOUT`). */
export declare class TimeoutError extends SeawallError {
  constructor(timeoutMs: number, message?: string, options?: { cause?: unknown })
  readonly code: 'SEAWALL_TIMEOUT'
  readonly timeoutMs: number
}

/** Every attempt failed (code `SEAWALL_RETRY_EXHAUSTED`); `cause` is the last error. */
export declare class RetryExhaustedError extends SeawallError {
  constructor(attempts: number, cause: unknown, message?: string, reason?: RetryGiveUpReason)
  readonly code: 'SEAWALL_RETRY_EXHAUSTED'
  readonly attempts: number
  /** Why core's retry run gave up. */
  readonly reason: RetryGiveUpReason
  readonly cause: unknown
}

/** The retry budget denied a retry (code `SEAWALL_RETRY_BUDGET_EXHAUSTED`). */
export declare class RetryBudgetExhaustedError extends SeawallError {
  constructor(message?: string, attempts?: number, cause?: unknown)
  readonly code: 'SEAWALL_RETRY_BUDGET_EXHAUSTED'
  /** Attempts made before the budget denied a retry (0 when not known). */
  readonly attempts: number
  /** The error of the last attempt. */
  readonly cause: unknown
}

/** A FaultInjector injected this error (code `SEAWALL_INJECTED_FAULT`). */
export declare class InjectedFaultError extends SeawallError {
  constructor(message?: string)
  readonly code: 'SEAWALL_INJECTED_FAULT'
}

// ---------------------------------------------------------------- threads

/**
 * What share() returns: a plain object to postMessage to a worker thread
 * of the same process, where `<Class>.fromShared(handle)` gives an object
 * for the same primitive (one state, one limit for the whole process).
 */
export interface SharedHandle<T extends string = string> {
  readonly kind: 'seawall.shared'
  readonly type: T
  readonly id: number
}

// ---------------------------------------------------------------- clock

export interface ManualClockOptions {
  /** Start time in nanoseconds (default 0). */
  startNs?: number | bigint
  /** Start time in milliseconds (ignored when `startNs` is given). */
  startMs?: number
}

/**
 * A clock that moves only when told to. Pass it as `clock` to any
 * primitive or helper; waits scheduled on it (retry delays, `acquire()`
 * waits, timeouts) fire when the clock reaches them.
 */
export declare class ManualClock {
  constructor(options?: ManualClockOptions)
  /** Current time in milliseconds. */
  nowMs(): number
  /** Current time in nanoseconds. */
  nowNs(): bigint
  /** Moves time forward by `ms` and fires the waits that are due. */
  advance(ms: number): void
  /** Moves time forward by `ns` nanoseconds. */
  advanceNs(ns: number | bigint): void
  /** Sets the time in nanoseconds (may move backwards). */
  setNs(ns: number | bigint): void
  /** Advances in steps, letting promise callbacks run at each pending wait. */
  tickAsync(ms: number): Promise<void>
  /** Waits scheduled on this clock that have not fired yet. */
  readonly pendingTimers: number
}

/** Options every time-based helper accepts. */
export interface ClockOption {
  /** Drive time with a ManualClock (tests); default: the monotonic clock. */
  clock?: ManualClock
}

// ---------------------------------------------------------------- timeout

export interface TimeoutOptions extends ClockOption {
  /** Abort the call early (rejects with the signal's reason). */
  signal?: AbortSignal
}

/**
 * Runs `fn(signal)`; rejects with a `TimeoutError` after `ms`, aborting
 * the signal handed to `fn`.
 */
export declare function timeout<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, ms: number, options?: TimeoutOptions): Promise<T>

export interface DeadlineOptions extends ClockOption {
  /** Also expire when this signal aborts. */
  signal?: AbortSignal
  /** Never outlive this deadline. */
  parent?: Deadline
}

/** A point in time shared by a chain of calls (cascading timeouts). */
export declare class Deadline {
  constructor(ms: number, options?: DeadlineOptions)
  /** Milliseconds left (0 when expired). */
  remainingMs(): number
  readonly expired: boolean
  /** Aborts (with a TimeoutError) when the deadline passes; its timer is unref'd. */
  readonly signal: AbortSignal
  /** A deadline `ms` from now (default: all that is left), never later than this one. */
  child(ms?: number): Deadline
  /** Runs `fn(signal)` with what is left as its timeout. */
  run<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T>
  /** Cancels the signal's timer. */
  dispose(): void
}

/** `new Deadline(ms, options)`. */
export declare function deadline(ms: number, options?: DeadlineOptions): Deadline

// ---------------------------------------------------------------- fallback

export interface FallbackOptions {
  /** Which errors fall back (default: all). */
  when?: (err: unknown) => boolean
  /** Called with the error before falling back. */
  onFallback?: (err: unknown) => void
}

/** Runs `fn`; on an error `when` accepts, resolves with the alternative. */
export declare function fallback<T, U = T>(fn: () => T | PromiseLike<T>, alternative: U | ((err: unknown) => U | PromiseLike<U>), options?: FallbackOptions): Promise<T | U>

/** Tries each function in order; resolves with the first success. */
export declare function fallbackChain<T>(fns: ReadonlyArray<(previousError: unknown) => T | PromiseLike<T>>, options?: { when?: (err: unknown) => boolean }): Promise<T>

/** A part of a degradable response. */
export type DegradePart<T> =
  | ((signal: AbortSignal) => T | PromiseLike<T>)
  | {
      fn: (signal: AbortSignal) => T | PromiseLike<T>
      /** This part's own timeout. */
      timeoutMs?: number
      /** Present: the part is optional and degrades to this (or its result). */
      default?: T | ((err: unknown) => T)
    }

export type DegradeParts = Record<string, DegradePart<any>>

type PartValue<P> = P extends (signal: AbortSignal) => infer R ? Awaited<R>
  : P extends { fn: (signal: AbortSignal) => infer R } ? Awaited<R> : never

export interface DegradeResult<P extends DegradeParts> {
  values: { [K in keyof P]: PartValue<P[K]> }
  /** Names of the parts that fell back to their default. */
  degraded: Array<keyof P & string>
  /** The error of each degraded part. */
  errors: Partial<Record<keyof P & string, unknown>>
}

export interface DegradeOptions extends ClockOption {
  signal?: AbortSignal
  onDegraded?: (name: string, err: unknown) => void
}

/**
 * Graceful degradation: runs the parts at once, each with its own timeout;
 * optional parts (with a `default`) degrade and are reported, required
 * parts reject the whole call.
 */
export declare function degrade<P extends DegradeParts>(parts: P, options?: DegradeOptions): Promise<DegradeResult<P>>

// ---------------------------------------------------------------- rate limits

/** A rate limiter's answer (the numbers behind the rate-limit headers). */
export interface RateLimitDecision {
  allowed: boolean
  /** Requests that could still be granted right now. */
  remaining: number
  /** When denied: milliseconds until the same request could pass (0 when allowed). */
  retryAfterMs: number
  /** Milliseconds until the limiter is back to full capacity. */
  resetAfterMs: number
}

// ---------------------------------------------------------------- retry

export type BackoffKind = 'constant' | 'linear' | 'exponential'
export type Jitter = 'none' | 'full' | 'equal' | 'proportional' | 'decorrelated'

export interface BackoffOptions extends ClockOption {
  /** Growth of the delay (default 'exponential'). */
  kind?: BackoffKind
  /** First delay, ms (default 100; 0 = retry at once). */
  baseMs?: number
  /** Exponential growth factor, >= 1 (default 2). */
  factor?: number
  /** Cap on every computed delay, ms (default 30000). */
  maxDelayMs?: number
  /** Default 'full'. */
  jitter?: Jitter
  /** Calls in all, the first included (default 3). */
  maxAttempts?: number
  /** Give up when the next retry would start later than this, ms (default: no limit). */
  maxElapsedMs?: number | null
  /** Seed for reproducible jitter (the same delays in every language). */
  seed?: number | bigint
}

/** One call's schedule. */
export declare class Schedule {
  /** Delay before the next attempt (ms), or null to give up. */
  nextDelayMs(hints?: { retryAfterMs?: number; elapsedMs?: number }): number | null
  /**
   * Up to `count` (0..32) next delays in one call, shorter when the
   * schedule gives up: the delays that many nextDelayMs() calls would give.
   */
  nextDelaysMs(count: number): number[]
  readonly retries: number
  readonly attempts: number
  /** Whether the schedule has ended (gave up, or finish() was called). */
  readonly exhausted: boolean
  /** Ms since the schedule started when the backoff has maxElapsedMs, else null. */
  elapsedMs(): number | null
  /** Ends the schedule: its retries are counted in the metrics; it gives up from now on. */
  finish(): void
}

export interface BackoffMetrics {
  schedules: number
  retries: number
  exhaustedAttempts: number
  exhaustedElapsed: number
}

/** A backoff policy shared by many calls; each call takes a schedule(). */
export declare class Backoff {
  constructor(options?: BackoffOptions)
  /** Un-jittered delay before retry `n` (1-based), ms. */
  delayForMs(n: number): number
  schedule(): Schedule
  metrics(): BackoffMetrics
}

export interface RetryBudgetOptions extends NameOptions {
  /** Bucket size (default 10). */
  maxTokens?: number
  /** Tokens refilled per success (default 0.1). */
  tokenRatio?: number
  /** Keep the budget in this shared region (with `name`): one budget for every process of the host. */
  region?: SharedRegion
  /** The budget's name in `region`. */
  name?: string
}

export interface RetryBudgetMetrics {
  tokensMilli: number
  tokens: number
  maxTokensMilli: number
  thresholdMilli: number
  retriesAllowed: number
  retriesDenied: number
  successes: number
  failures: number
}

/** gRPC-style retry throttling: retries stay a bounded share of traffic. */
export declare class RetryBudget {
  constructor(options?: RetryBudgetOptions)
  /** A handle for worker threads (the shared primitive lives as long as the process). */
  share(): SharedHandle<'RetryBudget'>
  static fromShared(handle: SharedHandle<'RetryBudget'>): RetryBudget
  tryRetry(): boolean
  recordFailure(): void
  recordSuccess(): void
  metrics(): RetryBudgetMetrics
}

export interface RetryContext {
  /** 1 for the first call. */
  attempt: number
  signal: AbortSignal | undefined
}

export interface RetryOptions extends BackoffOptions {
  /** A shared Backoff, or Backoff options (else the options above are used). */
  backoff?: Backoff | BackoffOptions
  /** Which errors are retried (default: isRetryableError). */
  retryIf?: (err: unknown, attempt: number) => boolean
  /** Optional retry budget shared by many calls. */
  budget?: RetryBudget
  signal?: AbortSignal
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void
}

/** Calls `fn` until it succeeds or retrying stops (see README). */
export declare function retry<T>(fn: (ctx: RetryContext) => T | PromiseLike<T>, options?: RetryOptions): Promise<T>

/** Why a retry run gave up. */
export type RetryGiveUpReason = 'not_retryable' | 'attempts' | 'elapsed' | 'deadline' | 'budget'

export type RetryStep =
  | { action: 'sleep'; delayMs: number; attempts: number }
  | { action: 'give_up'; reason: RetryGiveUpReason; attempts: number; error: 'retry_exhausted' | 'retry_budget_exhausted' | 'timeout' | null }

/** One call's run of core's retry rules (see Retry). */
export declare class RetryRun {
  onFailure(failure?: { retryable?: boolean; retryAfterMs?: number; durationMs?: number }): RetryStep
  onSuccess(): void
  abandon(): void
  readonly attempts: number
  readonly status: 'running' | 'succeeded' | 'gave_up' | 'abandoned'
}

/** Core's retry run for code that makes its own attempts (retry() is this loop). */
export declare class Retry {
  constructor(options?: { backoff?: Backoff | BackoffOptions; budget?: RetryBudget; maxAttempts?: number })
  readonly backoff: Backoff
  readonly budget: RetryBudget | undefined
  start(options?: { deadlineMs?: number }): RetryRun
}

export type RetryableKind = 'connection_reset' | 'timed_out' | 'connection_refused' | 'network_error' | 'service_unavailable'

/** HTTP statuses retried by default (from core). */
export declare const RETRYABLE_STATUSES: readonly number[]
/** Failure kinds (from core). */
export declare const RETRYABLE_KINDS: readonly RetryableKind[]
/** Error code → failure kind (from core). */
export declare const CODE_KINDS: Readonly<Record<string, RetryableKind>>
export declare function isRetryableStatus(status: number): boolean
export declare function isRetryableKind(kind: string): boolean
export declare function kindForCode(code: string): RetryableKind | null
/** The default retry decision (codes, statuses, seawall errors, `cause` chain). */
export declare function isRetryableError(err: unknown): boolean
/** The Retry-After hint an error carries, in ms. */
export declare function retryAfterOf(err: unknown): number | undefined
/** Parses a Retry-After header value (seconds or HTTP date) to ms, by core's rule. */
export declare function parseRetryAfter(value: string | number, nowMs?: number): number | undefined
/** Whether a seawall error kind (e.g. 'rate_limited') is retried by default. */
export declare function isRetryableErrorKind(kind: string): boolean
/** Core's verdict on an error and its `cause` chain. */
export declare function classifyError(err: unknown): { retryable: boolean; retryAfterMs: number | undefined; decidedBy: number | null }
/** What a failed call records on a breaker (core's outcome mapping). */
export declare function outcomeOf(err: unknown, recorded?: boolean, ignored?: boolean): 'success' | 'failure' | 'ignored'

// ---------------------------------------------------------------- circuit breaker

export type BreakerState = 'closed' | 'open' | 'half_open' | 'disabled' | 'forced_open' | 'metrics_only'

export interface CircuitBreakerOptions extends ClockOption, NameOptions {
  /** Keep the breaker in this shared region under `name`: one state for every process of the host. */
  region?: SharedRegion
  /** Trip when failures/calls >= this over the window, in (0, 1]; null disables. Default 0.5. */
  failureRateThreshold?: number | null
  /** Trip when slow/calls >= this, in (0, 1]; null disables. Default 1. */
  slowCallRateThreshold?: number | null
  /** A call longer than this is slow, ms (default 60000). */
  slowCallDurationThresholdMs?: number
  /** Default 'count_based'. */
  windowKind?: 'count_based' | 'time_based'
  /** Calls (count-based, 1..100000) or seconds (time-based, 1..3600). Default 100. */
  windowSize?: number
  /** Rate rules need at least this many calls in the window (default 100). */
  minimumNumberOfCalls?: number
  /** Trip after this many failures in a row (or within failureCountPeriodMs); null disables (default). */
  failureCountThreshold?: number | null
  /** Count failures younger than this instead of consecutive ones, ms. */
  failureCountPeriodMs?: number | null
  /** How long the breaker stays open, ms (default 60000). */
  openDurationMs?: number
  /** Each re-trip multiplies the open duration (1..1000, default 1). */
  openDurationMultiplier?: number
  /** Cap on the grown open duration, ms. */
  maxOpenDurationMs?: number | null
  /** Probes per half-open episode (1..16, default 3). */
  halfOpenMaxCalls?: number
  /** Successful probes that close the breaker (default 3). */
  successThreshold?: number
  /** Which errors count as failures (false: ignored). Default: every error. */
  isFailure?: (err: unknown) => boolean
}

export interface StateChange {
  from: BreakerState
  to: BreakerState
  /** Clock time of the transition, ms. */
  atMs: number
}

export interface BreakerMetrics {
  state: BreakerState
  calls: number
  successes: number
  failures: number
  slow: number
  ignored: number
  rejected: number
  transitions: number
  bufferedCalls: number
  bufferedFailures: number
  bufferedSlow: number
  failureRate: number | null
  slowCallRate: number | null
  failureCount: number
  halfOpenInFlight: number
  halfOpenSuccesses: number
  openDurationMs: number
}

/** A permit of the two-step API: finish it once. */
/**
 * Finish it once: each method returns true when it finished the permit,
 * false (recording nothing) when it was already finished.
 */
export declare class BreakerPermit {
  readonly isProbe: boolean
  /** Whether the permit was finished. */
  readonly finished: boolean
  /**
   * Duration defaults to the time since tryAcquire(), on the breaker's
   * clock; a given duration must be a finite number of ms >= 0 (else RangeError).
   */
  success(durationMs?: number): boolean
  failure(durationMs?: number): boolean
  ignore(): boolean
  /** The call was not made: records nothing, frees a probe slot. */
  release(): boolean
}

export interface BreakerEvents {
  stateChange: [StateChange]
  closed: [StateChange]
  open: [StateChange]
  half_open: [StateChange]
  disabled: [StateChange]
  forced_open: [StateChange]
  metrics_only: [StateChange]
}

/** A circuit breaker (an EventEmitter of BreakerEvents). */
export declare class CircuitBreaker extends EventEmitter {
  constructor(options?: CircuitBreakerOptions)
  /** A handle for worker threads (the shared primitive lives as long as the process). */
  share(): SharedHandle<'CircuitBreaker'>
  /** This thread's object for a breaker another thread shared. */
  static fromShared(handle: SharedHandle<'CircuitBreaker'>, options?: { isFailure?: (err: unknown) => boolean }): CircuitBreaker
  readonly name: string | undefined
  /** A breaker in a SharedRegion: emit now the events of transitions other processes made. */
  pollTransitions(): void
  /** pollTransitions() every `everyMs` (default 100) on an unref'd timer; returns a function that stops it. */
  watchTransitions(everyMs?: number): () => void
  readonly state: BreakerState
  /** Runs fn if admitted; rejects with CircuitOpenError when open. */
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, options?: { signal?: AbortSignal }): Promise<T>
  /** A permit, or null when rejected (then see retryAfterMs()). */
  tryAcquire(): BreakerPermit | null
  /** Milliseconds until the breaker may admit again, as of the last tryAcquire() rejection. */
  retryAfterMs(): number
  metrics(): BreakerMetrics
  forceOpen(): void
  disable(): void
  metricsOnly(): void
  reset(): void
  on<K extends keyof BreakerEvents>(event: K, listener: (...args: BreakerEvents[K]) => void): this
  once<K extends keyof BreakerEvents>(event: K, listener: (...args: BreakerEvents[K]) => void): this
  off<K extends keyof BreakerEvents>(event: K, listener: (...args: BreakerEvents[K]) => void): this
  addListener<K extends keyof BreakerEvents>(event: K, listener: (...args: BreakerEvents[K]) => void): this
  removeListener<K extends keyof BreakerEvents>(event: K, listener: (...args: BreakerEvents[K]) => void): this
  emit<K extends keyof BreakerEvents>(event: K, ...args: BreakerEvents[K]): boolean
}


// ---------------------------------------------------------------- rate limiters

export interface AcquireOptions {
  signal?: AbortSignal
  /** Give up (RateLimitedError) when the wait would be longer, ms. Default: wait as long as needed. */
  timeoutMs?: number
}

export interface TokenBucketOptions extends ClockOption, NameOptions {
  /** Capacity (default 10). */
  burst?: number
  /** Refill rate, tokens per second (default 10). */
  ratePerSec?: number
  /** Tokens at start (default: burst). */
  initialTokens?: number
  /** Keep the bucket in this shared region (with `name`): one bucket for every process of the host. */
  region?: SharedRegion
  /** The bucket's name in `region`. */
  name?: string
}

export interface SlidingWindowOptions extends ClockOption, NameOptions {
  /** Requests per window (default 100). */
  limit?: number
  /** Window length, ms (default 60000). */
  windowMs?: number
  /** Sub-windows (default 10). */
  buckets?: number
  /** Keep the limiter in this shared region (with `name`): one limit for every process of the host. */
  region?: SharedRegion
  /** The limiter's name in `region`. */
  name?: string
}

export interface KeyTableOptions {
  /** Distinct keys the table always has room for (default 10000; the table has 4 x maxKeys slots). */
  maxKeys?: number
  /** Slots probed per lookup, 1..64 (default 64; smaller values make false denials below maxKeys possible). */
  maxProbe?: number
  /** A new key when the table is full: 'deny' (default) or 'allow'. */
  onFull?: 'deny' | 'allow'
  /** Seed of the key hash (default random). */
  hashSeed?: number | bigint
}

/** TokenBucket.metrics(). */
export interface TokenBucketMetrics {
  burst: number
  available: number
  emissionIntervalMs: number
  allowed: number
  denied: number
}

/** SlidingWindowLimiter.metrics(). */
export interface SlidingWindowMetrics {
  limit: number
  count: number
  allowed: number
  denied: number
}

/** KeyedTokenBucket.metrics() and KeyedSlidingWindow.metrics(). */
export interface KeyedLimiterMetrics {
  keysTracked: number
  capacity: number
  evictions: number
  tableFull: number
  /** Requests granted (a waiting acquire counts once, when granted). */
  allowed: number
  /** Requests denied (a waiting acquire counts once, when refused or given up). */
  denied: number
  /** Waiting acquires not yet granted or given up. */
  waiting: number
}

/** Any limiter's metrics (each class's own type above has every field set). */
export interface LimiterMetrics {
  burst?: number
  available?: number
  emissionIntervalMs?: number
  limit?: number
  count?: number
  allowed?: number
  denied?: number
  keysTracked?: number
  capacity?: number
  evictions?: number
  tableFull?: number
  /** Waiting acquires in core's queue. */
  waiting?: number
}

declare abstract class UnkeyedLimiter {
  readonly limit: number
  /** The `name` option (registry, 'rejected' events), or undefined. */
  readonly name: string | undefined
  tryAcquire(n?: number): boolean
  check(n?: number): RateLimitDecision
  peek(n?: number): RateLimitDecision
  /** Gives back `n` permits (0: nothing). */
  refund(n?: number): void
  /** Waits in core's FIFO queue until the permits are due (one timer, no polling). */
  acquire(n?: number, options?: AcquireOptions): Promise<void>
  /** Takes now or reserves for the due time (within maxWaitMs, default 0). */
  reserve(n?: number, options?: { maxWaitMs?: number }): Reservation
}

declare abstract class KeyedLimiter {
  readonly limit: number
  /** The `name` option (registry, 'rejected' events), or undefined. */
  readonly name: string | undefined
  tryAcquire(key: string, n?: number): boolean
  check(key: string, n?: number): RateLimitDecision
  /** The answer check(key, n) would give now, taking nothing and not inserting the key (for rate-limit headers). */
  peek(key: string, n?: number): RateLimitDecision
  /** Gives back `n` permits for `key` (0: nothing). */
  refund(key: string, n?: number): void
  /** Waits in the key's FIFO queue in core until the permits are due (one timer, no polling). */
  acquire(key: string, n?: number, options?: AcquireOptions): Promise<void>
  /** Takes now or reserves for the due time in the key's FIFO order (within maxWaitMs, default 0). */
  reserve(key: string, n?: number, options?: { maxWaitMs?: number }): Reservation
  metrics(): KeyedLimiterMetrics
}

export declare class TokenBucket extends UnkeyedLimiter {
  constructor(options?: TokenBucketOptions)
  share(): SharedHandle<'TokenBucket'>
  static fromShared(handle: SharedHandle<'TokenBucket'>): TokenBucket
  metrics(): TokenBucketMetrics
}
export declare class SlidingWindowLimiter extends UnkeyedLimiter {
  constructor(options?: SlidingWindowOptions)
  share(): SharedHandle<'SlidingWindowLimiter'>
  static fromShared(handle: SharedHandle<'SlidingWindowLimiter'>): SlidingWindowLimiter
  metrics(): SlidingWindowMetrics
}
export declare class KeyedTokenBucket extends KeyedLimiter {
  constructor(options?: Omit<TokenBucketOptions, 'initialTokens'> & KeyTableOptions)
  share(): SharedHandle<'KeyedTokenBucket'>
  static fromShared(handle: SharedHandle<'KeyedTokenBucket'>): KeyedTokenBucket
}
export declare class KeyedSlidingWindow extends KeyedLimiter {
  constructor(options?: SlidingWindowOptions & KeyTableOptions)
  share(): SharedHandle<'KeyedSlidingWindow'>
  static fromShared(handle: SharedHandle<'KeyedSlidingWindow'>): KeyedSlidingWindow
}

/** RedisBackend options (spec/redis.md). */
export interface RedisBackendOptions {
  /** redis://[user][:password@]host[:port][/db], rediss://… (TLS; ?ssl_ca_certs=/path/ca.pem) or unix:///path.sock (spec/redis.md, "The URL"). */
  url: string
  /** Longest a decision waits for Redis, 1 ms ..= 60 s. Default 50. */
  deadlineMs?: number
  /** What a decision answers when Redis cannot. Default 'local'. */
  onFailure?: 'open' | 'closed' | 'local'
  /** Prefix of every key. Default 'seawall'. */
  keyPrefix?: string
}
export interface RedisMetrics {
  redisOk: number
  errors: number
  timeouts: number
  fallbacks: number
  shortCircuited: number
  connects: number
  breakerState: string
  lastError?: string | null
}
export interface RedisDecision {
  allowed: boolean
  remaining: number
  retryAfterMs: number
  resetAfterMs: number
}
export interface RedisLimiterMetrics {
  limit: number
  allowed: number
  denied: number
  backend: RedisMetrics
}
/** One Redis, shared by any number of limiters; connects on the first decision. */
export declare class RedisBackend {
  constructor(options: RedisBackendOptions)
  metrics(): RedisMetrics
}
declare class RedisLimiter {
  readonly limit: number
  check(key: string | Buffer, n?: number): Promise<RedisDecision>
  tryAcquire(key: string | Buffer, n?: number): Promise<boolean>
  peek(key: string | Buffer, n?: number): Promise<RedisDecision>
  refund(key: string | Buffer, n?: number): Promise<void>
  metrics(): RedisLimiterMetrics
  /**
   * TEST ONLY, not a feature: the decision with the scripts' clock set to
   * `nowNs` instead of Redis TIME (spec/redis.md, "Test-only time override").
   * @internal
   */
  _testOnlyDecideAt(key: string | Buffer, n: number, op: 'acquire' | 'peek' | 'refund', nowNs: bigint): RedisDecision
}
/** A GCRA token bucket per key, in Redis. */
export declare class RedisTokenBucket extends RedisLimiter {
  constructor(options: { backend: RedisBackend; name: string; ratePerSec?: number; burst?: number })
}
/** A sliding window per key, in Redis. */
export declare class RedisSlidingWindow extends RedisLimiter {
  constructor(options: { backend: RedisBackend; name: string; limit?: number; windowMs?: number; buckets?: number })
}

export interface RedisLease { key: string; id: string; local: boolean }
/** A concurrency limit per key across hosts; permits are leases. */
export declare class RedisConcurrencyLimit {
  constructor(options: { backend: RedisBackend; name: string; maxConcurrent: number; leaseMs?: number })
  tryAcquire(key: string): Promise<{ lease: RedisLease | null; inUse: number; retryAfterMs: number }>
  release(lease: RedisLease): Promise<boolean>
  renew(lease: RedisLease): Promise<boolean>
}
/** Feature flags in Redis with a local cache and safe defaults. */
export declare class RedisFeatureFlags {
  constructor(options: { backend: RedisBackend; namespace: string; cacheTtlMs?: number })
  isEnabled(flag: string, defaultValue?: boolean): Promise<boolean>
  set(flag: string, on: boolean): Promise<boolean>
  disable(flag: string, forMs: number): Promise<boolean>
}

export type RateLimiterLike = TokenBucket | SlidingWindowLimiter | KeyedTokenBucket | KeyedSlidingWindow

/** A reservation in core's FIFO queue, waiting for its due time (reserve()). */
export declare class LimiterWaiter {
  /** Milliseconds until it is due (when made or last polled). */
  readonly dueInMs: number
  poll(): ({ outcome: 'granted' } & RateLimitDecision) | { outcome: 'waiting'; dueInMs: number } | { outcome: 'refused'; retryAfterMs: number } | { outcome: 'none' }
  cancel(): boolean
}

export type Reservation = ({ outcome: 'granted' } & RateLimitDecision) | { outcome: 'waiting'; waiter: LimiterWaiter }

/** A quota policy for the headers: the limiter's own, or given. */
export type QuotaPolicy = RateLimiterLike | { limiter: RateLimiterLike; name?: string } | { name?: string; limit: number; windowMs: number }

/**
 * RateLimit-Policy / RateLimit (draft-09), X-RateLimit-* and Retry-After
 * headers for a decision, written by core.
 */
export declare function rateLimitHeaders(decision: RateLimitDecision, policy: QuotaPolicy): Record<string, string>

export interface MiddlewareRequest {
  ip?: string
  socket?: { remoteAddress?: string }
  headers?: Record<string, string | string[] | undefined>
}

export interface MiddlewareResponse {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body?: string): unknown
}

export interface RateLimitMiddlewareOptions<Req = any> {
  limiter: RateLimiterLike
  /** The client key (default: req.ip or the socket address). */
  key?: (req: Req) => string
  /** Permits per request (default 1). */
  cost?: (req: Req) => number
  /** Set the rate-limit headers (default true). */
  headers?: boolean
  /** Body of the 429 response (default 'Too Many Requests'). */
  message?: string
  /** Handle a denied request yourself instead of the 429. */
  onLimited?: (req: Req, res: any, next: (err?: unknown) => void, decision: RateLimitDecision) => void
  /** The quota policy name in RateLimit-Policy / RateLimit (default 'default'). */
  name?: string
}

/** Express/Connect middleware enforcing a (per-client) rate limit. */
export declare function rateLimitMiddleware<Req = any>(options: RateLimitMiddlewareOptions<Req>): (req: Req, res: any, next: (err?: unknown) => void) => void

// ---------------------------------------------------------- shared region

export interface SharedRegionOptions {
  /** Total bytes of the file, used only when this call creates it (default 64 MiB). */
  size?: number
  /** Named primitives the region can hold, used only on creation (default 256). */
  slots?: number
}

/** A shared-memory region file (default under /dev/shm), mode 0600. */
export declare class SharedRegion {
  constructor(name: string, options?: SharedRegionOptions)
  /** The file backing the region. */
  readonly path: string
  /** Total bytes of the region. */
  readonly size: number
  /** Deletes the region file (processes that have it open keep it mapped). */
  static remove(name: string): void
}

// ---------------------------------------------------------------- bulkhead

export interface BulkheadOptions extends ClockOption, NameOptions {
  /** Calls at once (default 25). */
  maxConcurrent?: number
  /** Callers that may wait (default 0: nobody waits). */
  maxQueue?: number
  /** How long a caller waits by default, ms (default 0). */
  maxWaitMs?: number
  /** Keep the bulkhead in this shared region (with `name`; maxQueue 0): one limit for every process of the host. */
  region?: SharedRegion
  /** The bulkhead's name in `region`. */
  name?: string
}

export interface BulkheadMetrics {
  active: number
  queued: number
  total: number
  rejected: number
  maxConcurrent: number
  maxQueue: number
}

/** A held slot. */
export declare class BulkheadPermit {
  /** Frees the slot (or hands it to the oldest waiter); false if already released. */
  release(): boolean
}

/** A place in the queue (low-level API under acquire()). */
export declare class BulkheadWaiter {
  /** The permit once a slot was handed to this waiter, else null. */
  claim(): BulkheadPermit | null
  /** Leaves the queue; false if no longer waiting. */
  cancel(): boolean
}

export type BulkheadAdmission =
  | { outcome: 'acquired'; permit: BulkheadPermit }
  | { outcome: 'queued'; waiter: BulkheadWaiter }
  | { outcome: 'rejected' }

export interface BulkheadWaitOptions {
  /** Wait at most this long, ms (default: the bulkhead's maxWaitMs). */
  timeoutMs?: number
  signal?: AbortSignal
}

/** Caps concurrent calls; optional bounded FIFO queue. */
export declare class Bulkhead {
  /** The `name` option (registry, 'rejected' events), or undefined. */
  readonly name: string | undefined
  constructor(options?: BulkheadOptions)
  /** A slot now, or null (refused while anyone is queued). */
  tryAcquire(): BulkheadPermit | null
  /** A slot, waiting in FIFO order; rejects with BulkheadFullError. */
  acquire(options?: BulkheadWaitOptions): Promise<BulkheadPermit>
  /** Runs fn in a slot; the slot is released when it settles. */
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, options?: BulkheadWaitOptions): Promise<T>
  /** Low-level admission: a permit, a place in the queue, or rejected. */
  enqueue(): BulkheadAdmission
  metrics(): BulkheadMetrics
}

// ---------------------------------------------------------------- adaptive timeout, chaos

export interface AdaptiveTimeoutOptions extends ClockOption, NameOptions {
  /** In (0, 1] (default 0.95). */
  percentile?: number
  /** >= 1 (default 1.5). */
  multiplier?: number
  /** Default 1000. */
  minTimeoutMs?: number
  /** Default 30000. */
  maxTimeoutMs?: number
  /** Until minSamples latencies are known (default 5000). */
  initialTimeoutMs?: number
  /** Default 10. */
  minSamples?: number
  /** Latencies count for one to two windows, ms (default 30000). */
  windowMs?: number
}

export interface AdaptiveTimeoutMetrics {
  samples: number
  total: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  timeoutMs: number
}

/** The timeout to use now: percentile of recent latencies × multiplier, clamped. */
export declare class AdaptiveTimeout {
  constructor(options?: AdaptiveTimeoutOptions)
  record(latencyMs: number): void
  timeoutMs(): number
  metrics(): AdaptiveTimeoutMetrics
  /** Runs fn with the current timeout and records its latency. */
  execute<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: { signal?: AbortSignal }): Promise<T>
}

export interface FaultInjectorOptions extends ClockOption, NameOptions {
  /** Probability of an injected error, [0, 1] (default 0). */
  errorRate?: number
  /** Probability of an injected delay, [0, 1] (default 0). */
  delayRate?: number
  /** Default 1000. */
  delayMinMs?: number
  /** Default 1000. */
  delayMaxMs?: number
  seed?: number | bigint
  /** Default true. */
  enabled?: boolean
  /** The error to inject (default: an InjectedFaultError). */
  error?: () => unknown
}

export interface FaultDecision {
  fault: 'none' | 'error' | 'delay'
  delayMs: number
}

export interface FaultInjectorMetrics {
  decisions: number
  errors: number
  delays: number
  enabled: boolean
}

/** Chaos testing: errors and delays with a probability, seedable. */
export declare class FaultInjector {
  constructor(options?: FaultInjectorOptions)
  decide(): FaultDecision
  setEnabled(enabled: boolean): void
  metrics(): FaultInjectorMetrics
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, options?: { signal?: AbortSignal }): Promise<T>
  wrap<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>): (...args: A) => Promise<R>
}

// ---------------------------------------------------------------- policy

/** Policy options other than the fallback. */
export interface PolicyStages extends ClockOption {
  rateLimiter?: TokenBucket | SlidingWindowLimiter
  circuitBreaker?: CircuitBreaker
  bulkhead?: Bulkhead
  /** A fixed timeout per attempt, ms. */
  timeoutMs?: number
  /** Or an adaptive one. */
  timeout?: AdaptiveTimeout
  /** Retry each failed attempt (each retry is admitted again). */
  retry?: Omit<RetryOptions, 'signal' | 'clock'>
  /** Which errors fall back (default: all). */
  fallbackWhen?: (err: unknown) => boolean
}

/**
 * A fallback: the value, or a function of the error giving the value, to
 * resolve with when everything failed. Its type joins the result type of
 * execute() (`Policy<F>`).
 */
export type PolicyFallback<F> = F | ((err: unknown) => F | PromiseLike<F>)

export interface PolicyOptions<F = unknown> extends PolicyStages {
  fallback?: PolicyFallback<F>
}

export type PolicyStage = 'rate_limiter' | 'circuit_breaker' | 'bulkhead'

/** An admitted call. */
export declare class PolicyGuard {
  readonly allowed: true
  readonly stage: null
  readonly isProbe: boolean
  complete(outcome?: 'success' | 'failure' | 'ignored', durationMs?: number): boolean
  release(): boolean
}

export interface PolicyRejection {
  allowed: false
  stage: PolicyStage
  error: RateLimitedError | CircuitOpenError | BulkheadFullError
}

/** rate limiter → breaker → bulkhead → timeout → retry → fallback. */
/**
 * `F`: the fallback's type (never without a fallback): execute() resolves
 * with the call's result or the fallback's.
 */
export declare class Policy<F = never> {
  constructor(options: PolicyStages & { fallback: (err: unknown) => F | PromiseLike<F> })
  constructor(options: PolicyStages & { fallback: F })
  constructor(options?: PolicyStages)
  readonly rateLimiter: TokenBucket | SlidingWindowLimiter | undefined
  readonly circuitBreaker: CircuitBreaker | undefined
  readonly bulkhead: Bulkhead | undefined
  tryAcquire(): PolicyGuard | PolicyRejection
  /** Core's policy run for one call, driven by hand (execute() is this loop). */
  start(options?: { deadlineMs?: number }): PolicyRun
  execute<T>(fn: (signal?: AbortSignal, attempt?: number) => T | PromiseLike<T>, options?: { signal?: AbortSignal }): Promise<T | F>
  wrap<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>): (...args: A) => Promise<R | F>
}

export type PolicyStep =
  | { step: 'attempt'; attempt: number; timeoutMs: number | null; held?: BulkheadPermit }
  | { step: 'wait_for_slot'; attempt: number; waiter: BulkheadWaiter; maxWaitMs: number }
  | { step: 'sleep'; attempt: number; delayMs: number }
  | { step: 'fallback' | 'fail'; attempt: number; stage: 'rate_limiter' | 'circuit_breaker' | 'bulkhead' | null; error: string | null; retryAfterMs?: number; attempts?: number; reason?: RetryGiveUpReason; field?: string; held?: BulkheadPermit }
  | { step: 'done'; attempt: number; held?: BulkheadPermit }

/** One call's policy run (Policy.start()). */
export declare class PolicyRun {
  next(): PolicyStep
  onSuccess(): PolicyStep
  onFailure(failure?: { retryable?: boolean; retryAfterMs?: number; outcome?: 'success' | 'failure' | 'ignored' }): PolicyStep
  onTimeout(): PolicyStep
  slotGranted(permit: BulkheadPermit): PolicyStep
  slotTimedOut(): PolicyStep
  cancel(): void
  readonly attempts: number
}

/** `new Policy(options)`. */
export declare function wrap<F>(options: PolicyStages & { fallback: (err: unknown) => F | PromiseLike<F> }): Policy<F>
export declare function wrap<F>(options: PolicyStages & { fallback: F }): Policy<F>
export declare function wrap(options?: PolicyStages): Policy

// ---------------------------------------------------------------- http

/** A response with a status core classifies as retryable, inside fetchWith(). */
export declare class HttpStatusError extends SeawallError {
  constructor(response: Response)
  readonly code: 'SEAWALL_HTTP_STATUS'
  readonly status: number
  readonly headers: Headers
  readonly response: Response
}

export interface FetchWithOptions extends ClockOption {
  /** The fetch to wrap (default: globalThis.fetch). */
  fetch?: (input: any, init?: any) => Promise<Response>
  /** Every request runs through this policy (its retry included). */
  policy?: Policy<unknown>
  /** A retry loop around each request (around the policy, if both). */
  retry?: Omit<RetryOptions, 'signal' | 'clock'>
  /** A timeout per attempt, ms (the request's signal is aborted). */
  timeoutMs?: number
}

/**
 * A fetch through a policy and/or retry: retryable statuses (core's table)
 * count as failures and are retried (Retry-After honoured); the last such
 * response is returned when no attempt succeeded.
 */
export declare function fetchWith(options: FetchWithOptions): (input: any, init?: any) => Promise<Response>

export interface FastifyRateLimitOptions {
  limiter: RateLimiterLike
  /** The client of a request (default: request.ip). */
  key?: (request: any) => string
  cost?: (request: any) => number
  headers?: boolean
  message?: string
  onLimited?: (request: any, reply: any, decision: RateLimitDecision) => void
}

/** Fastify plugin: `fastify.register(fastifyRateLimit, { limiter, ... })`. */
export declare function fastifyRateLimit(
  fastify: { addHook(name: 'onRequest', hook: (request: any, reply: any, done: (err?: Error) => void) => void): unknown },
  options: FastifyRateLimitOptions,
  done: (err?: Error) => void
): void

// ---- metrics export, names, health (spec/metrics.md) ----------------------

/** Naming options of the primitives: a name registers the instance. */
export interface NameOptions {
  /** Registers the instance under this name (unique in its registry). */
  name?: string
  /** Extra Prometheus labels (needs `name`). */
  labels?: Record<string, string>
  /** Where to register (default: `defaultRegistry`; needs `name`). */
  registry?: Registry
}

export interface RegistryOptions {
  /** Family prefix, a Prometheus metric name (default 'seawall'). */
  namespace?: string
}

export interface Registration {
  readonly active: boolean
  close(): void
}

export interface HealthInstance {
  name: string
  kind: 'circuit_breaker' | 'token_bucket' | 'sliding_window' | 'keyed_token_bucket' | 'keyed_sliding_window' | 'bulkhead' | 'retry_budget' | 'adaptive_timeout' | 'fault_injector' | 'retry'
  labels: Record<string, string>
  healthy: boolean
  metrics: Record<string, number | string | boolean | null>
}

export interface Health {
  status: 'ok' | 'degraded'
  instances: HealthInstance[]
}

export type Registrable = CircuitBreaker | TokenBucket | SlidingWindowLimiter | KeyedTokenBucket | KeyedSlidingWindow | Bulkhead | AdaptiveTimeout | FaultInjector | RetryBudget | Backoff | Retry

export declare class Registry {
  constructor(options?: RegistryOptions)
  readonly namespace: string
  names(): string[]
  has(name: string): boolean
  prometheusText(): string
  health(): Health
  register(obj: Registrable, name: string, labels?: Record<string, string>): Registration
}

export declare const defaultRegistry: Registry

export interface MetricsMiddlewareOptions {
  registry?: Registry
  metricsPath?: string
  healthPath?: string
}

/** Express/Connect/plain `http` middleware serving /metrics and /health. */
export declare function metricsMiddleware(options?: MetricsMiddlewareOptions): (req: { method?: string; url?: string }, res: { statusCode: number; setHeader(name: string, value: string | number): unknown; end(body?: string): unknown }, next?: () => void) => void

export declare const metrics: {
  Registry: typeof Registry
  defaultRegistry: Registry
  register(obj: Registrable, name: string, options?: { labels?: Record<string, string>; registry?: Registry }): Registration
  prometheusText(registry?: Registry): string
  health(registry?: Registry): Health
  metricsMiddleware: typeof metricsMiddleware
  /** One OpenTelemetry observable instrument per family on `meter`. */
  instrumentOpenTelemetry(meter: any, options?: { registry?: Registry }): unknown[]
  /** Registers seawall's families in a prom-client Registry. */
  promClientCollector(promRegistry: { registerMetric(metric: any): void }, options?: { registry?: Registry }): unknown[]
  CONTENT_TYPE: string
}

/** A breaker, rate limiter (keyed too) or bulkhead refused a call (also a stage inside a policy run). */
export interface RejectedEvent {
  by: 'circuit_breaker' | 'rate_limiter' | 'bulkhead'
  /** The refusing instance's `name` option, or undefined. */
  name: string | undefined
  /** -1 when not known (a bulkhead). */
  retryAfterMs: number
  /** A keyed limiter's key. */
  key?: string
}
/** A retry run (or a policy's retry stage) will try again after `delayMs`. */
export interface RetryScheduledEvent {
  /** The calls the retry stage has counted (1 = the first call failed). */
  attempt: number
  delayMs: number
  error: unknown
}
/** A retry run (or a policy's retry stage) stopped. */
export interface GaveUpEvent {
  attempts: number
  reason: 'not_retryable' | 'attempts' | 'elapsed' | 'deadline' | 'budget'
  error: unknown
}
/** A fallback answered instead of the call. */
export interface FallbackUsedEvent { error: unknown }
/** A timeout (or a policy attempt's limit) cut a call off. */
export interface TimeoutEvent { limitMs: number }
/** A FaultInjector injected an error or a delay. */
export interface FaultInjectedEvent { fault: 'error' | 'delay', delayMs: number }
/** The payload of each of `events`' events. */
export interface SeawallEventMap {
  rejected: RejectedEvent
  retryScheduled: RetryScheduledEvent
  gaveUp: GaveUpEvent
  fallbackUsed: FallbackUsedEvent
  timeout: TimeoutEvent
  faultInjected: FaultInjectedEvent
  /** A listener threw: the error (never propagated to the call). */
  listenerError: unknown
}
/** `events`: an EventEmitter whose seawall events carry typed payloads. */
export interface SeawallEvents extends EventEmitter {
  on<K extends keyof SeawallEventMap>(event: K, listener: (payload: SeawallEventMap[K]) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once<K extends keyof SeawallEventMap>(event: K, listener: (payload: SeawallEventMap[K]) => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
  addListener<K extends keyof SeawallEventMap>(event: K, listener: (payload: SeawallEventMap[K]) => void): this
  addListener(event: string | symbol, listener: (...args: any[]) => void): this
  prependListener<K extends keyof SeawallEventMap>(event: K, listener: (payload: SeawallEventMap[K]) => void): this
  prependListener(event: string | symbol, listener: (...args: any[]) => void): this
  off<K extends keyof SeawallEventMap>(event: K, listener: (payload: SeawallEventMap[K]) => void): this
  off(event: string | symbol, listener: (...args: any[]) => void): this
  removeListener<K extends keyof SeawallEventMap>(event: K, listener: (payload: SeawallEventMap[K]) => void): this
  removeListener(event: string | symbol, listener: (...args: any[]) => void): this
}
/** Process-wide decision events: 'retryScheduled', 'gaveUp', 'fallbackUsed', 'timeout', 'faultInjected', 'rejected', and 'listenerError' (spec/metrics.md). Nothing is built for an event nobody listens to. */
export declare const events: SeawallEvents
