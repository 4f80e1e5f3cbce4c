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

function fmt (ns) {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`
}

module.exports = { measure, fmt }
