'use strict'
// Loads spec/vectors/**.json and compares outputs with the rules of
// tests/src/lib.rs: `expect` keys are a subset; integers compare exactly,
// floats within a relative 1e-9 (at least 1e-9 absolute).

const fs = require('node:fs')
const path = require('node:path')

function vectorsDir () {
  if (process.env.SEAWALL_VECTORS) return process.env.SEAWALL_VECTORS
  return path.resolve(__dirname, '../../spec/vectors')
}

function vectorFiles (dir = vectorsDir()) {
  const out = []
  const walk = (d) => {
    let entries
    try { entries = fs.readdirSync(d, { withFileTypes: true }) } catch { return }
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.json')) out.push(p)
    }
  }
  walk(dir)
  return out.sort()
}

// JSON with integers beyond 2^53 kept exact as BigInt.
function parseJson (text) {
  const marked = text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"__seawall_bigint__:$2"')
  return JSON.parse(marked, (k, v) => {
    if (typeof v === 'string' && v.startsWith("__seawall_bigint__:")) {
      const b = BigInt(v.slice(19))
      return (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER)) ? Number(b) : b
    }
    return v
  })
}

function isInt (x) {
  return typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x))
}

function numbersEqual (a, b) {
  if (isInt(a) && isInt(b)) {
    if (typeof a === 'bigint' || typeof b === 'bigint') return BigInt(a) === BigInt(b)
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a === b
  }
  const x = Number(a)
  const y = Number(b)
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y), 1)
}

function isNum (x) { return typeof x === 'number' || typeof x === 'bigint' }

function matches (expected, actual) {
  if (isNum(expected) && isNum(actual)) return numbersEqual(expected, actual)
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length === actual.length &&
      expected.every((x, i) => matches(x, actual[i]))
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
    return Object.keys(expected).every(k => k in actual && matches(expected[k], actual[k]))
  }
  return expected === actual
}

function show (v) {
  return JSON.stringify(v, (k, x) => typeof x === 'bigint' ? x.toString() : x)
}

// ns (number | bigint) -> BigInt
function bn (v) { return typeof v === 'bigint' ? v : BigInt(v) }

// ms (float) -> integer ns, as a Number when exact, else BigInt.
function msToNs (ms) {
  const ns = Math.round(ms * 1e6)
  return Number.isSafeInteger(ns) ? ns : BigInt(ns)
}

// The output object of a thrown seawall error, as tests/src/lib.rs builds it.
// `fields` maps JS option names back to core's (ratePerSec -> rate_per_sec).
function errorValue (e, fields = {}) {
  const wire = {
    SEAWALL_INVALID_CONFIG: 'invalid_config',
    SEAWALL_INVALID_ARGUMENT: 'invalid_argument',
    SEAWALL_CIRCUIT_OPEN: 'circuit_open',
    SEAWALL_RATE_LIMITED: 'rate_limited',
    SEAWALL_BULKHEAD_FULL: 'bulkhead_full',
    SEAWALL_TIMEOUT: 'timeout',
    SEAWALL_RETRY_BUDGET_EXHAUSTED: 'retry_budget_exhausted',
    SEAWALL_INJECTED_FAULT: 'injected_fault'
  }[e && e.code]
  if (!wire) throw e
  const out = { error: wire }
  if (e.field !== undefined) out.field = fields[e.field] !== undefined ? fields[e.field] : snake(e.field)
  if (e.retryAfterMs !== undefined) out.retry_after_ns = msToNs(e.retryAfterMs)
  return out
}

// openDurationMs -> open_duration (core's spelling, no unit suffix)
function snake (field) {
  return field.replace(/Ms$/, '').replace(/[A-Z]/g, c => '_' + c.toLowerCase())
}

// Converts a vector config (core names, *_ns integers) to JS options
// (camelCase, *Ms floats). Returns [options, fieldsMap(js -> core)].
function toOptions (config, rename = {}) {
  const opts = {}
  const fields = {}
  for (const [k, v] of Object.entries(config || {})) {
    let js
    let val = v
    if (rename[k]) {
      js = rename[k]
    } else if (k.endsWith('_ns')) {
      js = camel(k.slice(0, -3)) + 'Ms'
    } else {
      js = camel(k)
    }
    if (k.endsWith('_ns') && (typeof v === 'number' || typeof v === 'bigint')) val = nsToMs(v)
    opts[js] = val
    fields[js] = k.endsWith('_ns') ? k.slice(0, -3) : k
  }
  return [opts, fields]
}

// ns -> float ms. Integer ns above 2^53 are not all representable in ms;
// then the double on the far side of the exact value is taken, so a value
// one ns past a limit is still past it (the binding rounds ms to whole ns).
function nsToMs (v) {
  const ms = Number(v) / 1e6
  if (typeof v !== 'bigint' || !Number.isFinite(ms)) return ms
  const back = BigInt(Math.round(ms * 1e6))
  if (back === v) return ms
  const f = new Float64Array([ms])
  const b = new BigInt64Array(f.buffer)
  b[0] += back < v ? 1n : -1n
  return f[0]
}

function camel (s) { return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()) }

// While `region.current` is set (by vectors-region.test.js), runners of the
// primitives that can live in a shared region build them there, each under
// a fresh name (spec/shared_memory.md).
const region = { current: null, names: 0 }
function inRegion () {
  if (region.current === null) return {}
  region.names += 1
  return { region: region.current, name: `vector-${region.names}` }
}

// One scenario through its runner (test/runners): built on a ManualClock
// at start_ns; the construction error or every step's answer must match.
// Throws on the first mismatch.
function runWith (runner, sc) {
  const { ManualClock } = require('seawall')
  const name = sc.name || '<unnamed>'
  const clock = new ManualClock({ startNs: BigInt(sc.start_ns || 0) })
  let subject
  let buildError
  try {
    subject = runner.build(sc.config || {}, clock)
  } catch (e) {
    buildError = runner.errorValue ? runner.errorValue(e) : e
  }
  if (sc.expect_error) {
    if (!buildError) throw new Error(`${name}: expected construction error ${show(sc.expect_error)}, got success`)
    if (!matches(sc.expect_error, buildError)) {
      throw new Error(`${name}: construction error ${show(buildError)} does not match ${show(sc.expect_error)}`)
    }
    return
  }
  if (buildError) throw new Error(`${name}: construction failed: ${buildError instanceof Error ? buildError.stack : show(buildError)}`)
  ;(sc.steps || []).forEach((step, i) => {
    let out
    if (step.op === 'advance') {
      clock.advanceNs(step.ns)
      out = {}
    } else if (step.op === 'set_time') {
      clock.setNs(step.ns)
      out = {}
    } else {
      out = subject.step(step.op, step, clock)
    }
    if (step.expect !== undefined && !matches(step.expect, out)) {
      throw new Error(`${name}: step ${i} (${step.op}): expected ${show(step.expect)}, got ${show(out)}`)
    }
  })
}

module.exports = {
  runWith,
  toOptions,
  nsToMs,
  snake,
  camel, vectorsDir, vectorFiles, parseJson, matches, show, bn, msToNs, errorValue, region, inRegion }
