// The indexer's configuration (Ponder) is not built yet: README.md lists what runs today.
export {};
