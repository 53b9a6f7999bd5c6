import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, runTool } from './run-tool';

export interface ComposeService {
  /** Started only when one of these profiles is active (`--profile`); absent: always started. */
  profiles?: string[];
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | null>;
  ports?: (string | { target: number; published?: number | string; host_ip?: string })[];
  expose?: (string | number)[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }> | string[];
  stop_grace_period?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');

/** Every profile docker-compose.yml declares: resolving with all of them lists every service. */
export const COMPOSE_PROFILES = ['canary'];

export interface ResolveOptions {
  /** Variables set for the resolution, on top of the bare environment (default: none). */
  variables?: Record<string, string>;
}

/**
 * The file as docker-compose itself resolves it: anchors merged, every variable at its documented
 * default (a bare environment, and no project .env file, so a developer's settings do not leak in),
 * every profile active so that each service is listed with its `profiles` (docker-compose 1.29
 * lists them all anyway; Compose v2 drops the services of inactive profiles).
 */
export async function loadResolvedCompose(options: ResolveOptions = {}): Promise<ComposeFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'compose-env-'));
  try {
    const envFile = path.join(dir, 'empty.env');
    await writeFile(envFile, '');
    const bare = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.variables };
    const profiles = COMPOSE_PROFILES.flatMap((p) => ['--profile', p]);
    const result = await runTool('docker-compose', ['--env-file', envFile, '-f', COMPOSE_FILE, ...profiles, 'config'], { debianPackage: 'docker-compose', env: bare });
    if (result.code !== 0) throw new Error(`docker-compose config failed:\n${result.stderr}`);
    return parse(result.stdout) as ComposeFile;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The services `docker compose up` starts with these profiles active (none: the default mesh). */
export function startedServices(file: ComposeFile, activeProfiles: readonly string[] = []): string[] {
  return Object.entries(file.services)
    .filter(([, s]) => !s.profiles?.length || s.profiles.some((p) => activeProfiles.includes(p)))
    .map(([name]) => name)
    .sort();
}

/** The file as written (no interpolation), to see where values come from. */
export function loadRawCompose(): ComposeFile {
  return parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeFile;
}

/** `[host_ip:]published:target[/proto]` or the long form, as the container-side port. */
export function containerPort(port: string | { target: number }): number {
  if (typeof port !== 'string') return port.target;
  const last = port.split(':').pop() ?? '';
  return Number(last.split('/')[0]);
}

export function publishedPort(port: string | { published?: number | string }): number | undefined {
  if (typeof port !== 'string') return port.published === undefined ? undefined : Number(port.published);
  const parts = port.split('/')[0]!.split(':');
  return parts.length >= 2 ? Number(parts[parts.length - 2]) : undefined;
}

/** `source:target[:mode]` or the long form, as {source, target, readOnly}. */
export function mount(volume: string | { source?: string; target: string; read_only?: boolean }): { source: string; target: string; readOnly: boolean } {
  if (typeof volume !== 'string') return { source: volume.source ?? '', target: volume.target, readOnly: volume.read_only === true };
  const [source = '', target = '', mode = ''] = volume.split(':');
  return { source, target, readOnly: mode.split(',').includes('ro') };
}
