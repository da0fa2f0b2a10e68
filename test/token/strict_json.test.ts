/** The duplicate-rejecting JSON parser and strict base64url (J-09, J-10). */
import { describe, it, expect } from 'vitest'
import { parseStrictJson, StrictJsonError } from '../../src/token/strict_json.js'
import { base64urlDecode, base64urlEncode, base64Decode } from '../../src/token/base64url.js'
import { checkTimeClaims } from '../../src/token/time_claims.js'

const kind = (text: string, maxDepth?: number): string => {
  try {
    parseStrictJson(text, maxDepth === undefined ? {} : { maxDepth })
    return 'ok'
  } catch (e) {
    return (e as StrictJsonError).kind
  }
}

describe('parseStrictJson', () => {
  it('reads what JSON.parse reads', () => {
    for (const t of ['{}', '[]', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', ' {"a" : {"b":{}} } ', '"s"', '0', '-0.0', '1E+2', '{"__proto__":{"x":1}}']) {
      expect(parseStrictJson(t)).toEqual(JSON.parse(t))
    }
    const o = parseStrictJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype)
    expect(Object.keys(o)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
  it('members are plain own data properties in JSON.parse order (numeric names first), whatever the name', () => {
    const t = '{"b":1,"2":2,"constructor":3,"toString":4,"1":5,"__proto__":6,"hasOwnProperty":7,"a":{"valueOf":8}}'
    const o = parseStrictJson(t) as Record<string, unknown>
    expect(Object.keys(o)).toEqual(Object.keys(JSON.parse(t)))
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype)
    for (const k of Object.keys(o)) expect(Object.getOwnPropertyDescriptor(o, k)).toEqual({ value: o[k], enumerable: true, writable: true, configurable: true })
    expect(o.constructor).toBe(3)
    expect(o.__proto__).toBe(6)
  })
  it('reads members named like Object.prototype members when the prototype is frozen (hardened runtimes)', async () => {
    const { spawnSync } = await import('node:child_process')
    const script = `import('${new URL('../../src/json/strict_json.ts', import.meta.url).href}').then((m) => { Object.freeze(Object.prototype); console.log(JSON.stringify(m.parseStrictJson('{"toString":1,"constructor":{"valueOf":2},"a":3}'))) })`
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ toString: 1, constructor: { valueOf: 2 }, a: 3 })
  })
  it('rejects duplicate member names, including escaped spellings and nested objects', () => {
    expect(kind('{"a":1,"a":2}')).toBe('duplicate')
    expect(kind('{"a":1,"\\u0061":2}')).toBe('duplicate')
    expect(kind('{"x":{"a":1,"a":1}}')).toBe('duplicate')
    expect(kind('[{"a":1},{"a":1}]')).toBe('ok')
  })
  it('rejects what RFC 8259 does not allow', () => {
    for (const t of ['', '{', '{"a":1,}', '[1,]', "{'a':1}", '{"a":01}', '{"a":.5}', '{"a":+1}', 'NaN', 'Infinity', '{"a":1} x', '"\t"', '"\\x41"', '\ufeff{}', '{"a":tru}', '"\\u12"']) {
      expect(kind(t)).toBe('syntax')
    }
  })
  it('caps nesting depth', () => {
    expect(kind('[[[[]]]]', 3)).toBe('depth')
    expect(kind('[[[]]]', 3)).toBe('ok')
  })
  it('1e400 parses to Infinity (as JSON.parse); the time checks reject it', () => {
    const p = parseStrictJson('{"exp":1e400,"iat":1}') as Record<string, unknown>
    expect(p.exp).toBe(Infinity)
    const errors: { code: string }[] = []
    checkTimeClaims(p, { now: new Date(1000) }, errors as never)
    expect(errors.map((e) => e.code)).toEqual(['ERR_JWT_TIME_CLAIM_INVALID'])
  })
})

describe('base64url', () => {
  it('round-trips and rejects padding, other alphabets and non-canonical tails', () => {
    for (let n = 0; n < 10; n++) {
      const b = new Uint8Array(n).map((_, i) => i * 37)
      expect(base64urlDecode(base64urlEncode(b))).toEqual(b)
    }
    expect(base64urlDecode('3q2-7w')).toEqual(new Uint8Array([0xde, 0xad, 0xbe, 0xef]))
    expect(base64urlDecode('3q2-7w==')).toBeUndefined()
    expect(base64urlDecode('3q2+7w')).toBeUndefined()
    expect(base64urlDecode('3q2-7x')).toBeUndefined()
    expect(base64urlDecode('A')).toBeUndefined()
    expect(base64Decode('3q2+7w==')).toEqual(new Uint8Array([0xde, 0xad, 0xbe, 0xef]))
    expect(base64Decode('3q2-7w==')).toBeUndefined()
  })
})
