import { StatementError, statementFailure, type Connection } from './connection.ts'
import {
  fromWire,
  ProtocolError,
  toWire,
  type BatchCond,
  type BatchResult,
  type BatchStep,
  type ProtoError,
  type Stmt,
  type StmtResult,
  type StreamRequest,
  type StreamResponse,
  type StreamResult,
} from './hrana.ts'

/** What a stream carries from one request to the next. */
export interface StreamState {
  connection: Connection
  /** SQL texts stored with `store_sql`, which statements then name by `sql_id`. */
  sqls: Map<number, string>
  closed: boolean
}

/**
 * Runs one request of a pipeline. A statement's failure is the request's result; anything else is thrown.
 *
 * @example
 * const stmt = { sql: 'SELECT 1', args: [], named_args: [], want_rows: true }
 * await handleRequest(stream, { type: 'execute', stmt })
 * // { type: 'ok', response: { type: 'execute', result: { rows: [[{ type: 'integer', value: '1' }]], … } } }
 */
export async function handleRequest(stream: StreamState, request: StreamRequest): Promise<StreamResult> {
  if (stream.closed) throw new ProtocolError('Stream for this baton was closed')
  try {
    return { type: 'ok', response: await respond(stream, request) }
  } catch (error) {
    return { type: 'error', error: statementFailure(error) }
  }
}

async function respond(stream: StreamState, request: StreamRequest): Promise<StreamResponse> {
  const { connection, sqls } = stream
  switch (request.type) {
    case 'close':
      stream.closed = true
      return { type: 'close' }
    case 'execute':
      return { type: 'execute', result: await execute(connection, sqlText(sqls, request.stmt), request.stmt) }
    case 'batch':
      return { type: 'batch', result: await batch(stream, request.batch.steps) }
    case 'sequence':
      connection.sequence(sqlText(sqls, request))
      return { type: 'sequence' }
    case 'describe': {
      const { params, columns, isExplain, isReadonly } = connection.describe(sqlText(sqls, request))
      const result = {
        params: params.map((name) => ({ name })),
        cols: columns,
        is_explain: isExplain,
        is_readonly: isReadonly,
      }
      return { type: 'describe', result }
    }
    case 'store_sql':
      if (sqls.has(request.sql_id)) throw new ProtocolError(`SQL text ${request.sql_id} already exists`)
      sqls.set(request.sql_id, request.sql)
      return { type: 'store_sql' }
    case 'close_sql':
      sqls.delete(request.sql_id)
      return { type: 'close_sql' }
  }
}

async function execute(connection: Connection, sql: string, stmt: Stmt): Promise<StmtResult> {
  if (stmt.args.length > 0 && stmt.named_args.length > 0) {
    const message = 'Specifying both positional and named arguments is not supported'
    throw new StatementError(message, 'ARGS_BOTH_POSITIONAL_AND_NAMED')
  }
  const args =
    stmt.named_args.length > 0
      ? new Map(stmt.named_args.map(({ name, value }) => [name, fromWire(value)]))
      : stmt.args.map(fromWire)
  const { columns, rows, affectedRowCount, lastInsertRowid } = await connection.execute(sql, args)
  return {
    cols: columns,
    rows: stmt.want_rows ? rows.map((row) => row.map(toWire)) : [],
    affected_row_count: affectedRowCount,
    last_insert_rowid: lastInsertRowid?.toString() ?? null,
  }
}

/**
 * Runs the steps in order, each only if its condition holds on the outcomes of the steps before it. A skipped
 * step is neither `ok` nor `error`.
 */
async function batch(stream: StreamState, steps: BatchStep[]): Promise<BatchResult> {
  // Like sqld, refuse a bad batch before running any of it.
  const program = steps.map(({ condition, stmt }, index) => {
    if (condition && referencedSteps(condition).some((step) => step >= index)) {
      throw new ProtocolError('Invalid reference to step in a batch condition')
    }
    return { condition, stmt, sql: sqlText(stream.sqls, stmt) }
  })
  const outcomes: Outcome[] = []
  const result: BatchResult = { step_results: [], step_errors: [] }
  for (const { condition, stmt, sql } of program) {
    const step =
      !condition || holds(condition, outcomes) ? await runStep(stream.connection, sql, stmt) : SKIPPED
    outcomes.push(step.outcome)
    result.step_results.push(step.result)
    result.step_errors.push(step.error)
  }
  return result
}

type Outcome = 'ok' | 'error' | 'skipped'
type Step = { outcome: Outcome; result: StmtResult | null; error: ProtoError | null }
const SKIPPED: Step = { outcome: 'skipped', result: null, error: null }

async function runStep(connection: Connection, sql: string, stmt: Stmt): Promise<Step> {
  try {
    return { outcome: 'ok', result: await execute(connection, sql, stmt), error: null }
  } catch (error) {
    return { outcome: 'error', result: null, error: statementFailure(error) }
  }
}

function holds(condition: BatchCond, outcomes: readonly Outcome[]): boolean {
  switch (condition.type) {
    case 'ok':
    case 'error':
      return outcomes[condition.step] === condition.type
    case 'not':
      return !holds(condition.cond, outcomes)
    case 'and':
      return condition.conds.every((c) => holds(c, outcomes))
    case 'or':
      return condition.conds.some((c) => holds(c, outcomes))
  }
}

function referencedSteps(condition: BatchCond): number[] {
  switch (condition.type) {
    case 'ok':
    case 'error':
      return [condition.step]
    case 'not':
      return referencedSteps(condition.cond)
    case 'and':
    case 'or':
      return condition.conds.flatMap(referencedSteps)
  }
}

function sqlText(
  sqls: Map<number, string>,
  { sql, sql_id }: { sql?: string | null; sql_id?: number | null },
) {
  if (sql != null && sql_id != null)
    throw new ProtocolError('Either `sql` or `sql_id` are required, but not both')
  if (sql != null) return sql
  if (sql_id == null) throw new ProtocolError('Either `sql` or `sql_id` are required')
  const stored = sqls.get(sql_id)
  if (stored === undefined) throw new ProtocolError(`SQL text ${sql_id} not found`)
  return stored
}
