'use strict'
// A small benchmark harness: warm up, then time batches and report the
// median ns/op over several runs (robust against a busy shared machine).

const { performance } = require('node:perf_hooks')

async function measure (fn, { batch = 10_000, runs = 15, async = false, warmup = 3 } = {}) {
  const samples = []
  for (let r = 0; r < warmup + runs; r++) {
    const t0 = performance.now()
    if (async) {
      for (let i = 0; i < batch; i++) await fn()
    } else {
      for (let i = 0; i < batch; i++) fn()
    }
    const dt = performance.now() - t0
    if (r >= warmup) samples.push((dt * 1e6) / batch)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]
}

// Every function of `fns` ({ name: fn }) timed in the same process,
// interleaved: after `warmup` batches of each, `runs` rounds of one batch of
// each (the order rotating per round), so load from elsewhere on the machine
// hits every side alike. The median ns/op of each.
async function measureInterleaved (fns, { batch = 10_000, runs = 15, async = false, warmup = 3 } = {}) {
  const names = Object.keys(fns)
  const samples = Object.fromEntries(names.map((k) => [k, []]))
  const once = async (fn) => {
    const t0 = performance.now()
    if (async) {
      for (let i = 0; i < batch; i++) await fn()
    } else {
      for (let i = 0; i < batch; i++) fn()
    }
    return ((performance.now() - t0) * 1e6) / batch
  }
  for (let r = 0; r < warmup; r++) for (const k of names) await once(fns[k])
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < names.length; j++) {
      const k = names[(j + r) % names.length]
      samples[k].push(await once(fns[k]))
    }
  }
  const out = {}
  for (const k of names) {
    const v = samples[k].sort((a, b) => a - b)
    out[k] = v[Math.floor(v.length / 2)]
  }
  return out
}

function fmt (ns) {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`
}

module.exports = { measure, measureInterleaved, fmt }
