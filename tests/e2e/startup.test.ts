/**
 * A misconfigured service refuses to start, naming the variable, instead of running half-set.
 * Runs the built entry points exactly as the launcher and the images do.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function start(service: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', './dist/instrument.js', 'dist/main.js'], {
      cwd: path.join(ROOT, service),
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('start-up configuration', () => {
  it.each([
    ['services/automation-service', { PORT: 'abc' }, /PORT: expected a port.*"abc"/],
    ['services/automation-service', { AI_PIPELINE_URL: 'ai-pipeline:8001' }, /AI_PIPELINE_URL/],
    ['services/automation-service', { DATABASE_URL: 'mysql://db:3306/keys' }, /DATABASE_URL/],
    ['services/automation-service', { RATE_LIMIT_PER_MINUTE: '0' }, /RATE_LIMIT_PER_MINUTE/],
    ['services/automation-service', { KEY_CACHE_MS: 'soon' }, /KEY_CACHE_MS/],
    ['services/ai-pipeline', { FEATURE_BYPASS_LLM: 'maybe' }, /FEATURE_BYPASS_LLM: expected true or false/],
    ['services/ai-pipeline', { AI_MAX_OUTPUT_TOKENS: '-5' }, /AI_MAX_OUTPUT_TOKENS/],
    ['gateway/local', { STATUS_PORT: '99999' }, /STATUS_PORT: expected a port/],
  ])('%s exits 1 naming the bad variable %j', async (service, env, message) => {
    const { code, stderr } = await start(service, env);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it('names a bad DATABASE_URL without printing it: it may hold a password', async () => {
    const { code, stderr } = await start('services/automation-service', { DATABASE_URL: 'mysql://keys:hunter2@db:3306/keys' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL/);
    expect(stderr).not.toContain('hunter2');
  });
});
