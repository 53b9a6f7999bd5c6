/**
 * Every shell script under scripts/ (and scripts/lib/) passes shellcheck (Debian package shellcheck; .ci/run
 * installs it). Run per file, so a failure names the script and shellcheck's findings.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runTool } from './run-tool';

/** scripts/*.sh and the libraries they source (scripts/lib/*.sh), as paths from the repo root. */
const SCRIPTS = ['scripts', 'scripts/lib'].flatMap((dir) =>
  readdirSync(path.join(REPO_ROOT, dir))
    .filter((name) => name.endsWith('.sh'))
    .sort()
    .map((name) => `${dir}/${name}`),
);

describe('shellcheck', () => {
  it('finds the release scripts to check', () => {
    expect(SCRIPTS).toEqual(expect.arrayContaining(['scripts/release_smoke.sh', 'scripts/lib/release-common.sh']));
  });

  it.each(SCRIPTS)('passes for %s', async (name) => {
    // -x follows `source`d files; from the script's folder, as its relative paths expect.
    const result = await runTool('shellcheck', ['-x', name], { debianPackage: 'shellcheck' });
    expect({ code: result.code, findings: result.stdout + result.stderr }).toEqual({ code: 0, findings: '' });
  });
});
