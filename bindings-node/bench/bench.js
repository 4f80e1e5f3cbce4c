'use strict'
// `make bench-node`: seawall next to the libraries Node users would
// otherwise pick (cockatiel, opossum, limiter), every side of a row timed
// interleaved in this process (harness.measureInterleaved). Not a test:
// numbers go to bindings-node/BENCHMARKS.md with this command.

const os = require('node:os')
const { measureInterleaved, fmt } = require('./harness')
const scenarios = require('./scenarios')

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ')

async function main () {
  const loadBefore = load()
  const filter = process.argv[2]
  const rows = []
  for (const sc of scenarios) {
    if (filter && !sc.name.includes(filter)) continue
    const fns = {}
    for (const [lib, make] of Object.entries(sc.impls)) fns[lib] = await make()
    const results = await measureInterleaved(fns, sc.options)
    rows.push({ sc, results })
    console.error(`${sc.name}: ${Object.entries(results).map(([lib, ns]) => `${lib} ${fmt(ns)}`).join(' | ')}`)
  }
  console.log(`\nnode ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cpus, load average ${loadBefore} before, ${load()} after (this run adds ~1), ${new Date().toISOString()}\n`)
  console.log('| scenario | seawall | time | peer | peer time | speed-up | target |')
  console.log('|---|---|---|---|---|---|---|')
  for (const { sc, results } of rows) {
    const ours = Object.entries(results).filter(([lib]) => lib.startsWith('seawall'))
    const peers = Object.entries(results).filter(([lib]) => !lib.startsWith('seawall'))
    for (const [variant, sw] of ours) {
      for (const [lib, ns] of peers) {
        const target = (sc.targets || {})[lib]
        const x = ns / sw
        const mark = target === undefined ? '' : `≥${target}× ${x >= target ? 'met' : 'NOT met'}`
        console.log(`| ${sc.name} | ${variant} | ${fmt(sw)} | ${lib} | ${fmt(ns)} | ${x.toFixed(2)}× | ${mark} |`)
      }
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
