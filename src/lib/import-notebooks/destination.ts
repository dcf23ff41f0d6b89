import {ExitCode, WizardError} from '../../errors.js'

/** Where the notebooks go: a bucket and a key prefix ("" or ending in "/"). */
export interface Destination {
  readonly bucket: string
  readonly prefix: string
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
/** Hub account names as the instance's account registry makes them. */
export const HUB_ACCOUNT = /^[a-z][a-z0-9-]{0,39}$/

/** s3://BUCKET[/PREFIX/]: the prefix is kept as a folder (a "/" is added). */
export function parseS3Destination(url: string): Destination {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url)
  const bucket = match?.[1] ?? ''
  const prefix = match?.[2] ?? ''
  // eslint-disable-next-line no-control-regex
  if (!match || !BUCKET.test(bucket) || /(^|\/)\.\.?(\/|$)|\/\/|[\u0000-\u001f\u007f\\]/.test(prefix) || prefix.length > 512)
    throw new WizardError({
      code: 'invalid-destination',
      message: `--destination "${url}" is not s3://BUCKET/PREFIX/ (a bucket name, then a prefix without "." or ".." segments, "//" or control characters).`,
      actions: ['Pass e.g. --destination s3://my-bucket/notebooks/'],
      exitCode: ExitCode.usage,
    })
  return {bucket, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`}
}

/**
 * Where the hub picks notebooks up in an environment's bucket: notebooks/shared/ (shown
 * at /shared/notebooks) or notebooks/home/<account>/ (that account's home). The
 * instance side allows exactly these two shapes.
 */
export function environmentPrefix(to: 'shared' | 'home', user: string | undefined): string {
  if (to === 'shared') return 'notebooks/shared/'
  if (!user || !HUB_ACCOUNT.test(user))
    throw new WizardError({
      code: 'invalid-hub-user',
      message: user
        ? `--user "${user}" is not a hub account name (lower-case letters, digits and hyphens, starting with a letter).`
        : '--to home needs --user NAME: whose home the notebooks go to.',
      actions: ['Pass the account name the hub shows for the person, e.g. --to home --user ada.'],
      exitCode: ExitCode.usage,
    })
  return `notebooks/home/${user}/`
}
