import {domainPackSchema} from '../../domain-pack/schema.js'

/** The schema exactly as published for editors (schema/domain-pack.schema.json). */
export function publishedSchemaText(): string {
  return `${JSON.stringify(domainPackSchema, null, 2)}\n`
}
