// Runs @ethersphere/bee-js 12, unchanged, against a comb node's API (argv[2]) and checks every
// endpoint of the node-network and content-API issues, and the staking, redistribution and
// SWAP endpoints of the incentive-loop issue (argv[3], a second node, makes the traffic
// that is paid by cheque). Prints one line per check and exits non-zero on any
// failure. bee-js validates every response with its own schemas, so a wrong field name or
// type fails here.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Bee, MantarayNode, PrivateKey, Topic } from '@ethersphere/bee-js'

const api = process.argv[2]
const otherApi = process.argv[3]
if (!api || !otherApi) {
  console.error('usage: node run.mjs NODE_API OTHER_NODE_API')
  process.exit(2)
}
const bee = new Bee(api)
// The other node uploads through this one's neighbourhood and pays it by cheque.
const other = new Bee(otherApi)
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
await check('getNodeInfo', async () => {
  const info = await bee.getNodeInfo()
  assert(info.beeMode === 'full', `mode ${info.beeMode}`)
  assert(info.chequebookEnabled && info.swapEnabled, 'a devnet node has a chequebook and SWAP on')
})
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

let site
await check('uploadFile/downloadFile', async () => {
  const result = await bee.uploadFile(batchId, 'hello from bee-js', 'hello.txt', { contentType: 'text/plain' })
  assert(result.tagUid > 0, 'tag uid')
  const file = await bee.downloadFile(result.reference)
  assert(file.name === 'hello.txt', `name ${file.name}`)
  assert(file.contentType === 'text/plain', `content type ${file.contentType}`)
  assert(file.data.toUtf8() === 'hello from bee-js', 'data')
})
await check('uploadFilesFromDirectory/downloadFile(path)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'comb-site-'))
  mkdirSync(join(dir, 'sub'))
  writeFileSync(join(dir, 'index.html'), '<h1>site</h1>')
  writeFileSync(join(dir, 'sub', 'page.txt'), 'nested page')
  const result = await bee.uploadFilesFromDirectory(batchId, dir, { indexDocument: 'index.html' })
  site = result.reference
  const index = await bee.downloadFile(site)
  assert(index.data.toUtf8() === '<h1>site</h1>', 'index document')
  const nested = await bee.downloadFile(site, 'sub/page.txt')
  assert(nested.data.toUtf8() === 'nested page', 'nested file')
  assert(nested.name === 'page.txt', `name ${nested.name}`)
})
await check('MantarayNode reads the collection manifest', async () => {
  const node = await MantarayNode.unmarshal(bee, site)
  await node.loadRecursively(bee)
  const paths = Object.keys(node.collectAndMap()).sort()
  assert(paths.includes('index.html') && paths.includes('sub/page.txt'), `paths ${paths}`)
  // bee-js's own mantaray computes the same root address for the same trie.
  assert((await node.calculateSelfAddress()).toHex() === site.toHex(), 'self address')
})
const signer = new PrivateKey('22'.repeat(32))
const owner = signer.publicKey().address()
await check('SOC writer/reader', async () => {
  const identifier = '33'.repeat(32)
  const writer = bee.makeSOCWriter(signer)
  await writer.upload(batchId, identifier, new TextEncoder().encode('soc payload'))
  const soc = await bee.makeSOCReader(owner).download(identifier)
  assert(soc.payload.toUtf8() === 'soc payload', 'payload')
})
await check('feed writer/reader', async () => {
  const topic = Topic.fromString('comb-bee-js-feed')
  const writer = bee.makeFeedWriter(topic, signer)
  for (const value of ['v1', 'v2', 'v3']) await writer.uploadPayload(batchId, value)
  const latest = await bee.makeFeedReader(topic, owner).downloadPayload()
  assert(latest.payload.toUtf8() === 'v3', `payload ${latest.payload.toUtf8()}`)
  assert(latest.feedIndex.toBigInt() === 2n, `index ${latest.feedIndex.toBigInt()}`)
  assert(latest.feedIndexNext.toBigInt() === 3n, 'next index')
  const manifest = await bee.createFeedManifest(batchId, topic, owner)
  assert(manifest.toHex().length === 64, 'feed manifest')
})
await check('pin/getAllPins/getPin/unpin', async () => {
  await bee.pin(site)
  const pins = await bee.getAllPins()
  assert(pins.some(p => p.toHex() === site.toHex()), 'listed')
  assert((await bee.getPin(site)).reference.toHex() === site.toHex(), 'get')
  await bee.unpin(site)
  assert(!(await bee.getAllPins()).some(p => p.toHex() === site.toHex()), 'unpinned')
})
await check('createTag/retrieveTag/getAllTags/deleteTag', async () => {
  const tag = await bee.createTag()
  assert(tag.uid > 0, 'uid')
  assert((await bee.retrieveTag(tag.uid)).uid === tag.uid, 'retrieve')
  assert((await bee.getAllTags()).some(t => t.uid === tag.uid), 'listed')
  await bee.deleteTag(tag.uid)
})

await check('getStake/depositStake', async () => {
  const before = BigInt((await bee.getStake()).toPLURString())
  assert(before >= 10n ** 17n, `the devnet staked the node: ${before}`)
  const tx = await bee.depositStake('1000000000000000000')
  assert(tx.toHex().length === 64, 'tx hash')
  const after = BigInt((await bee.getStake()).toPLURString())
  assert(after === before + 10n ** 18n, `stake ${after}`)
})
await check('getWithdrawableStake', async () => {
  const withdrawable = BigInt((await bee.getWithdrawableStake()).toPLURString())
  assert(withdrawable >= 0n, 'amount')
})
await check('getRedistributionState', async () => {
  const state = await bee.getRedistributionState()
  assert(['commit', 'reveal', 'claim'].includes(state.phase), `phase ${state.phase}`)
  assert(state.block > 0 && state.round === Math.floor(state.block / 152), `round ${state.round}`)
  assert(state.isHealthy === true, 'healthy with a peer')
  assert(state.reward.toPLURString() !== undefined, 'reward')
})
await check('rchash', async () => {
  const seconds = await bee.rchash(0, '11'.repeat(32), '22'.repeat(32))
  assert(seconds >= 0 && seconds < 60, `duration ${seconds}`)
})

// SWAP: the other node uploads megabytes; the chunks this node stores are paid for, by
// time-based settlement and, beyond it, by cheques (swap.md §1, §3).
let payer
await check('getAllBalances/getPeerBalance after traffic', async () => {
  const state = await other.getChainState()
  const otherBatch = await other.createPostageBatch((BigInt(state.currentPrice) * 17280n * 2n).toString(), 22, {
    waitForUsable: true,
  })
  const random = new Uint8Array(8 << 20)
  for (let i = 0; i < random.length; i += 65536) crypto.getRandomValues(random.subarray(i, i + 65536))
  await other.uploadData(otherBatch, random)
  payer = (await other.getNodeAddresses()).overlay.toHex()
  const balances = await bee.getAllBalances()
  assert(balances.balances.some(b => b.peer === payer), 'the uploader has a balance')
  const balance = await bee.getPeerBalance(payer)
  assert(balance.peer === payer, 'peer balance')
})
await check('getPastDueConsumptionBalances', async () => {
  const consumed = await bee.getPastDueConsumptionBalances()
  assert(Array.isArray(consumed.balances), 'balances')
})
await check('getChequebookAddress/getChequebookBalance', async () => {
  const address = await bee.getChequebookAddress()
  assert(address.chequebookAddress.toHex().length === 40, 'chequebook address')
  const balance = await bee.getChequebookBalance()
  assert(BigInt(balance.totalBalance.toPLURString()) > 0n, 'funded at first start')
})
await check('getLastCheques/getLastChequesForPeer', async () => {
  const deadline = Date.now() + 30000
  for (;;) {
    const cheques = await bee.getLastCheques()
    if (cheques.lastcheques.some(c => c.peer === payer && c.lastreceived)) break
    assert(Date.now() < deadline, 'no cheque received from the uploader')
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  const last = await bee.getLastChequesForPeer(payer)
  assert(BigInt(last.lastreceived.payout.toPLURString()) > 0n, 'payout')
})
await check('getAllSettlements/getSettlements', async () => {
  const all = await bee.getAllSettlements()
  assert(BigInt(all.totalReceived.toPLURString()) > 0n, 'received')
  const one = await bee.getSettlements(payer)
  assert(BigInt(one.received.toPLURString()) > 0n, 'received from the uploader')
})
await check('cashoutLastCheque/getLastCashoutAction', async () => {
  const before = BigInt((await bee.getChequebookBalance()).totalBalance.toPLURString())
  const pending = await bee.getLastCashoutAction(payer)
  assert(BigInt(pending.uncashedAmount.toPLURString()) > 0n, 'something to cash')
  // The uploader may still send cheques while this runs (its debt from the upload is settled in
  // steps), so a later cheque can be uncashed again by the time of the re-check: what must hold is
  // that the cheque last received before the cashout is covered by the cashed one.
  const received = BigInt((await bee.getLastChequesForPeer(payer)).lastreceived.payout.toPLURString())
  const tx = await bee.cashoutLastCheque(payer)
  assert(tx.toHex().length === 64, 'tx hash')
  const after = await bee.getLastCashoutAction(payer)
  assert(after.transactionHash !== null && after.transactionHash.replace(/^0x/, '') === tx.toHex(), 'cashout recorded')
  assert(after.lastCashedCheque !== null, 'cashed cheque')
  const cashed = BigInt(after.lastCashedCheque.payout.toPLURString())
  assert(cashed >= received, `cashed ${cashed} covers the cheque received before, ${received}`)
  const latest = BigInt((await bee.getLastChequesForPeer(payer)).lastreceived.payout.toPLURString())
  assert(BigInt(after.uncashedAmount.toPLURString()) <= latest - cashed, 'uncashed is what came after')
  assert(after.result !== null && after.result.bounced === false, 'not bounced')
  const wallet = await bee.getWalletBalance()
  assert(BigInt(wallet.bzzBalance.toPLURString()) > 0n, 'wallet')
  assert(before > 0n, 'balance')
})
await check('depositTokens/withdrawTokens', async () => {
  const before = BigInt((await bee.getChequebookBalance()).totalBalance.toPLURString())
  await bee.depositTokens('1000')
  await bee.withdrawTokens('400')
  const after = BigInt((await bee.getChequebookBalance()).totalBalance.toPLURString())
  assert(after === before + 600n, `balance ${before} -> ${after}`)
})

console.log(`bee-js: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
