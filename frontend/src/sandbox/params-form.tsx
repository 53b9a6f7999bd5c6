import type { FieldError, FormField, FormModel, RawValues } from './schema-form';

export interface ParamsFormProps {
  tool: string;
  model: FormModel;
  values: RawValues;
  onValues(values: RawValues): void;
  json: string;
  onJson(text: string): void;
  errors: FieldError[];
}

const idOf = (name: string) => `param-${name}`;

function FieldControl({ field, value, error, onChange }: { field: FormField; value: string | boolean | undefined; error: string | undefined; onChange(v: string | boolean): void }) {
  const id = idOf(field.name);
  const describedBy = [field.description ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name: field.name, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined, required: field.required };
  const text = typeof value === 'string' ? value : '';
  let control;
  if (field.kind === 'boolean') {
    control = <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (field.kind === 'enum') {
    control = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        <option value="">(not set)</option>
        {field.options?.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'string' && field.multiline) {
    control = <textarea {...common} rows={2} value={text} onChange={(e) => onChange(e.target.value)} />;
  } else {
    // Text, not type=number: the browser would turn "12abc" into "" silently; the schema check names it instead.
    const numeric = field.kind === 'number' || field.kind === 'integer';
    control = <input type="text" inputMode={numeric ? (field.kind === 'integer' ? 'numeric' : 'decimal') : undefined} {...common} value={text} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div className={field.kind === 'boolean' ? 'field field-check' : 'field'}>
      <label htmlFor={id}>
        {field.name}
        {field.required && <span aria-hidden="true"> *</span>}
        {field.kind !== 'boolean' && field.kind !== 'string' && <span className="hint-inline"> ({field.kind})</span>}
      </label>
      {control}
      {field.description && (
        <p className="hint" id={`${id}-hint`}>
          {field.description}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The selected tool's params: one labelled control per field, or a JSON textarea for nested schemas. */
export function ParamsForm({ tool, model, values, onValues, json, onJson, errors }: ParamsFormProps) {
  const errorOf = (name: string | undefined) => errors.find((e) => e.field === name)?.message;
  if (model.kind === 'json') {
    const error = errors.map((e) => e.message).join('; ') || undefined;
    return (
      <fieldset className="params">
        <legend>Params of {tool}</legend>
        <div className="field">
          <label htmlFor="params-json">Params (JSON)</label>
          <textarea id="params-json" rows={4} spellCheck={false} value={json} aria-invalid={error ? true : undefined} aria-describedby={error ? 'params-json-error' : undefined} onChange={(e) => onJson(e.target.value)} />
          {error && (
            <p className="field-error" id="params-json-error">
              {error}
            </p>
          )}
        </div>
      </fieldset>
    );
  }
  if (model.fields.length === 0) return <p className="hint">{tool} takes no params.</p>;
  const general = errors.filter((e) => e.field === undefined || !model.fields.some((f) => f.name === e.field));
  return (
    <fieldset className="params">
      <legend>Params of {tool}</legend>
      {model.fields.map((field) => (
        <FieldControl key={field.name} field={field} value={values[field.name]} error={errorOf(field.name)} onChange={(v) => onValues({ ...values, [field.name]: v })} />
      ))}
      {general.map((e, i) => (
        <p className="field-error" key={i}>
          {e.message}
        </p>
      ))}
    </fieldset>
  );
}
