// Builds the console into dist/, served by `keystream start` at /console (hashed assets immutable).
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  // `browser` selects @keystream/client's browser entry (the browser WebSocket, no `ws`).
  resolve: { conditions: ['browser', 'module', 'import', 'default'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
