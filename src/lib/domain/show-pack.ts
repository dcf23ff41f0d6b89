import {stringify} from 'yaml'
import type {DomainPack} from '../../domain-pack/schema.js'

/**
 * A pack as YAML for people. A static import on purpose: the bundle turns the
 * CommonJS `yaml` into a module with only a default export, so a dynamic
 * `import('yaml')` in a command has no named `stringify`.
 */
export function packToYaml(file: string, pack: DomainPack): string {
  return `# ${file}\n${stringify(pack, {lineWidth: 0})}`
}
