import type { Child } from 'hono/jsx'
import type { Problem } from '../../shared/http/problem.ts'
import { ruleOf } from './api.ts'
import { Alert } from './layout.tsx'

/** What a form shows next to its fields (by field name), and above them (`form`). */
export type Errors = Record<string, string>

/**
 * A refusal of the API as a form's errors: each invalid field of a 400 next to that field, a broken
 * rule next to the field it is about (`fieldOfRule`), anything else above the form.
 */
export function errorsOf(problem: Problem, fieldOfRule: Record<string, string> = {}): Errors {
  const errors: Errors = {}
  for (const { field, message } of problem.errors ?? []) {
    const name = field.split('/').filter(Boolean).at(-1) ?? 'form'
    errors[name] = errors[name] ? `${errors[name]}; ${message}` : message
  }
  if (problem.errors?.length) return errors
  const rule = ruleOf(problem)
  const message = problem.detail ?? problem.title
  errors[(rule && fieldOfRule[rule]) || 'form'] = message
  return errors
}

/** The values a form was sent with, as text, to show them again beside its errors. */
export async function formValues(request: Request): Promise<Record<string, string>> {
  const values: Record<string, string> = {}
  const data = await request.formData().catch(() => new FormData())
  for (const [key, value] of data.entries()) if (typeof value === 'string') values[key] = value
  return values
}

interface FieldProps {
  name: string
  label: string
  errors?: Errors | undefined
  hint?: string
  children?: Child
}

/** A label, the control (`children`), a hint and the field's error, tied together for screen readers. */
export function Field({ name, label, errors, hint, children }: FieldProps) {
  const error = errors?.[name]
  return (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      {hint && (
        <span class="hint" id={`h-${name}`}>
          {hint}
        </span>
      )}
      {children}
      {error && (
        <span class="error" id={`e-${name}`}>
          {error}
        </span>
      )}
    </div>
  )
}

/** The attributes a control takes from its field: id, name, and its error and hint announced. */
export const control = (name: string, errors?: Errors, hint = false) => {
  const described = [hint ? `h-${name}` : '', errors?.[name] ? `e-${name}` : ''].filter(Boolean).join(' ')
  return {
    id: `f-${name}`,
    name,
    'aria-invalid': errors?.[name] ? 'true' : undefined,
    'aria-describedby': described || undefined,
  }
}

/** A text input in its field. */
export function Input(
  props: FieldProps & {
    value?: string | undefined
    type?: string
    required?: boolean
    autocomplete?: string
    /** For a number: its step and least value. */
    step?: string
    min?: string
  },
) {
  const { name, errors, hint, value, type = 'text', required = true, autocomplete, step, min } = props
  return (
    <Field {...props}>
      <input
        {...control(name, errors, !!hint)}
        type={type}
        value={value ?? ''}
        required={required}
        autocomplete={autocomplete}
        step={step}
        min={min}
      />
    </Field>
  )
}

/** A choice among `options` in its field. */
export function Select(
  props: FieldProps & {
    value?: string | undefined
    options: { value: string; label: string }[]
    placeholder?: string
  },
) {
  const { name, errors, hint, value, options, placeholder } = props
  return (
    <Field {...props}>
      <select {...control(name, errors, !!hint)} required>
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((option) => (
          <option value={option.value} selected={option.value === value}>
            {option.label}
          </option>
        ))}
      </select>
    </Field>
  )
}

/** A text area in its field, for what takes more than a line. */
export function TextArea(props: FieldProps & { value?: string | undefined; maxlength?: number }) {
  const { name, errors, hint, value, maxlength } = props
  return (
    <Field {...props}>
      <textarea {...control(name, errors, !!hint)} required maxlength={maxlength}>
        {value ?? ''}
      </textarea>
    </Field>
  )
}

/** What went wrong with the form as a whole. */
export const FormError = ({ errors }: { errors?: Errors | undefined }) =>
  errors?.form ? <Alert>{errors.form}</Alert> : null

/**
 * A form of fields one under another, what went wrong with it above them and its button below (in a
 * box of its own, so it keeps its width rather than the form's). `data-*` attributes pass on to the form,
 * for the page's script.
 */
export function PostForm(props: {
  action: string
  errors?: Errors | undefined
  /** What its button says. */
  submit: string
  /** The form is a card of its own, not inside one. */
  card?: boolean
  /** The form's own heading, above what went wrong. */
  heading?: string
  children: Child
  [data: `data-${string}`]: string | boolean
}) {
  const { action, errors, submit, card, heading, children, ...data } = props
  return (
    <form class={card ? 'stack card' : 'stack'} method="post" action={action} {...data}>
      {heading && <h2>{heading}</h2>}
      <FormError errors={errors} />
      {children}
      <div>
        <button type="submit">{submit}</button>
      </div>
    </form>
  )
}
