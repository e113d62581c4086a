import { runServer } from "../../hooks/run-server.js";
import { transforms } from "./transforms.js";

// `npm start` with the platform's transforms: PORT, HOST, TLS, the SIGTERM drain and the
// exit codes as hooks/main.ts.
await runServer({ transforms });
