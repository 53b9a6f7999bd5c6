import { formModel, paramsFromJson, paramsFromValues, validateParams } from '../src/sandbox/schema-form';

const flat = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    mode: { type: 'string', enum: ['fast', 'careful'] },
    verbose: { type: 'boolean' },
    ratio: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['mode'],
  additionalProperties: false,
};

describe('params forms from JSON Schema', () => {
  it('gives each flat field a control kind and turns control values into params', () => {
    const model = formModel(flat);
    if (model.kind !== 'fields') throw new Error('expected fields');
    expect(model.fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['mode', 'enum', true],
      ['verbose', 'boolean', false],
      ['ratio', 'number', false],
    ]);
    expect(paramsFromValues(model, { mode: 'fast', verbose: true, ratio: ' 0.5 ' })).toEqual({ mode: 'fast', verbose: true, ratio: 0.5 });
    expect(paramsFromValues(model, { mode: '', verbose: false, ratio: '' })).toEqual({});
  });

  it('names every broken field, and the missing required one', () => {
    const problems = validateParams(flat, { ratio: 2, extra: 1 });
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'mode', message: 'mode is required' },
        { field: 'ratio', message: 'ratio must be <= 1' },
        { field: 'extra', message: 'extra is not a param of this tool' },
      ]),
    );
    expect(validateParams(flat, { mode: 'careful', ratio: 0 })).toEqual([]);
  });

  it('falls back to a JSON textarea for nested schemas and refuses JSON that is not an object', () => {
    expect(formModel({ type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } } })).toEqual({ kind: 'json' });
    expect(paramsFromJson('{"tags": ["a"]}')).toEqual({ params: { tags: ['a'] } });
    expect(paramsFromJson('[1]')).toEqual({ error: { field: undefined, message: 'Params must be a JSON object, such as {"key": "value"}' } });
    expect('error' in paramsFromJson('{oops')).toBe(true);
  });
});
