import type {EnvironmentSpec} from '../spec/types.js'
import {portForwardCommand} from './status.js'

/** How to reach the hub once it is deployed, for the deploy summary. */
export function signInInstructions(spec: EnvironmentSpec, outputs: Record<string, string>, options: {hubReady?: boolean} = {}): string {
  // After `deploy` waited for the hub there is nothing left to wait for.
  const later = options.hubReady
    ? []
    : ['The hub is ready a few minutes after deploy, when its bootstrap has installed the kernels (`jupyter status` shows its progress).']
  if (spec.access === 'private') {
    return [
      'The hub has no public endpoint. Connect through Session Manager (needs the session-manager-plugin):',
      `  ${portForwardCommand(outputs.InstanceId ?? '<instance-id>', spec.region)}`,
      `then open ${outputs.HubUrl ?? 'http://localhost:8000'}. Admin password(s), generated on the instance:`,
      `  aws ssm get-parameter --region ${spec.region} --with-decryption --name /arw/${spec.name}/admin-password --query Parameter.Value --output text`,
      ...later,
    ].join('\n')
  }
  return [
    `Hub: ${outputs.HubUrl ?? '(see the HubUrl output)'}`,
    spec.adminEmail
      ? `${spec.adminEmail} receives an e-mail with a temporary password; sign in with it and choose a new one.`
      : 'No administrator was given: add people to the Cognito user pool to let them sign in.',
    ...later,
  ].join('\n')
}
