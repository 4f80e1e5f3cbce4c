'use strict'
// Mirrors tests/src/runners/classify.rs through the public JS API.
const s = require('seawall')
const { msToNs, nsToMs } = require('../vectors')

const SEAWALL = {
  circuit_open: () => new s.CircuitOpenError(0),
  rate_limited: () => new s.RateLimitedError(0),
  bulkhead_full: () => new s.BulkheadFullError(),
  timeout: () => new s.TimeoutError(0),
  retry_budget_exhausted: () => new s.RetryBudgetExhaustedError(),
  injected_fault: () => new s.InjectedFaultError(),
  retry_exhausted: () => new s.RetryExhaustedError(1, undefined),
  invalid_config: () => Object.assign(new RangeError('bad config'), { code: 'SEAWALL_INVALID_CONFIG' }),
  invalid_argument: () => Object.assign(new RangeError('bad argument'), { code: 'SEAWALL_INVALID_ARGUMENT' })
}

function seawallError (kind) {
  const make = SEAWALL[kind]
  if (make === undefined) throw new Error(`no JS error for seawall kind ${kind}`)
  return make()
}

// A JS error carrying a link's facts the way Node code meets them: a
// seawall error, a system error with the code of the transport kind, an
// HTTP error with a status; a retry-after hint as a Retry-After header.
function errorFor (link, cause) {
  let e
  if (link.seawall !== undefined) {
    e = seawallError(link.seawall)
  } else {
    e = new Error('link')
    if (link.transport !== undefined) {
      const code = Object.keys(s.CODE_KINDS).find((c) => s.CODE_KINDS[c] === link.transport)
      if (code === undefined) throw new Error(`no error code for transport kind ${link.transport}`)
      e.code = code
    }
    if (link.status !== undefined) e.status = link.status
  }
  if (link.retry_after_ns !== undefined) e.retryAfterMs = nsToMs(link.retry_after_ns)
  else if (e.retryAfterMs !== undefined) e.retryAfterMs = undefined
  if (cause !== undefined) e.cause = cause
  return e
}

module.exports = {
  build () {
    return {
      step (op, args) {
        switch (op) {
          case 'status': return { retryable: s.isRetryableStatus(args.status) }
          case 'kind': return { retryable: s.isRetryableKind(args.kind) }
          case 'code': {
            const kind = s.kindForCode(args.code)
            return { kind, retryable: kind !== null }
          }
          case 'statuses': return { statuses: [...s.RETRYABLE_STATUSES] }
          case 'kinds': return { kinds: [...s.RETRYABLE_KINDS] }
          case 'error_kind': return { retryable: s.isRetryableErrorKind(args.kind) }
          case 'chain': {
            // Each link as the JS error it describes, chained by `cause`.
            let err
            for (let i = args.links.length - 1; i >= 0; i--) err = errorFor(args.links[i], err)
            const v = s.classifyError(err)
            return {
              retryable: v.retryable,
              retry_after_ns: v.retryAfterMs === undefined ? null : msToNs(v.retryAfterMs),
              decided_by: v.decidedBy
            }
          }
          case 'retry_after': {
            const ms = s.parseRetryAfter(args.value, args.now_unix_ms === undefined ? 0 : Number(args.now_unix_ms))
            return { delay_ns: ms === undefined ? null : msToNs(ms) }
          }
          case 'outcome': {
            const err = args.seawall === undefined ? new Error('x') : seawallError(args.seawall)
            return { outcome: s.outcomeOf(err, args.recorded, args.ignored === true) }
          }
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  }
}
