import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { errorMessage } from '../errors.ts'
import { ContentCorruptError, WrongContentTypeError } from './errors.ts'
import type { CID } from 'multiformats/cid'

/** A dag-pb block decoded: its links and its UnixFS data. */
export interface UnixfsFileNode {
  node: dagPb.PBNode
  unixfs: UnixFS
}

/** A dag-pb block as a UnixFS file node; WrongContentTypeError for anything else. */
export function decodeUnixfsFile (cid: CID, block: Uint8Array): UnixfsFileNode {
  if (cid.code !== dagPb.code) {
    throw new WrongContentTypeError(`${cid} is not a file (codec 0x${cid.code.toString(16)}, not UnixFS)`, { cid: cid.toString() })
  }
  let node: dagPb.PBNode
  let unixfs: UnixFS
  try {
    node = dagPb.decode(block)
  } catch (err: unknown) {
    throw new ContentCorruptError(`${cid} is not a UnixFS node: ${errorMessage(err)}`, { cid: cid.toString() }, { cause: err })
  }
  if (node.Data == null) throw new ContentCorruptError(`${cid} is not a UnixFS node: no UnixFS data`, { cid: cid.toString() })
  try {
    unixfs = UnixFS.unmarshal(node.Data)
  } catch (err: unknown) {
    throw new ContentCorruptError(`${cid} is not a UnixFS node: ${errorMessage(err)}`, { cid: cid.toString() }, { cause: err })
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') {
    throw new WrongContentTypeError(`${cid} is a UnixFS ${unixfs.type}, not a file`, { cid: cid.toString() })
  }
  if (node.Links.length !== unixfs.blockSizes.length) {
    throw new ContentCorruptError(`${cid} has ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`, { cid: cid.toString() })
  }
  return { node, unixfs }
}
