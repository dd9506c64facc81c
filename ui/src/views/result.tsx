import { useEffect, useRef, useState } from 'preact/hooks'
import type { JobDetail } from '../../../src/api/schemas.ts'
import { call } from '../api.ts'
import { bytes, short } from '../format.ts'
import { useLiveData } from '../live.ts'
import { ErrorNote, Field } from './parts.tsx'

/**
 * A finished job's output: a thumbnail (a frame the browser draws from the
 * video), the video itself streamed from the node's store with Range requests
 * (so seeking works), its provenance record, the nodes that pin it, and a
 * download link. `<video>` and links cannot send the token, so they use a
 * per-CID ticket URL the daemon gives (GET /v1/content/:cid/ticket).
 */

export function ResultPanel ({ job }: { job: JobDetail }) {
  const output = job.output as string
  const { data: src, error } = useLiveData(async signal => (await call('contentTicket', { params: { cid: output }, signal })).path, () => false, [output])
  const { data: stat } = useLiveData(signal => call('statContent', { params: { cid: output }, signal }), () => false, [output])
  const { data: provenance } = useLiveData(async signal => job.provenance === null ? null : await call('getDocument', { params: { cid: job.provenance }, signal }), () => false, [job.provenance])
  return (
    <section class="card result" aria-labelledby="result-title">
      <h2 id="result-title">Result</h2>
      <ErrorNote error={error} />
      {src !== undefined && (
        <div class="result-media">
          <Thumbnail src={src} />
          <video controls preload="metadata" src={src} data-testid="output-video" aria-label="the job's output" />
        </div>
      )}
      <dl class="facts">
        <Field label="Output"><code class="wrap">{output}</code></Field>
        {stat !== undefined && <Field label="Size">{bytes(stat.size)}{stat.local ? ', in this node\'s store' : ', fetched from peers'}</Field>}
        <Field label="Pinned by">{job.pinnedBy.length === 0 ? 'no node has announced it yet' : job.pinnedBy.map(p => <code key={p} title={p} class="pinner">{short(p, 8)}</code>)}</Field>
        {src !== undefined && <Field label="Download"><a href={src} download={`${job.label ?? job.recipe}.mp4`}>{`${job.label ?? job.recipe}.mp4`}</a></Field>}
      </dl>
      {job.provenance !== null && (
        <details>
          <summary>Provenance <code>{short(job.provenance, 8)}</code></summary>
          <pre class="json">{provenance == null ? 'loading…' : JSON.stringify(provenance.document, null, 2)}</pre>
        </details>
      )}
    </section>
  )
}

/** A still of the video, drawn into a canvas from a frame a second in. */
function Thumbnail ({ src }: { src: string }) {
  const [url, setUrl] = useState<string | undefined>(undefined)
  const created = useRef<string | undefined>(undefined)
  useEffect(() => {
    const video = document.createElement('video')
    video.muted = true
    video.preload = 'auto'
    video.src = src
    const onMeta = (): void => { video.currentTime = Math.min(1, video.duration / 2) }
    const onSeeked = (): void => {
      const canvas = document.createElement('canvas')
      canvas.width = 160
      canvas.height = Math.round(160 * video.videoHeight / Math.max(1, video.videoWidth))
      canvas.getContext('2d')?.drawImage(video, 0, 0, canvas.width, canvas.height)
      canvas.toBlob(blob => {
        if (blob === null) return
        created.current = URL.createObjectURL(blob)
        setUrl(created.current)
      }, 'image/png')
      video.removeAttribute('src')
      video.load()
    }
    video.addEventListener('loadedmetadata', onMeta, { once: true })
    video.addEventListener('seeked', onSeeked, { once: true })
    return () => {
      video.removeAttribute('src')
      video.load()
      if (created.current !== undefined) URL.revokeObjectURL(created.current)
    }
  }, [src])
  return url === undefined ? <div class="thumb placeholder" aria-hidden="true" /> : <img class="thumb" src={url} alt="a frame of the output" data-testid="thumbnail" />
}
