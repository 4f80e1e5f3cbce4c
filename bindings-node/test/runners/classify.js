'use strict'
// Mirrors tests/src/runners/classify.rs through the public JS API.
const s = require('seawall')

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
          default: throw new Error(`unknown op ${op}`)
        }
      }
    }
  }
}
