import module from "node:module";

// `npm start`: the production entry point. It only turns on Node's on-disk
// compile cache (Node ≥ 22.1; in the OS temp directory) before loading the
// bot, so a restart skips most of the parsing and compiling of the bot and its
// dependencies. Where the cache cannot be written it is simply not used.
// (Typed by hand: the machine still runs the tests on Node 20 too, whose types lack it.)
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import("./serve.ts");
