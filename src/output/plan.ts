import type {DeploymentPlan} from '../lib/plan/build-plan.js'
import {formatUsd, renderTable} from './table.js'

/** The dry-run plan for people: what gets created, what it costs, what survives. */
export function renderPlan(plan: DeploymentPlan): string {
  const i = plan.instance
  const hardware = [`${i.vcpus ?? '?'} vCPU`, `${i.memoryGiB ?? '?'} GiB`, ...(i.gpus > 0 ? [`${i.gpus}x ${i.gpuModel}`] : [])].join(', ')
  const lines = [
    `Plan for environment "${plan.environment}" (stack ${plan.stackName}, ${plan.region}, domain ${plan.domain})`,
    '',
    `  Instance       ${i.type} (${hardware}) at ${formatUsd(i.usdPerHour)}/hour, ${i.chosenBy}`,
    `  Image          ${i.image}`,
    `  Users          ${plan.users}`,
    `  Home           ${plan.storage.homeVolumeGiB} GiB encrypted gp3 at /home (snapshot on destroy)`,
    `  Shared         ${plan.storage.sharedFileSystem ? 'encrypted EFS at /shared (retained on destroy)' : 'none'}`,
    ...(plan.storage.scratchGiB > 0 ? [`  Scratch        ${plan.storage.scratchGiB} GiB at /scratch (not backed up)`] : []),
    `  Auto-shutdown  ${plan.autoShutdown.idleMinutes > 0 ? `after ${plan.autoShutdown.idleMinutes} idle minutes (signals: ${plan.autoShutdown.signals.join(', ')})` : 'off'}`,
    `  Access         HTTPS via CloudFront; sign-in: ${plan.access.signIn}${plan.access.admin ? `; admin ${plan.access.admin}` : ''}`,
    ...(plan.budget
      ? [`  Budget         ${formatUsd(plan.budget.monthlyUsd)}/month, alerts to ${plan.budget.alertEmails.join(', ') || 'nobody'}`]
      : []),
    '',
    'Kernels',
    renderTable(
      ['NAME', 'DISPLAY NAME', 'LANGUAGE', 'PACKAGES'],
      plan.kernels.map((k) => [k.name, k.displayName, k.language, k.packages]),
    ),
  ]
  if (plan.dataMounts.length > 0) {
    lines.push(
      '',
      'Data mounts',
      renderTable(
        ['SOURCE', 'PATH', 'ACCESS'],
        plan.dataMounts.map((m) => [m.source, m.path, m.access]),
      ),
    )
  }
  lines.push(
    '',
    `Resources (${plan.resources.total})`,
    renderTable(
      ['TYPE', 'COUNT'],
      Object.entries(plan.resources.byType).map(([type, count]) => [type, count]),
    ),
    '',
    'Kept when the environment is destroyed',
    ...plan.retainedOnDestroy.map((r) => `  ${r}`),
    '',
    'Estimated monthly cost',
    renderTable(
      ['ITEM', 'DETAIL', 'USD/MONTH'],
      plan.cost.lines.map((l) => [l.item, l.detail, formatUsd(l.monthlyUsd)]),
    ),
    `  Typical use: ${formatUsd(plan.cost.monthlyTypicalUsd)}/month; always on: ${formatUsd(plan.cost.monthlyAlwaysOnUsd)}/month`,
    ...plan.cost.assumptions.map((a) => `  - ${a}`),
    '',
    `Template: ${plan.template.file} (${Math.round(plan.template.bytes / 1024)} KiB)`,
  )
  const problems = plan.findings.filter((f) => f.level !== 'info')
  if (problems.length > 0) {
    lines.push(
      '',
      'Checks',
      ...problems.map((f) => `  ${f.level} ${f.rule}: ${f.message}${f.constructPath ? ` (${f.constructPath})` : ''}`),
    )
  }
  return lines.join('\n')
}
