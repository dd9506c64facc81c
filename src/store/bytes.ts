import { concat } from 'uint8arrays/concat'

/** A block (or any short stream of chunks) as one Uint8Array: Helia's blockstore yields chunks. */
export async function collect (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of source) {
    chunks.push(chunk)
    length += chunk.byteLength
  }
  return chunks.length === 1 ? chunks[0]! : concat(chunks, length)
}
