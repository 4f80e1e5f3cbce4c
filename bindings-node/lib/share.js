'use strict'
// Handles for sharing primitives between the worker threads of one
// process. An object posted to a worker arrives as a plain copy (structured
// clone keeps no class and no native state); a handle is a plain object
// that names the primitive, and `fromShared(handle)` in the worker gives an
// object of its own for the same primitive: one state, one limit for the
// whole process.

const { argTypeError } = require('./errors')

const MARK = 'seawall.shared'

function handle (type, id, extra) {
  return Object.freeze({ kind: MARK, type, id, ...extra })
}

/** Checks that `h` is a handle of `type` (made by share()). */
function checkHandle (h, type) {
  if (h === null || typeof h !== 'object' || h.kind !== MARK || typeof h.id !== 'number') {
    throw argTypeError('handle', `a handle made by ${type}.prototype.share()`, h)
  }
  if (h.type !== type) {
    const e = argTypeError('handle', `a handle of a ${type}`, h)
    e.message = `handle must be a handle of a ${type}, got one of a ${h.type}`
    throw e
  }
  return h
}

module.exports = { handle, checkHandle, MARK }
