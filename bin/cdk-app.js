#!/usr/bin/env node
// The app cdk.json runs: `npx cdk synth -c domain=genomics -c name=lab1`.
import {runCdkApp} from '../dist/lib/synth/cdk-app.js'

try {
  await runCdkApp()
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
}
