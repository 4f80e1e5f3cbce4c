'use strict'
// Process-wide events for decisions a user may alert on or log, beyond the
// breaker's own 'stateChange' events (EventEmitter conventions):
//   'retryScheduled' { attempt, delayMs, error }
//   'gaveUp'         { attempts, reason, error }
//   'fallbackUsed'   { error }
//   'timeout'        { limitMs }
//   'faultInjected'  { fault: 'error' | 'delay', delayMs }
//   'rejected'       { by, name, retryAfterMs[, key] }: a breaker, rate
//                    limiter or bulkhead refused a call (by: 'circuit_breaker',
//                    'rate_limiter', 'bulkhead'; name: the instance's name or
//                    undefined; retryAfterMs: -1 when not known; key: the
//                    key of a keyed limiter)
// Nothing is built unless the event has a listener. A listener that throws
// never breaks the call: 'listenerError' listeners get the error, or else
// it is emitted once as a process warning (code SEAWALL_LISTENER_ERROR).

const { EventEmitter } = require('node:events')

function emit (name, payload) {
  try {
    events.emit(name, payload)
  } catch (e) {
    require('./metrics').reportListenerError(events, e)
  }
}

// Listeners per event, recounted whenever one is added or removed (on,
// once, off, removeAllListeners, a once-listener firing), so the check on a
// refusal path is one property read of a fixed-shape object rather than
// listenerCount().
const watched = { retryScheduled: 0, gaveUp: 0, fallbackUsed: 0, timeout: 0, faultInjected: 0, rejected: 0 }

function recount (emitter, name) {
  if (name === undefined) {
    for (const k of Object.keys(watched)) watched[k] = emitter.listenerCount(k)
  } else if (Object.hasOwn(watched, name)) {
    watched[name] = emitter.listenerCount(name)
  }
}

class SeawallEvents extends EventEmitter {
  addListener (name, fn) { super.addListener(name, fn); recount(this, name); return this }
  on (name, fn) { super.on(name, fn); recount(this, name); return this }
  prependListener (name, fn) { super.prependListener(name, fn); recount(this, name); return this }
  removeListener (name, fn) { super.removeListener(name, fn); recount(this, name); return this }
  off (name, fn) { super.off(name, fn); recount(this, name); return this }
  removeAllListeners (name) {
    if (name === undefined) super.removeAllListeners()
    else super.removeAllListeners(name)
    recount(this, name)
    return this
  }
}

const events = new SeawallEvents()

// Cheap check first, so the payload is built only when someone listens.
function has (name) {
  return watched[name] > 0
}

// A rejection: one 'rejected' event, built only when someone listens.
function rejected (by, name, retryAfterMs, key) {
  if (watched.rejected === 0) return
  const ev = { by, name, retryAfterMs }
  if (key !== undefined) ev.key = key
  emit('rejected', ev)
}

// `listening`: the listener counts by event name (read-only outside this
// file); a refusal path tests `listening.rejected !== 0`, one property read.
module.exports = { events, emit, has, rejected, listening: watched }
