'use strict'
// The vectors of every primitive that can live in a shared region, run
// against region-backed instances through the public JS API: the same
// answers, unchanged (spec/shared_memory.md).
const test = require('node:test')
const assert = require('node:assert')
const fs = require('node:fs')
const path = require('node:path')
const { SharedRegion } = require('seawall')
const { vectorsDir, vectorFiles, parseJson, runWith, region } = require('./vectors')
const runners = require('./runners')

const IN_REGION = new Set(['token_bucket', 'sliding_window', 'keyed_limiter', 'bulkhead', 'circuit_breaker', 'retry_budget'])

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
          runWith(runners[doc.primitive], sc)
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
