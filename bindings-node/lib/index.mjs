// The ESM entry point: the same module objects as the CommonJS one
// (lib/index.js). Node reads the names of lib/index.js's export object
// (plain identifiers, see the comment there), so every name is re-exported
// without a list here; test/esm.test.js checks that the two agree.
export * from './index.js'
export { default } from './index.js'
