'use strict'
// One runner per primitive, mirroring tests/src/runners/<primitive>.rs.
// A runner exports build(config, clock) -> { step(op, args) -> output },
// throwing when construction fails, and errorValue(err) for that error.

module.exports = {
  backoff: require('./backoff'),
  circuit_breaker: require('./circuit_breaker'),
  classify: require('./classify'),
  retry_budget: require('./retry_budget'),
  ...require('./limiters'),
  ...require('./chaos'),
  bulkhead: require('./bulkhead'),
  policy: require('./policy'),
  retry_run: require('./retry_run'),
  headers: require('./headers'),
  policy_run: require('./policy_run')
}
