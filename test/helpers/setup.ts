import {settings} from '@oclif/core'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

// Commands are loaded from the compiled dist/ (built before the tests run), so the
// tests exercise what ships; vitest's NODE_ENV=test would otherwise make oclif
// try to transpile src/ on the fly.
settings.enableAutoTranspile = false
process.env.AWS_REGION ??= 'us-east-1'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
// A price cache of each test file's own: plans read cached Price List figures, and a
// developer's own cache must not change what the tests see.
process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'arw-test-cache-'))
