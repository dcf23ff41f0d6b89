/**
 * The names other commands rely on to find and read an environment: stack tags,
 * outputs and the template metadata key. Kept free of aws-cdk-lib so that commands
 * such as `jupyter list` can use them without loading the CDK.
 */

/** Cost-allocation and discovery tags; `jupyter list` finds environments by them. */
export const TAG_KEYS = {
  environment: 'aws-research-wizard:environment',
  domain: 'aws-research-wizard:domain',
  owner: 'aws-research-wizard:owner',
} as const

/** Template metadata key holding the deploy record (domain, flags, resolved pack). */
export const DEPLOY_RECORD_KEY = 'AwsResearchWizard'

/** Output names are a contract with `status`, `list`, `stop` and `destroy`. */
export const OUTPUTS = {
  hubUrl: 'HubUrl',
  instanceId: 'InstanceId',
  homeVolumeId: 'HomeVolumeId',
  sharedFileSystemId: 'SharedFileSystemId',
  notebookBucket: 'NotebookBucket',
  userPoolId: 'UserPoolId',
  region: 'Region',
  logGroup: 'LogGroup',
  instanceType: 'InstanceType',
  autoShutdownMinutes: 'AutoShutdownMinutes',
  accessMode: 'AccessMode',
  users: 'Users',
} as const

/**
 * SSM parameter the hub instance writes its boot progress to (JSON: phase, step, detail,
 * failedStep, message, instanceId, time). `deploy` waits on it and `status` shows it.
 */
export function bootStatusParameterName(environmentName: string): string {
  return `/arw/${environmentName}/boot-status`
}

/** The hub's log group (bootstrap, hub and agent streams), known before the stack's outputs are. */
export function hubLogGroupName(environmentName: string): string {
  return `/arw/${environmentName}/hub`
}

/**
 * Which kept piece of an environment a resource is (home, shared, notebooks, users):
 * with the environment tag it lets `data list`, `destroy --delete-data` and
 * `deploy --restore-from` find the piece after the stack that made it is gone.
 */
export const DATA_TAG_KEY = 'aws-research-wizard:data'

export const DATA_TAG_VALUES = {
  home: 'home',
  shared: 'shared',
  notebooks: 'notebooks',
  users: 'users',
} as const

/**
 * SSM parameter the hub's idle agent writes its latest decision to every minute (JSON: time,
 * idle, idleMinutes, busy, action, stopsInMinutes); `status` shows it. Created with the
 * auto-shutdown alarm, so only environments that stop when idle have one.
 */
export function idleStatusParameterName(environmentName: string): string {
  return `/arw/${environmentName}/idle-status`
}

/** The Cognito group whose members are hub administrators (jupyterhub_config.py reads it as ADMIN_GROUP). */
export const HUB_ADMIN_GROUP = 'hub-admins'

/** SecureString holding the password of a private hub's local account, written by the instance. */
export function userPasswordParameterName(environmentName: string, accountName: string): string {
  return `/arw/${environmentName}/users/${accountName}/password`
}
