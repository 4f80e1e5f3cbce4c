'use strict'
// Every spec/vectors/**.json through the public JS API: the same answers as
// the Rust core. A primitive without a runner FAILS here, on purpose.

const test = require('node:test')
const assert = require('node:assert')
const fs = require('node:fs')
const path = require('node:path')
const { vectorsDir, vectorFiles, parseJson, runWith } = require('./vectors')
const runners = require('./runners')

const files = vectorFiles()

// Vector ops the Node binding does not have yet: scenarios using them are
// skipped (and listed as skipped), never passed. None today.
const PENDING_OPS = {}

function pendingOp (primitive, sc) {
  const ops = PENDING_OPS[primitive]
  if (!ops) return undefined
  const step = (sc.steps || []).find((s) => ops.has(s.op))
  return step && step.op
}

test('vectors directory', (t) => {
  if (files.length === 0) t.skip(`no vector files under ${vectorsDir()} yet`)
})

function runScenario (primitive, sc) {
  const runner = runners[primitive]
  if (!runner) throw new Error(`no Node runner for primitive ${JSON.stringify(primitive)}`)
  runWith(runner, sc)
}

for (const file of files) {
  const rel = path.relative(vectorsDir(), file)
  test(`vectors: ${rel}`, (t) => {
    const doc = parseJson(fs.readFileSync(file, 'utf8'))
    assert.ok(typeof doc.primitive === 'string', 'no "primitive"')
    assert.ok(Array.isArray(doc.scenarios) && doc.scenarios.length > 0, 'no scenarios')
    const failures = []
    const skipped = []
    for (const sc of doc.scenarios) {
      const op = pendingOp(doc.primitive, sc)
      if (op) {
        skipped.push(`${sc.name} (op ${op})`)
        continue
      }
      try {
        runScenario(doc.primitive, sc)
      } catch (e) {
        failures.push(e.message)
      }
    }
    if (skipped.length > 0) t.diagnostic(`skipped, not in the Node binding yet: ${skipped.join('; ')}`)
    assert.deepStrictEqual(failures, [], `${failures.length} of ${doc.scenarios.length} scenarios failed`)
  })
}
