// src/generated/ and metadata/ are exactly what scripts/generate.mjs makes (never edited by hand),
// and up to date with the contract build when its bundles are on this machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultBundlesDir } from '../scripts/generate.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (...args) => spawnSync(process.execPath, ['scripts/generate.mjs', '--check', ...args], { cwd: root, encoding: 'utf8' });

test('generate --check --offline: src/generated/ is what metadata/ gives', () => {
  const { status, stdout, stderr } = run('--offline');
  assert.equal(status, 0, stdout + stderr);
});

test('generate --check: metadata/ and src/generated/ are up to date with the contract bundles', (t) => {
  const bundles = defaultBundlesDir();
  if (!existsSync(bundles)) {
    t.skip(`no bundles at ${bundles} (run scripts/build-contracts.sh)`);
    return;
  }
  const { status, stdout, stderr } = run();
  assert.equal(status, 0, stdout + stderr);
});
