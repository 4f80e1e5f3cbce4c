'use strict'
// One runner per primitive, mirroring tests/src/runners/<primitive>.rs.
// A runner exports build(config, clock) -> { step(op, args) -> output } and
// throws (or returns { error }) when construction fails.

const runners = {}

module.exports = runners
