'use strict'
// Which prebuilt addon this machine needs, and a clear error when the
// package has none for it (instead of the generic loader's "npm has a bug,
// reinstall"). The addons follow napi-rs's per-platform layout:
// `seawall.<target>.node` next to index.js, or the package
// `seawall-<target>` (npm/<target>/, with its os/cpu/libc fields).

const fs = require('node:fs')
const path = require('node:path')

/** The targets this release ships an addon for. */
const SUPPORTED = Object.freeze(['linux-x64-gnu'])

function isMusl () {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {}
  try {
    const r = process.report && process.report.getReport()
    if (r && r.header && r.header.glibcVersionRuntime) return false
    return !!(r && Array.isArray(r.sharedObjects) && r.sharedObjects.some((f) => f.includes('musl')))
  } catch {
    return false
  }
}

/** napi-rs's name for a platform: linux-x64-gnu, linux-arm64-musl, darwin-arm64, win32-x64-msvc. */
function targetOf (platform, arch, musl) {
  if (platform === 'linux') return `linux-${arch}-${musl ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function currentTarget () {
  return targetOf(process.platform, process.arch, process.platform === 'linux' && isMusl())
}

function unsupportedPlatformError (target, cause) {
  const e = new Error(
    `seawall has no prebuilt native addon for this platform (${target}, Node ${process.version}); ` +
    `this release ships one for ${SUPPORTED.join(', ')} only. ` +
    'Build it from source on this machine (a Rust toolchain: `make -C bindings-node build` ' +
    `in the seawall repository makes seawall.${target}.node), or set NAPI_RS_NATIVE_LIBRARY_PATH to an addon you built.`,
    cause === undefined ? undefined : { cause })
  e.code = 'SEAWALL_UNSUPPORTED_PLATFORM'
  e.platform = target
  e.supported = SUPPORTED
  return e
}

// Whether an addon for `target` can be found without loading it.
function available (target, root) {
  if (SUPPORTED.includes(target)) return true
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return true
  if (fs.existsSync(path.join(root, `seawall.${target}.node`))) return true
  try {
    require.resolve(`seawall-${target}`)
    return true
  } catch {
    return false
  }
}

/** The native binding, or SEAWALL_UNSUPPORTED_PLATFORM naming the platform. */
function loadBinding () {
  const target = currentTarget()
  const root = path.join(__dirname, '..')
  if (!available(target, root)) throw unsupportedPlatformError(target)
  try {
    return require('../index.js')
  } catch (e) {
    if (SUPPORTED.includes(target)) throw e
    throw unsupportedPlatformError(target, e)
  }
}

module.exports = { SUPPORTED, targetOf, currentTarget, unsupportedPlatformError, loadBinding }
