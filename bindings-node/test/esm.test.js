'use strict'
// `import { X } from 'seawall'` (issue 11 item 1): named ESM imports work
// and name exactly what require('seawall') exports.
const test = require('node:test')
const assert = require('node:assert')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const seawall = require('seawall')

test('named ESM imports from a .mjs file work and match the CommonJS exports', () => {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'esm.mjs')], { encoding: 'utf8' })
  const r = JSON.parse(out)
  assert.strictEqual(r.version, seawall.VERSION)
  assert.strictEqual(r.open, true)
  assert.strictEqual(r.granted, true)
  assert.strictEqual(r.retried, 7)
  assert.strictEqual(r.same, true)
  assert.deepStrictEqual(r.names, Object.keys(seawall).sort())
  assert.deepStrictEqual(r.differing, [])
})

test('import() from CommonJS gets the same classes (no second copy of the package)', async () => {
  const ns = await import('seawall')
  assert.strictEqual(ns.CircuitBreaker, seawall.CircuitBreaker)
  assert.strictEqual(ns.default, seawall)
})
