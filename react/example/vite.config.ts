// The example app: built into react/example/dist and served by the API at /example/ (npm start builds it).
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/example/",
  plugins: [react()],
  build: { outDir: fileURLToPath(new URL("./dist", import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 4000 },
  logLevel: "warn",
});
