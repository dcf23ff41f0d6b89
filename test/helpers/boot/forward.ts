import {connect, createServer, type Server} from 'node:net'

/** A TCP listener on a free host loopback port that pipes each connection to a Unix socket. */
export async function forwardLoopbackTo(socketPath: string): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(socketPath)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  server.unref()
  return server
}
