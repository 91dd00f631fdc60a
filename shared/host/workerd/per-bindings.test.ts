import { describe, expect, it } from 'vitest'
import { perBindings } from './per-bindings.ts'

describe('perBindings', () => {
  it('builds once for the same bindings, and once more for other bindings', () => {
    let builds = 0
    const of = perBindings((env: { name: string }) => ({ name: env.name, build: ++builds }))
    const first = { name: 'first' }
    const second = { name: 'second' }

    const answers = [of(first), of(first), of(second), of(first)]

    expect(answers.map((a) => `${a.name}#${a.build}`)).toEqual(['first#1', 'first#1', 'second#2', 'first#1'])
  })

  it('builds again after a build that threw, so a fixed binding is picked up', () => {
    let fail = true
    const of = perBindings(() => {
      if (fail) throw new Error('misconfigured')
      return 'built'
    })
    const env = {}

    expect(() => of(env)).toThrow('misconfigured')
    fail = false

    expect(of(env)).toBe('built')
  })
})
