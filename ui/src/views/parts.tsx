import type { ComponentChildren } from 'preact'
import { ApiError } from '../api.ts'

/** Small shared pieces of the views. */

export function ErrorNote ({ error }: { error: Error | undefined }) {
  if (error === undefined) return null
  const name = error instanceof ApiError ? error.info.name : error.name
  return <p class="error" role="alert"><strong>{name}</strong>: {error.message}</p>
}

export function ProgressBar ({ value, label }: { value: number | null, label: string }) {
  return (
    <div class={`bar${value === null ? ' indeterminate' : ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value === null ? undefined : Math.round(value * 100)}>
      <div class="fill" style={{ width: `${Math.round((value ?? 0.3) * 100)}%` }} />
    </div>
  )
}

export function Field ({ label, children }: { label: string, children: ComponentChildren }) {
  return <div class="field"><dt>{label}</dt><dd>{children}</dd></div>
}
