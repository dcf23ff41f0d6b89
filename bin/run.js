#!/usr/bin/env node
import {execute} from '../dist/cli/bundle.js'

// This build pins its AWS SDK; the SDK's notice about Node versions required by
// future SDK releases does not apply to it and would print on every AWS command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

await execute({dir: import.meta.url})
