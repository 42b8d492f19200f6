/**
 * Loads uWebSockets.js and insists on its native binary.
 *
 * The npm build we use (`@trufflesuite/uws-js-unofficial`; the official package is not on npm)
 * quietly falls back to a pure-JS shim when its binary does not load for this platform and Node
 * ABI. That shim is far slower and behaves differently under backpressure, so keystream refuses to
 * start on it instead of degrading silently.
 */
import { createRequire } from 'node:module';
import type * as Uws from '@trufflesuite/uws-js-unofficial';

const require = createRequire(import.meta.url);

/** The uWebSockets.js module type. */
export type UwsModule = typeof Uws;

let loaded: UwsModule | undefined;

/** Returns the native uWebSockets.js module; throws when only the JavaScript fallback would load. */
export function loadNativeUws(): UwsModule {
  if (loaded) return loaded;
  const binaryName = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  let native: UwsModule;
  try {
    native = require(`@trufflesuite/uws-js-unofficial/binaries/${binaryName}`) as UwsModule;
  } catch (error) {
    throw new Error(
      `uWebSockets.js has no native binary for this platform (${binaryName}, Node ${process.version}); ` +
        'keystream does not run on its JavaScript fallback. Use Node.js 20 on linux/darwin x64 or arm64.',
      { cause: error },
    );
  }
  const viaPackage = require('@trufflesuite/uws-js-unofficial') as UwsModule;
  if (viaPackage !== native) {
    throw new Error('uWebSockets.js loaded its JavaScript fallback instead of the native binary (is UWS_USE_FALLBACK set?)');
  }
  loaded = native;
  return native;
}
