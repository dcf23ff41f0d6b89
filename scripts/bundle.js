// Build step: bundles the CLI entry (commands + oclif + small dependencies) into
// dist/cli/bundle.js, with lazily imported modules split into chunks. Start-up then
// reads a few files instead of hundreds (see bench/RESULTS.md).
import {build} from 'esbuild'

/** Loaded on demand by the commands that need them; never part of start-up. */
const external = [
  'aws-cdk-lib',
  'constructs',
  '@aws-cdk/*',
  '@aws-sdk/*',
  '@smithy/*',
  'cdk-nag',
  'listr2',
  '@inquirer/prompts',
  'ajv',
  'ajv/*',
  'typescript',
  'ts-node',
  'tsx',
]

await build({
  entryPoints: {bundle: 'src/cli/bundle.ts'},
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  external,
  // oclif and some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {js: "import {createRequire as __arwCreateRequire} from 'node:module'; const require = __arwCreateRequire(import.meta.url);"},
  logLevel: 'warning',
})
