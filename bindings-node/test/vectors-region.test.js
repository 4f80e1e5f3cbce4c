'use strict'
// The vectors of every primitive that can live in a shared region, run
// against region-backed instances through the public JS API: the same
// answers, unchanged (spec/shared_memory.md).
const test = require('node:test')
const assert = require('node:assert')
const fs = require('node:fs')
const path = require('node:path')
const { ManualClock, SharedRegion } = require('seawall')
const { vectorsDir, vectorFiles, parseJson, matches, show, region } = require('./vectors')
const runners = require('./runners')

const IN_REGION = new Set(['token_bucket', 'sliding_window', 'keyed_limiter', 'bulkhead', 'circuit_breaker', 'retry_budget'])

function runScenario (primitive, sc) {
  const runner = runners[primitive]
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
    if (!matches(sc.expect_error, buildError)) throw new Error(`${name}: construction error ${show(buildError)} does not match ${show(sc.expect_error)}`)
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

test('the vectors of region primitives, region-backed', { skip: process.platform !== 'linux' }, () => {
  const file = `/dev/shm/seawall-nodevectors-${process.pid}`
  SharedRegion.remove(file)
  region.current = new SharedRegion(file, { size: 256 * 1024 * 1024, slots: 8192 })
  const failures = []
  let passed = 0
  try {
    for (const f of vectorFiles()) {
      const doc = parseJson(fs.readFileSync(f, 'utf8'))
      if (!IN_REGION.has(doc.primitive)) continue
      for (const sc of doc.scenarios) {
        try {
          runScenario(doc.primitive, sc)
          passed++
        } catch (e) {
          failures.push(`${path.relative(vectorsDir(), f)}: ${e.message}`)
        }
      }
    }
  } finally {
    region.current = null
    SharedRegion.remove(file)
  }
  assert.deepStrictEqual(failures, [])
  assert.ok(passed > 100, `${passed} scenarios`)
  assert.ok(region.names > 100, `${region.names} built in the region`)
})
