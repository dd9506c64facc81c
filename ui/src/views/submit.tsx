import { useMemo, useState } from 'preact/hooks'
import type { PlanDescriptionJson } from '../../../src/api/schemas.ts'
import { cidText } from '../../../src/api/schemas.ts'
import { errorMessage, errorName } from '../../../src/errors.ts'
import { ApiError, call } from '../api.ts'
import { bytes } from '../format.ts'
import { errorLines, lineOfPath, parseRecipeText } from '../recipe-lines.ts'
import type { LineError } from '../recipe-lines.ts'

/**
 * Submit a recipe: pasted or uploaded YAML (or JSON), its input files picked
 * from disk and streamed into the node's store (POST /v1/content). The daemon
 * plans it first (POST /v1/plan, nothing runs): an error is shown at the line
 * of the node and field it names, and nothing is submitted.
 */

interface Upload { state: 'uploading' | 'done' | 'failed', name: string, size: number, cid?: string, error?: string }

const isCid = (value: string): boolean => cidText.safeParse(value.replace(/^ipfs:\/\//, '')).success

export function SubmitView () {
  const [text, setText] = useState('')
  const [label, setLabel] = useState('')
  const [uploads, setUploads] = useState<Record<string, Upload>>({})
  const [errors, setErrors] = useState<LineError[]>([])
  const [plan, setPlan] = useState<PlanDescriptionJson | undefined>(undefined)
  const [busy, setBusy] = useState<'checking' | 'submitting' | undefined>(undefined)
  const parsed = useMemo(() => parseRecipeText(text), [text])
  const declared = parsed.ok ? recipeInputs(parsed.value) : {}

  const edit = (value: string): void => {
    setText(value)
    setErrors([])
    setPlan(undefined)
  }

  const readRecipeFile = async (file: File | undefined): Promise<void> => {
    if (file !== undefined) edit(await file.text())
  }

  const upload = async (name: string, file: File | undefined): Promise<void> => {
    if (file === undefined) return
    setUploads(u => ({ ...u, [name]: { state: 'uploading', name: file.name, size: file.size } }))
    try {
      const { cid } = await call('addContent', { upload: file, query: { pin: 'user' } })
      setUploads(u => ({ ...u, [name]: { state: 'done', name: file.name, size: file.size, cid } }))
    } catch (err: unknown) {
      setUploads(u => ({ ...u, [name]: { state: 'failed', name: file.name, size: file.size, error: errorMessage(err) } }))
    }
  }

  /** The request, or the errors that stop it before the daemon is asked. */
  const request = (): { recipe: Record<string, unknown>, inputs: Record<string, string> } | LineError[] => {
    if (!parsed.ok) return parsed.errors
    const inputs: Record<string, string> = {}
    const missing: LineError[] = []
    for (const [name, value] of Object.entries(declared)) {
      const cid = uploads[name]?.cid ?? (isCid(value) ? value.replace(/^ipfs:\/\//, '') : undefined)
      if (cid === undefined) missing.push({ line: lineOfPath(parsed.doc, parsed.lines, ['inputs', name]), message: `inputs.${name}: pick a file for this input (below), or give its CID`, name: 'MissingInputError' })
      else inputs[name] = cid
    }
    if (missing.length > 0) return missing
    const recipe = Object.keys(inputs).length > 0 ? { ...parsed.value, inputs } : parsed.value
    return { recipe, inputs }
  }

  const run = async (submit: boolean): Promise<void> => {
    const req = request()
    if (Array.isArray(req)) {
      setErrors(req)
      return
    }
    setBusy(submit ? 'submitting' : 'checking')
    try {
      const body = { ...req, ...(label.trim() !== '' ? { label: label.trim() } : {}) }
      const described = await call('plan', { body })
      setPlan(described)
      setErrors([])
      if (submit) {
        const job = await call('submitJob', { body })
        location.hash = `#/jobs/${encodeURIComponent(job.id)}`
      }
    } catch (err: unknown) {
      if (err instanceof ApiError && parsed.ok) setErrors(errorLines(parsed, err.info))
      else setErrors([{ line: null, message: errorMessage(err), name: errorName(err) ?? 'Error' }])
      setPlan(undefined)
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">Submit a recipe</h1>
      <form class="submit" onSubmit={e => { e.preventDefault(); void run(true) }}>
        <label>Recipe file <input type="file" accept=".yaml,.yml,.json,application/json,text/yaml" onChange={e => { void readRecipeFile((e.currentTarget as HTMLInputElement).files?.[0]) }} data-testid="recipe-file" /></label>
        <label for="recipe-text">Recipe (YAML or JSON; see docs/RECIPES.md)</label>
        <textarea id="recipe-text" value={text} rows={16} spellcheck={false} onInput={e => { edit((e.currentTarget as HTMLTextAreaElement).value) }} aria-invalid={errors.length > 0} aria-describedby="recipe-errors" data-testid="recipe-text" />
        {errors.length > 0 && <ErrorLines text={text} errors={errors} />}
        {Object.keys(declared).length > 0 && (
          <fieldset class="inputs">
            <legend>Inputs</legend>
            {Object.entries(declared).map(([name, value]) => (
              <InputPicker key={name} name={name} value={value} upload={uploads[name]} onPick={file => { void upload(name, file) }} />
            ))}
          </fieldset>
        )}
        <label>Label <input value={label} maxLength={200} onInput={e => { setLabel((e.currentTarget as HTMLInputElement).value) }} placeholder="shown in the job list" /></label>
        <div class="actions">
          <button type="button" disabled={busy !== undefined || text.trim() === ''} onClick={() => { void run(false) }}>Check</button>
          <button type="submit" class="primary" disabled={busy !== undefined || text.trim() === '' || Object.values(uploads).some(u => u.state === 'uploading')}>{busy === 'submitting' ? 'Submitting…' : 'Submit'}</button>
        </div>
      </form>
      {plan !== undefined && (
        <p class="ok" role="status" data-testid="plan-summary">The recipe <strong>{plan.recipe}</strong> plans to {plan.summary.steps} steps: {plan.summary.cached} cached, {plan.summary.toRun} to run.</p>
      )}
    </section>
  )
}

function recipeInputs (value: Record<string, unknown>): Record<string, string> {
  const inputs = value.inputs
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) return {}
  return Object.fromEntries(Object.entries(inputs as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]))
}

function InputPicker ({ name, value, upload, onPick }: { name: string, value: string, upload: Upload | undefined, onPick: (file: File | undefined) => void }) {
  return (
    <div class="input-picker" data-input={name}>
      <label>{name} <span class="muted small">({isCid(value) ? 'a CID' : `file ${value}`})</span>{' '}
        <input type="file" onChange={e => { onPick((e.currentTarget as HTMLInputElement).files?.[0]) }} data-testid={`input-file-${name}`} />
      </label>
      {upload !== undefined && (
        <span class={`upload upload-${upload.state}`} role="status" data-testid={`input-status-${name}`}>
          {upload.state === 'uploading' && `uploading ${upload.name} (${bytes(upload.size)})…`}
          {upload.state === 'done' && <>added {upload.name} as <code>{upload.cid}</code></>}
          {upload.state === 'failed' && `upload failed: ${upload.error ?? ''}`}
        </span>
      )}
    </div>
  )
}

/** The recipe's lines with each error under the line it names. */
function ErrorLines ({ text, errors }: { text: string, errors: LineError[] }) {
  const byLine = new Map<number, LineError[]>()
  for (const e of errors) if (e.line !== null) byLine.set(e.line, [...(byLine.get(e.line) ?? []), e])
  const loose = errors.filter(e => e.line === null)
  return (
    <div id="recipe-errors" class="recipe-errors" role="alert">
      <p><strong>{errors.length === 1 ? 'The recipe has an error' : `The recipe has ${errors.length} errors`}</strong>; nothing was submitted.</p>
      {loose.map((e, i) => <p key={i} class="error"><strong>{e.name}</strong>: {e.message}</p>)}
      <ol class="code">
        {text.split('\n').map((line, i) => {
          const here = byLine.get(i + 1)
          return (
            <li key={i} value={i + 1} class={here !== undefined ? 'error-line' : undefined} data-line={i + 1}>
              <code>{line === '' ? ' ' : line}</code>
              {here?.map((e, j) => <div key={j} class="line-error" data-testid="line-error" data-line={i + 1}><strong>line {i + 1}, {e.name}</strong>: {e.message}</div>)}
            </li>
          )
        })}
      </ol>
    </div>
  )
}
