/**
 * The reference for "what a hook server costs at the least": plain node:http that reads the
 * body, decodes and JSON.parses it, and answers with JSON.stringify of a stored response of
 * our response's size. No validation, no sync. Run by the benchmark as a child process:
 *
 *   PORT=... node --import tsx test/bench/minimal-server.ts
 *
 * POST /__response stores the response object to answer with; any other POST is a "sync".
 */
import { createServer } from "node:http";

let stored: unknown = {};

const server = createServer((request, response) => {
  if (request.method === "GET") {
    response.writeHead(200, { "content-type": "application/json" }).end('{"status":"ready"}');
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (request.url === "/__response") {
      stored = body;
      response.writeHead(204).end();
      return;
    }
    const text = JSON.stringify(stored);
    response
      .writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
      })
      .end(text);
  });
});
server.keepAliveTimeout = 600_000;
server.listen(Number(process.env["PORT"] ?? 8081), process.env["HOST"] ?? "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
