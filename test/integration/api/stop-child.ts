// Run as a child process by socket.test.ts: a fresh process, so any handle left
// after stop() (a timer, a socket) is ours. Prints the resources that outlive it.
import { createApiClient } from '../../../src/api/client.ts'
import { startHarness } from './fixtures.ts'

const baseline = process.getActiveResourcesInfo()
const harness = await startHarness()
const client = createApiClient({ home: harness.home, socketPath: harness.socketPath })
await client.status()
const added = await client.add((async function* () {
  yield Buffer.from('hello')
})())
for await (const _ of (await client.cat(added.cid)).body) {}
const stream = await client.events()
await harness.events.waitForSubscribers(1)
const drained = (async () => {
  for await (const _ of stream) {}
})()
await harness.server.stop()
await drained
await harness.close()

for (let turn = 0; turn < 100; turn++) await new Promise(resolve => setImmediate(resolve))
const left = [...process.getActiveResourcesInfo()]
for (const type of baseline) {
  const i = left.indexOf(type)
  if (i !== -1) left.splice(i, 1)
}
process.stdout.write(JSON.stringify(left))
