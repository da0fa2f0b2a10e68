/**
 * SM3 (GB/T 32905-2016, also ISO/IEC 10118-3:2018), the hash of the TPM sm3_256 bank.
 * Needed because @noble/hashes has no SM3 and non-Node runtimes have no native one.
 * Only used off the fast path (node:crypto provides "sm3" where OpenSSL has it).
 */
const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e]

const rotl = (x: number, n: number): number => ((x << (n & 31)) | (x >>> ((32 - (n & 31)) & 31))) >>> 0 | 0
const p0 = (x: number): number => x ^ rotl(x, 9) ^ rotl(x, 17)
const p1 = (x: number): number => x ^ rotl(x, 15) ^ rotl(x, 23)

export function sm3(data: Uint8Array): Uint8Array {
  const bitLen = BigInt(data.length) * 8n
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64)
  padded.set(data)
  padded[data.length] = 0x80
  new DataView(padded.buffer).setBigUint64(padded.length - 8, bitLen, false)
  const view = new DataView(padded.buffer)
  const v = IV.slice()
  const w = new Int32Array(68)
  const w1 = new Int32Array(64)
  for (let off = 0; off < padded.length; off += 64) {
    for (let j = 0; j < 16; j++) w[j] = view.getInt32(off + j * 4, false)
    for (let j = 16; j < 68; j++) {
      w[j] = p1(w[j - 16]! ^ w[j - 9]! ^ rotl(w[j - 3]!, 15)) ^ rotl(w[j - 13]!, 7) ^ w[j - 6]!
    }
    for (let j = 0; j < 64; j++) w1[j] = w[j]! ^ w[j + 4]!
    let [a, b, c, d, e, f, g, h] = v as [number, number, number, number, number, number, number, number]
    for (let j = 0; j < 64; j++) {
      const t = j < 16 ? 0x79cc4519 : 0x7a879d8a
      const ss1 = rotl((rotl(a, 12) + e + rotl(t, j)) | 0, 7)
      const ss2 = ss1 ^ rotl(a, 12)
      const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c)
      const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g)
      const tt1 = (ff + d + ss2 + w1[j]!) | 0
      const tt2 = (gg + h + ss1 + w[j]!) | 0
      d = c
      c = rotl(b, 9)
      b = a
      a = tt1
      h = g
      g = rotl(f, 19)
      f = e
      e = p0(tt2)
    }
    v[0]! ^= a; v[1]! ^= b; v[2]! ^= c; v[3]! ^= d; v[4]! ^= e; v[5]! ^= f; v[6]! ^= g; v[7]! ^= h
  }
  const out = new Uint8Array(32)
  const ov = new DataView(out.buffer)
  for (let i = 0; i < 8; i++) ov.setInt32(i * 4, v[i]!, false)
  return out
}
