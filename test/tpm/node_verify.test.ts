/**
 * The synchronous node:crypto signature path and the WebCrypto path (other runtimes) must agree
 * on every recorded swtpm quote (test-vectors/quotes), valid and with one signature or message
 * byte flipped, for RSASSA, RSASSA-PSS (both salts, Q-09) and ECDSA P-256/P-384.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseTpm2bPublic } from '../../src/tpm/public.js'
import { parseTpmsAttest } from '../../src/tpm/attest.js'
import { parseTpmtSignature } from '../../src/tpm/signature.js'
import { tpmPublicToKeyMaterial } from '../../src/tpm/keys.js'
import { nodeCryptoVerifier, setNodeCryptoVerifier } from '../../src/tpm/node_verify.js'
import { verifyTpmSignature } from '../../src/tpm/verify_signature.js'
import { hashAlgName } from '../../src/alg.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const DIR = join(REPO_ROOT, 'test-vectors/quotes')
const dirs = readdirSync(DIR).filter((d) => existsSync(join(DIR, d, 'quote.msg'))).sort()
const read = (d: string, f: string) => new Uint8Array(readFileSync(join(DIR, d, f)))

afterEach(() => setNodeCryptoVerifier(undefined))

describe('node:crypto and WebCrypto signature paths agree (recorded swtpm quotes)', () => {
  it('node:crypto is reached through process.getBuiltinModule on this runtime', () => {
    expect(nodeCryptoVerifier()).toBeDefined()
  })
  for (const d of dirs) {
    it(d, async () => {
      const pub = parseTpm2bPublic(read(d, 'ak.pub'))
      const key = tpmPublicToKeyMaterial(pub)
      const sig = parseTpmtSignature(read(d, 'quote.sig'))
      const msg = read(d, 'quote.msg')
      parseTpmsAttest(msg)
      if (sig.kind === 'null') throw new Error(`${d}: unsigned`)
      const hash = hashAlgName(sig.hashAlg)!
      const both = async (m: Uint8Array, s: typeof sig) => {
        setNodeCryptoVerifier(undefined)
        const viaNode = await verifyTpmSignature(key, s, m, hash)
        setNodeCryptoVerifier(false)
        const viaWeb = await verifyTpmSignature(key, s, m, hash)
        return [viaNode, viaWeb] as const
      }
      const [n1, w1] = await both(msg, sig)
      expect(n1).toEqual(w1)
      expect(n1.ok).toBe(true)
      const flipped = msg.slice()
      flipped[flipped.length - 1]! ^= 1
      const [n2, w2] = await both(flipped, sig)
      expect(n2).toEqual(w2)
      expect(n2).toMatchObject({ ok: false, code: 'ERR_QUOTE_SIGNATURE' })
    })
  }
})
