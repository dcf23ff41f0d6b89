import {settings} from '@oclif/core'

// Commands are loaded from the compiled dist/ (built before the tests run), so the
// tests exercise what ships; vitest's NODE_ENV=test would otherwise make oclif
// try to transpile src/ on the fly.
settings.enableAutoTranspile = false
process.env.AWS_REGION ??= 'us-east-1'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
