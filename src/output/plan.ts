import type {DeploymentPlan} from '../lib/plan/build-plan.js'
import {formatUsd, renderTable} from './table.js'

function accessLine(plan: DeploymentPlan): string {
  const admin = plan.access.admin ? `; admin ${plan.access.admin}` : ''
  return plan.access.url.startsWith('https://')
    ? `HTTPS via CloudFront; sign-in: ${plan.access.signIn}${admin}`
    : `no public endpoint: ${plan.access.url}; sign-in: ${plan.access.signIn}${admin}`
}

function budgetLines(plan: DeploymentPlan): string[] {
  const budget = plan.budget
  if (!budget) return []
  const lines = [`  Budget         ${formatUsd(budget.monthlyUsd)}/month, alerts to ${budget.alertEmails.join(', ') || 'nobody'}`]
  if (!budget.coversTypicalUse)
    lines.push(
      `                 below the estimate at typical use (${formatUsd(plan.cost.monthlyTypicalUsd)}/month): expect alerts every month`,
    )
  else if (!budget.coversAlwaysOn)
    lines.push(
      `                 below the always-on cost (${formatUsd(plan.cost.monthlyAlwaysOnUsd)}/month): it holds only while auto-shutdown stops idle hubs`,
    )
  return lines
}

/** A cost line as shown: a line priced per unit (unknown size) shows its unit price, not $0. */
function costRow(line: DeploymentPlan['cost']['lines'][number]): string[] {
  return [line.item, line.detail, line.unitPrice ?? formatUsd(line.monthlyUsd)]
}

/**
 * The plan for people: what you get, what it costs, what is kept. `verbose` adds the
 * resource table and every check (the JSON result always has both).
 */
export function renderPlan(plan: DeploymentPlan, options: {verbose?: boolean} = {}): string {
  const i = plan.instance
  const hardware = [`${i.vcpus ?? '?'} vCPU`, `${i.memoryGiB ?? '?'} GiB`, ...(i.gpus > 0 ? [`${i.gpus}x ${i.gpuModel}`] : [])].join(', ')
  const lines = [
    `Plan for environment "${plan.environment}" (stack ${plan.stackName}, ${plan.region}, domain ${plan.domain})`,
    '',
    `  Instance       ${i.type} (${hardware}) at ${formatUsd(i.usdPerHour)}/hour, ${i.chosenBy}`,
    `  Image          ${i.image}`,
    ...(i.imageReason ? [`                 ${i.imageReason}`] : []),
    `  Users          ${plan.users}`,
    `  Home           ${plan.storage.homeVolumeGiB} GiB encrypted gp3 at /home (snapshot on destroy)`,
    `  Shared         ${plan.storage.sharedFileSystem ? 'encrypted EFS at /shared (retained on destroy)' : 'none'}`,
    ...(plan.storage.scratchGiB > 0 ? [`  Scratch        ${plan.storage.scratchGiB} GiB at /scratch (not backed up)`] : []),
    `  Auto-shutdown  ${plan.autoShutdown.idleMinutes > 0 ? `after ${plan.autoShutdown.idleMinutes} idle minutes (signals: ${plan.autoShutdown.signals.join(', ')})` : 'off'}`,
    `  Access         ${accessLine(plan)}`,
    ...budgetLines(plan),
    `  Kernels        ${plan.kernels.map((k) => `${k.displayName} (${k.packages} packages)`).join('; ')}`,
    ...(plan.dataMounts.length > 0
      ? [`  Data           ${plan.dataMounts.map((m) => `${m.source} at ${m.path} (${m.access})`).join('; ')}`]
      : []),
    ...(plan.dataDirectories.length > 0
      ? [
          `  Your data      empty shared ${plan.dataDirectories.length > 1 ? 'directories' : 'directory'} ${plan.dataDirectories.join(', ')} (bring your own files)`,
        ]
      : []),
    ...(plan.exampleNotebooks.length > 0
      ? [
          `  Examples       ${plan.exampleNotebooks.length} notebook${plan.exampleNotebooks.length > 1 ? 's' : ''} in /shared/examples (read-only), copied to each new user's ~/examples`,
        ]
      : []),
    `  Kept           when destroyed: ${plan.retainedOnDestroy.map((r) => `${r.kind}${r.onDestroy === 'snapshot' ? ' (as a snapshot)' : ''}`).join(', ') || 'nothing'}`,
    ...(plan.restore
      ? [
          `  Restored       kept data of ${plan.restore.from}, never deleted by this stack:`,
          ...plan.restore.pieces.map((p) => `                 ${p}`),
        ]
      : []),
    '',
    'Estimated monthly cost',
    renderTable(['ITEM', 'DETAIL', 'USD/MONTH'], plan.cost.lines.map(costRow)),
    `  Typical use: ${formatUsd(plan.cost.monthlyTypicalUsd)}/month; always on: ${formatUsd(plan.cost.monthlyAlwaysOnUsd)}/month`,
    ...plan.cost.assumptions.map((a) => `  - ${a}`),
    '',
    `Template: ${plan.template.file} (${plan.resources.total} resources, ${Math.round(plan.template.bytes / 1024)} KiB${options.verbose ? '' : '; --verbose lists them'})`,
  ]
  if (options.verbose) {
    lines.push(
      '',
      renderTable(
        ['RESOURCE TYPE', 'COUNT'],
        Object.entries(plan.resources.byType).map(([type, count]) => [type, count]),
      ),
      '',
      'Kept when the environment is destroyed',
      ...plan.retainedOnDestroy.map((r) => `  ${r.kind}: ${r.type} ${r.logicalId} (${r.onDestroy})`),
    )
    if (plan.findings.length > 0)
      lines.push(
        '',
        'Checks',
        ...plan.findings.map((f) => `  ${f.level} ${f.rule}: ${f.message}${f.constructPath ? ` (${f.constructPath})` : ''}`),
      )
  }
  return lines.join('\n')
}

/** Shown before a new environment is created, after the plan. */
export function renderCreateSummary(plan: DeploymentPlan): string {
  return `\nThis creates ${plan.stackName} in ${plan.region} (${plan.resources.total} AWS resources): about ${formatUsd(plan.cost.monthlyTypicalUsd)}/month at typical use, ${formatUsd(plan.cost.monthlyAlwaysOnUsd)}/month always on.`
}
