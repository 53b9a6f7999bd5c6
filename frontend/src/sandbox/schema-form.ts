import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';

/**
 * Params forms from a tool's JSON Schema. The tools' schemas (zod's toJSONSchema) are flat
 * objects of strings, numbers, booleans and enums, so a small generator gives each one a
 * labelled control; anything nested falls back to one JSON textarea. Either way Ajv validates
 * against the schema itself before a request is sent.
 */

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  /** Choices of an enum. */
  options?: string[];
  /** Long strings get a textarea. */
  multiline?: boolean;
}

export type FormModel = { kind: 'fields'; fields: FormField[] } | { kind: 'json' };

/** What the controls hold: text of inputs, checked of checkboxes. */
export type RawValues = Record<string, string | boolean>;

export interface FieldError {
  /** The param's name; undefined for an error about the params as a whole. */
  field: string | undefined;
  message: string;
}

type Schema = Record<string, unknown>;

function fieldOf(name: string, prop: unknown, required: boolean): FormField | undefined {
  if (typeof prop !== 'object' || prop === null) return undefined;
  const p = prop as Schema;
  const description = typeof p.description === 'string' ? p.description : undefined;
  const base = { name, required, ...(description ? { description } : {}) };
  if (Array.isArray(p.enum) && p.enum.every((v) => typeof v === 'string')) return { ...base, kind: 'enum', options: p.enum as string[] };
  switch (p.type) {
    case 'string':
      return { ...base, kind: 'string', multiline: typeof p.maxLength !== 'number' || p.maxLength > 200 };
    case 'number':
    case 'integer':
    case 'boolean':
      return { ...base, kind: p.type };
    default:
      return undefined;
  }
}

export function formModel(schema: Schema): FormModel {
  if (schema.type !== 'object') return { kind: 'json' };
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields: FormField[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    const field = fieldOf(name, prop, required.has(name));
    if (!field) return { kind: 'json' };
    fields.push(field);
  }
  return { kind: 'fields', fields };
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Params from the controls: empty inputs and unchecked boxes are left out (the tool's default
 * applies), numeric text becomes a number, and anything else stays text so the schema check
 * names it ("must be integer") instead of the browser dropping it silently.
 */
export function paramsFromValues(model: FormModel & { kind: 'fields' }, values: RawValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of model.fields) {
    const value = values[field.name];
    if (field.kind === 'boolean') {
      if (value === true) params[field.name] = true;
      else if (field.required) params[field.name] = false;
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') continue;
    if ((field.kind === 'number' || field.kind === 'integer') && NUMBER.test(value.trim())) params[field.name] = Number(value.trim());
    else params[field.name] = field.kind === 'number' || field.kind === 'integer' ? value.trim() : value;
  }
  return params;
}

/** Params from the JSON textarea; an error when it is not a JSON object. */
export function paramsFromJson(text: string): { params: Record<string, unknown> } | { error: FieldError } {
  if (text.trim() === '') return { params: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: { field: undefined, message: 'Params must be a JSON object, such as {"key": "value"}' } };
    return { params: value as Record<string, unknown> };
  } catch (err) {
    return { error: { field: undefined, message: `Params are not valid JSON: ${err instanceof Error ? err.message : String(err)}` } };
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new WeakMap<Schema, ValidateFunction>();

function validatorOf(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // Compiled under draft 2020-12 whatever `$schema` says: flat schemas mean the same in every draft.
    const { $schema: _draft, $id: _id, ...rest } = schema;
    validate = ajv.compile(rest);
    compiled.set(schema, validate);
  }
  return validate;
}

function errorOf(e: ErrorObject): FieldError {
  const fromPath = e.instancePath.split('/')[1];
  const named = (e.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ?? (e.params as { additionalProperty?: string }).additionalProperty;
  const field = fromPath !== undefined && fromPath !== '' ? fromPath : named;
  if (e.keyword === 'required') return { field, message: `${field} is required` };
  if (e.keyword === 'additionalProperties') return { field, message: `${field} is not a param of this tool` };
  return { field, message: `${field ?? 'params'} ${e.message ?? 'is invalid'}` };
}

/** Every way `params` breaks the tool's schema; empty when it is valid. */
export function validateParams(schema: Schema, params: Record<string, unknown>): FieldError[] {
  let validate: ValidateFunction;
  try {
    validate = validatorOf(schema);
  } catch {
    return []; // a schema Ajv cannot compile: the API still checks the params
  }
  if (validate(params)) return [];
  return (validate.errors ?? []).map(errorOf);
}
