// The React module as a library (`npm run build:react` → react/dist): its entry point index.ts,
// React, viem, zod and ZeroDev's packages left to the app's own bundler.
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: here("./dist"),
    emptyOutDir: true,
    sourcemap: true,
    lib: { entry: here("./index.ts"), formats: ["es"], fileName: "leash-react" },
    rollupOptions: { external: [/^react($|\/)/, /^react-dom($|\/)/, /^viem($|\/)/, /^zod($|\/)/, /^@zerodev\//] },
  },
  test: {
    root: here("."),
    include: ["test/**/*.test.{ts,tsx}"],
    environment: "jsdom",
  },
});
