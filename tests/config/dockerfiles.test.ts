import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dockerfile, Env, Instruction } from 'dockerfile-ast';
import { Arg, DockerfileParser } from 'dockerfile-ast';
import { REPO_ROOT, runTool } from './run-tool';

const DOCKERFILE = 'services/Dockerfile';

const START_COMMAND = ['node', '--require', './dist/instrument.js', 'dist/main.js'];

/** The build stage's filters, with SERVICE still unexpanded: the shell expands it at build time. */
const BUILD_COMMAND = 'pnpm --filter @opsconductor/${SERVICE}... run build';
const DEPLOY_FILTER = '--filter @opsconductor/${SERVICE}';

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into its stages, with each FROM image resolved through global ARGs. */
function stages(dockerfile: Dockerfile): Stage[] {
  const froms = dockerfile.getFROMs();
  const all = dockerfile.getInstructions();
  return froms.map((from, i) => {
    const start = from.getRange().start.line;
    const end = i + 1 < froms.length ? froms[i + 1]!.getRange().start.line : Number.POSITIVE_INFINITY;
    const raw = from.getImage() ?? '';
    const image = raw.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => dockerfile.resolveVariable(name, start) ?? '');
    const instructions = all.filter((ins) => ins.getRange().start.line > start && ins.getRange().start.line < end);
    return { name: from.getBuildStage(), image, instructions };
  });
}

function args(ins: Instruction): string[] {
  return ins.getArguments().map((a) => a.getValue().replace(/^"(.*)"$/, '$1'));
}

function runs(stage: Stage): string[] {
  return stage.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => args(i).join(' '));
}

function keyword(stage: Stage, name: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === name);
}

/** The names an ARG or ENV instruction defines, for whatever follows it in the same stage. */
function defines(ins: Instruction): string[] {
  if (ins instanceof Arg) return [ins.getProperty()?.getName() ?? ''];
  if (ins.getKeyword() === 'ENV') return (ins as Env).getProperties().map((p) => p.getName());
  return [];
}

/**
 * Variables used before any declaration: in a FROM, those no global ARG declares; in a stage,
 * those no earlier ARG or ENV of that stage declares (ARGs do not cross stages).
 */
function undeclaredVariables(dockerfile: Dockerfile, all: Stage[]): string[] {
  const undeclared: string[] = [];
  const globals = dockerfile.getInitialARGs().map((a) => a.getProperty()?.getName());
  for (const from of dockerfile.getFROMs()) {
    for (const v of from.getVariables()) if (!globals.includes(v.getName())) undeclared.push(`FROM: ${v.getName()}`);
  }
  for (const stage of all) {
    const known = new Set<string>();
    for (const ins of stage.instructions) {
      for (const v of ins.getVariables()) if (!known.has(v.getName())) undeclared.push(`${stage.name}: ${ins.getKeyword()} ${v.getName()}`);
      for (const name of defines(ins)) known.add(name);
    }
  }
  return undeclared;
}

function uses(ins: Instruction, name: string): boolean {
  return ins.getVariables().some((v) => v.getName() === name);
}

/** Image services: every package under services/ the image can start (the kit has no start). */
function imageServices(): string[] {
  return readdirSync(path.join(REPO_ROOT, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(REPO_ROOT, 'services', d.name, 'package.json')))
    .map((d) => d.name)
    .filter((folder) => manifest(folder).scripts?.start !== undefined);
}

function manifest(folder: string): { name: string; scripts?: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'services', folder, 'package.json'), 'utf8')) as { name: string; scripts?: Record<string, string> };
}

describe(DOCKERFILE, () => {
  const dockerfile = DockerfileParser.parse(readFileSync(path.join(REPO_ROOT, DOCKERFILE), 'utf8'));
  const all = stages(dockerfile);
  const build = all[0]!;
  const runtime = all[all.length - 1]!;

  describe('stages', () => {
    it('is multi-stage, every stage on a node:24 image', () => {
      expect(all.length).toBeGreaterThanOrEqual(2);
      for (const stage of all) expect(stage.image).toMatch(/^node:24([.-]|$)/);
    });

    it('ships only what the build stage deployed', () => {
      const copies = dockerfile.getCOPYs().filter((c) => runtime.instructions.includes(c));
      expect(copies.length).toBeGreaterThan(0);
      for (const copy of copies) expect(copy.getFromFlag()?.getValue()).toBe(build.name);
    });

    it('declares every variable in the stage that uses it, before the use (ARGs do not cross stages)', () => {
      expect(undeclaredVariables(dockerfile, all)).toEqual([]);
    });
  });

  describe('build stage', () => {
    it('gets pnpm through corepack and installs exactly the lockfile', () => {
      const steps = runs(build);
      expect(steps.some((s) => /corepack enable/.test(s))).toBe(true);
      expect(steps.some((s) => /pnpm install .*--frozen-lockfile/.test(s))).toBe(true);
    });

    it('takes SERVICE as a build arg of the build stage, with no default anywhere', () => {
      const declared = dockerfile.getARGs().filter((a) => a.getProperty()?.getName() === 'SERVICE');
      expect(declared.filter((a) => build.instructions.includes(a))).toHaveLength(1);
      for (const arg of declared) expect(arg.getProperty()?.getValue()).toBeNull();
    });

    it('declares the build args after the install, so every service shares the download and install layers', () => {
      const install = build.instructions.findIndex((i) => i.getKeyword() === 'RUN' && /pnpm install/.test(args(i).join(' ')));
      const firstArg = build.instructions.findIndex((i) => i instanceof Arg);
      expect(install).toBeGreaterThan(-1);
      expect(firstArg).toBeGreaterThan(install);
    });

    it('builds the service and the workspace packages it depends on', () => {
      expect(runs(build)).toContain(BUILD_COMMAND);
    });

    it('deploys the service with production dependencies only', () => {
      const deploy = runs(build).find((s) => / deploy /.test(s)) ?? '';
      expect(deploy).toContain(DEPLOY_FILTER);
      expect(deploy).toContain('--prod');
      expect(deploy).toContain('--legacy');
    });
  });

  // pnpm --filter matching nothing exits 0, so only this step stops a build with a bad SERVICE.
  describe('the build-arg guard', () => {
    const guard = keyword(build, 'RUN').find((i) => uses(i, 'SERVICE'));
    const ports = { PORT: '8001', METRICS_PORT: '9092' };

    async function runGuard(buildArgs: Record<string, string>) {
      // The repository root stands in for WORKDIR /repo, which holds the same files at this step.
      const env = { PATH: process.env.PATH, ...buildArgs };
      return runTool('sh', ['-c', guard?.getArgumentsContent() ?? 'exit 0'], { debianPackage: 'dash', env });
    }

    it('runs before the service is built or deployed', () => {
      const steps = keyword(build, 'RUN');
      expect(guard).toBeDefined();
      const pnpmSteps = steps.filter((i) => uses(i, 'SERVICE') && /pnpm --filter/.test(args(i).join(' ')));
      expect(pnpmSteps.length).toBeGreaterThanOrEqual(2);
      for (const step of pnpmSteps) expect(steps.indexOf(step)).toBeGreaterThan(steps.indexOf(guard!));
    });

    it('fails, saying so, when SERVICE is missing', async () => {
      const result = await runGuard(ports);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('build arg SERVICE is required');
    });

    it('fails, naming the missing folder, when SERVICE is not a service', async () => {
      const result = await runGuard({ SERVICE: 'no-such-service', ...ports });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('services/no-such-service/package.json');
    });

    it('fails when the ports are missing', async () => {
      const result = await runGuard({ SERVICE: 'ai-pipeline' });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('PORT and METRICS_PORT');
    });

    it('passes for every service the image can start', async () => {
      for (const folder of imageServices()) {
        const result = await runGuard({ SERVICE: folder, ...ports });
        expect({ folder, code: result.code, stderr: result.stderr }).toEqual({ folder, code: 0, stderr: '' });
      }
    });
  });

  describe('runtime stage', () => {
    it('runs as the non-root node user', () => {
      const users = keyword(runtime, 'USER').map((i) => args(i)[0]);
      expect(users.length).toBeGreaterThan(0);
      expect(users[users.length - 1]).toBe('node');
    });

    it('sets NODE_ENV=production and defaults the ports to the build args', () => {
      const env = Object.fromEntries(
        (keyword(runtime, 'ENV') as Env[]).flatMap((e) => e.getProperties()).map((p) => [p.getName(), p.getValue()]),
      );
      expect(env).toMatchObject({ NODE_ENV: 'production', PORT: '${PORT}', METRICS_PORT: '${METRICS_PORT}' });
      const declared = keyword(runtime, 'ARG').flatMap(defines);
      expect(declared).toEqual(expect.arrayContaining(['PORT', 'METRICS_PORT']));
    });

    it('exposes the API and metrics ports of the build args', () => {
      const exposed = keyword(runtime, 'EXPOSE').flatMap(args);
      expect(exposed.sort()).toEqual(['${METRICS_PORT}', '${PORT}']);
    });

    it('probes GET /health with node itself', () => {
      const checks = dockerfile.getHEALTHCHECKs().filter((h) => runtime.instructions.includes(h));
      expect(checks).toHaveLength(1);
      const text = checks[0]!.getArgumentsContent() ?? '';
      expect(checks[0]!.getSubcommand()?.getValue()).toBe('CMD');
      expect(text).toContain('"node"');
      expect(text).toContain('/health');
    });

    it('starts the service with tracing loaded first', () => {
      const cmds = dockerfile.getCMDs().filter((c) => runtime.instructions.includes(c));
      expect(cmds).toHaveLength(1);
      expect(cmds[0]!.getJSONStrings().map((s) => s.getJSONValue())).toEqual(START_COMMAND);
    });

    it('starts every service exactly as the package\'s own start script does', () => {
      const folders = imageServices();
      expect(folders).toEqual(expect.arrayContaining(['ai-pipeline', 'automation-service']));
      for (const folder of folders) {
        expect({ folder, start: manifest(folder).scripts?.start }).toEqual({ folder, start: START_COMMAND.join(' ') });
      }
    });
  });
});

describe('.dockerignore', () => {
  it('keeps installed modules, build output, local data and git history out of the build context', () => {
    const lines = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.data', '.git']));
  });
});

describe('frontend/Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(readFileSync(path.join(REPO_ROOT, 'frontend/Dockerfile'), 'utf8'));
  const all = stages(dockerfile);
  const build = all[0]!;
  const runtime = all[all.length - 1]!;
  const frontendPackage = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'frontend/package.json'), 'utf8')) as { name: string }).name;

  it('builds on node:24-alpine and ships on an unprivileged nginx', () => {
    expect(all.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(build.image).toMatch(/^node:24-alpine$/);
    expect(runtime.image).toMatch(/^nginxinc\/nginx-unprivileged:[0-9.]+-alpine$/);
    // The image's own user (uid 101): no USER instruction may turn it back to root.
    expect(keyword(runtime, 'USER')).toEqual([]);
  });

  it('installs exactly the lockfile with pnpm from corepack, and builds the frontend package and what it depends on', () => {
    const steps = runs(build);
    expect(steps.some((s) => /corepack enable pnpm/.test(s))).toBe(true);
    expect(steps.some((s) => /pnpm install .*--frozen-lockfile/.test(s))).toBe(true);
    expect(steps).toContain(`pnpm --filter ${frontendPackage}... run build`);
  });

  it('ships the built dist/ as nginx\'s root and frontend/nginx.conf as its server', () => {
    const copies = dockerfile.getCOPYs().filter((c) => runtime.instructions.includes(c));
    const seen = copies.map((c) => ({ from: c.getFromFlag()?.getValue() ?? null, args: args(c) }));
    expect(seen).toEqual([
      { from: null, args: ['frontend/nginx.conf', '/etc/nginx/conf.d/default.conf'] },
      { from: 'build', args: ['/repo/frontend/dist', '/usr/share/nginx/html'] },
    ]);
    expect(existsSync(path.join(REPO_ROOT, 'frontend/nginx.conf'))).toBe(true);
    const workdir = keyword(build, 'WORKDIR').map((i) => args(i)[0]);
    expect(workdir).toEqual(['/repo']);
  });

  it('exposes and probes the port nginx.conf listens on', () => {
    const nginx = readFileSync(path.join(REPO_ROOT, 'frontend/nginx.conf'), 'utf8');
    const listen = [...nginx.matchAll(/^\s*listen\s+(\d+);/gm)].map((m) => m[1]);
    expect(listen).toEqual(['3100']);
    expect(keyword(runtime, 'EXPOSE').flatMap(args)).toEqual(listen);
    const checks = dockerfile.getHEALTHCHECKs().filter((h) => runtime.instructions.includes(h));
    expect(checks).toHaveLength(1);
    expect(checks[0]!.getArgumentsContent()).toContain('"http://127.0.0.1:3100/"');
  });

  it('declares every variable before its use', () => {
    expect(undeclaredVariables(dockerfile, all)).toEqual([]);
  });
});
