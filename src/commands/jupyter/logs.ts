import {setTimeout as sleep} from 'node:timers/promises'
import {Flags} from '@oclif/core'
import {environmentNameArg} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {ExitCode, WizardError} from '../../errors.js'
import {getEnvironment} from '../../lib/environments/discover.js'
import {type LogLine, parseSince, readLogs} from '../../lib/lifecycle/logs.js'

export interface LogsResult {
  logGroup: string
  lines: LogLine[]
}

export default class JupyterLogs extends BaseCommand<typeof JupyterLogs> {
  static override summary = 'Show the hub and bootstrap logs of an environment from CloudWatch Logs.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 --since 2h --component bootstrap',
    '<%= config.bin %> <%= command.id %> lab1 --follow',
  ]
  static override args = {name: environmentNameArg({description: 'Environment name', required: true})}
  static override flags = {
    since: Flags.string({description: 'How far back: 15m, 2h, 1d or an ISO time.', default: '1h'}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines until interrupted.', exclusive: ['json']}),
    component: Flags.string({description: 'Only one source.', options: ['hub', 'bootstrap']}),
  }

  public async run(): Promise<LogsResult> {
    const clients = await this.awsClients()
    const environment = await getEnvironment(clients, this.args.name)
    const logGroup = environment.outputs.logGroup
    if (!logGroup)
      throw new WizardError({
        code: 'no-logs',
        message: `Environment ${this.args.name} has no log group output.`,
        actions: ['Redeploy it with this version of the CLI.'],
        exitCode: ExitCode.failure,
      })
    const component = this.flags.component as 'hub' | 'bootstrap' | undefined
    let {lines, lastTimestamp} = await readLogs(clients, logGroup, parseSince(this.flags.since), component)
    const print = (batch: LogLine[]) => {
      if (!this.jsonEnabled()) for (const line of batch) this.log(`${line.timestamp} ${line.stream.split('/').pop()} ${line.message}`)
    }
    print(lines)
    if (lines.length === 0 && !this.jsonEnabled())
      this.logToStderr(
        `No ${component ?? 'hub or bootstrap'} log lines in ${logGroup} since ${this.flags.since}.${this.flags.follow ? ' Waiting for new ones (Ctrl-C to stop).' : ' Look further back with --since 1d.'}`,
      )
    while (this.flags.follow) {
      await sleep(2000)
      const next = await readLogs(clients, logGroup, lastTimestamp, component)
      print(next.lines)
      lines = [...lines, ...next.lines].slice(-1000)
      lastTimestamp = next.lastTimestamp
    }
    return {logGroup, lines}
  }
}
