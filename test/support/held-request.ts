import { request, type ClientRequest } from "node:http";

/**
 * A sync request that announces `announcedBytes` and sends one byte: the server holds it in
 * flight (and its share of INFLIGHT_BODY_BUDGET) until the test destroys it.
 */
export function holdSyncRequest(port: number, announcedBytes: number): ClientRequest {
  const held = request(
    { host: "127.0.0.1", port, method: "POST", path: "/stellarnode/sync" },
    () => undefined,
  );
  held.on("error", () => undefined);
  held.setHeader("content-type", "application/json");
  held.setHeader("content-length", String(announcedBytes));
  held.write(" ");
  return held;
}
