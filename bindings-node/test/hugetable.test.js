'use strict'
// Huge but valid keyed-table options (issue 11 item 2): building the table
// must give a typed error when the memory cannot be had, never abort the
// process ("memory allocation of 137573171200 bytes failed", SIGABRT).
// Runs in a child process, which an abort would kill.
//
// TODO: marked `todo` until core's fallible allocation of keyed tables
// (try_reserve) is merged; then drop the `todo` option.
const test = require('node:test')
const assert = require('node:assert')
const { spawnSync } = require('node:child_process')

const HUGE = [
  ['KeyedSlidingWindow', { maxKeys: 2 ** 24, buckets: 1024, limit: 2 ** 24 - 1 }],
  ['KeyedTokenBucket', { maxKeys: 2 ** 24, maxProbe: 64 }]
]

test('a keyed table too big for memory is a typed error, not an abort', { todo: 'passes once core allocates keyed tables fallibly (another branch)' }, () => {
  for (const [cls, options] of HUGE) {
    const code = `
      const s = require('seawall')
      try {
        const k = new s.${cls}(${JSON.stringify(options)})
        console.log(JSON.stringify({ built: true, capacity: k.metrics().capacity }))
      } catch (e) {
        console.log(JSON.stringify({ built: false, isError: e instanceof Error, name: e.name, code: e.code, field: e.field, message: e.message }))
      }
    `
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', cwd: __dirname, timeout: 120_000 })
    assert.strictEqual(r.signal, null, `${cls}: killed by ${r.signal}: ${r.stderr.slice(0, 300)}`)
    assert.strictEqual(r.status, 0, `${cls}: exit ${r.status}: ${r.stderr.slice(0, 300)}`)
    const out = JSON.parse(r.stdout)
    if (out.built) continue // this machine had the memory: nothing to refuse
    assert.ok(out.isError, `${cls}: threw a non-Error`)
    assert.match(String(out.code), /^SEAWALL_/, `${cls}: untyped error ${out.name}: ${out.message}`)
  }
})
