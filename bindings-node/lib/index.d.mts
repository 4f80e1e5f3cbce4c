// Types of the ESM entry point (lib/index.mjs): the same API as lib/index.d.ts.
import * as seawall from './index.js'

export * from './index.js'
export default seawall
