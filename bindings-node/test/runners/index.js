'use strict'
// One runner per primitive, mirroring tests/src/runners/<primitive>.rs.
// A runner exports build(config, clock) -> { step(op, args) -> output },
// throwing when construction fails, and errorValue(err) for that error.
//
// The runners are the files of this folder, found here (no list to keep):
// a file that exports build is the runner of the primitive it is named
// after (`circuit_breaker.js`); any other file exports several runners by
// primitive name (`limiters.js`: { token_bucket, sliding_window, ... }).

const fs = require('node:fs')
const path = require('node:path')

const runners = {}
for (const file of fs.readdirSync(__dirname).sort()) {
  if (!file.endsWith('.js') || file === 'index.js') continue
  const mod = require(path.join(__dirname, file))
  const found = typeof mod.build === 'function' ? { [path.basename(file, '.js')]: mod } : mod
  for (const [primitive, runner] of Object.entries(found)) {
    if (typeof runner.build !== 'function') {
      throw new Error(`test/runners/${file}: ${primitive} has no build(config, clock)`)
    }
    if (Object.hasOwn(runners, primitive)) {
      throw new Error(`test/runners/${file}: a second runner for ${primitive}`)
    }
    runners[primitive] = runner
  }
}

module.exports = runners
