import { describe, expect, it } from '@jest/globals'
import { describeFieldType, parseSignature } from '../../src/domain/signature.js'

const MLMODEL = `artifact_path: model
flavors:
  sklearn: {}
signature:
  inputs: '[{"type": "double", "name": "a", "required": true}, {"type": "long", "name": "b", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: '[{"name": "temperature", "type": "double", "default": 0.5, "shape": null}]'
`

describe('MLmodel signatures', () => {
  it('parses column and tensor specs and params', () => {
    const signature = parseSignature(MLMODEL)!
    expect(signature.inputs).toEqual([
      { name: 'a', type: 'double', required: true },
      { name: 'b', type: 'long', required: false }
    ])
    expect(describeFieldType(signature.outputs[0])).toBe('tensor<int64>[-1]')
    expect(signature.params).toEqual([{ name: 'temperature', type: 'double', default: 0.5 }])
  })

  it('returns undefined for a model logged without a signature', () => {
    expect(parseSignature('artifact_path: model\nflavors: {}\n')).toBeUndefined()
    expect(parseSignature('signature: null\n')).toBeUndefined()
  })

  it('rejects malformed files with a clear message', () => {
    expect(() => parseSignature('a: [unclosed')).toThrow(/MLmodel is not valid YAML/)
    expect(() => parseSignature('- a list')).toThrow(/not a YAML mapping/)
    expect(() => parseSignature("signature:\n  inputs: '{not json'\n")).toThrow(/inputs is not valid JSON/)
    expect(() => parseSignature('signature:\n  inputs: \'{"a": 1}\'\n')).toThrow(/inputs is not a list/)
  })
})
