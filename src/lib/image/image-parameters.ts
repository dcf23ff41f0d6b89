/**
 * Public SSM parameters naming the current hub images. Kept free of aws-cdk-lib: the
 * construct uses them as the fallback CloudFormation resolves, and the deploy resolves
 * them once with the SDK (resolve-image.ts) so the image stays pinned afterwards.
 */
export const IMAGE_PARAMETERS = {
  ubuntu: {
    x86_64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
    arm64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
  },
  deepLearning: {
    x86_64: '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    arm64: '/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
  },
} as const

/** The parameter naming the image for this architecture: the Deep Learning AMI on GPU types. */
export function imageParameterFor(architecture: 'x86_64' | 'arm64', gpu: boolean): string {
  return (gpu ? IMAGE_PARAMETERS.deepLearning : IMAGE_PARAMETERS.ubuntu)[architecture]
}
