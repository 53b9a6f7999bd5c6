/**
 * Every shell script under scripts/ passes shellcheck (Debian package shellcheck; .ci/run
 * installs it). Run per file, so a failure names the script and shellcheck's findings.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runTool } from './run-tool';

const SCRIPTS = readdirSync(path.join(REPO_ROOT, 'scripts'))
  .filter((name) => name.endsWith('.sh'))
  .sort();

describe('shellcheck', () => {
  it('finds the release scripts to check', () => {
    expect(SCRIPTS).toContain('release_smoke.sh');
  });

  it.each(SCRIPTS)('passes for scripts/%s', async (name) => {
    // -x follows `source`d files; from the script's folder, as its relative paths expect.
    const result = await runTool('shellcheck', ['-x', `scripts/${name}`], { debianPackage: 'shellcheck' });
    expect({ code: result.code, findings: result.stdout + result.stderr }).toEqual({ code: 0, findings: '' });
  });
});
