#!/usr/bin/env node
'use strict'
// Runs every ```js block of the given READMEs as a program of its own, so
// the examples users copy work as written: a block with `import` runs as
// an ES module (top-level await allowed), one with `require` as CommonJS.
// Run from a folder where `seawall` resolves (the installed tarball).
//   node scripts/check-readme-js.js README.md ../README.md
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const out = fs.mkdtempSync(path.join(process.cwd(), 'readme-'))
let count = 0
let bad = 0
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8')
  const re = /^```js\n([\s\S]*?)^```$/gm
  let m
  while ((m = re.exec(text)) !== null) {
    count++
    const code = m[1]
    const line = text.slice(0, m.index).split('\n').length + 1
    const esm = /^import\s/m.test(code)
    if (!esm && !/\brequire\(/.test(code)) {
      console.log(`${file}:${line}: block neither imports nor requires seawall`)
      bad++
      continue
    }
    const script = path.join(out, `block-${count}.${esm ? 'mjs' : 'cjs'}`)
    fs.writeFileSync(script, code)
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 })
    if (r.status !== 0) {
      console.log(`${file}:${line}: block failed (${esm ? 'ESM' : 'CommonJS'}, exit ${r.status}${r.signal ? ' ' + r.signal : ''}):\n${r.stderr}`)
      bad++
    }
  }
}
fs.rmSync(out, { recursive: true, force: true })
console.log(`readme JavaScript blocks: ${count} run, ${bad} failed`)
process.exit(bad || count === 0 ? 1 : 0)
