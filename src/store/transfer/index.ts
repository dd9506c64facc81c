/**
 * The direct DAG transfer protocol (`/artdag/fetch/1.0.0`): a holder streams a
 * DAG's blocks in order, the reader verifies each. Only a networked node runs
 * it (its own surface: `artdag render` with no daemon loads none of it).
 */
export { heliaLocalBlocks } from './blocks.ts'
export { ContentTransfer } from './content-transfer.ts'
export type { ContentTransferInit } from './content-transfer.ts'
export { registerTransferMetrics } from './metrics.ts'
