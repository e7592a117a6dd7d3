import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The build is plain static files (index.html, assets/) that the web server serves as the
// document root. `npm run dev` serves the source with the API proxied to a running stack.
export default defineConfig({
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/api': process.env.PORTICO_API_URL || 'http://127.0.0.1:8080' },
  },
});
