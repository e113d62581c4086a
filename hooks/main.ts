import { runServer } from "./run-server.js";

/** `npm start`: the hook server, configured from the environment (see hooks/run-server.ts). */
await runServer();
