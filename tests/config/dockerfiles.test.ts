import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dockerfile, Instruction } from 'dockerfile-ast';
import { DockerfileParser } from 'dockerfile-ast';
import { REPO_ROOT } from './run-tool';

/** Each service image: its folder and the ports of DESIGN.md it exposes (API, metrics). */
const IMAGES = [
  { folder: 'ai-pipeline', ports: ['8001', '9092'] },
  { folder: 'automation-service', ports: ['3003', '9091'] },
];

const START_COMMAND = ['node', '--require', './dist/instrument.js', 'dist/main.js'];

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

describe.each(IMAGES)('services/$folder/Dockerfile', ({ folder, ports }) => {
  const file = path.join(REPO_ROOT, 'services', folder, 'Dockerfile');
  const dockerfile = DockerfileParser.parse(readFileSync(file, 'utf8'));
  const all = stages(dockerfile);
  const build = all[0]!;
  const runtime = all[all.length - 1]!;
  const manifestPath = path.join(REPO_ROOT, 'services', folder, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; scripts?: Record<string, string> };
  const packageName = manifest.name;

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
  });

  describe('build stage', () => {
    it('gets pnpm through corepack and installs exactly the lockfile', () => {
      const steps = runs(build);
      expect(steps.some((s) => /corepack enable/.test(s))).toBe(true);
      expect(steps.some((s) => /pnpm install .*--frozen-lockfile/.test(s))).toBe(true);
    });

    it('builds the service and the workspace packages it depends on', () => {
      expect(runs(build)).toContain(`pnpm --filter ${packageName}... run build`);
    });

    it('deploys the service with production dependencies only', () => {
      const deploy = runs(build).find((s) => / deploy /.test(s)) ?? '';
      expect(deploy).toContain(`--filter ${packageName}`);
      expect(deploy).toContain('--prod');
      expect(deploy).toContain('--legacy');
    });
  });

  describe('runtime stage', () => {
    it('runs as the non-root node user', () => {
      const users = runtime.instructions.filter((i) => i.getKeyword() === 'USER').map((i) => args(i)[0]);
      expect(users.length).toBeGreaterThan(0);
      expect(users[users.length - 1]).toBe('node');
    });

    it('sets NODE_ENV=production and exposes the API and metrics ports', () => {
      const env = runtime.instructions.filter((i) => i.getKeyword() === 'ENV').flatMap(args);
      expect(env).toContain('NODE_ENV=production');
      const exposed = runtime.instructions.filter((i) => i.getKeyword() === 'EXPOSE').flatMap(args);
      expect(exposed.sort()).toEqual([...ports].sort());
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

    it('starts it exactly as the package\'s own start script does', () => {
      expect(manifest.scripts?.start).toBe(START_COMMAND.join(' '));
    });
  });
});

describe('.dockerignore', () => {
  it('keeps installed modules, build output, local data and git history out of the build context', () => {
    const lines = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.data', '.git']));
  });
});
