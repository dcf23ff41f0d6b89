import {INSTANCE_TYPES, isOfferedIn, lookupInstanceType} from '../../catalogue/instance-types.js'
import {closestMatches} from '../did-you-mean.js'
import type {Rule, RuleFinding} from './types.js'

/** Packages that only work with an NVIDIA GPU present. */
export const GPU_ONLY_PACKAGES = [
  /^cupy(-cuda.*)?$/,
  /^cudf(-cu\d+)?$/,
  /^cuml(-cu\d+)?$/,
  /^cugraph(-cu\d+)?$/,
  /^rapids(-.*)?$/,
  /^tensorflow-gpu$/,
  /^pytorch-cuda$/,
  /^cudatoolkit$/,
  /^cuda-toolkit$/,
  /^cuda-version$/,
  /^pycuda$/,
  /^jax\[cuda.*\]$/,
  /^jaxlib=.*cuda.*$/,
  /^nvidia-.*$/,
  /^cuquantum(-.*)?$/,
  /^gromacs=.*cuda.*$/,
]

export function isGpuOnlyPackage(spec: string): boolean {
  const name =
    spec
      .trim()
      .toLowerCase()
      .split(/[<>=!~ ]/)[0] ?? ''
  return GPU_ONLY_PACKAGES.some((pattern) => pattern.test(name) || pattern.test(spec.trim().toLowerCase()))
}

// The default type is what deploy uses: unknown there is an error (validate used to say 0
// and deploy then failed, blaming an --instance-type never given). An unknown type in
// allowed_types only narrows sizing, so it stays a warning.
function unknownTypeFinding(instanceType: string, path: string, level: RuleFinding['level']): RuleFinding {
  const suggestions = closestMatches(instanceType, INSTANCE_TYPES.keys())
  return {
    code: 'unknown-instance-type',
    level,
    path,
    message: `Instance type "${instanceType}" is not in the bundled catalogue, so it cannot be sized, priced or deployed.`,
    remedy: `Check the spelling; close matches: ${suggestions.join(', ')}.`,
  }
}

export const unknownInstanceType: Rule = {
  code: 'unknown-instance-type',
  description: 'Instance types must be known to size and price them.',
  check(pack) {
    const findings: RuleFinding[] = []
    if (!lookupInstanceType(pack.instance.default_type))
      findings.push(unknownTypeFinding(pack.instance.default_type, '/instance/default_type', 'error'))
    for (const [index, type] of (pack.instance.allowed_types ?? []).entries()) {
      if (!lookupInstanceType(type)) findings.push(unknownTypeFinding(type, `/instance/allowed_types/${index}`, 'warning'))
    }
    return findings
  },
}

export const defaultTypeNotAllowed: Rule = {
  code: 'default-type-not-allowed',
  description: 'The default instance type must be one of the allowed types.',
  check(pack) {
    const allowed = pack.instance.allowed_types
    if (!allowed || allowed.length === 0 || allowed.includes(pack.instance.default_type)) return []
    return [
      {
        code: this.code,
        level: 'error',
        path: '/instance/default_type',
        message: `default_type ${pack.instance.default_type} is not in allowed_types (${allowed.join(', ')}).`,
        remedy: `Add ${pack.instance.default_type} to allowed_types or pick one of them as default_type.`,
      },
    ]
  },
}

export const architectureMismatch: Rule = {
  code: 'architecture-mismatch',
  description: 'Instance types must match the pack architecture (kernels are built for it).',
  check(pack) {
    const arch = pack.instance.architecture ?? 'x86_64'
    const types = [pack.instance.default_type, ...(pack.instance.allowed_types ?? [])]
    return types.flatMap((type, index): RuleFinding[] => {
      const info = lookupInstanceType(type)
      if (!info || info.architecture === arch) return []
      return [
        {
          code: this.code,
          level: 'error',
          path: index === 0 ? '/instance/default_type' : `/instance/allowed_types/${index - 1}`,
          message: `${type} is ${info.architecture} but the pack's architecture is ${arch}.`,
          remedy: `Use an ${arch} type, or set instance.architecture: ${info.architecture}.`,
        },
      ]
    })
  },
}

export const gpuRequirements: Rule = {
  code: 'gpu-required',
  description: 'A pack that needs a GPU must default to a GPU type that meets its count and memory.',
  check(pack) {
    const gpu = pack.instance.gpu
    const info = lookupInstanceType(pack.instance.default_type)
    if (!gpu?.required || !info) return []
    if (info.gpus === 0) {
      const gpuTypes = (pack.instance.allowed_types ?? []).filter((t) => (lookupInstanceType(t)?.gpus ?? 0) > 0)
      return [
        {
          code: 'gpu-required',
          level: 'error',
          path: '/instance/default_type',
          message: `The pack requires a GPU but default_type ${info.name} has none.`,
          remedy: `Choose a GPU type such as ${gpuTypes[0] ?? 'g5.xlarge'}.`,
        },
      ]
    }
    const findings: RuleFinding[] = []
    if (gpu.count !== undefined && info.gpus < gpu.count) {
      findings.push({
        code: 'gpu-count',
        level: 'error',
        path: '/instance/gpu/count',
        message: `The pack needs ${gpu.count} GPUs; ${info.name} has ${info.gpus}.`,
        remedy: 'Pick a type with more GPUs (e.g. g5.12xlarge has 4) or lower gpu.count.',
      })
    }
    if (gpu.min_memory_gb !== undefined && (info.gpuMemoryGiB ?? 0) < gpu.min_memory_gb) {
      findings.push({
        code: 'gpu-memory',
        level: 'error',
        path: '/instance/gpu/min_memory_gb',
        message: `The pack needs ${gpu.min_memory_gb} GB of GPU memory; ${info.name} (${info.gpuModel}) has ${info.gpuMemoryGiB} GB.`,
        remedy: 'Pick a type with a larger GPU (A10G/L4: 24 GB, A100: 40 GB) or lower gpu.min_memory_gb.',
      })
    }
    return findings
  },
}

export const gpuPackagesWithoutGpu: Rule = {
  code: 'gpu-packages-without-gpu',
  description: 'CUDA-only packages cannot work on an instance without a GPU.',
  check(pack) {
    const info = lookupInstanceType(pack.instance.default_type)
    if (!info || info.gpus > 0) return []
    return pack.kernels.flatMap((kernel, k) =>
      (kernel.packages ?? []).flatMap((pkg, p): RuleFinding[] =>
        isGpuOnlyPackage(pkg)
          ? [
              {
                code: this.code,
                level: 'error',
                path: `/kernels/${k}/packages/${p}`,
                message: `Kernel "${kernel.name}" installs ${pkg}, which needs an NVIDIA GPU, but ${info.name} has none.`,
                remedy: 'Use a GPU instance type (g4dn, g5, g6, p3, p4d) or remove the CUDA package.',
              },
            ]
          : [],
      ),
    )
  },
}

export const regionNotOffered: Rule = {
  code: 'region-not-offered',
  description: 'The default instance type must be offered in the target region.',
  check(pack, context) {
    if (!context.region) return []
    const offered = isOfferedIn(pack.instance.default_type, context.region)
    if (offered !== false) return []
    return [
      {
        code: this.code,
        level: 'error',
        path: '/instance/default_type',
        message: `${pack.instance.default_type} is not offered in ${context.region}.`,
        remedy: 'Pick another region (--region) or another instance type (--instance-type).',
      },
    ]
  },
}
