import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWeightsCli } from '../src/weights-cli';
import { realConfigText } from './helpers';

/** kong-weights as the canary script runs it: arguments in, YAML out, exit code. */

function run(...args: string[]): { code: number; out: string; err: string[] } {
  let out = '';
  const err: string[] = [];
  const code = runWeightsCli(args, { out: (text) => (out += text), err: (line) => err.push(line) });
  return { code, out, err };
}

describe('kong-weights', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kong-weights-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it("sets the tagged targets' weights in gateway/kong.yml (the default) and changes nothing else", () => {
    const { code, out, err } = run('stable=90', 'canary=10');
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const before = realConfigText().split('\n');
    const after = out.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = before.flatMap((line, i) => (line === after[i] ? [] : [[line.trim(), after[i]?.trim()]]));
    expect(changed).toEqual([
      ['weight: 100', 'weight: 90'],
      ['weight: 0', 'weight: 10'],
    ]);
    // Comments survive: the review of the rendered file reads as the file does.
    expect(out).toContain('      # Weight 0: registered but receives no traffic until a canary rollout raises it.');
  });

  it('takes another file and upstream, and adds a weight a target left to the default', () => {
    const file = writeConfig(
      'other.yml',
      [
        '_format_version: "3.0"',
        'upstreams:',
        '  - name: up',
        '    targets:',
        '      - target: a:1 # the old one',
        '        weight: 5 # keep this comment',
        '        tags: [blue]',
        '      - target: b:1',
        '        tags: [green]',
        'services:',
        '  - name: svc',
        '    host: up',
        '    routes: [{ name: r, paths: [/x] }]',
        '',
      ].join('\n'),
    );
    const { code, out } = run('--config', file, '--upstream', 'up', 'blue=0', 'green=7');
    expect(code).toBe(0);
    expect(out).toContain('weight: 0 # keep this comment');
    expect(out).toMatch(/target: b:1\n\s+tags: \[green\]\n\s+weight: 7\n/);
  });

  it('exits 2 with one line on stderr, and prints nothing, for a request it cannot carry out', () => {
    const twoOnOne = writeConfig(
      'two-tags.yml',
      '_format_version: "3.0"\nupstreams:\n  - name: up\n    targets:\n      - { target: "a:1", tags: [stable, canary] }\n',
    );
    const refused = writeConfig('refused.yml', realConfigText().replace('strip_path: false', 'strip_path: false\n        hosts: [api.example.com]'));
    const cases: Array<[string[], RegExp]> = [
      [[], /expected at least one <tag>=<weight>/],
      [['--nope', 'stable=1'], /Unknown option '--nope'/],
      [['stable'], /'stable': expected <tag>=<weight>/],
      [['stable=x'], /expected <tag>=<weight>/],
      [['stable=65536'], /weight from 0 to 65535/],
      [['stable=-1'], /expected <tag>=<weight>/],
      [['stable=1', 'stable=2'], /tag 'stable' given twice/],
      [['blue=1'], /tag 'blue' matches no target of upstream 'automation-service-upstream'/],
      [['opsconductor=1'], /tag 'opsconductor' matches 2 targets \(automation-service:3003, automation-service-canary:3003\)/],
      [['--upstream', 'nope', 'stable=1'], /no upstream named 'nope'/],
      [['--config', join(dir, 'missing.yml'), 'stable=1'], /cannot read .*missing\.yml: ENOENT/],
      [['--config', twoOnOne, '--upstream', 'up', 'stable=1', 'canary=2'], /tags 'stable' and 'canary' name the same target a:1/],
      [['--config', refused, 'stable=1'], /fails the gateway's checks: services\[0\]\.routes\[0\]\.hosts: not implemented by the local gateway/],
    ];
    for (const [args, message] of cases) {
      const { code, out, err } = run(...args);
      expect({ args, code, out }).toEqual({ args, code: 2, out: '' });
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/^kong-weights: /);
      expect(err[0]).not.toContain('\n');
      expect({ args, err: err[0] }).toEqual({ args, err: expect.stringMatching(message) });
    }
  });
});
