// The product's tables, unchanged.
export * from "../../../indexer/ponder.schema.js";
