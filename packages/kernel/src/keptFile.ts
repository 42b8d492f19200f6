/**
 * A file made once and kept (a signing key in the data directory): whoever comes first writes it,
 * every later reader — another process starting at the same moment included — reads the same
 * whole content. The content goes to a temporary file first and is linked into place, which fails
 * if the name exists: a reader never sees an empty or half-written file, and a second writer
 * never fails, it reads the winner's.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The content of `file`, made by `make` (owner-only) if it does not exist yet. */
export function keptFile(file: string, make: () => string | Buffer): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, make(), { mode: 0o600 });
  try {
    linkSync(temporary, file);
  } catch (error) {
    // Another process linked its own first: theirs is the one kept.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(file);
}
