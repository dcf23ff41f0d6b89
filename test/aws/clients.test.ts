import {describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'

describe('AwsClients.forRegion', () => {
  it('reuses itself, and the clients it built, for its own region', async () => {
    const clients = new AwsClients({region: 'eu-west-1'})
    expect(clients.forRegion('eu-west-1')).toBe(clients)
    expect(await clients.forRegion('eu-west-1').ssm()).toBe(await clients.ssm())
  })

  it('builds separate clients for another region', async () => {
    const clients = new AwsClients({region: 'eu-west-1'})
    const other = clients.forRegion('us-east-1')
    expect(other).not.toBe(clients)
    expect(other.region).toBe('us-east-1')
    expect(await other.ssm()).not.toBe(await clients.ssm())
  })
})
