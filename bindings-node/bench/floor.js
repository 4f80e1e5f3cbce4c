'use strict'
// Floors behind bench.js: one native call, one clock read, the harness await.
// node bench/floor.js
const n = require('../lib/native.js')
const { performance } = require('perf_hooks')
function time(name, f, N = 2e6) {
  for (let i = 0; i < 2e5; i++) f()
  const t = performance.now(); for (let i = 0; i < N; i++) f(); const dt = performance.now() - t
  console.log(`| ${name} | ${(dt * 1e6 / N).toFixed(1)} ns |`)
}
async function atime(name, f, N = 3e5) {
  for (let i = 0; i < 3e4; i++) await f()
  const t = performance.now(); for (let i = 0; i < N; i++) await f(); const dt = performance.now() - t
  console.log(`| ${name} | ${(dt * 1e6 / N).toFixed(1)} ns |`)
}
;(async () => {
  time('native call, no work (`version()`)', () => n.version())
  time('native call reading CLOCK_MONOTONIC (`monotonicNowMs()`)', () => n.monotonicNowMs())
  time('`performance.now()`', () => performance.now())
  time('`Date.now()`', () => Date.now())
  await atime('`await` of an async function returning 1 (harness floor)', async () => 1)
})()
