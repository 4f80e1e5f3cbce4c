'use strict'
// seawall for Node.js: the public API. Native primitives (Rust core via
// napi-rs) wrapped with the parts that run user functions: promises,
// AbortSignal, events, timeouts, fallbacks.
//
// The export object below names only plain identifiers (`{ a, b }`): that
// is the shape Node's CommonJS export detection reads, so lib/index.mjs
// re-exports every name without listing them (test/esm.test.js checks it).

const native = require('./native')
const {
  SeawallError,
  CircuitOpenError,
  RateLimitedError,
  BulkheadFullError,
  TimeoutError,
  RetryExhaustedError,
  RetryBudgetExhaustedError,
  InjectedFaultError
} = require('./errors')
const { ManualClock } = require('./clock')
const { timeout, Deadline, deadline } = require('./timeout')
const { fallback, fallbackChain, degrade } = require('./fallback')
const {
  RETRYABLE_STATUSES,
  RETRYABLE_KINDS,
  CODE_KINDS,
  isRetryableStatus,
  isRetryableKind,
  kindForCode,
  isRetryableError,
  retryAfterOf,
  parseRetryAfter,
  isRetryableErrorKind,
  classifyError,
  outcomeOf
} = require('./classify')
const { CircuitBreaker, BreakerPermit } = require('./breaker')
const {
  TokenBucket,
  SlidingWindowLimiter,
  KeyedTokenBucket,
  KeyedSlidingWindow,
  rateLimitHeaders,
  rateLimitMiddleware
} = require('./limiter')
const { Bulkhead, BulkheadPermit, BulkheadWaiter } = require('./bulkhead')
const { AdaptiveTimeout } = require('./adaptive_timeout')
const { FaultInjector } = require('./fault')
const { Policy, PolicyGuard, PolicyRun, wrap } = require('./policy')
const { Backoff, Schedule, RetryBudget, Retry, RetryRun, retry } = require('./retry')
const { fastifyRateLimit, fetchWith, HttpStatusError } = require('./http')
const { SharedRegion } = require('./region')
const {
  RedisBackend,
  RedisTokenBucket,
  RedisSlidingWindow,
  RedisConcurrencyLimit,
  RedisFeatureFlags
} = require('./redis')
const metrics = require('./metrics')
const { Registry, defaultRegistry, metricsMiddleware } = metrics
const { events } = require('./events')

const VERSION = native.version()

module.exports = {
  VERSION,
  metrics,
  events,
  Registry,
  defaultRegistry,
  metricsMiddleware,
  ManualClock,
  SharedRegion,
  timeout,
  Deadline,
  deadline,
  fallback,
  fallbackChain,
  degrade,
  CircuitBreaker,
  BreakerPermit,
  TokenBucket,
  SlidingWindowLimiter,
  KeyedTokenBucket,
  KeyedSlidingWindow,
  RedisBackend,
  RedisTokenBucket,
  RedisSlidingWindow,
  RedisConcurrencyLimit,
  RedisFeatureFlags,
  rateLimitHeaders,
  rateLimitMiddleware,
  fastifyRateLimit,
  fetchWith,
  HttpStatusError,
  Bulkhead,
  BulkheadPermit,
  BulkheadWaiter,
  AdaptiveTimeout,
  FaultInjector,
  Policy,
  PolicyGuard,
  PolicyRun,
  wrap,
  Backoff,
  Schedule,
  RetryBudget,
  retry,
  Retry,
  RetryRun,
  RETRYABLE_STATUSES,
  RETRYABLE_KINDS,
  CODE_KINDS,
  isRetryableStatus,
  isRetryableKind,
  kindForCode,
  isRetryableError,
  retryAfterOf,
  parseRetryAfter,
  isRetryableErrorKind,
  classifyError,
  outcomeOf,
  SeawallError,
  CircuitOpenError,
  RateLimitedError,
  BulkheadFullError,
  TimeoutError,
  RetryExhaustedError,
  RetryBudgetExhaustedError,
  InjectedFaultError
}
