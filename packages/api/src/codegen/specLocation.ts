/**
 * Where the API reference lives: `../shared/spec/` beside the repository (CI puts it there), or
 * wherever `KEYSTREAM_SPEC_PATH` points.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** File name of the iam.edgelq.com v1 reference. */
export const SPEC_FILE_NAME = '004_e751b87f62e13467.txt';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The path the reference is expected at. */
export function defaultSpecPath(): string {
  return process.env['KEYSTREAM_SPEC_PATH'] ?? path.resolve(repositoryRoot, '..', 'shared', 'spec', SPEC_FILE_NAME);
}

/** The reference's path if it exists, else undefined (a user's clone may not have it). */
export function findSpec(): string | undefined {
  const candidate = defaultSpecPath();
  return existsSync(candidate) ? candidate : undefined;
}
