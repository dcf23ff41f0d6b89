#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly (src/cli/bundle.ts through tsx); bin/run.js runs the build.
import {execute} from '../src/cli/bundle.ts'

await execute({development: true, dir: import.meta.url})
