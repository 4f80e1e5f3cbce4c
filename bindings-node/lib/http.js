'use strict'
// HTTP helpers: a fetch wrapper that runs each request through a policy
// and/or retry loop, and a Fastify plugin for per-client rate limits (the
// Express/Connect middleware is in lib/limiter.js).
//
// Nothing is decided here: which statuses are worth retrying (and count as
// failures for a breaker) is core's table (lib/classify.js), the wait is
// the Retry-After header or the backoff schedule, as in retry().

const { SeawallError, configTypeError } = require('./errors')
const { isRetryableStatus } = require('./classify')
const { checkKeys } = require('./options')
const { Policy } = require('./policy')
const { retry, RetryBudget, Backoff } = require('./retry')
const { clockOf, abortReason } = require('./clock')
const native = require('./native')
const { runWithTimeout } = require('./timeout')
const { BaseLimiter, KeyedLimiter, quotaPolicyOf, headersFor } = require('./limiter')

/**
 * A response whose status core classifies as retryable (408, 429, 5xx of
 * the table). Thrown inside the policy so the breaker counts it and retry
 * sees `status` and the `retry-after` header; the caller gets the last
 * response back when nothing succeeded.
 */
class HttpStatusError extends SeawallError {
  constructor (response) {
    super(`HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`, 'SEAWALL_HTTP_STATUS')
    this.status = response.status
    this.headers = response.headers
    this.response = response
  }
}

const FETCH_OPTIONS = ['fetch', 'policy', 'retry', 'timeoutMs', 'clock']
const RETRY_KEYS = ['kind', 'baseMs', 'factor', 'maxDelayMs', 'jitter', 'maxAttempts', 'maxElapsedMs', 'seed',
  'backoff', 'retryIf', 'budget', 'onRetry']

function responseOf (err) {
  for (let e = err, i = 0; e !== null && typeof e === 'object' && i < 8; e = e.cause, i++) {
    if (e instanceof HttpStatusError) return e.response
  }
  return undefined
}

function isStream (body) {
  return body !== null && typeof body === 'object' && typeof body.getReader === 'function'
}

// A signal that aborts when either does (AbortSignal.any is Node >= 20.3).
function eitherSignal (a, b) {
  if (a === undefined || a === null) return b
  if (b === undefined || b === null) return a
  const ac = new AbortController()
  const onA = () => { ac.abort(abortReason(a)); b.removeEventListener('abort', onB) }
  const onB = () => { ac.abort(abortReason(b)); a.removeEventListener('abort', onA) }
  if (a.aborted) ac.abort(abortReason(a))
  else if (b.aborted) ac.abort(abortReason(b))
  else {
    a.addEventListener('abort', onA, { once: true })
    b.addEventListener('abort', onB, { once: true })
  }
  return ac.signal
}

/**
 * A `fetch` that runs each request through `policy` (its rate limiter,
 * breaker, bulkhead, timeout, retry, fallback) and/or a `retry` loop
 * (RetryOptions), with an optional `timeoutMs` per attempt. A response
 * with a status core deems retryable counts as a failure and is retried
 * (honouring Retry-After); when no attempt succeeds, the last such
 * response is returned (as fetch does), other rejections (an open
 * breaker, a network error, RetryExhaustedError with no response) reject.
 * Other statuses (404, 400, ...) are answers, returned at once. A request
 * with a stream body is sent once (a stream cannot be sent again).
 */
function fetchWith (options) {
  if (options === null || typeof options !== 'object') throw configTypeError('options', 'an object', options)
  checkKeys(options, FETCH_OPTIONS, 'fetchWith options')
  const fetchImpl = options.fetch === undefined ? globalThis.fetch : options.fetch
  if (typeof fetchImpl !== 'function') throw configTypeError('fetch', 'a fetch function', fetchImpl)
  const policy = options.policy
  if (policy !== undefined && !(policy instanceof Policy)) throw configTypeError('policy', 'a Policy', policy)
  const clock = clockOf(options.clock)
  const timeoutMs = options.timeoutMs === undefined ? undefined : native.checkDuration('timeoutMs', options.timeoutMs, true)
  let retryOpts
  if (options.retry !== undefined) {
    if (options.retry === null || typeof options.retry !== 'object') throw configTypeError('retry', 'an object of retry options', options.retry)
    checkKeys(options.retry, RETRY_KEYS, 'fetchWith retry options')
    const r = options.retry
    if (r.budget !== undefined && !(r.budget instanceof RetryBudget)) throw configTypeError('retry.budget', 'a RetryBudget', r.budget)
    if (r.backoff !== undefined && !(r.backoff instanceof Backoff) && (r.backoff === null || typeof r.backoff !== 'object')) throw configTypeError('retry.backoff', 'a Backoff or its options', r.backoff)
    retryOpts = { ...r, clock: options.clock }
  }

  return function seawallFetch (input, init) {
    const callerSignal = init && init.signal ? init.signal : undefined
    const once = init && isStream(init.body)
    let last // the response of the previous attempt, whose body is dropped on retry
    const attempt = (signal) => {
      if (last !== undefined && last.body && typeof last.body.cancel === 'function') last.body.cancel().catch(() => {})
      last = undefined
      const send = (s) => Promise.resolve(fetchImpl(input, { ...init, signal: eitherSignal(callerSignal, s) })).then((res) => {
        if (res && typeof res.status === 'number' && isRetryableStatus(res.status)) {
          last = res
          throw new HttpStatusError(res)
        }
        return res
      })
      return timeoutMs === undefined ? send(signal) : runWithTimeout(send, timeoutMs, clock, signal)
    }
    let run
    if (policy !== undefined) {
      run = (s) => policy.execute((ps) => attempt(eitherSignal(s, ps)), { signal: s })
    } else {
      run = attempt
    }
    let p
    if (retryOpts !== undefined && !once) {
      p = retry(({ signal }) => run(signal), { ...retryOpts, signal: callerSignal })
    } else {
      p = run(callerSignal)
    }
    return p.catch((err) => {
      const res = responseOf(err)
      if (res !== undefined) return res
      throw err
    })
  }
}

/**
 * Fastify plugin for per-client rate limits (register it on the instance,
 * or on an encapsulated context for some routes):
 * `fastify.register(fastifyRateLimit, { limiter, key, cost, headers, onLimited, message })`,
 * with the options of rateLimitMiddleware. A denied request gets 429 with
 * Retry-After and the rate-limit headers.
 */
function fastifyRateLimit (fastify, options, done) {
  let opts
  try {
    if (options === null || typeof options !== 'object') throw configTypeError('options', 'an object', options)
    checkKeys(options, ['limiter', 'key', 'cost', 'headers', 'message', 'onLimited', 'name'], 'fastifyRateLimit options')
    opts = options
    if (!(opts.limiter instanceof BaseLimiter)) throw configTypeError('limiter', 'a seawall rate limiter', opts.limiter)
    for (const f of ['key', 'cost', 'onLimited']) {
      if (opts[f] !== undefined && typeof opts[f] !== 'function') throw configTypeError(f, 'a function', opts[f])
    }
  } catch (e) {
    return done(e)
  }
  const limiter = opts.limiter
  const keyed = limiter instanceof KeyedLimiter
  const keyOf = opts.key === undefined ? (req) => String(req.ip) : opts.key
  const costOf = opts.cost
  const headers = opts.headers !== false
  const message = opts.message === undefined ? 'Too Many Requests' : String(opts.message)
  let quota
  try {
    quota = quotaPolicyOf({ limiter, name: opts.name }, 'options')
    headersFor({ allowed: true, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 }, quota) // checks the name now
  } catch (e) {
    return done(e)
  }
  fastify.addHook('onRequest', (request, reply, next) => {
    let d
    try {
      const n = costOf === undefined ? 1 : costOf(request)
      d = keyed ? limiter.check(keyOf(request), n) : limiter.check(n)
    } catch (e) {
      return next(e)
    }
    let h
    if (headers || !d.allowed) h = headersFor(d, quota)
    if (headers) for (const name of Object.keys(h)) reply.header(name, h[name])
    if (d.allowed) return next()
    if (opts.onLimited !== undefined) return opts.onLimited(request, reply, d)
    if (!headers) reply.header('Retry-After', h['Retry-After'])
    reply.code(429).header('Content-Type', 'text/plain; charset=utf-8').send(message)
  })
  done()
}
// As fastify-plugin does: the hook applies to the instance it is
// registered on (no encapsulation), and a readable name.
fastifyRateLimit[Symbol.for('skip-override')] = true
fastifyRateLimit[Symbol.for('fastify.display-name')] = 'seawall-rate-limit'

module.exports = { fetchWith, HttpStatusError, fastifyRateLimit }
