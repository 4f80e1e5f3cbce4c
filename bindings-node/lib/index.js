'use strict'
// seawall for Node.js: the public API. Native primitives (Rust core via
// napi-rs) wrapped with the parts that run user functions: promises,
// AbortSignal, events, timeouts, fallbacks.

const native = require('./native')
const errors = require('./errors')
const { ManualClock } = require('./clock')
const { timeout, Deadline, deadline } = require('./timeout')
const { fallback, fallbackChain, degrade } = require('./fallback')
const classify = require('./classify')
const { CircuitBreaker, BreakerPermit } = require('./breaker')
const limiter = require('./limiter')
const { Bulkhead, BulkheadPermit, BulkheadWaiter } = require('./bulkhead')
const { AdaptiveTimeout } = require('./adaptive_timeout')
const { FaultInjector } = require('./fault')
const { Policy, PolicyGuard, PolicyRun, wrap } = require('./policy')
const { Backoff, Schedule, RetryBudget, Retry, RetryRun, retry } = require('./retry')
const http = require('./http')
const { SharedRegion } = require('./region')
const redis = require('./redis')
const metrics = require('./metrics')
const { events } = require('./events')

module.exports = {
  VERSION: native.version(),
  metrics,
  events,
  Registry: metrics.Registry,
  defaultRegistry: metrics.defaultRegistry,
  metricsMiddleware: metrics.metricsMiddleware,
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
  TokenBucket: limiter.TokenBucket,
  SlidingWindowLimiter: limiter.SlidingWindowLimiter,
  KeyedTokenBucket: limiter.KeyedTokenBucket,
  KeyedSlidingWindow: limiter.KeyedSlidingWindow,
  RedisBackend: redis.RedisBackend,
  RedisTokenBucket: redis.RedisTokenBucket,
  RedisSlidingWindow: redis.RedisSlidingWindow,
  RedisConcurrencyLimit: redis.RedisConcurrencyLimit,
  RedisFeatureFlags: redis.RedisFeatureFlags,
  rateLimitHeaders: limiter.rateLimitHeaders,
  rateLimitMiddleware: limiter.rateLimitMiddleware,
  fastifyRateLimit: http.fastifyRateLimit,
  fetchWith: http.fetchWith,
  HttpStatusError: http.HttpStatusError,
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
  RETRYABLE_STATUSES: classify.RETRYABLE_STATUSES,
  RETRYABLE_KINDS: classify.RETRYABLE_KINDS,
  CODE_KINDS: classify.CODE_KINDS,
  isRetryableStatus: classify.isRetryableStatus,
  isRetryableKind: classify.isRetryableKind,
  kindForCode: classify.kindForCode,
  isRetryableError: classify.isRetryableError,
  retryAfterOf: classify.retryAfterOf,
  parseRetryAfter: classify.parseRetryAfter,
  isRetryableErrorKind: classify.isRetryableErrorKind,
  classifyError: classify.classifyError,
  outcomeOf: classify.outcomeOf,
  SeawallError: errors.SeawallError,
  CircuitOpenError: errors.CircuitOpenError,
  RateLimitedError: errors.RateLimitedError,
  BulkheadFullError: errors.BulkheadFullError,
  TimeoutError: errors.TimeoutError,
  RetryExhaustedError: errors.RetryExhaustedError,
  RetryBudgetExhaustedError: errors.RetryBudgetExhaustedError,
  InjectedFaultError: errors.InjectedFaultError
}
