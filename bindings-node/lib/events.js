'use strict'
// Process-wide events for decisions a user may alert on or log, beyond the
// breaker's own 'stateChange' events (EventEmitter conventions):
//   'retryScheduled' { attempt, delayMs, error }
//   'gaveUp'         { attempts, reason, error }
//   'fallbackUsed'   { error }
//   'timeout'        { limitMs }
//   'faultInjected'  { fault: 'error' | 'delay', delayMs }
//   'rejected'       { by: 'circuit_breaker', name, retryAfterMs } (execute())
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

module.exports = { events, emit, has }
