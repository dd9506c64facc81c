/** The step types a transcode node expands into (expand.ts), and the node's own. */
export const TRANSCODE_TYPE = 'transcode'
export const CHUNK_TYPE = 'transcode_chunk'
export const AUDIO_TYPE = 'transcode_audio'
export const JOIN_TYPE = 'transcode_join'
