'use strict'
// `make bench-node`: seawall next to the libraries Node users would
// otherwise pick (cockatiel, opossum, limiter). Not a test: numbers go to
// bindings-node/BENCHMARKS.md with this command.

const os = require('node:os')
const { measure, fmt } = require('./harness')
const scenarios = require('./scenarios')

async function main () {
  const filter = process.argv[2]
  const rows = []
  for (const sc of scenarios) {
    if (filter && !sc.name.includes(filter)) continue
    const results = {}
    for (const [lib, make] of Object.entries(sc.impls)) {
      const fn = await make()
      results[lib] = await measure(fn, sc.options)
    }
    rows.push({ sc, results })
    const sw = results.seawall
    const cells = Object.entries(results).map(([lib, ns]) =>
      lib === 'seawall' || sw === undefined ? `${lib} ${fmt(ns)}` : `${lib} ${fmt(ns)} (${(ns / sw).toFixed(1)}×)`)
    console.error(`${sc.name}: ${cells.join(' | ')}`)
  }
  console.log(`\nnode ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cpus\n`)
  console.log('| scenario | seawall | peer | peer time | speed-up | target |')
  console.log('|---|---|---|---|---|---|')
  for (const { sc, results } of rows) {
    const sw = results.seawall
    for (const [lib, ns] of Object.entries(results)) {
      if (lib === 'seawall') continue
      const target = (sc.targets || {})[lib]
      const x = sw === undefined ? NaN : ns / sw
      const mark = target === undefined ? '' : `≥${target}× ${x >= target ? 'met' : 'NOT met'}`
      console.log(`| ${sc.name} | ${sw === undefined ? 'n/a' : fmt(sw)} | ${lib} | ${fmt(ns)} | ${isNaN(x) ? 'n/a' : x.toFixed(1) + '×'} | ${mark} |`)
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
