import { useEffect, useMemo, useRef, useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { ApiError, CANCELLED } from '../api/errors';
import type { CatalogTool } from '../api/types';
import { randomId } from '../common/ids';
import { useSession } from '../settings/session';
import { KeyNotice } from '../settings/key-notice';
import { curlCommand } from './curl';
import { CurlPanel } from './curl-panel';
import { addToHistory, clearHistory, loadHistory } from './history';
import type { HistoryEntry } from './history';
import { HistoryList } from './history-list';
import { ParamsForm } from './params-form';
import { ResultPanel } from './result-panel';
import type { RunResult } from './result-panel';
import { formModel, paramsFromJson, paramsFromValues, validateParams } from './schema-form';
import type { FieldError, FormModel, RawValues } from './schema-form';

type Mode = 'sync' | 'job';

/** One run: what is sent, whether from the form or from the history. */
interface Draft {
  mode: Mode;
  input: string;
  tool: string;
  params: Record<string, unknown>;
}

type Catalog = { state: 'loading' } | { state: 'ready'; tools: CatalogTool[]; actionsEnabled: boolean } | { state: 'error'; error: ApiError };

const MAX_INPUT = 100_000;

/** The path and body a draft is sent as; the curl command shows the same. */
function requestOf(draft: Draft): { path: string; body: Record<string, unknown> } {
  if (draft.mode === 'job') return { path: '/ai/jobs', body: { action: draft.tool, params: { input: draft.input, ...draft.params } } };
  const body: Record<string, unknown> = { input: draft.input };
  if (draft.tool !== '') {
    body.tool = draft.tool;
    if (Object.keys(draft.params).length > 0) body.params = draft.params;
  }
  return { path: '/ai/execute', body };
}

function valuesFromParams(model: FormModel, params: Record<string, unknown>): { values: RawValues; json: string } {
  if (model.kind === 'json') return { values: {}, json: Object.keys(params).length > 0 ? JSON.stringify(params, null, 2) : '' };
  const values: RawValues = {};
  for (const [name, value] of Object.entries(params)) values[name] = typeof value === 'boolean' ? value : typeof value === 'string' ? value : JSON.stringify(value);
  return { values, json: '' };
}

export function SandboxView() {
  const { client, settings } = useSession();
  const [catalog, setCatalog] = useState<{ client: unknown; value: Catalog }>();
  const [input, setInput] = useState('');
  const [toolName, setToolName] = useState('');
  const [values, setValues] = useState<RawValues>({});
  const [json, setJson] = useState('');
  const [mode, setMode] = useState<Mode>('sync');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, setResult] = useState<RunResult>({ kind: 'idle' });
  const [history, setHistory] = useState<HistoryEntry[]>(loadHistory);
  const inflight = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    if (settings.apiKey === '') return;
    const abort = new AbortController();
    client.tools({ signal: abort.signal }).then(
      (answer) => setCatalog({ client, value: { state: 'ready', tools: answer.tools, actionsEnabled: answer.actions_enabled !== false } }),
      (error: ApiError) => {
        if (!abort.signal.aborted) setCatalog({ client, value: { state: 'error', error } });
      },
    );
    return () => abort.abort();
  }, [client, settings.apiKey]);

  // Abort a request still in flight when the view goes away.
  useEffect(() => () => inflight.current?.abort(), []);

  const tools = catalog?.client === client ? catalog.value : ({ state: 'loading' } as Catalog);
  const toolList = tools.state === 'ready' ? tools.tools : [];
  const tool = toolList.find((t) => t.name === toolName);
  const model = useMemo<FormModel | undefined>(() => (tool ? formModel(tool.params_schema) : undefined), [tool]);
  const running = result.kind === 'running';

  const currentParams = (): { params: Record<string, unknown> } | { error: FieldError } => {
    if (!model) return { params: {} };
    return model.kind === 'json' ? paramsFromJson(json) : { params: paramsFromValues(model, values) };
  };

  /** The form's draft, or the reasons it cannot be sent (shown, and focused, instead). */
  const draftFromForm = (): Draft | FieldError[] => {
    const problems: FieldError[] = [];
    if (input.trim() === '') problems.push({ field: 'input', message: 'Input is required' });
    else if (input.length > MAX_INPUT) problems.push({ field: 'input', message: `Input must be at most ${MAX_INPUT} characters` });
    if (mode === 'job' && toolName === '') problems.push({ field: 'tool', message: 'Choose a tool to run as a job' });
    const parsed = currentParams();
    if ('error' in parsed) problems.push(parsed.error);
    else if (tool) problems.push(...validateParams(tool.params_schema, parsed.params));
    if (problems.length > 0 || 'error' in parsed) return problems;
    return { mode, input, tool: toolName, params: parsed.params };
  };

  const run = async (draft: Draft) => {
    inflight.current?.abort();
    const abort = new AbortController();
    inflight.current = abort;
    setResult({ kind: 'running', mode: draft.mode });
    let outcome = 'success';
    let traceId: string | undefined;
    try {
      if (draft.mode === 'sync') {
        const { body } = requestOf(draft);
        const answer = await client.execute(body as { input: string }, { signal: abort.signal });
        traceId = answer.trace_id;
        setResult({ kind: 'success', answer });
      } else {
        const job = await client.submitJob({ action: draft.tool, params: { input: draft.input, ...draft.params } }, { signal: abort.signal, idempotencyKey: randomId() });
        outcome = 'job';
        traceId = job.trace_id ?? undefined;
        setResult({ kind: 'job', job });
      }
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError({ code: 'INTERNAL_ERROR', message: String(err), status: 0 });
      outcome = error.code;
      traceId = error.traceId;
      setResult(error.code === CANCELLED ? { kind: 'cancelled' } : { kind: 'error', error });
    } finally {
      if (inflight.current === abort) inflight.current = undefined;
    }
    const entry: HistoryEntry = { id: randomId(), at: new Date().toISOString(), ...draft, outcome, ...(traceId ? { traceId } : {}) };
    setHistory((h) => addToHistory(h, entry));
  };

  const submit = () => {
    if (running) return;
    const draft = draftFromForm();
    if (Array.isArray(draft)) {
      setErrors(draft);
      // Focus the first bad control so a keyboard user lands where the fix is.
      const first = draft[0]?.field;
      const id = first === 'input' ? 'input' : first === 'tool' ? 'tool' : first ? `param-${first}` : model?.kind === 'json' ? 'params-json' : undefined;
      if (id) document.getElementById(id)?.focus();
      return;
    }
    setErrors([]);
    void run(draft);
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  };

  const selectTool = (name: string) => {
    setToolName(name);
    setValues({});
    setJson('');
    setErrors([]);
  };

  const rerun = (entry: HistoryEntry) => {
    setInput(entry.input);
    setToolName(entry.tool);
    setMode(entry.mode);
    const entryTool = toolList.find((t) => t.name === entry.tool);
    const restored = valuesFromParams(entryTool ? formModel(entryTool.params_schema) : { kind: 'json' }, entry.params);
    setValues(restored.values);
    setJson(restored.json);
    setErrors([]);
    void run({ mode: entry.mode, input: entry.input, tool: entry.tool, params: entry.params });
  };

  const preview = currentParams();
  const curl = curlCommand(client.url(mode === 'job' ? '/ai/jobs' : '/ai/execute'), requestOf({ mode, input, tool: toolName, params: 'params' in preview ? preview.params : {} }).body);
  const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;
  const inputError = errorOf('input');
  const toolError = errorOf('tool');

  return (
    <div className="view sandbox">
      <h1 id="view-heading" tabIndex={-1}>
        Exec Sandbox
      </h1>
      <KeyNotice />
      <div className="sandbox-grid">
        <form className="panel" aria-labelledby="request-heading" onSubmit={onSubmit} onKeyDown={onKeyDown} noValidate>
          <h2 id="request-heading">Request</h2>
          {errors.length > 0 && (
            <div role="alert" className="error-summary">
              <p>The request was not sent:</p>
              <ul>
                {errors.map((e, i) => (
                  <li key={i}>{e.message}</li>
                ))}
              </ul>
            </div>
          )}
          <div className="field">
            <label htmlFor="input">Input</label>
            <textarea
              id="input"
              rows={4}
              value={input}
              required
              aria-invalid={inputError ? true : undefined}
              aria-describedby={inputError ? 'input-hint input-error' : 'input-hint'}
              onChange={(e) => setInput(e.target.value)}
            />
            <p className="hint" id="input-hint">
              Ctrl+Enter (⌘+Enter on a Mac) runs it.
            </p>
            {inputError && (
              <p className="field-error" id="input-error">
                {inputError}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor="tool">Tool</label>
            <select id="tool" value={toolName} aria-invalid={toolError ? true : undefined} aria-describedby="tool-hint" onChange={(e) => selectTool(e.target.value)}>
              <option value="">Auto-select from the input</option>
              {toolList.map((t) => (
                <option key={t.name} value={t.name} disabled={!t.available || t.allowed === false}>
                  {t.name}
                  {!t.available ? ' (unavailable)' : t.allowed === false ? ' (not allowed for this workspace)' : ''}
                </option>
              ))}
            </select>
            <p className="hint" id="tool-hint" aria-live="polite">
              {tools.state === 'loading' && settings.apiKey !== '' && 'Loading tools…'}
              {tools.state === 'error' && `Tools could not be loaded (${tools.error.code}); auto-select still works.`}
              {tools.state === 'ready' && (tool ? tool.description : 'ai-pipeline picks the tool that matches the input best.')}
              {tools.state === 'ready' && !tools.actionsEnabled && ' Actions are switched off on this platform right now.'}
            </p>
            {toolError && <p className="field-error">{toolError}</p>}
          </div>
          {tool && model && <ParamsForm tool={tool.name} model={model} values={values} onValues={setValues} json={json} onJson={setJson} errors={errors.filter((e) => e.field !== 'input' && e.field !== 'tool')} />}
          <fieldset className="mode">
            <legend>Run mode</legend>
            <label>
              <input type="radio" name="mode" value="sync" checked={mode === 'sync'} onChange={() => setMode('sync')} /> Sync
            </label>
            <label>
              <input type="radio" name="mode" value="job" checked={mode === 'job'} onChange={() => setMode('job')} /> Run as job
            </label>
          </fieldset>
          <div className="actions">
            <button type="submit" className="button-primary" disabled={running} aria-describedby="input-hint">
              Execute
            </button>
            <button type="button" className="button-secondary" disabled={!running} onClick={() => inflight.current?.abort()}>
              Cancel request
            </button>
          </div>
        </form>
        <ResultPanel result={result} />
      </div>
      <CurlPanel command={curl} />
      <HistoryList
        entries={history}
        disabled={running}
        onRerun={rerun}
        onClear={() => {
          clearHistory();
          setHistory([]);
        }}
      />
    </div>
  );
}
