import * as v from 'valibot'
import type { SqlValue } from './connection.ts'

// Hrana 2 over HTTP, in JSON, as @libsql/client speaks it to an http(s) URL. Field names are the wire's.

const Int32 = v.pipe(v.number(), v.integer())
const isInt64 = (text: string) =>
  /^-?\d+$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n

const Value = v.variant('type', [
  v.object({ type: v.literal('null') }),
  v.object({
    type: v.literal('integer'),
    // A string, so that no JSON parser rounds it to a double.
    value: v.pipe(v.string(), v.check(isInt64, 'must be a 64-bit integer')),
  }),
  v.object({ type: v.literal('float'), value: v.number() }),
  v.object({ type: v.literal('text'), value: v.string() }),
  v.object({ type: v.literal('blob'), base64: v.string() }),
])
export type Value = v.InferOutput<typeof Value>

const Stmt = v.object({
  sql: v.nullish(v.string()),
  sql_id: v.nullish(Int32),
  args: v.nullish(v.array(Value), []),
  named_args: v.nullish(v.array(v.object({ name: v.string(), value: Value })), []),
  want_rows: v.nullish(v.boolean(), true),
})
export type Stmt = v.InferOutput<typeof Stmt>

// Conditions nest, so the recursive schema needs its type spelled out.
export type BatchCond =
  | { type: 'ok' | 'error'; step: number }
  | { type: 'not'; cond: BatchCond }
  | { type: 'and' | 'or'; conds: BatchCond[] }
const BatchCond: v.GenericSchema<BatchCond> = v.variant('type', [
  v.object({ type: v.picklist(['ok', 'error']), step: Int32 }),
  v.object({ type: v.literal('not'), cond: v.lazy(() => BatchCond) }),
  v.object({ type: v.picklist(['and', 'or']), conds: v.array(v.lazy(() => BatchCond)) }),
])
export type BatchStep = { condition?: BatchCond | null; stmt: Stmt }

const SqlText = { sql: v.nullish(v.string()), sql_id: v.nullish(Int32) }
const StreamRequest = v.variant('type', [
  v.object({ type: v.literal('close') }),
  v.object({ type: v.literal('execute'), stmt: Stmt }),
  v.object({
    type: v.literal('batch'),
    batch: v.object({ steps: v.array(v.object({ condition: v.nullish(BatchCond), stmt: Stmt })) }),
  }),
  v.object({ type: v.literal('sequence'), ...SqlText }),
  v.object({ type: v.literal('describe'), ...SqlText }),
  v.object({ type: v.literal('store_sql'), sql_id: Int32, sql: v.string() }),
  v.object({ type: v.literal('close_sql'), sql_id: Int32 }),
])
export type StreamRequest = v.InferOutput<typeof StreamRequest>

/** Body of `POST /v2/pipeline`: the stream's baton (none opens a stream) and the requests to run on it. */
export const PipelineRequest = v.object({ baton: v.nullish(v.string()), requests: v.array(StreamRequest) })

export interface StmtResult {
  cols: { name: string; decltype: string | null }[]
  rows: Value[][]
  affected_row_count: number
  last_insert_rowid: string | null
}
export interface BatchResult {
  step_results: (StmtResult | null)[]
  step_errors: (ProtoError | null)[]
}
export type ProtoError = { message: string; code: string }
export type StreamResponse =
  | { type: 'close' | 'sequence' | 'store_sql' | 'close_sql' }
  | { type: 'execute'; result: StmtResult }
  | { type: 'batch'; result: BatchResult }
  | {
      type: 'describe'
      result: {
        params: { name: string | null }[]
        cols: StmtResult['cols']
        is_explain: boolean
        is_readonly: boolean
      }
    }
export type StreamResult = { type: 'ok'; response: StreamResponse } | { type: 'error'; error: ProtoError }

/**
 * A wire value as libsql binds it.
 *
 * @example
 * fromWire({ type: 'integer', value: '9007199254740993' }) // 9007199254740993n
 */
export function fromWire(value: Value): SqlValue {
  switch (value.type) {
    case 'null':
      return null
    case 'integer':
      return BigInt(value.value)
    case 'blob':
      return Buffer.from(value.base64, 'base64')
    default:
      return value.value
  }
}

/**
 * A value libsql returned, in wire form.
 *
 * @example
 * toWire(Buffer.from([1, 2])) // { type: 'blob', base64: 'AQI=' }
 */
export function toWire(value: SqlValue): Value {
  if (value === null) return { type: 'null' }
  if (typeof value === 'bigint') return { type: 'integer', value: value.toString() }
  if (typeof value === 'number') return { type: 'float', value }
  if (typeof value === 'string') return { type: 'text', value }
  return { type: 'blob', base64: value.toString('base64') }
}

/** A request no correct client sends. Answered 400 in plain text, and its stream is closed, as sqld does. */
export class ProtocolError extends Error {}
