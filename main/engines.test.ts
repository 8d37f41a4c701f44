/**
 * The README's Node requirement stays true (issue #13 B7): every installed package whose `engines`
 * excludes the Node the README asks for (20.19) is one the README names, with why it does not matter.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import semver from 'semver';

const root = new URL('../', import.meta.url);

describe('Node versions', () => {
  it('names in the README every package that declares a newer Node than the required 20.19', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe('>=20.19');
    const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const note = readme.slice(
      readme.indexOf('Requirements: Node'),
      readme.indexOf('## The quick comparison'),
    );
    const newer = Object.entries(lock.packages)
      .filter(([, p]) => p.engines?.node && !semver.satisfies('20.19.0', p.engines.node))
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(newer.length).toBeGreaterThan(0);
    for (const name of new Set(newer))
      expect(note, `README's Node note should name ${name}`).toContain(`\`${name}\``);
  });
});
