// Runs @ethersphere/bee-js 12, unchanged, against a comb node's API (argv[2]) and checks every
// endpoint of the node-network issue. Prints one line per check and exits non-zero on any
// failure. bee-js validates every response with its own schemas, so a wrong field name or
// type fails here.
import { Bee } from '@ethersphere/bee-js'

const api = process.argv[2]
if (!api) {
  console.error('usage: node run.mjs http://127.0.0.1:1633')
  process.exit(2)
}
const bee = new Bee(api)
let failed = 0
let passed = 0

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

async function check(name, fn) {
  try {
    await fn()
    passed++
    console.log(`ok   ${name}`)
  } catch (error) {
    failed++
    console.log(`FAIL ${name}: ${error?.message ?? error}`)
  }
}

let batchId
let reference
let chunkReference

await check('getHealth', async () => {
  const health = await bee.getHealth()
  assert(health.status === 'ok', 'status')
  assert(await bee.isSupportedApiVersion(), 'api version')
})
await check('getReadiness', async () => assert((await bee.getReadiness()).status === 'ready', 'ready'))
await check('getNodeInfo', async () => assert((await bee.getNodeInfo()).beeMode !== undefined, 'mode'))
await check('getStatus', async () => assert((await bee.getStatus()).overlay.length === 64, 'overlay'))
await check('getNodeAddresses', async () => {
  const addresses = await bee.getNodeAddresses()
  assert(addresses.underlay.length > 0, 'underlay')
})
await check('getTopology', async () => assert((await bee.getTopology()).connected >= 1, 'peers'))
await check('getPeers', async () => assert((await bee.getPeers()).length >= 1, 'peers'))
await check('getChainState', async () => assert((await bee.getChainState()).block >= 0, 'block'))
await check('getReserveState', async () => assert((await bee.getReserveState()).storageRadius >= 0, 'radius'))
await check('getWalletBalance', async () => {
  const wallet = await bee.getWalletBalance()
  assert(wallet.bzzBalance.toPLURBigInt() > 0n, 'funded')
})
await check('createPostageBatch', async () => {
  const state = await bee.getChainState()
  const amount = (BigInt(state.currentPrice) * 17280n * 2n).toString()
  batchId = await bee.createPostageBatch(amount, 20, { waitForUsable: true })
  assert(batchId.toHex().length === 64, 'batch id')
})
await check('getPostageBatch', async () => {
  const batch = await bee.getPostageBatch(batchId)
  assert(batch.usable && batch.depth === 20, 'usable at depth 20')
})
await check('getPostageBatches', async () => {
  const batches = await bee.getPostageBatches()
  assert(batches.some(b => b.batchID.toHex() === batchId.toHex()), 'listed')
})
await check('getGlobalPostageBatches', async () => {
  const batches = await bee.getGlobalPostageBatches()
  assert(batches.some(b => b.batchID.toHex() === batchId.toHex()), 'listed')
})
await check('uploadData/downloadData', async () => {
  const result = await bee.uploadData(batchId, 'comb speaks bee')
  reference = result.reference
  const data = await bee.downloadData(reference)
  assert(data.toUtf8() === 'comb speaks bee', 'round trip')
})
await check('uploadChunk/downloadChunk', async () => {
  // A content-addressed chunk on the wire: 8-byte little-endian span, then the payload.
  const payload = new TextEncoder().encode('a chunk built by bee-js')
  const chunk = new Uint8Array(8 + payload.length)
  new DataView(chunk.buffer).setBigUint64(0, BigInt(payload.length), true)
  chunk.set(payload, 8)
  const result = await bee.uploadChunk(batchId, chunk)
  chunkReference = result.reference
  assert(chunkReference.toHex().length === 64, 'address')
  const data = await bee.downloadChunk(chunkReference)
  assert(Buffer.from(data).equals(Buffer.from(chunk)), 'round trip')
})
await check('createEnvelope', async () => {
  const envelope = await bee.createEnvelope(batchId, chunkReference)
  assert(envelope.signature.length === 65, 'signature')
})
await check('getPostageBatchBuckets', async () => {
  const buckets = await bee.getPostageBatchBuckets(batchId)
  assert(buckets.buckets.length === 65536, 'buckets')
  assert(buckets.buckets.some(b => b.collisions > 0), 'used')
})
await check('isReferenceRetrievable', async () => assert(await bee.isReferenceRetrievable(reference), 'retrievable'))
await check('reuploadPinnedData', async () => bee.reuploadPinnedData(batchId, reference))
await check('topUpBatch', async () => {
  const state = await bee.getChainState()
  await bee.topUpBatch(batchId, (BigInt(state.currentPrice) * 17280n * 4n).toString())
})
await check('diluteBatch', async () => {
  await bee.diluteBatch(batchId, 21)
  const deadline = Date.now() + 30000
  for (;;) {
    const batch = await bee.getPostageBatch(batchId)
    if (batch.depth === 21) break
    assert(Date.now() < deadline, 'depth never became 21')
    await new Promise(resolve => setTimeout(resolve, 200))
  }
})

console.log(`bee-js: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
