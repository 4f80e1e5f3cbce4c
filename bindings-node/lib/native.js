'use strict'
// The generated napi-rs loader (../index.js) picks the .node file for this
// platform (lib/platform.js first says clearly when there is none).
// Everything else in lib/ reaches the native code through here.
const binding = require('./platform').loadBinding()
const { mapNativeError } = require('./errors')

module.exports = binding

// Extra numbers of hot answers cross in this per-thread array (see
// src/ffi.rs): read them right after the call that wrote them.
//
// The hottest functions (breakerAcquire, breakerRecordSince, limiterTryAcquire, limiterTryAcquireOne,
// bulkheadEnqueue, bulkheadRelease, backoffStart, backoffStep, backoffSteps) are raw Node-API callbacks
// that take no JS arguments and return undefined: the caller writes their inputs to scratch[0..] right
// before the call and reads the answer from scratch[0] right after (each
// Node-API argument or return value costs more than their work). The
// slots of each are documented at its Rust definition. Slots 0..4 are the
// limiter, breaker and bulkhead calls'; backoff schedules keep a state in
// 8..16 between steps (lib/retry.js), with their arguments and up to 32
// delays in 16..48; a policy step's details are in 16..26 (lib/policy.js).
// Those offsets and the other protocol constants are defined once in Rust
// (src/lib.rs `protocol()`) and read here, once.
const protocol = Object.freeze(binding.protocol())
module.exports.protocol = protocol
const scratch = new Float64Array(protocol.scratchLen)
binding.setScratch(scratch)
module.exports.scratch = scratch

/**
 * Validates a JS-only duration with the core's rules and words: an option
 * of a primitive (code SEAWALL_INVALID_CONFIG), or with `arg` an argument
 * of a call (SEAWALL_INVALID_ARGUMENT).
 */
module.exports.checkDuration = function checkDuration (field, value, positive, arg) {
  try {
    return binding.checkDurationMs(field, value, positive)
  } catch (e) {
    const m = mapNativeError(e, { [field]: value })
    if (arg === true && m.code === 'SEAWALL_INVALID_CONFIG') m.code = 'SEAWALL_INVALID_ARGUMENT'
    throw m
  }
}
