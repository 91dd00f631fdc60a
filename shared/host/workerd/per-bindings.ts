/**
 * `build` run once per bindings object: workerd gives an isolate its bindings once, so what is built from
 * them (a parsed configuration, a service, a gateway) lives as long as the isolate. Several environments
 * in one process (tests) each get their own. A `build` that throws is tried again on the next call.
 *
 * @example
 * const gatewayOf = perBindings((env) => createGateway(targets(env), options))
 * export default { fetch: (request, env) => gatewayOf(env).fetch(request) }
 */
export function perBindings<Env extends object, T>(build: (env: Env) => T): (env: Env) => T {
  const built = new WeakMap<Env, T>()
  return (env) => {
    if (built.has(env)) return built.get(env)!
    const value = build(env)
    built.set(env, value)
    return value
  }
}
