import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'

/**
 * The part size of every multipart upload this command makes. Fixed, so the ETag of a
 * large file it uploaded can be computed again locally and an unchanged file is
 * recognised (S3's multipart ETag is the MD5 of the parts' MD5s, "-N" parts).
 */
export const PART_SIZE = 8 * 1024 * 1024

/** Part sizes other common uploaders use, tried when a remote multipart ETag does not match ours. */
const OTHER_PART_SIZES = [5 * 1024 * 1024, 16 * 1024 * 1024, 64 * 1024 * 1024]

/** The ETag S3 gives an object uploaded in one request: the MD5 of its bytes, quoted. */
export async function singlePartEtag(path: string): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return `"${hash.digest('hex')}"`
}

/** The ETag S3 gives an object uploaded in parts of `partSize` bytes: md5(md5(part1)...md5(partN))-N. */
export async function multipartEtag(path: string, partSize: number): Promise<string> {
  const digests: Buffer[] = []
  let part = createHash('md5')
  let filled = 0
  for await (const chunk of createReadStream(path, {highWaterMark: 1024 * 1024})) {
    let data = chunk as Buffer
    while (data.length > 0) {
      const take = Math.min(partSize - filled, data.length)
      part.update(data.subarray(0, take))
      filled += take
      data = data.subarray(take)
      if (filled === partSize) {
        digests.push(part.digest())
        part = createHash('md5')
        filled = 0
      }
    }
  }
  if (filled > 0 || digests.length === 0) digests.push(part.digest())
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`
}

/**
 * Whether the local file has the bytes of the remote object, judged by its ETag: the
 * plain MD5 for single-part objects; for multipart ones, the multipart ETag with our
 * part size, then with any other common part size that gives the same part count.
 * (Objects encrypted with KMS have ETags that are not MD5s: they count as changed.)
 */
export async function sameContent(path: string, size: number, remoteEtag: string): Promise<boolean> {
  const parts = /-([0-9]+)"?$/.exec(remoteEtag)
  const normalised = remoteEtag.startsWith('"') ? remoteEtag : `"${remoteEtag}"`
  if (!parts) return (await singlePartEtag(path)) === normalised
  const count = Number(parts[1])
  const candidates = [PART_SIZE, ...OTHER_PART_SIZES].filter((p) => Math.max(1, Math.ceil(size / p)) === count)
  for (const partSize of candidates) if ((await multipartEtag(path, partSize)) === normalised) return true
  return false
}
