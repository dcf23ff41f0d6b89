// The CLI's single entry module: every command, registered explicitly so the build can
// bundle them (with oclif) into one file that starts fast. Heavy libraries
// (aws-cdk-lib, the AWS SDK, the deploy toolkit) stay outside and load on first use.
import Bootstrap from '../commands/bootstrap.js'
import DomainInit from '../commands/domain/init.js'
import DomainList from '../commands/domain/list.js'
import DomainSchema from '../commands/domain/schema.js'
import DomainShow from '../commands/domain/show.js'
import DomainValidate from '../commands/domain/validate.js'
import JupyterDataList from '../commands/jupyter/data/list.js'
import JupyterBudget from '../commands/jupyter/budget.js'
import JupyterCostReport from '../commands/jupyter/cost-report.js'
import JupyterDeploy from '../commands/jupyter/deploy.js'
import JupyterDestroy from '../commands/jupyter/destroy.js'
import JupyterDiff from '../commands/jupyter/diff.js'
import JupyterImportEnvironment from '../commands/jupyter/import-environment.js'
import JupyterImportNotebooks from '../commands/jupyter/import-notebooks.js'
import JupyterList from '../commands/jupyter/list.js'
import JupyterQuickStart from '../commands/jupyter/quick-start.js'
import JupyterLogs from '../commands/jupyter/logs.js'
import JupyterScale from '../commands/jupyter/scale.js'
import JupyterStart from '../commands/jupyter/start.js'
import JupyterStatus from '../commands/jupyter/status.js'
import JupyterStop from '../commands/jupyter/stop.js'
import JupyterSynth from '../commands/jupyter/synth.js'
import JupyterUsersAdd from '../commands/jupyter/users/add.js'
import JupyterUsersList from '../commands/jupyter/users/list.js'
import JupyterUsersRemove from '../commands/jupyter/users/remove.js'
import Version from '../commands/version.js'

export {execute} from '@oclif/core'

export const COMMANDS = {
  bootstrap: Bootstrap,
  'domain:init': DomainInit,
  'domain:list': DomainList,
  'domain:schema': DomainSchema,
  'domain:show': DomainShow,
  'domain:validate': DomainValidate,
  'jupyter:data:list': JupyterDataList,
  'jupyter:budget': JupyterBudget,
  'jupyter:cost-report': JupyterCostReport,
  'jupyter:deploy': JupyterDeploy,
  'jupyter:destroy': JupyterDestroy,
  'jupyter:diff': JupyterDiff,
  'jupyter:import-environment': JupyterImportEnvironment,
  'jupyter:import-notebooks': JupyterImportNotebooks,
  'jupyter:list': JupyterList,
  'jupyter:quick-start': JupyterQuickStart,
  'jupyter:logs': JupyterLogs,
  'jupyter:scale': JupyterScale,
  'jupyter:start': JupyterStart,
  'jupyter:status': JupyterStatus,
  'jupyter:stop': JupyterStop,
  'jupyter:synth': JupyterSynth,
  'jupyter:users:add': JupyterUsersAdd,
  'jupyter:users:list': JupyterUsersList,
  'jupyter:users:remove': JupyterUsersRemove,
  version: Version,
}
