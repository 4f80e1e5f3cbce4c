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

const events = new EventEmitter()

function emit (name, payload) {
  try {
    events.emit(name, payload)
  } catch (e) {
    require('./metrics').reportListenerError(events, e)
  }
}

// Cheap check first, so the payload is built only when someone listens.
function has (name) {
  return events.listenerCount(name) > 0
}

// A rejection: one 'rejected' event, built only when someone listens.
function rejected (by, name, retryAfterMs, key) {
  if (events.listenerCount('rejected') === 0) return
  const ev = { by, name, retryAfterMs }
  if (key !== undefined) ev.key = key
  emit('rejected', ev)
}

module.exports = { events, emit, has, rejected }
