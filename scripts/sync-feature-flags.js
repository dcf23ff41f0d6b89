// Writes the feature flags aws-cdk-lib recommends for new projects into cdk.json, the
// way `cdk init` does (the CDK CLI copies aws-cdk-lib's recommended-feature-flags.json).
// Run `npm run build && node scripts/sync-feature-flags.js` after upgrading aws-cdk-lib; test/commands/jupyter-plan.test.ts fails on drift.
import {readFileSync, writeFileSync} from 'node:fs'
import {FEATURE_FLAGS} from '../dist/lib/synth/build-app.js'

// aws-cdk-lib's recommended-feature-flags.json plus the few documented exceptions (build first).
const recommended = FEATURE_FLAGS
const file = new URL('../cdk.json', import.meta.url)
const config = JSON.parse(readFileSync(file, 'utf8'))
const sorted = Object.fromEntries(
  Object.keys(recommended)
    .sort()
    .map((key) => [key, recommended[key]]),
)
config.context = {...sorted, '@aws-cdk/core:failSynthOnValidationErrors': false}
writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
