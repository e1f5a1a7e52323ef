// The product's HTTP API (GraphQL, SQL over HTTP), unchanged.
export { default } from "../../../../../indexer/src/api/index.js";
