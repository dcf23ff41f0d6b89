import {createReadStream} from 'node:fs'
import type {S3Client} from '@aws-sdk/client-s3'
import {ExitCode, WizardError} from '../../errors.js'
import {formatBytes} from '../../output/table.js'
import type {Destination} from './destination.js'
import {PART_SIZE, sameContent} from './etag.js'
import {listLocalFiles, type LocalFile, type SkippedPath} from './local-files.js'

/** One object the sync writes or removes. */
export interface SyncItem {
  readonly key: string
  readonly size: number
  readonly reason: 'new' | 'changed' | 'no-local-file'
}

/** What a sync will do (and, once run, did): the --json result of `jupyter import-notebooks`. */
export interface SyncPlan {
  readonly bucket: string
  readonly prefix: string
  readonly uploads: readonly SyncItem[]
  /** Remote objects with no local file; removed only with --delete. */
  readonly deletions: readonly SyncItem[]
  readonly unchanged: number
  readonly skipped: readonly SkippedPath[]
  /** Multipart uploads an interrupted earlier run left under the prefix; aborted before uploading. */
  readonly staleUploads: readonly {key: string; uploadId: string}[]
  readonly uploadBytes: number
}

export interface SyncResult extends SyncPlan {
  readonly dryRun: boolean
  readonly deleted: boolean
  readonly bytesUploaded: number
}

interface RemoteObject {
  readonly size: number
  readonly etag: string
}

const MAX_KEY_BYTES = 1024

/**
 * Compares the source directory with the destination: a file is uploaded when the
 * object is missing, has another size, or another ETag (MD5, or multipart ETag
 * recomputed with the same part size); equal ones are left alone, which is also how a
 * re-run after an interruption skips what already finished.
 */
export async function planSync(
  s3: S3Client,
  source: string,
  destination: Destination,
  options: {delete: boolean; onProgress?: (detail: string) => void},
): Promise<SyncPlan> {
  const {ListObjectsV2Command, ListMultipartUploadsCommand} = await import('@aws-sdk/client-s3')
  const local = await listLocalFiles(source)
  const skipped = [...local.skipped]
  const files: LocalFile[] = []
  for (const file of local.files) {
    if (Buffer.byteLength(destination.prefix + file.relativeKey) > MAX_KEY_BYTES) skipped.push({path: file.path, reason: 'unsafe-name'})
    else files.push(file)
  }

  const remote = new Map<string, RemoteObject>()
  let token: string | undefined
  do {
    const page = await s3
      .send(new ListObjectsV2Command({Bucket: destination.bucket, Prefix: destination.prefix, ContinuationToken: token}))
      .catch((error: Error) => {
        if (error.name !== 'NoSuchBucket') throw error
        throw new WizardError({
          code: 'bucket-not-found',
          message: `The bucket ${destination.bucket} does not exist.`,
          actions: ['Check the bucket name in --destination, or create the bucket first.'],
          exitCode: ExitCode.usage,
        })
      })
    for (const object of page.Contents ?? [])
      if (object.Key !== undefined) remote.set(object.Key, {size: object.Size ?? 0, etag: object.ETag ?? ''})
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)

  const staleUploads: {key: string; uploadId: string}[] = []
  let keyMarker: string | undefined
  let uploadIdMarker: string | undefined
  do {
    const page = await s3.send(
      new ListMultipartUploadsCommand({
        Bucket: destination.bucket,
        Prefix: destination.prefix,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    )
    for (const upload of page.Uploads ?? [])
      if (upload.Key && upload.UploadId) staleUploads.push({key: upload.Key, uploadId: upload.UploadId})
    const more = page.IsTruncated
    keyMarker = more ? page.NextKeyMarker : undefined
    uploadIdMarker = more ? page.NextUploadIdMarker : undefined
  } while (keyMarker)

  const uploads: SyncItem[] = []
  let unchanged = 0
  for (const [index, file] of files.entries()) {
    options.onProgress?.(`comparing ${index + 1}/${files.length}`)
    const key = destination.prefix + file.relativeKey
    const object = remote.get(key)
    remote.delete(key)
    if (!object) uploads.push({key, size: file.size, reason: 'new'})
    else if (object.size !== file.size || !(await sameContent(file.path, file.size, object.etag)))
      uploads.push({key, size: file.size, reason: 'changed'})
    else unchanged++
  }
  const deletions = options.delete ? [...remote].map(([key, object]): SyncItem => ({key, size: object.size, reason: 'no-local-file'})) : []
  return {
    bucket: destination.bucket,
    prefix: destination.prefix,
    uploads,
    deletions,
    unchanged,
    skipped,
    staleUploads,
    uploadBytes: uploads.reduce((sum, item) => sum + item.size, 0),
  }
}

/**
 * Carries out a plan: aborts the multipart uploads an interrupted run left (they cannot
 * be resumed safely: their parts may hold an older version of the file), uploads
 * through lib-storage in PART_SIZE parts, then removes the deletions. Progress reports
 * files and bytes.
 */
export async function executeSync(
  s3: S3Client,
  source: string,
  plan: SyncPlan,
  options: {onProgress?: (detail: string) => void},
): Promise<{bytesUploaded: number}> {
  const {AbortMultipartUploadCommand, DeleteObjectsCommand} = await import('@aws-sdk/client-s3')
  const {Upload} = await import('@aws-sdk/lib-storage')
  for (const stale of plan.staleUploads)
    await s3.send(new AbortMultipartUploadCommand({Bucket: plan.bucket, Key: stale.key, UploadId: stale.uploadId}))

  let done = 0
  for (const [index, item] of plan.uploads.entries()) {
    const path = `${source}/${item.key.slice(plan.prefix.length)}`
    const upload = new Upload({
      client: s3,
      params: {Bucket: plan.bucket, Key: item.key, Body: createReadStream(path)},
      partSize: PART_SIZE,
      queueSize: 4,
      leavePartsOnError: false,
    })
    upload.on('httpUploadProgress', (progress) => {
      options.onProgress?.(
        `${index}/${plan.uploads.length} files, ${formatBytes(done + (progress.loaded ?? 0))} of ${formatBytes(plan.uploadBytes)}: ${item.key}`,
      )
    })
    await upload.done()
    done += item.size
    options.onProgress?.(`${index + 1}/${plan.uploads.length} files, ${formatBytes(done)} of ${formatBytes(plan.uploadBytes)}`)
  }

  for (let start = 0; start < plan.deletions.length; start += 1000) {
    const batch = plan.deletions.slice(start, start + 1000)
    const response = await s3.send(
      new DeleteObjectsCommand({Bucket: plan.bucket, Delete: {Objects: batch.map((item) => ({Key: item.key})), Quiet: true}}),
    )
    const failed = response.Errors ?? []
    if (failed.length > 0) {
      throw new WizardError({
        code: 'delete-failed',
        message: `${failed.length} object(s) could not be removed, e.g. ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message ?? ''}.`,
        actions: ['Check that your role may s3:DeleteObject in this bucket, then run the command again.'],
        exitCode: ExitCode.failure,
      })
    }
  }
  return {bytesUploaded: done}
}
