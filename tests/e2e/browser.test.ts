/**
 * The frontend in a real browser: Debian's headless Chromium driven by playwright-core, against
 * the whole mesh (built services, the gateway stand-in serving the UI and the API on one origin).
 * A person's path: enter the key, run ping, see pong and the trace id; a validation error; a job
 * watched to completed; a slow job cancelled; the jobs list filtered. Screenshots of each step are
 * kept in .data/artifacts/browser/ (CI artifacts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Mesh } from '@opsconductor/mesh';
import { ALL_SCOPES, startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

const ARTIFACTS = path.resolve(__dirname, '../../.data/artifacts/browser');

/** Debian's chromium (apt package `chromium`, installed by .ci/run); CHROMIUM_PATH overrides. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not on PATH: install the Debian package "chromium" (.ci/run does)');
  }
}

let testMesh: TestMesh;
let mesh: Mesh;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let key: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  testMesh = await startTestMesh({ name: 'browser' });
  mesh = testMesh.mesh;
  key = (await testMesh.keyFor('ws-browser', 'alice', ALL_SCOPES)).authorization.slice('Bearer '.length);
  // The flags the machine notes give: without the background-networking ones Chromium keeps
  // trying hosts this closed network refuses.
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(`${mesh.urls.gateway}/#/settings`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Save settings' }).click();
  // The key is checked against GET /ai/whoami: its workspace shows.
  await page.getByRole('region', { name: 'This key' }).getByText('ws-browser').waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await testMesh?.stop();
}, 60_000);

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const result = () => page.getByRole('region', { name: 'Result' });

async function openSandbox(): Promise<void> {
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await page.getByRole('heading', { name: 'Exec Sandbox' }).waitFor();
}

describe('the Exec Sandbox in Chromium, through the gateway', () => {
  it('runs ping and shows pong with the trace id of the request', async () => {
    await openSandbox();
    // The tool list comes from GET /ai/tools.
    await page.getByRole('combobox', { name: 'Tool' }).selectOption('echo');
    await page.getByLabel('Input').fill('ping');
    const answered = page.waitForResponse((r) => r.url().endsWith('/ai/execute'));
    await page.getByRole('button', { name: 'Execute' }).click();
    const answer = (await (await answered).json()) as { trace_id: string };
    await result().getByRole('status').filter({ hasText: 'Success' }).waitFor();
    await expectText(result().getByLabel('Output'), 'pong');
    // The trace id shown is the one the gateway answered with: the id of the request's trace.
    expect(answer.trace_id).toMatch(/^[0-9a-f]{32}$/);
    await expectText(result().locator('dt:text-is("Trace ID") + dd'), answer.trace_id);
    await shot('sandbox-ping');
  });

  it('shows a validation error from the params form before sending anything', async () => {
    await openSandbox();
    await page.getByRole('combobox', { name: 'Tool' }).selectOption('echo');
    await page.getByLabel('Input').fill('ping');
    await page.getByLabel(/delay_ms/i).fill('-5');
    await page.getByRole('button', { name: 'Execute' }).click();
    await page.getByRole('alert').filter({ hasText: 'The request was not sent' }).waitFor();
    await shot('sandbox-validation-error');
  });

  it('submits a job and watches it reach completed live', async () => {
    await openSandbox();
    await page.getByRole('combobox', { name: 'Tool' }).selectOption('echo');
    await page.getByLabel('Input').fill('ping');
    await page.getByLabel(/delay_ms/i).fill('300');
    await page.getByRole('radio', { name: 'Run as job' }).check();
    await page.getByRole('button', { name: 'Execute' }).click();
    await result().getByText(/completed/i).first().waitFor({ timeout: 15_000 });
    await shot('sandbox-job-completed');
  });
});

describe('the jobs console in Chromium', () => {
  it('cancels a slow job from its detail, and filters the list by status', async () => {
    // A job slow enough to cancel while it runs, submitted through the API as another client would.
    const res = await fetch(`${mesh.urls.gateway}/ai/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ action: 'echo', params: { input: 'slow', delay_ms: 30_000 } }),
    });
    const job = (await res.json()) as { job_id: string };
    await page.goto(`${mesh.urls.gateway}/#/jobs/${job.job_id}`);
    const detail = page.getByRole('region', { name: 'Job details' });
    await detail.getByText(/running|pending/i).first().waitFor();
    await detail.getByRole('button', { name: 'Cancel job' }).click();
    await detail.getByText(/cancelled/i).first().waitFor({ timeout: 15_000 });
    await shot('jobs-cancelled');

    await page.getByRole('combobox', { name: 'Status filter' }).selectOption('cancelled');
    const table = page.getByRole('region', { name: 'Jobs table' });
    await table.getByRole('link', { name: `Job ${job.job_id}` }).waitFor();
    const statuses = await table.locator('tbody tr').allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((row) => /cancelled/i.test(row))).toBe(true);
    await shot('jobs-filtered');
  });
});

describe('accessibility in Chromium', () => {
  it('runs the sandbox from the keyboard alone: Tab to the input, type, Ctrl+Enter', async () => {
    await page.goto(`${mesh.urls.gateway}/#/sandbox`);
    await page.getByRole('heading', { name: 'Exec Sandbox' }).waitFor();
    const input = page.getByLabel('Input');
    for (let i = 0; i < 20 && !(await input.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    // Focus is visible: the focused control draws an outline.
    expect(await input.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
    await page.keyboard.type('ping');
    const answered = page.waitForResponse((r) => r.url().endsWith('/ai/execute'));
    await page.keyboard.press('Control+Enter');
    expect((await answered).status()).toBe(200);
    await result().getByRole('status').filter({ hasText: 'Success' }).waitFor();
  });

  it.each([
    ['sandbox', 'Exec Sandbox'],
    ['jobs', 'Jobs'],
    ['settings', 'Settings'],
  ])('has no WCAG 2 A/AA violation axe-core finds on the %s view, at 1280 and 375 px wide', async (view, heading) => {
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${mesh.urls.gateway}/#/${view}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }> } }).axe;
        const report = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return report.violations.map((v) => `${v.id} (${v.nodes.length}): ${(v.nodes as Array<{ html: string }>).map((n) => n.html.slice(0, 120)).join(" | ")}`);
      });
      expect({ view, width, violations }).toEqual({ view, width, violations: [] });
      // Nothing runs off the side at phone width.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    await shot(`a11y-${view}-375`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});

async function expectText(locator: ReturnType<Page['getByLabel']>, text: string): Promise<void> {
  await locator.filter({ hasText: text }).waitFor();
  expect(await locator.textContent()).toContain(text);
}
