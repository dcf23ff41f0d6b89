import {randomUUID} from 'node:crypto'
import WebSocket from 'ws'

/** Sends one execute_request over the kernel websocket and returns its stdout. */
export async function executeCell(url: string, token: string, code: string): Promise<string> {
  const socket = new WebSocket(url, {headers: {Authorization: `token ${token}`}})
  const msgId = randomUUID()
  const session = randomUUID()
  return new Promise<string>((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error(`no reply from the kernel; stdout so far: ${stdout}`))
    }, 60_000)
    socket.on('error', reject)
    socket.on('open', () => {
      socket.send(
        JSON.stringify({
          header: {msg_id: msgId, username: 'test', session, msg_type: 'execute_request', version: '5.3', date: new Date().toISOString()},
          parent_header: {},
          metadata: {},
          content: {code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true},
          channel: 'shell',
        }),
      )
    })
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw))
      if (message.parent_header?.msg_id !== msgId) return
      if (message.msg_type === 'stream' && message.content.name === 'stdout') stdout += message.content.text
      if (message.msg_type === 'error') stdout += `ERROR ${message.content.ename}: ${message.content.evalue}`
      if (message.msg_type === 'status' && message.content.execution_state === 'idle') {
        clearTimeout(timer)
        socket.close()
        resolve(stdout)
      }
    })
  })
}
