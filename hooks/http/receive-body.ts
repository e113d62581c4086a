import type { Readable } from "node:stream";
import { errorCodes, type FastifyRequest } from "fastify";

/**
 * Buffers for request bodies, reused from one request to the next. A sync request of a
 * large group is megabytes, and this VM (and any Linux host, to a lesser degree) pays for
 * every fresh page a new buffer touches: about 3 ns a byte, as much as parsing it
 * (BENCHMARKS.md). fastify's own receiving gathers the chunks and concatenates them into a
 * new buffer per request; a buffer that has been written once costs only the copy.
 *
 * A buffer is lent to one request at a time, and given back once its body has been parsed
 * (the parsers copy out everything they keep). A request gets the smallest free buffer that
 * fits it and is at most twice its rounded size (a small request never holds a large buffer
 * another body could use), else a new one, rounded up so that the next, slightly larger
 * request of the same group fits it. Free buffers are kept up to `maxRetainedBytes` in all,
 * the smallest dropped first; they are trimmed when a buffer comes back, never when a
 * request merely declares a size, so a request that never sends its body empties nothing.
 */
export class BodyPool {
  private free: Buffer[] = [];

  constructor(private readonly maxRetainedBytes: number) {}

  /** A buffer of exactly `size` bytes, and the function that gives it back (once). */
  take(size: number): { buffer: Buffer; release: () => void } {
    const largest = 2 * roundUp(size);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]?.length ?? 0;
      if (length < size || length > largest) continue;
      if (best < 0 || length < (this.free[best]?.length ?? 0)) best = i;
    }
    const whole =
      best >= 0
        ? (this.free.splice(best, 1)[0] ?? Buffer.allocUnsafeSlow(roundUp(size)))
        : Buffer.allocUnsafeSlow(roundUp(size));
    let released = false;
    return {
      buffer: whole.subarray(0, size),
      release: () => {
        if (released) return;
        released = true;
        this.giveBack(whole);
      },
    };
  }

  /** The bytes of the free buffers (for tests). */
  retainedBytes(): number {
    return this.free.reduce((sum, buffer) => sum + buffer.length, 0);
  }

  private giveBack(buffer: Buffer): void {
    if (buffer.length > this.maxRetainedBytes) return;
    this.free.push(buffer);
    // Over the bound, the smallest go first.
    this.free.sort((a, b) => b.length - a.length);
    let total = this.retainedBytes();
    while (total > this.maxRetainedBytes) total -= this.free.pop()?.length ?? total;
  }
}

/** The free body buffers a server keeps at most, in bytes (32 MiB). */
export const RETAINED_BODY_BYTES = 32 * 1024 * 1024;

/** A new buffer's size: `size` and a sixteenth, in 64 KiB steps (at least 64 KiB). */
function roundUp(size: number): number {
  const step = 64 * 1024;
  return Math.ceil((size + Math.floor(size / 16) + 1) / step) * step;
}

/**
 * Receives a request body as fastify's own `parseAs: "buffer"` receiving does (its
 * content-type-parser.js rawBody: the same errors for a body over the route's bodyLimit,
 * 413, and for one that is not as long as its Content-Length, 400), but into one buffer of
 * the pool sized from Content-Length, copied chunk by chunk as they arrive. A body without a
 * Content-Length (chunked) is gathered and concatenated, as fastify does. `done` gets the
 * body and the function that gives its buffer back to the pool, to be called once nothing
 * refers to the body any more.
 */
export function receiveBody(
  request: FastifyRequest,
  payload: Readable,
  pool: BodyPool,
  done: (error: Error | null, body?: Buffer, release?: () => void) => void,
): void {
  const limit = request.routeOptions.bodyLimit;
  const declared = Number(request.headers["content-length"]);
  if (declared > limit) {
    done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    return;
  }
  const lent = Number.isSafeInteger(declared) && declared > 0 ? pool.take(declared) : undefined;
  const target = lent?.buffer;
  const chunks: Buffer[] = [];
  let received = 0;

  const stop = (): void => {
    payload.removeListener("data", onData);
    payload.removeListener("end", onEnd);
    payload.removeListener("error", onEnd);
  };
  const fail = (error: Error): void => {
    lent?.release();
    done(error);
  };
  function onData(data: Buffer | string): void {
    const chunk = typeof data === "string" ? Buffer.from(data) : data;
    const start = received;
    received += chunk.length;
    if (received > limit) {
      stop();
      fail(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    if (target === undefined) chunks.push(chunk);
    // Beyond the declared length nothing is kept: the length check below refuses the body.
    else if (received <= target.length) chunk.copy(target, start);
  }
  function onEnd(error?: Error & { statusCode?: number }): void {
    stop();
    if (error !== undefined && error !== null) {
      if (!(typeof error.statusCode === "number" && error.statusCode >= 400)) {
        error.statusCode = 400;
      }
      fail(error);
      return;
    }
    if (!Number.isNaN(declared) && received !== declared) {
      fail(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      return;
    }
    if (lent !== undefined) done(null, lent.buffer, lent.release);
    else done(null, Buffer.concat(chunks, received), () => undefined);
  }
  payload.on("data", onData);
  payload.on("end", onEnd);
  payload.on("error", onEnd);
  payload.resume();
}
