'use strict'
// fallback, fallbackChain, degrade: pure JS on top of timeout().

const native = require('./native')
const ev = require('./events')
const { argTypeError } = require('./errors')
const { clockOf } = require('./clock')
const { checkKeys, KNOWN } = require('./options')
const { runWithTimeout, withCallerStack, newTimeoutError, checkFn, checkSignal, checkOptions } = require('./timeout')

function checkWhen (when) {
  if (when === undefined || when === null) return () => true
  if (typeof when !== 'function') throw argTypeError('when', 'a function', when)
  return when
}

/**
 * Runs `fn()`; if it throws or rejects with an error that `when(err)`
 * accepts (default: every error), resolves with `alternative(err)` when
 * it is a function, or with `alternative` itself.
 */
async function fallback (fn, alternative, options) {
  checkFn(fn)
  const opts = checkOptions(options)
  checkKeys(opts, KNOWN.fallback, 'fallback() options')
  const when = checkWhen(opts.when)
  try {
    return await fn()
  } catch (err) {
    if (!when(err)) throw err
    if (opts.onFallback) opts.onFallback(err)
    if (ev.has('fallbackUsed')) ev.emit('fallbackUsed', { error: err })
    return typeof alternative === 'function' ? alternative(err) : alternative
  }
}

/**
 * Tries each function in order (each receives the previous error) and
 * resolves with the first success; rejects with the last error when all
 * fail, or at once with an error that `when(err)` does not accept.
 */
async function fallbackChain (fns, options) {
  if (!Array.isArray(fns) || fns.length === 0) throw argTypeError('fns', 'a non-empty array of functions', fns)
  fns.forEach((f, i) => checkFn(f, `fns[${i}]`))
  const opts = checkOptions(options)
  checkKeys(opts, KNOWN.fallbackChain, 'fallbackChain() options')
  const when = checkWhen(opts.when)
  let last
  for (let i = 0; i < fns.length; i++) {
    try {
      return await fns[i](last)
    } catch (err) {
      last = err
      if (!when(err)) throw err
    }
  }
  throw last
}

/**
 * Graceful degradation: runs the named parts at once, each with its own
 * timeout. A part with a `default` that fails or times out degrades to
 * that default and is reported; a part without one is required, and its
 * failure rejects the whole call.
 *
 * Resolves with `{ values, degraded, errors }`.
 */
async function degrade (parts, options) {
  if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) {
    throw argTypeError('parts', 'an object of named parts', parts)
  }
  const opts = checkOptions(options)
  checkKeys(opts, KNOWN.degrade, 'degrade() options')
  const clock = clockOf(opts.clock)
  const signal = checkSignal(opts.signal)
  const names = Object.keys(parts)
  const plans = names.map((name) => {
    const p = parts[name]
    if (typeof p === 'function') return { name, fn: p, ms: undefined, optional: false }
    if (p === null || typeof p !== 'object') throw argTypeError(`parts.${name}`, 'a function or { fn, timeoutMs?, default? }', p)
    checkKeys(p, KNOWN.degradePart, `degrade() part ${JSON.stringify(name)}`)
    checkFn(p.fn, `parts.${name}.fn`)
    const ms = p.timeoutMs === undefined ? undefined : native.checkDuration(`parts.${name}.timeoutMs`, p.timeoutMs, true, true)
    return { name, fn: p.fn, ms, optional: Object.prototype.hasOwnProperty.call(p, 'default'), def: p.default }
  })
  const values = {}
  const errors = {}
  const degraded = []
  await Promise.all(plans.map(async (plan) => {
    try {
      values[plan.name] = plan.ms === undefined
        ? await runWithSignal(plan.fn, signal)
        : await withCallerStack(runWithTimeout(plan.fn, plan.ms, clock, signal, newTimeoutError))
    } catch (err) {
      if (!plan.optional) throw err
      values[plan.name] = typeof plan.def === 'function' ? plan.def(err) : plan.def
      errors[plan.name] = err
      degraded.push(plan.name)
      if (opts.onDegraded) opts.onDegraded(plan.name, err)
    }
  }))
  degraded.sort((a, b) => names.indexOf(a) - names.indexOf(b))
  return { values, degraded, errors }
}

function runWithSignal (fn, signal) {
  return fn(signal || new AbortController().signal)
}

module.exports = { fallback, fallbackChain, degrade }
