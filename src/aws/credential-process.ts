import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {ExitCode, WizardError} from '../errors.js'

/**
 * `credential_process` with a deadline. The SDK's fromProcess runs the command with
 * child_process.exec and no timeout, so a command that waits (for a hardware key, a
 * browser, a lock) hangs every command forever. For the common case, a profile whose
 * credentials come from credential_process alone, we run the command ourselves with a
 * timeout that kills it, and hand the SDK the result. Every other profile (static keys,
 * SSO, assume-role chains) goes through the SDK's default chain; the per-operation
 * deadline in clients.ts still bounds those.
 */
export interface ProcessCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
  readonly expiration?: Date
}

export const CREDENTIAL_PROCESS_TIMEOUT_MS = 30_000

type IniSections = Record<string, Record<string, string>>

/** A minimal INI reader for the shared config files: [section] and key = value lines. */
export function parseIni(text: string): IniSections {
  const sections: IniSections = {}
  let current: Record<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line)
    if (header) {
      current = sections[header[1] as string] ??= {}
      continue
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line)
    if (pair && current && !/^\s/.test(raw)) current[(pair[1] as string).toLowerCase()] = pair[2] as string
  }
  return sections
}

function readIni(path: string): IniSections {
  try {
    return parseIni(readFileSync(path, 'utf8'))
  } catch {
    return {}
  }
}

/**
 * The credential_process command of the profile in effect, when that is where its
 * credentials come from: no environment keys, no static keys, no role or SSO settings
 * (those take precedence in the SDK's chain and are left to it).
 */
export function credentialProcessFor(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return undefined
  const name = profile ?? env.AWS_PROFILE ?? 'default'
  const configFile = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config')
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials')
  const config = readIni(configFile)
  const settings = {...(config[name === 'default' ? 'default' : `profile ${name}`] ?? {}), ...(readIni(credentialsFile)[name] ?? {})}
  const command = settings.credential_process
  if (!command) return undefined
  const delegated = ['aws_access_key_id', 'role_arn', 'sso_start_url', 'sso_session', 'web_identity_token_file', 'login_session']
  return delegated.some((key) => settings[key] !== undefined) ? undefined : command
}

function processError(command: string, message: string, code = 'credential-process-failed'): WizardError {
  return new WizardError({
    code,
    message,
    actions: [
      `Run the profile's credential_process yourself to see what it waits for: ${command}`,
      'Or use another --profile, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
    ],
    exitCode: ExitCode.credentials,
  })
}

/**
 * Runs credential_process (through /bin/sh, as the SDK does) in its own process group,
 * and kills the whole group after `timeoutMs`: killing only the shell would leave the
 * command it started running, holding our pipe open.
 */
export function runCredentialProcess(command: string, timeoutMs = CREDENTIAL_PROCESS_TIMEOUT_MS): Promise<ProcessCredentials> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let settled = false
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      outcome()
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
      child.stdout.destroy()
      child.stderr.destroy()
      settle(() =>
        reject(
          processError(
            command,
            `The profile's credential_process did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`,
            'credential-process-timeout',
          ),
        ),
      )
    }, timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < 1024 * 1024) stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk
    })
    child.on('error', (error) =>
      settle(() => reject(processError(command, `The profile's credential_process could not start: ${error.message}`))),
    )
    child.on('close', (code) => {
      if (code !== 0) {
        settle(() =>
          reject(processError(command, `The profile's credential_process exited with ${code}: ${stderr.split('\n')[0] ?? ''}`.trim())),
        )
        return
      }
      settle(() => {
        try {
          resolve(parseProcessOutput(command, stdout))
        } catch (error) {
          reject(error)
        }
      })
    })
  })
}

function parseProcessOutput(command: string, stdout: string): ProcessCredentials {
  let data: {Version?: number; AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: string}
  try {
    data = JSON.parse(stdout.trim())
  } catch {
    throw processError(command, "The profile's credential_process did not print JSON.")
  }
  if (data.Version !== 1 || !data.AccessKeyId || !data.SecretAccessKey) {
    throw processError(command, "The profile's credential_process printed JSON without Version 1, AccessKeyId and SecretAccessKey.")
  }
  return {
    accessKeyId: data.AccessKeyId,
    secretAccessKey: data.SecretAccessKey,
    ...(data.SessionToken ? {sessionToken: data.SessionToken} : {}),
    ...(data.Expiration ? {expiration: new Date(data.Expiration)} : {}),
  }
}
