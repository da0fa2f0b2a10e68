/**
 * `kernelArgs`: the deny-list's reading of a kernel command line errs towards the arguments Linux
 * itself finds (lib/cmdline.c next_arg splits at every isspace() byte and strips quotes;
 * kernel/params.c parameq reads `-` and `_` in a name alike), so no spelling hides an argument.
 */
import { describe, expect, it } from 'vitest'
import { kernelArgs } from '../../../src/policy/appraise/cmdline.js'

describe('kernelArgs', () => {
  it('splits at spaces and at every isspace() byte, raw or as the decoder shows it (\\x09-\\x0d)', () => {
    expect(kernelArgs('ro quiet')).toEqual(['ro', 'quiet'])
    expect(kernelArgs('ro\tinit=/bin/sh')).toEqual(['ro', 'init=/bin/sh'])
    expect(kernelArgs('ro\\x0ainit=/bin/sh')).toEqual(['ro', 'init=/bin/sh'])
    expect(kernelArgs('ro\\x0Binit=/bin/sh\\x0c\\x0dx')).toEqual(['ro', 'init=/bin/sh', 'x'])
    // Not a whitespace escape: kept inside the argument.
    expect(kernelArgs('a\\x1bb')).toEqual(['a\\x1bb'])
  })

  it('drops double quotes and reads - as _ in a name, never in a value', () => {
    expect(kernelArgs('"init=/bin/sh"')).toEqual(['init=/bin/sh'])
    expect(kernelArgs('init="/bin/sh"')).toEqual(['init=/bin/sh'])
    expect(kernelArgs('module-blacklist=a-b rd.break')).toEqual(['module_blacklist=a-b', 'rd.break'])
    expect(kernelArgs('no-kaslr')).toEqual(['no_kaslr'])
  })
})
