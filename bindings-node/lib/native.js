'use strict'
// The generated napi-rs loader (../index.js) picks the .node file for this
// platform. Everything else in lib/ reaches the native code through here.
const binding = require('../index.js')
const { mapNativeError } = require('./errors')

module.exports = binding

// Extra numbers of hot answers cross in this per-thread array (see
// src/handles.rs): read them right after the call that wrote them.
const scratch = new Float64Array(40) // 8 + up to 32 backoff delays (src/backoff.rs)
binding.setScratch(scratch)
module.exports.scratch = scratch

/** Validates a JS-only duration option with the core's rules and words. */
module.exports.checkDuration = function checkDuration (field, value, positive) {
  try {
    return binding.checkDurationMs(field, value, positive)
  } catch (e) {
    throw mapNativeError(e, { [field]: value })
  }
}
