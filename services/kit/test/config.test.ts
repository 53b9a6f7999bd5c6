import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../src/config';

const schema = z.object({
  PORT: env.port(8001),
  FEATURE_BYPASS_LLM: env.flag(false),
  AI_BASE_URL: env.url().optional(),
  WORKERS: env.positiveInt(4),
});

describe('loadConfig', () => {
  it('applies defaults when variables are absent', () => {
    expect(loadConfig(schema, {})).toEqual({ PORT: 8001, FEATURE_BYPASS_LLM: false, WORKERS: 4 });
  });

  it('converts strings to typed values', () => {
    const cfg = loadConfig(schema, { PORT: '9000', FEATURE_BYPASS_LLM: 'true', AI_BASE_URL: 'http://x:1/v1', WORKERS: '2' });
    expect(cfg).toEqual({ PORT: 9000, FEATURE_BYPASS_LLM: true, AI_BASE_URL: 'http://x:1/v1', WORKERS: 2 });
  });

  it.each([
    ['PORT', 'abc', 'PORT: expected a port (0–65535) (got "abc")'],
    ['PORT', '80.5', 'PORT: expected a port (0–65535) (got "80.5")'],
    ['WORKERS', 'many', 'WORKERS: expected a positive integer (got "many")'],
    ['WORKERS', '0', 'WORKERS: expected a positive integer (got "0")'],
  ])('explains %s=%s in words', (name, value, problem) => {
    expect(() => loadConfig(schema, { [name]: value })).toThrow(problem);
  });

  it('names every bad variable with its value and the reason', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: '70000', FEATURE_BYPASS_LLM: 'maybe', AI_BASE_URL: 'not a url' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('PORT:'))).toMatch(/port.*"70000"/);
    expect(problems.find((p) => p.startsWith('FEATURE_BYPASS_LLM:'))).toMatch(/true or false.*"maybe"/);
    expect(problems.find((p) => p.startsWith('AI_BASE_URL:'))).toMatch(/URL/);
  });

  it('never echoes the value of a variable named like a secret', () => {
    const secrets = z.object({ WEBHOOK_SIGNING_SECRET: z.string().min(16), CREDENTIALS_ENCRYPTION_KEY: z.string().length(44), SMTP_PASSWORD: z.string().min(8) });
    let error: unknown;
    try {
      loadConfig(secrets, { WEBHOOK_SIGNING_SECRET: 'short-secret', CREDENTIALS_ENCRYPTION_KEY: 'almost-a-key', SMTP_PASSWORD: 'hunter2' });
    } catch (err) {
      error = err;
    }
    const message = (error as ConfigError).message;
    expect((error as ConfigError).problems).toHaveLength(3);
    for (const value of ['short-secret', 'almost-a-key', 'hunter2']) expect(message).not.toContain(value);
  });
});
