// Starts the alto bundler CLI bound to ALTO_HOST (default 127.0.0.1) instead of the 0.0.0.0 it
// hard-codes. Arguments are alto's own.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const host = process.env.ALTO_HOST ?? "127.0.0.1";
const altoEsm = dirname(fileURLToPath(import.meta.resolve("@pimlico/alto")));
const { Server } = await import(pathToFileURL(join(altoEsm, "rpc", "server.js")).href);
Server.prototype.start = function start() {
  this.fastify.listen({ port: this.config.port, host }).then(
    (address) => console.log(`alto listening on ${address}`),
    (err) => {
      console.error(`alto could not listen on ${host}:${this.config.port}: ${err.message}`);
      process.exit(1);
    },
  );
};
await import(pathToFileURL(join(altoEsm, "cli", "alto.js")).href);
