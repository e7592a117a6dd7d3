import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The API document (docs/openapi.json, made from the route tables by `make openapi`) goes into
// the build as api/v1/openapi.json: the web server serves it from the document root as a static
// file, public and cacheable, and the portal's API reference reads it from there.
function apiDocument() {
  return {
    name: 'portico-api-document',
    generateBundle() {
      this.emitFile({
        type: 'asset',
        fileName: 'api/v1/openapi.json',
        source: readFileSync(new URL('../docs/openapi.json', import.meta.url)),
      });
    },
  };
}

// The build is plain static files (index.html, assets/, api/v1/openapi.json) that the web server
// serves as the document root. `npm run dev` serves the source with the API proxied to a
// running stack.
export default defineConfig({
  plugins: [preact(), apiDocument()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/api': process.env.PORTICO_API_URL || 'http://127.0.0.1:8080' },
  },
});
