import {lookupInstanceType} from '../../catalogue/instance-types.js'
import {escapeControl} from '../../output/sanitize.js'
import type {Rule, RuleFinding} from './types.js'

export const usersAboveMax: Rule = {
  code: 'users-above-max',
  description: 'The default user count may not exceed the maximum.',
  check(pack) {
    const {default: users = 5, max = 50} = pack.users
    if (users <= max) return []
    return [
      {
        code: this.code,
        level: 'error',
        path: '/users/default',
        message: `users.default is ${users} but users.max is ${max}.`,
        remedy: `Lower users.default to at most ${max} or raise users.max.`,
      },
    ]
  },
}

export const usersExceedInstance: Rule = {
  code: 'users-exceed-instance',
  description: 'The default type should fit the default users at the per-user size.',
  check(pack) {
    const info = lookupInstanceType(pack.instance.default_type)
    if (!info) return []
    const users = pack.users.default ?? 5
    const cpu = users * (pack.users.cpu_per_user ?? 1)
    const memory = users * (pack.users.memory_gb_per_user ?? 4)
    // Users rarely all compute at once, so allow 2x oversubscription before warning.
    if (cpu <= info.vcpus * 2 && memory <= info.memoryGiB * 2) return []
    return [
      {
        code: this.code,
        level: 'warning',
        path: '/instance/default_type',
        message: `${users} users need about ${cpu} vCPU and ${memory} GiB; ${info.name} has ${info.vcpus} vCPU and ${info.memoryGiB} GiB.`,
        remedy: 'Pick a larger default_type, lower users.default, or leave --instance-type unset so deploy sizes it.',
      },
    ]
  },
}

export const duplicateKernelName: Rule = {
  code: 'duplicate-kernel-name',
  description: 'Kernel names become kernelspec directories and must be unique.',
  check(pack) {
    const seen = new Map<string, number>()
    return pack.kernels.flatMap((kernel, index): RuleFinding[] => {
      const first = seen.get(kernel.name)
      if (first === undefined) {
        seen.set(kernel.name, index)
        return []
      }
      return [
        {
          code: this.code,
          level: 'error',
          path: `/kernels/${index}/name`,
          message: `Kernel name "${kernel.name}" is already used by kernels[${first}].`,
          remedy: 'Give each kernel its own name, e.g. python-genomics and r-genomics.',
        },
      ]
    })
  },
}

export const juliaChannels: Rule = {
  code: 'julia-channels-ignored',
  description: 'Julia packages come from the General registry; conda channels do not apply.',
  check(pack) {
    return pack.kernels.flatMap((kernel, index): RuleFinding[] =>
      kernel.language === 'julia' && (kernel.channels ?? []).length > 0
        ? [
            {
              code: this.code,
              level: 'warning',
              path: `/kernels/${index}/channels`,
              message: `Kernel "${kernel.name}" is Julia; its conda channels are ignored.`,
              remedy: 'Remove channels from Julia kernels.',
            },
          ]
        : [],
    )
  },
}

/**
 * Channels a pack may name without the deployer's say-so. A channel decides which
 * binaries run on the hub, so anything else (a URL, a mirror, an unknown name) needs
 * `--allow-channel` at deploy (and at `domain validate`).
 */
export const ALLOWED_CHANNELS = ['conda-forge', 'bioconda', 'pytorch', 'nvidia'] as const

export const channelNotAllowed: Rule = {
  code: 'channel-not-allowed',
  description: 'Conda channels must be on the allow-list or allowed with --allow-channel.',
  check(pack, context) {
    const allowed = new Set<string>([...ALLOWED_CHANNELS, ...(context.allowedChannels ?? [])])
    return pack.kernels.flatMap((kernel, k) =>
      (kernel.channels ?? []).flatMap((channel, c): RuleFinding[] =>
        allowed.has(channel)
          ? []
          : [
              {
                code: this.code,
                level: 'error',
                path: `/kernels/${k}/channels/${c}`,
                message: `Kernel "${kernel.name}" installs from channel "${escapeControl(channel)}", which is not one of ${ALLOWED_CHANNELS.join(', ')}.`,
                remedy: `Use ${ALLOWED_CHANNELS.join(', ')}, or, if you trust it, deploy (and validate) with --allow-channel ${escapeControl(channel)}.`,
              },
            ],
      ),
    )
  },
}

const CONDA_FORGE_FAMILY = new Set(['conda-forge', 'bioconda'])
const VENDOR_CHANNELS = new Set(['pytorch', 'nvidia'])

export const channelMixing: Rule = {
  code: 'channel-mixing',
  description: "A kernel uses one coherent channel set: conda-forge (+ bioconda), or the vendors' pytorch + nvidia.",
  check(pack) {
    return pack.kernels.flatMap((kernel, k): RuleFinding[] => {
      const channels = kernel.channels ?? []
      if (!channels.some((c) => CONDA_FORGE_FAMILY.has(c)) || !channels.some((c) => VENDOR_CHANNELS.has(c))) return []
      return [
        {
          code: this.code,
          level: 'warning',
          path: `/kernels/${k}/channels`,
          message: `Kernel "${kernel.name}" mixes conda-forge with the pytorch/nvidia channels (${channels.join(', ')}); their builds link different libraries and the solve may fail or mix ABIs.`,
          remedy:
            'Use conda-forge alone (it builds pytorch with CUDA: pytorch-gpu, cuda-version=12), or pytorch + nvidia without conda-forge.',
        },
      ]
    })
  },
}

export const budgetWithoutAlerts: Rule = {
  code: 'budget-without-alerts',
  description: 'A monthly budget only helps when someone receives its alerts.',
  check(pack) {
    if (pack.cost.monthly_budget_usd === undefined || (pack.cost.alert_emails ?? []).length > 0) return []
    return [
      {
        code: this.code,
        level: 'info',
        path: '/cost/monthly_budget_usd',
        message: 'A monthly budget is set but cost.alert_emails is empty: alerts go only to the --admin-email given at deploy.',
        remedy: 'Add cost.alert_emails, or pass --admin-email at deploy (it receives budget alerts).',
      },
    ]
  },
}

export const autoShutdownDisabled: Rule = {
  code: 'auto-shutdown-disabled',
  description: 'An environment that never stops costs money while idle.',
  check(pack) {
    if ((pack.auto_shutdown.idle_minutes ?? 60) !== 0) return []
    const info = lookupInstanceType(pack.instance.default_type)
    const monthly = info ? ` (${info.name} costs about $${Math.round(info.usdPerHour * 730)} a month when left running)` : ''
    return [
      {
        code: this.code,
        level: 'warning',
        path: '/auto_shutdown/idle_minutes',
        message: `Auto-shutdown is disabled${monthly}.`,
        remedy: 'Set auto_shutdown to the idle minutes after which the instance stops, e.g. 60.',
      },
    ]
  },
}

export const gpuSignalWithoutGpu: Rule = {
  code: 'gpu-signal-without-gpu',
  description: 'GPU utilisation cannot be an idle signal without a GPU.',
  check(pack) {
    const info = lookupInstanceType(pack.instance.default_type)
    if (!info || info.gpus > 0 || !(pack.auto_shutdown.signals ?? []).includes('gpu')) return []
    return [
      {
        code: this.code,
        level: 'warning',
        path: '/auto_shutdown/signals',
        message: `auto_shutdown.signals includes gpu but ${info.name} has no GPU; the signal is ignored.`,
        remedy: 'Remove gpu from auto_shutdown.signals or use a GPU instance type.',
      },
    ]
  },
}

export const exampleNotebookMissing: Rule = {
  code: 'example-notebook-missing',
  description: 'Example notebooks must exist next to the pack.',
  check(pack, context) {
    const exists = context.fileExists
    if (!exists) return []
    return (pack.example_notebooks ?? []).flatMap((notebook, index): RuleFinding[] =>
      exists(notebook.path)
        ? []
        : [
            {
              code: this.code,
              level: 'error',
              path: `/example_notebooks/${index}/path`,
              message: `Example notebook ${notebook.path} does not exist next to the pack.`,
              remedy: 'Fix the path (relative to the pack file) or remove the entry.',
            },
          ],
    )
  },
}
