import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer, request, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CloudFormationClient, CreateStackCommand} from '@aws-sdk/client-cloudformation'
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {multipartEtag} from '../../src/lib/import-notebooks/etag.js'
import {runBuiltJson} from '../helpers/built-cli.js'
import {cliEnvironment, type MotoServer, startMoto} from '../helpers/moto.js'
import {freePort} from '../helpers/ports.js'
import {PROJECT_ROOT} from '../helpers/run.js'

/**
 * `jupyter import-notebooks` end to end: the built CLI against a moto S3, through
 * first upload, a re-run with nothing to do (multipart ETags recomputed), a changed
 * file of the same size, --dry-run, --delete (refused without --yes, then confirmed),
 * an interrupted run resumed (a leftover multipart upload, and a CLI killed while a
 * large file is being uploaded), and --env resolving an environment's bucket.
 */
const MiB = 1024 * 1024

interface SyncJson {
  uploads: {key: string; reason: string}[]
  deletions: {key: string}[]
  unchanged: number
  skipped: {path: string; reason: string}[]
  staleUploads: {key: string}[]
  dryRun: boolean
  bucket: string
  prefix: string
}

describe.sequential('jupyter import-notebooks against moto S3 (built CLI)', () => {
  let moto: MotoServer
  let s3: S3Client
  let env: NodeJS.ProcessEnv
  const work = mkdtempSync(join(tmpdir(), 'import-nb-'))
  const source = join(work, 'notebooks')
  const bucket = 'lab-notebooks'
  const destination = `s3://${bucket}/course/`

  const sync = async (...argv: string[]) => {
    const run = await runBuiltJson(['jupyter', 'import-notebooks', '--source', source, ...argv], {cwd: work, env})
    return {...run, result: run.envelope.result as unknown as SyncJson}
  }
  const keys = async (prefix = 'course/') =>
    ((await s3.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix}))).Contents ?? []).map((o) => o.Key!).sort()
  const body = async (key: string) => (await s3.send(new GetObjectCommand({Bucket: bucket, Key: key}))).Body!.transformToString()

  beforeAll(async () => {
    moto = await startMoto()
    env = cliEnvironment(moto.url, work)
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.url,
      forcePathStyle: true,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    await s3.send(new CreateBucketCommand({Bucket: bucket}))
    mkdirSync(join(source, 'sub'), {recursive: true})
    mkdirSync(join(source, '.ipynb_checkpoints'))
    writeFileSync(join(source, 'a.ipynb'), '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}, "v": 1}')
    writeFileSync(join(source, 'sub', 'b.ipynb'), '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}')
    writeFileSync(join(source, '.ipynb_checkpoints', 'a-checkpoint.ipynb'), '{}')
    writeFileSync(join(source, '.secret'), 'token')
    // 20 MiB + 1: three 8 MiB parts, so its ETag is a multipart one ("...-3").
    writeFileSync(join(source, 'big.bin'), Buffer.alloc(20 * MiB + 1, 7))
    writeFileSync(join(work, 'outside.txt'), 'not for the bucket')
    symlinkSync(join(work, 'outside.txt'), join(source, 'escape.txt'))
    symlinkSync(join(source, 'a.ipynb'), join(source, 'alias.ipynb'))
  }, 60_000)
  afterAll(async () => {
    await moto?.stop()
    rmSync(work, {recursive: true, force: true})
  })

  it('first run uploads every notebook; hidden files, checkpoints and links out of the folder stay behind', async () => {
    const run = await sync('--destination', destination)
    expect(run.code, run.stderr).toBe(0)
    expect(run.result.uploads.map((u) => [u.key, u.reason])).toEqual([
      ['course/a.ipynb', 'new'],
      ['course/alias.ipynb', 'new'],
      ['course/big.bin', 'new'],
      ['course/sub/b.ipynb', 'new'],
    ])
    expect(await keys()).toEqual(['course/a.ipynb', 'course/alias.ipynb', 'course/big.bin', 'course/sub/b.ipynb'])
    expect(run.result.skipped.map((s) => [s.path.slice(source.length + 1), s.reason]).sort()).toEqual([
      ['.ipynb_checkpoints', 'hidden'],
      ['.secret', 'hidden'],
      ['escape.txt', 'symlink-outside'],
    ])
    const head = await s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'course/big.bin'}))
    expect(head.ETag).toMatch(/-3"$/)
    expect(head.ETag).toBe(await multipartEtag(join(source, 'big.bin'), 8 * MiB))
  })

  it('a second run has nothing to do', async () => {
    const run = await sync('--destination', destination)
    expect(run.code, run.stderr).toBe(0)
    expect(run.result.uploads).toEqual([])
    expect(run.result.unchanged).toBe(4)
  })

  it('a file changed in place (same size) is uploaded again, and only that one', async () => {
    writeFileSync(join(source, 'a.ipynb'), '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}, "v": 2}')
    const run = await sync('--destination', destination)
    expect(run.code, run.stderr).toBe(0)
    // alias.ipynb is a link to a.ipynb: its content changed too.
    expect(run.result.uploads.map((u) => [u.key, u.reason])).toEqual([
      ['course/a.ipynb', 'changed'],
      ['course/alias.ipynb', 'changed'],
    ])
    expect(await body('course/a.ipynb')).toContain('"v": 2')
  })

  it('--dry-run shows uploads and deletions and changes nothing', async () => {
    rmSync(join(source, 'sub'), {recursive: true})
    writeFileSync(join(source, 'new.ipynb'), '{}')
    const run = await sync('--destination', destination, '--delete', '--dry-run')
    expect(run.code, run.stderr).toBe(0)
    expect(run.result.dryRun).toBe(true)
    expect(run.result.uploads.map((u) => u.key)).toEqual(['course/new.ipynb'])
    expect(run.result.deletions.map((d) => d.key)).toEqual(['course/sub/b.ipynb'])
    expect(await keys()).toEqual(['course/a.ipynb', 'course/alias.ipynb', 'course/big.bin', 'course/sub/b.ipynb'])
  })

  it('--delete without a terminal and without --yes stops before any change', async () => {
    const run = await sync('--destination', destination, '--delete')
    expect([run.code, run.envelope.error?.code]).toEqual([2, 'confirmation-required'])
    expect(await keys()).toEqual(['course/a.ipynb', 'course/alias.ipynb', 'course/big.bin', 'course/sub/b.ipynb'])
  })

  it('--delete --yes uploads the new file and removes the object with no local file', async () => {
    const run = await sync('--destination', destination, '--delete', '--yes')
    expect(run.code, run.stderr).toBe(0)
    expect(await keys()).toEqual(['course/a.ipynb', 'course/alias.ipynb', 'course/big.bin', 'course/new.ipynb'])
  })

  it('resumes after an interruption that left a multipart upload and part of the files', async () => {
    // What a killed run leaves: some files complete, one large file's upload begun.
    writeFileSync(join(source, 'done.ipynb'), '{"done": true}')
    writeFileSync(join(source, 'big2.bin'), Buffer.alloc(17 * MiB, 3))
    writeFileSync(join(source, 'later.ipynb'), '{"later": true}')
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'course/done.ipynb', Body: '{"done": true}'}))
    const {UploadId} = await s3.send(new CreateMultipartUploadCommand({Bucket: bucket, Key: 'course/big2.bin'}))
    await s3.send(new UploadPartCommand({Bucket: bucket, Key: 'course/big2.bin', UploadId, PartNumber: 1, Body: Buffer.alloc(8 * MiB, 3)}))

    const run = await sync('--destination', destination)
    expect(run.code, run.stderr).toBe(0)
    expect(run.result.staleUploads.map((u) => u.key)).toEqual(['course/big2.bin'])
    expect(run.result.uploads.map((u) => u.key)).toEqual(['course/big2.bin', 'course/later.ipynb'])
    expect(run.result.unchanged).toBe(5)
    const pending = await s3.send(new ListMultipartUploadsCommand({Bucket: bucket, Prefix: 'course/'}))
    expect(pending.Uploads ?? []).toEqual([])
    const head = await s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'course/big2.bin'}))
    expect(head.ETag).toBe(await multipartEtag(join(source, 'big2.bin'), 8 * MiB))
  })

  it('a CLI killed in the middle of a large upload is finished by the next run', async () => {
    writeFileSync(join(source, 'huge.bin'), Buffer.alloc(40 * MiB, 9))
    // A slow path to S3: every part upload waits, so the kill lands mid-upload.
    const slow = await slowProxy(moto.port, 1500)
    const child: ChildProcess = spawn(
      'node',
      [join(PROJECT_ROOT, 'bin', 'run.js'), 'jupyter', 'import-notebooks', '--source', source, '--destination', destination, '--json'],
      {
        cwd: work,
        env: {...env, AWS_ENDPOINT_URL: slow.url},
        stdio: 'ignore',
      },
    )
    try {
      const started = Date.now()
      let uploads: unknown[] = []
      while (uploads.length === 0 && Date.now() - started < 60_000) {
        await new Promise((r) => setTimeout(r, 200))
        uploads = (await s3.send(new ListMultipartUploadsCommand({Bucket: bucket, Prefix: 'course/huge.bin'}))).Uploads ?? []
      }
      expect(uploads.length, 'the upload had begun').toBe(1)
      expect(child.exitCode, 'the CLI was still running').toBeNull()
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      await slow.stop()
    }
    expect(await keys('course/huge.bin')).toEqual([])

    const run = await sync('--destination', destination)
    expect(run.code, run.stderr).toBe(0)
    expect(run.result.staleUploads.map((u) => u.key)).toEqual(['course/huge.bin'])
    expect(run.result.uploads.map((u) => u.key)).toEqual(['course/huge.bin'])
    const head = await s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'course/huge.bin'}))
    expect(head.ETag).toBe(await multipartEtag(join(source, 'huge.bin'), 8 * MiB))
    expect((await s3.send(new ListMultipartUploadsCommand({Bucket: bucket, Prefix: 'course/'}))).Uploads ?? []).toEqual([])
    expect((await sync('--destination', destination)).result.uploads).toEqual([])
  }, 120_000)

  it('a bucket that does not exist is a coded error, not a crash', async () => {
    const run = await sync('--destination', 's3://no-such-bucket-here/x/')
    expect([run.code, run.envelope.error?.code]).toEqual([2, 'bucket-not-found'])
  })

  it('--env sends the files to the environment bucket under notebooks/home/<user>/', async () => {
    const envBucket = 'arw-lab1-notebooks'
    const cfn = new CloudFormationClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    await cfn.send(
      new CreateStackCommand({
        StackName: 'arw-lab1',
        Tags: [{Key: 'aws-research-wizard:environment', Value: 'lab1'}],
        TemplateBody: JSON.stringify({
          Resources: {Notebooks: {Type: 'AWS::S3::Bucket', Properties: {BucketName: envBucket}}},
          Outputs: {NotebookBucket: {Value: {Ref: 'Notebooks'}}},
        }),
      }),
    )
    const run = await sync('--env', 'lab1', '--to', 'home', '--user', 'ada')
    expect(run.code, run.stderr).toBe(0)
    expect([run.result.bucket, run.result.prefix]).toEqual([envBucket, 'notebooks/home/ada/'])
    const listed = (await s3.send(new ListObjectsV2Command({Bucket: envBucket}))).Contents ?? []
    expect(listed.map((o) => o.Key).sort()).toContain('notebooks/home/ada/a.ipynb')

    const bad = await sync('--env', 'lab1', '--to', 'home', '--user', '../root')
    expect([bad.code, bad.envelope.error?.code]).toEqual([2, 'invalid-hub-user'])
    const both = await runBuiltJson(['jupyter', 'import-notebooks', '--source', source, '--env', 'lab1', '--destination', destination], {
      cwd: work,
      env,
    })
    expect(both.code).toBe(2)
  })
})

/** An HTTP pass-through to moto that holds each UploadPart request for `delayMs`. */
async function slowProxy(targetPort: number, delayMs: number): Promise<{url: string; stop: () => Promise<void>}> {
  const server: Server = createServer((incoming, outgoing) => {
    const isPart = /[?&]partNumber=/.test(incoming.url ?? '')
    setTimeout(
      () => {
        const forward = request(
          {host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers},
          (response) => {
            outgoing.writeHead(response.statusCode ?? 502, response.headers)
            response.pipe(outgoing)
          },
        )
        forward.on('error', () => outgoing.destroy())
        incoming.pipe(forward)
      },
      isPart ? delayMs : 0,
    )
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
