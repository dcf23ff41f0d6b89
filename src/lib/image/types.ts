/** Where a hub image came from. */
export type ImageSource =
  /** Resolved now from the public SSM parameter (first deploy, or --update-image). */
  | 'parameter'
  /** The image the stack recorded at an earlier deploy, reused so the hub is not replaced. */
  | 'pinned'
  /** --ami-id. */
  | 'flag'

/** The image a stack is deployed with; recorded in its deploy record under `image`. */
export interface HubImage {
  readonly imageId: string
  /** The AMI name (e.g. ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610), when known. */
  readonly name?: string
  /** When AWS registered the image (ISO-8601), when known. */
  readonly creationDate?: string
  readonly source: ImageSource
  /** The public SSM parameter it was resolved from (absent for --ami-id). */
  readonly parameter?: string
}
