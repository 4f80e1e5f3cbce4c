'use strict'
// On a platform the package has no addon for, require('seawall') says so,
// naming the platform (issue 11 item 8: it said "npm has a bug, reinstall").
// Other platforms are simulated in a child process by redefining
// process.platform / process.arch before the package loads.
const test = require('node:test')
const assert = require('node:assert')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

function loadAs (platform, arch) {
  const code = `
    Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} })
    Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} })
    try {
      require('seawall')
      console.log(JSON.stringify({ loaded: true }))
    } catch (e) {
      console.log(JSON.stringify({ loaded: false, code: e.code, message: e.message, platform: e.platform }))
    }
  `
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', cwd: __dirname, env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' } })
  assert.strictEqual(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

for (const [platform, arch, target] of [['darwin', 'arm64', 'darwin-arm64'], ['darwin', 'x64', 'darwin-x64'], ['win32', 'x64', 'win32-x64-msvc'], ['linux', 'arm64', 'linux-arm64-gnu'], ['freebsd', 'x64', 'freebsd-x64']]) {
  test(`require('seawall') on ${target} throws SEAWALL_UNSUPPORTED_PLATFORM naming it`, () => {
    const r = loadAs(platform, arch)
    assert.strictEqual(r.loaded, false)
    assert.strictEqual(r.code, 'SEAWALL_UNSUPPORTED_PLATFORM')
    assert.strictEqual(r.platform, target)
    assert.ok(r.message.includes(`(${target},`), r.message)
    assert.ok(r.message.includes('linux-x64-gnu only'), r.message)
    assert.ok(!/npm has a bug/.test(r.message), r.message)
  })
}

test('the platform names follow napi-rs (musl and msvc included)', () => {
  const { targetOf, unsupportedPlatformError, SUPPORTED } = require(path.join(path.dirname(require.resolve('seawall')), 'platform.js'))
  assert.strictEqual(targetOf('linux', 'x64', true), 'linux-x64-musl')
  assert.strictEqual(targetOf('linux', 'x64', false), 'linux-x64-gnu')
  assert.strictEqual(targetOf('win32', 'arm64', false), 'win32-arm64-msvc')
  assert.deepStrictEqual(SUPPORTED, ['linux-x64-gnu'])
  const e = unsupportedPlatformError('linux-x64-musl')
  assert.ok(e.message.includes('linux-x64-musl'))
})

test('on linux-x64-gnu the package loads', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
  assert.strictEqual(loadAs('linux', 'x64').loaded, true)
})
