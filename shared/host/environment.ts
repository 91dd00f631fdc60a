import * as v from 'valibot'
import { parseEnvironment } from '../environment.ts'
import type { ServiceDefinition } from '../service.ts'

type HostEnvironment = v.ObjectSchema<v.ObjectEntries, undefined>

/**
 * Parses a host's own variables and the settings of every service it runs in one pass, so a bad
 * environment is one message naming every bad variable.
 * @returns the host's variables, and each service's settings by service name.
 *
 * @example
 * const { host, settings } = parseWithServiceSettings(NodeEnvironment, services, process.env)
 */
export function parseWithServiceSettings<TSchema extends HostEnvironment>(
  hostEnvironment: TSchema,
  definitions: readonly ServiceDefinition[],
  env: Record<string, unknown>,
): { host: v.InferOutput<TSchema>; settings: Record<string, Record<string, unknown>> } {
  const entries: v.ObjectEntries = { ...hostEnvironment.entries }
  const declaredBy = new Map(Object.keys(entries).map((key) => [key, 'the host']))
  for (const { name, settings } of definitions)
    for (const [key, schema] of Object.entries(settings?.entries ?? {})) {
      // One variable, one meaning: a second schema for it would silently replace the first. Services
      // that share a variable (`WORKSHOP_TZ`) declare it with one schema from shared/environment.ts.
      if (entries[key] === schema) continue
      if (declaredBy.has(key))
        throw new Error(
          `Service ${name} declares the setting ${key}, which ${declaredBy.get(key)} declares already`,
        )
      declaredBy.set(key, `service ${name}`)
      entries[key] = schema
    }
  const parsed = parseEnvironment(v.object(entries), env) as Record<string, unknown>
  const settings: Record<string, Record<string, unknown>> = {}
  for (const { name, settings: schema } of definitions)
    settings[name] = Object.fromEntries(Object.keys(schema?.entries ?? {}).map((key) => [key, parsed[key]]))
  return { host: parsed as v.InferOutput<TSchema>, settings }
}
