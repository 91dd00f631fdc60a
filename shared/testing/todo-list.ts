import { NotFound, RuleViolation } from '../errors.ts'

// The kernel imports no service, yet its tests need an event-sourced aggregate, events on the bus and a
// read model. This to-do list is theirs, small enough to read at a glance: the aggregate here, its tables
// in todo-schema.ts, its read model in todo-read-model.ts, and a database with the kernel's tables and
// its own in fixture-database.ts. Its events are not in the contracts: they state their schema version,
// and consumers check them against the envelope alone.

export type TodoEvent =
  | { type: 'TodoListOpened'; version: 1; data: { listId: string } }
  | { type: 'TodoAdded'; version: 1; data: { listId: string; todoId: string; text: string } }
  | { type: 'TodoDone'; version: 1; data: { listId: string; todoId: string } }

export type Todo = { todoId: string; text: string; done: boolean }

/** One to-do list: plain data, so it can be snapshotted as JSON. */
export type TodoList = { status: 'empty' } | { status: 'open'; listId: string; todos: Todo[] }

export const initialState = (): TodoList => ({ status: 'empty' })

export function evolve(state: TodoList, event: TodoEvent): TodoList {
  switch (event.type) {
    case 'TodoListOpened':
      return { status: 'open', listId: event.data.listId, todos: [] }
    case 'TodoAdded': {
      if (state.status !== 'open') return state
      const { todoId, text } = event.data
      return { ...state, todos: [...state.todos, { todoId, text, done: false }] }
    }
    case 'TodoDone': {
      if (state.status !== 'open') return state
      const todos = state.todos.map((todo) =>
        todo.todoId === event.data.todoId ? { ...todo, done: true } : todo,
      )
      return { ...state, todos }
    }
  }
}

export const todoList = { initialState, evolve }

export type AddTodo = { type: 'AddTodo'; data: { listId: string; todoId: string; text: string } }
export type CompleteTodo = { type: 'CompleteTodo'; data: { listId: string; todoId: string } }
export type TodoCommand = AddTodo | CompleteTodo

/** Adds a to-do, opening the list on first use (two events then, as an aggregate's first command often has). */
export function addTodo({ data }: AddTodo, state: TodoList): TodoEvent[] {
  const todos = state.status === 'open' ? state.todos : []
  todoIdUnique(todos, data.todoId)

  const added: TodoEvent = { type: 'TodoAdded', version: 1, data }
  if (state.status === 'open') return [added]
  return [{ type: 'TodoListOpened', version: 1, data: { listId: data.listId } }, added]
}

export function completeTodo({ data }: CompleteTodo, state: TodoList): TodoEvent[] {
  const todo = state.status === 'open' ? state.todos.find((t) => t.todoId === data.todoId) : undefined
  if (!todo) throw new NotFound(`No to-do ${data.todoId} on ${data.listId}`)
  notDoneYet(todo)
  return [{ type: 'TodoDone', version: 1, data }]
}

export function decide(command: TodoCommand, state: TodoList): TodoEvent[] {
  const { type } = command
  switch (type) {
    case 'AddTodo':
      return addTodo(command, state)
    case 'CompleteTodo':
      return completeTodo(command, state)
    default: {
      const _exhaustive: never = type
      throw new Error(`Unknown command ${String(_exhaustive)}`)
    }
  }
}

function todoIdUnique(todos: Todo[], todoId: string): void {
  if (todos.some((t) => t.todoId === todoId))
    throw new RuleViolation('todo-id-unique', `${todoId} is already on the list`)
}

function notDoneYet(todo: Todo): void {
  if (todo.done) throw new RuleViolation('todo-not-done-yet', `${todo.todoId} is already done`)
}
