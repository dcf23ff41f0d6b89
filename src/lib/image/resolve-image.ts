import type {EC2Client, Image} from '@aws-sdk/client-ec2'
import type {SSMClient} from '@aws-sdk/client-ssm'
import {toAwsError} from '../../aws/errors.js'
import {ExitCode, WizardError} from '../../errors.js'
import {imageParameterFor} from './image-parameters.js'
import type {HubImage} from './types.js'

export interface ResolveImageOptions {
  readonly ssm: Pick<SSMClient, 'send'>
  readonly ec2: Pick<EC2Client, 'send'>
  readonly architecture: 'x86_64' | 'arm64'
  /** GPU types boot the Deep Learning AMI. */
  readonly gpu: boolean
  /** --ami-id (spec.instance.amiId): used verbatim. */
  readonly amiId?: string
  /** The image the deployed stack recorded (recordedImage(record)); undefined on a first deploy. */
  readonly recorded?: HubImage
  /** --update-image: resolve the public parameter again even though an image is recorded. */
  readonly updateImage?: boolean
}

export interface ResolvedImage extends HubImage {
  /** Why this image, for the plan: `pinned at the first deploy (2025-06-10)`, `newest Ubuntu 24.04 ...`. */
  readonly reason: string
  /** True when the image differs from the recorded one: the update replaces the hub instance. */
  readonly replacesInstance: boolean
  readonly warnings: readonly string[]
}

/**
 * The hub image for a deploy, resolved once with the SDK so the template carries a
 * concrete AMI id. CloudFormation would otherwise re-resolve the public parameter on
 * every update and replace the hub whenever a newer image had been published.
 *
 * Precedence: --ami-id; else the recorded image (unless --update-image, or it no longer
 * fits the architecture or GPU choice); else the public SSM parameter.
 */
export async function resolveImage(options: ResolveImageOptions): Promise<ResolvedImage> {
  const parameter = imageParameterFor(options.architecture, options.gpu)
  const recorded = options.recorded
  const changed = (imageId: string) => recorded !== undefined && recorded.imageId !== imageId

  if (options.amiId) {
    const image = await describe(options.ec2, options.amiId)
    if (!image) {
      throw new WizardError({
        code: 'image-not-found',
        message: `--ami-id ${options.amiId} is not an image this account can launch in this region.`,
        actions: ['Check the id and the region (AMIs are regional), or drop --ami-id to use the default image.'],
        exitCode: ExitCode.usage,
      })
    }
    checkArchitecture(image, options.architecture, `--ami-id ${options.amiId}`)
    return {
      ...details(options.amiId, image),
      source: 'flag',
      reason: `--ami-id ${options.amiId}`,
      replacesInstance: changed(options.amiId),
      warnings: [],
    }
  }

  const warnings: string[] = []
  if (recorded && !options.updateImage) {
    // A recorded public image of another family or architecture cannot serve this spec
    // (e.g. a change to a GPU or Graviton type): resolve the right one, which replaces the hub.
    const sameFamily = recorded.parameter === undefined || recorded.parameter === parameter
    const image = sameFamily ? await describe(options.ec2, recorded.imageId) : undefined
    if (sameFamily && image?.Architecture && image.Architecture !== options.architecture) {
      warnings.push(`The recorded image ${recorded.imageId} is ${image.Architecture}; this instance type needs ${options.architecture}.`)
    } else if (sameFamily) {
      if (!image) {
        // Keep it: the running hub does not need it, and a new id would replace the hub.
        warnings.push(
          `The recorded image ${recorded.imageId} is no longer available (deregistered?). Updates that replace the hub will fail; deploy with --update-image to move to the current image.`,
        )
      }
      return {
        ...recorded,
        ...(image ? details(recorded.imageId, image) : {}),
        source: 'pinned',
        reason: `pinned at an earlier deploy${recorded.creationDate ? ` (image of ${recorded.creationDate.slice(0, 10)})` : ''}; --update-image moves to the newest`,
        replacesInstance: false,
        warnings,
      }
    } else {
      warnings.push(`The recorded image came from ${recorded.parameter}; this instance type needs ${parameter}.`)
    }
  }

  const imageId = await readParameter(options.ssm, parameter)
  const image = await describe(options.ec2, imageId)
  return {
    ...details(imageId, image),
    source: 'parameter',
    parameter,
    reason: `newest image named by ${parameter}`,
    replacesInstance: changed(imageId),
    warnings,
  }
}

/**
 * The image recorded in a stack's deploy record (`image`, written by the stack from its
 * `image` prop), or undefined for records written before images were pinned. Tolerant:
 * the record is read back from a template anyone with access could have edited.
 */
export function recordedImage(record: unknown): HubImage | undefined {
  const image = (record as {image?: unknown} | undefined)?.image as Record<string, unknown> | undefined
  if (!image || typeof image !== 'object' || typeof image.imageId !== 'string' || !/^ami-[0-9a-f]{8,17}$/.test(image.imageId)) {
    return undefined
  }
  const str = (v: unknown) => (typeof v === 'string' && v.length <= 256 ? v : undefined)
  const result: HubImage = {
    imageId: image.imageId,
    source: 'pinned',
    ...(str(image.name) ? {name: str(image.name)} : {}),
    ...(str(image.creationDate) ? {creationDate: str(image.creationDate)} : {}),
    ...(str(image.parameter) ? {parameter: str(image.parameter)} : {}),
  }
  return result
}

async function readParameter(ssm: ResolveImageOptions['ssm'], name: string): Promise<string> {
  const {GetParameterCommand} = await import('@aws-sdk/client-ssm')
  try {
    const {Parameter} = await ssm.send(new GetParameterCommand({Name: name}))
    if (Parameter?.Value && /^ami-[0-9a-f]{8,17}$/.test(Parameter.Value)) return Parameter.Value
    throw new WizardError({
      code: 'image-not-available',
      message: `The public parameter ${name} holds no image id (got ${JSON.stringify(Parameter?.Value ?? null)}).`,
      actions: ['Pass an image with --ami-id.'],
      exitCode: ExitCode.deployFailed,
    })
  } catch (error) {
    if ((error as {name?: string}).name === 'ParameterNotFound') {
      throw new WizardError({
        code: 'image-not-available',
        message: `The public image parameter ${name} does not exist in this region: the image is not published here.`,
        actions: ['Choose another --region, or pass an image with --ami-id.'],
        exitCode: ExitCode.deployFailed,
        cause: error,
      })
    }
    throw toAwsError(error)
  }
}

async function describe(ec2: ResolveImageOptions['ec2'], imageId: string): Promise<Image | undefined> {
  const {DescribeImagesCommand} = await import('@aws-sdk/client-ec2')
  try {
    const {Images = []} = await ec2.send(new DescribeImagesCommand({ImageIds: [imageId]}))
    return Images.find((i) => i.ImageId === imageId)
  } catch (error) {
    const name = (error as {name?: string}).name ?? ''
    if (name === 'InvalidAMIID.NotFound' || name === 'InvalidAMIID.Unavailable' || name === 'InvalidAMIID.Malformed') return undefined
    throw toAwsError(error)
  }
}

function details(imageId: string, image: Image | undefined): Pick<HubImage, 'imageId' | 'name' | 'creationDate'> {
  return {
    imageId,
    ...(image?.Name ? {name: image.Name} : {}),
    ...(image?.CreationDate ? {creationDate: image.CreationDate} : {}),
  }
}

function checkArchitecture(image: Image, wanted: string, what: string): void {
  if (image.Architecture && image.Architecture !== wanted) {
    throw new WizardError({
      code: 'image-architecture-mismatch',
      message: `${what} is built for ${image.Architecture}, but the instance type needs ${wanted}.`,
      actions: [`Pass an ${wanted} image, or choose an instance type of the image's architecture.`],
      exitCode: ExitCode.usage,
    })
  }
}
