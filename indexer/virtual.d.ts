// Types of Ponder's virtual modules for this project. Ponder writes its own ponder-env.d.ts into
// its root (indexer/) at every start, pointing at a config file beside it; ours lives one level
// up, so that generated file is ignored and this one says where things are.
/// <reference types="ponder/virtual" />

declare module "ponder:internal" {
  const config: typeof import("../ponder.config.js");
  const schema: typeof import("./ponder.schema.js");
}

declare module "ponder:schema" {
  export * from "./ponder.schema.js";
}
