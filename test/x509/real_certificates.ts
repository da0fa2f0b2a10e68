/**
 * Every real certificate the repository and the shared corpus hold, deduplicated: PEM blocks in
 * any committed vector (quotes, TDX/SNP collateral, demo bundles), hex and PEM certificates of the
 * corpus attestations, `x5c` chains of the corpus tokens, and every X.509 entry the event decoder
 * finds in UEFI variables and authorities (PK, KEK, db, dbx, shim/MOK) of the committed and corpus
 * event logs.
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { CORPUS, REPO_ROOT } from '../helpers/corpus.js'

export interface RealCertificate {
  source: string
  der: Uint8Array
}

function files(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) files(p, out)
    else out.push(p)
  }
  return out
}

const PEM = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g
// A v3 certificate: SEQUENCE { SEQUENCE { [0] { INTEGER 2 } ... (long-form lengths of 2 bytes).
const HEX_CERT = /"(3082[0-9a-f]{4}3082[0-9a-f]{4}a003020102[0-9a-f]{280,})"/gi
const B64_CERT = /"(MII[A-Za-z0-9+/]{400,}={0,2})"/g
const JWS = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g

/** X.509 entries (`{ type: 'x509', der }`) anywhere in the decoded events. */
function x509Entries(value: unknown, out: Uint8Array[], depth = 0): void {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array || depth > 16) return
  const v = value as { type?: unknown; der?: unknown }
  if (v.type === 'x509' && v.der instanceof Uint8Array) out.push(v.der)
  for (const x of Object.values(value)) x509Entries(x, out, depth + 1)
}

function fromFile(path: string, add: (der: Uint8Array, source: string) => void): void {
  const bytes = readFileSync(path)
  const name = CORPUS && path.startsWith(CORPUS) ? `corpus:${relative(CORPUS, path)}` : relative(REPO_ROOT, path)
  const v3 = (der: Uint8Array): boolean => /^3082.{4}3082.{4}a003020102/.test(Buffer.from(der.subarray(0, 13)).toString('hex'))
  if (/\.(der|cer|crt)$/.test(path) && v3(bytes)) add(new Uint8Array(bytes), `${name} (DER)`)
  const text = bytes.toString('latin1')
  for (const m of text.replace(/\\r/g, '').replace(/\\n/g, '\n').matchAll(PEM)) add(new Uint8Array(Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')), `${name} (PEM)`)
  for (const m of text.matchAll(HEX_CERT)) add(new Uint8Array(Buffer.from(m[1]!, 'hex')), `${name} (hex)`)
  for (const m of text.matchAll(B64_CERT)) {
    const der = new Uint8Array(Buffer.from(m[1]!, 'base64'))
    if (v3(der)) add(der, `${name} (base64)`)
  }
  for (const m of text.matchAll(JWS)) {
    try {
      const header = JSON.parse(Buffer.from(m[0].split('.')[0]!, 'base64url').toString('utf8')) as { x5c?: unknown }
      if (Array.isArray(header.x5c)) for (const c of header.x5c) if (typeof c === 'string') add(new Uint8Array(Buffer.from(c, 'base64')), `${name} (x5c)`)
    } catch {
      // Not a JWS header.
    }
  }
  if (/\.(bin|log|dat)$|measurements|eventlog|bootlog/.test(path) && bytes.length < 8 * 1024 * 1024) {
    try {
      const found: Uint8Array[] = []
      x509Entries(parseEventLog(new Uint8Array(bytes)).events, found)
      for (const der of found) add(der, `${name} (event log)`)
    } catch {
      // Not a TCG event log.
    }
  }
}

/** The committed vectors' certificates, then the corpus's (when present). */
export function realCertificates(): RealCertificate[] {
  const seen = new Set<string>()
  const out: RealCertificate[] = []
  const add = (der: Uint8Array, source: string): void => {
    if (der.length < 64 || der[0] !== 0x30) return
    const key = createHash('sha256').update(der).digest('hex')
    if (seen.has(key)) return
    seen.add(key)
    out.push({ source, der })
  }
  const roots = [join(REPO_ROOT, 'test-vectors'), ...(CORPUS ? [CORPUS] : [])]
  for (const root of roots) for (const f of files(root)) fromFile(f, add)
  return out
}
