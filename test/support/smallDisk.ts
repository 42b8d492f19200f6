/**
 * A small tmpfs for disk-full tests: a real file system that runs out of space. Mounting needs
 * root (CI runs as root) and a kernel that lets this process mount; where either is missing the
 * caller skips and says why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A mounted tmpfs and a filler file that eats its free space on demand. */
export interface SmallDisk {
  readonly mountPoint: string;
  /** Fills the file system until less than `leaveBytes` are free. */
  fill(leaveBytes?: number): void;
  /** Removes the filler: space is free again. */
  free(): void;
  /** Bytes free right now. */
  freeBytes(): number;
  unmount(): void;
}

/** Mounts a tmpfs of `sizeMiB`; returns why not when this process cannot. */
export function mountSmallDisk(sizeMiB: number): SmallDisk | { readonly skipReason: string } {
  if (process.getuid?.() !== 0) return { skipReason: `mounting a tmpfs needs root; this runs as uid ${process.getuid?.() ?? 'unknown'} (CI runs as root)` };
  const mountPoint = mkdtempSync(path.join(tmpdir(), 'keystream-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    rmSync(mountPoint, { recursive: true, force: true });
    return { skipReason: `this machine does not let root mount a tmpfs (a container without CAP_SYS_ADMIN?): ${(error as Error).message.split('\n')[0] ?? ''}` };
  }
  const fillers: string[] = [];
  const freeBytes = (): number => {
    const stats = statfsSync(mountPoint);
    return stats.bavail * stats.bsize;
  };
  return {
    mountPoint,
    freeBytes,
    fill(leaveBytes = 0) {
      // Ever smaller files until nothing more fits: the disk is then as full as it gets.
      for (let size = 1024 * 1024; size >= 4096 && freeBytes() > leaveBytes; ) {
        const file = path.join(mountPoint, `filler-${fillers.length}`);
        try {
          writeFileSync(file, Buffer.alloc(Math.min(size, Math.max(4096, freeBytes() - leaveBytes))));
          fillers.push(file);
        } catch {
          rmSync(file, { force: true });
          size /= 2;
        }
      }
    },
    free() {
      for (const file of fillers.splice(0)) rmSync(file, { force: true });
    },
    unmount() {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
      if (readdirSync(mountPoint).length === 0) rmSync(mountPoint, { recursive: true, force: true });
    },
  };
}
