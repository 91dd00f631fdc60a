import { expect } from 'vitest'
import { RuleViolation } from '../errors.ts'

export interface Decider<TCommand, TEvent, TState> {
  decide: (command: TCommand, state: TState) => TEvent[]
  evolve: (state: TState, event: TEvent) => TState
  initialState: () => TState
}

type ErrorClass = abstract new (...args: never[]) => Error

/**
 * Given/when/then for a pure decider: the given events are folded with `evolve` from `initialState`, the
 * command is decided against that state, and the outcome is compared. Bind anything else `decide` needs
 * (configuration, policy) in the `decide` you pass.
 *
 * @example
 * const spec = deciderSpec({ decide: (command, state) => decide(command, state, policy), evolve, initialState })
 * spec.given([created]).when(plan).then([planned])
 * spec.given([created, planned]).when(plan).thenThrows('job-id-unique')
 * spec.given([]).when(finish).thenThrows(NotFound)
 */
export function deciderSpec<TCommand, TEvent, TState>({
  decide,
  evolve,
  initialState,
}: Decider<TCommand, TEvent, TState>) {
  return {
    given(events: TEvent[]) {
      return {
        when(command: TCommand) {
          const run = () => decide(command, events.reduce(evolve, initialState()))
          return {
            /** The command is accepted and yields exactly these events. */
            then(expected: TEvent[]): void {
              expect(run()).toEqual(expected)
            },
            /** The command is refused: a `RuleViolation` with this rule name, or an error of this class. */
            thenThrows(expected: string | ErrorClass): void {
              const error = caught(run)
              if (typeof expected === 'string') {
                expect(error).toBeInstanceOf(RuleViolation)
                expect((error as RuleViolation).rule).toBe(expected)
              } else {
                expect(error).toBeInstanceOf(expected)
              }
            },
          }
        },
      }
    },
  }
}

function caught(run: () => unknown): unknown {
  let events: unknown
  try {
    events = run()
  } catch (error) {
    return error
  }
  return expect.fail(`expected decide to throw, but it returned ${JSON.stringify(events)}`)
}
