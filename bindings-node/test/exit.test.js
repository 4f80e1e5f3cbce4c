'use strict'
const test = require('node:test')
const assert = require('node:assert')
const path = require('node:path')
const { spawn } = require('node:child_process')

test('a script using every primitive exits by itself within a second of its last statement', async () => {
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'everything.js')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c) => { out += c })
  child.stderr.on('data', (c) => { err += c })
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(sig || c)))
  const exitedAt = Date.now()
  clearTimeout(killer)
  assert.strictEqual(code, 0, `exit ${code}: ${err}`)
  const m = /done (\d+)/.exec(out)
  assert.ok(m, `no "done" line: ${out} ${err}`)
  const lag = exitedAt - Number(m[1])
  assert.ok(lag < 1000, `exited ${lag} ms after its last statement`)
})
