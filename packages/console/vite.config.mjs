// The console builds to static files in dist/ (index.html and hashed assets/), which `weft serve`
// serves at `/`. Relative URLs, so the page works behind a path prefix too.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // elkjs (the graph layout) is large and loaded on demand: say so rather than warn about it.
    chunkSizeWarningLimit: 2000,
  },
});
