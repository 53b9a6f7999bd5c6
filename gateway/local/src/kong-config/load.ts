/**
 * Reads kong.yml and checks it in two layers: against Kong 3.9's own rules (what `kong
 * config parse` would refuse), then against what the stand-in implements. Every problem
 * names its field, e.g. `services[0].routes[0].hosts: not implemented by the local gateway`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { DeclarativeConfig } from './entity-schemas';
import { declarativeSchema } from './entity-schemas';
import type { GatewayModel } from './model';
import { buildModel } from './model';
import { checkReferences } from './references';
import { checkSupported } from './unsupported';

/** Thrown when kong.yml cannot run here; `problems` has one line per bad field. */
export class KongConfigError extends Error {
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`${source} cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'KongConfigError';
    this.problems = problems;
  }
}

export interface KongCheck {
  /** Problems Kong 3.9 itself would report (bad YAML, unknown fields, bad values, dangling names). */
  errors: string[];
  /** The parsed config with Kong's defaults, when there were no errors. */
  config?: DeclarativeConfig;
  /** The file as written (before defaults). */
  raw?: Record<string, unknown>;
}

/** Parses YAML text and applies Kong's rules; used by the stand-in at start and by the tests. */
export function checkKongConfig(text: string): KongCheck {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) return { errors: doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`) };
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { errors: ['(file): expected a YAML mapping at the top level'] };
  const parsed = declarativeSchema.safeParse(raw);
  if (!parsed.success) return { errors: parsed.error.issues.flatMap(describeIssue) };
  const references = checkReferences(parsed.data);
  return references.length > 0 ? { errors: references } : { errors: [], config: parsed.data, raw: raw as Record<string, unknown> };
}

export interface GatewayCheckOptions {
  /** An OpenTelemetry SDK records spans in this process (OTEL_EXPORTER_OTLP_ENDPOINT, or a test's). */
  tracing?: boolean;
}

/** Kong's rules plus the stand-in's: every problem, Kong's first; none means it can run here. */
export function checkGatewayConfig(text: string, opts: GatewayCheckOptions = {}): { problems: string[]; config?: DeclarativeConfig } {
  const kong = checkKongConfig(text);
  if (!kong.config || !kong.raw) return { problems: kong.errors };
  const unsupported = checkSupported(kong.raw, kong.config);
  // The SDK traces every request, which Kong does only with the plugin: refused, not diverged from.
  if (opts.tracing && !(kong.config.plugins ?? []).some((p) => p.name === 'opentelemetry' && p.enabled)) {
    unsupported.push(
      'plugins: no opentelemetry plugin, but spans are recorded in this process (OTEL_EXPORTER_OTLP_ENDPOINT is set): Kong would record and propagate none; add the plugin or unset the variable',
    );
  }
  return unsupported.length > 0 ? { problems: unsupported } : { problems: [], config: kong.config };
}

/** Reads and checks the file at `file`, returning the model the stand-in runs, or throws KongConfigError. */
export function loadGatewayConfig(file: string, opts: GatewayCheckOptions = {}): GatewayModel {
  return parseGatewayConfig(readConfigFile(file), file, opts);
}

/** The text of kong.yml at `file`; throws KongConfigError naming the file when it cannot be read. */
export function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new KongConfigError(file, [`(file): cannot read: ${(err as Error).message}`]);
  }
}

/** Checks kong.yml text (`source` names it in the error), returning the model or throwing KongConfigError. */
export function parseGatewayConfig(text: string, source: string, opts: GatewayCheckOptions = {}): GatewayModel {
  return compileGatewayConfig(text, source, opts).model;
}

/** As parseGatewayConfig, also returning the checked config (the admin API compares the next one with it). */
export function compileGatewayConfig(text: string, source: string, opts: GatewayCheckOptions = {}): { model: GatewayModel; config: DeclarativeConfig } {
  const { problems, config } = checkGatewayConfig(text, opts);
  if (!config) throw new KongConfigError(source, problems);
  return { model: buildModel(config, configurationHash(text)), config };
}

/** Kong's configuration_hash of a declarative config: the md5 of its text. */
export function configurationHash(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** `services[0].routes[0].hosts: message`, one line per unknown key. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${at ? `${at}.` : ''}${key}: unknown field (Kong 3.9 defines no such field here)`);
  }
  const message = /received undefined$/.test(issue.message) ? 'required field missing' : issue.message;
  return [`${at || '(file)'}: ${message}`];
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}
