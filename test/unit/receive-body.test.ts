import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { BodyPool } from "../../hooks/http/receive-body.js";
import { stellarNode, syncRequest } from "../support/fixtures.js";
import { testServer } from "../support/server.js";

describe("BodyPool (reused body buffers)", () => {
  it("lends a buffer of the asked size and lends the same memory again once given back", () => {
    const pool = new BodyPool(1024 * 1024);
    const first = pool.take(100_000);
    assert.equal(first.buffer.length, 100_000);
    first.buffer.fill(7);
    first.release();
    const second = pool.take(90_000);
    assert.equal(second.buffer.length, 90_000);
    assert.equal(second.buffer.buffer, first.buffer.buffer);
    assert.equal(second.buffer[0], 7, "reused, not fresh memory");
  });

  it("lends a second buffer while the first is out, and keeps both once back", () => {
    const pool = new BodyPool(1024 * 1024);
    const a = pool.take(200_000);
    const b = pool.take(100_000);
    assert.notEqual(a.buffer.buffer, b.buffer.buffer);
    a.release();
    b.release();
    assert.equal(pool.take(100_000).buffer.buffer, b.buffer.buffer, "the smallest that fits");
    assert.equal(pool.take(100_000).buffer.buffer, a.buffer.buffer);
  });

  it("gives back once however often release is called", () => {
    const pool = new BodyPool(1024 * 1024);
    const a = pool.take(10);
    a.release();
    a.release();
    const b = pool.take(10);
    const c = pool.take(10);
    assert.notEqual(b.buffer.buffer, c.buffer.buffer);
  });

  it("keeps no more than maxRetainedBytes, the smallest dropped first", () => {
    const pool = new BodyPool(200_000);
    const small = pool.take(60_000);
    const large = pool.take(150_000);
    small.release();
    large.release();
    assert.ok(pool.retainedBytes() <= 200_000);
    assert.equal(pool.take(100_000).buffer.buffer, large.buffer.buffer);
    const huge = pool.take(300_000);
    huge.release();
    assert.ok(pool.retainedBytes() <= 200_000, "a buffer over the bound is not kept");
  });

  it("never lends a buffer more than twice the size asked, and empties nothing for a size only declared", () => {
    const pool = new BodyPool(10 * 1024 * 1024);
    const large = pool.take(2_000_000);
    large.release();
    const small = pool.take(1_000);
    assert.notEqual(
      small.buffer.buffer,
      large.buffer.buffer,
      "a small body leaves the large buffer free",
    );
    assert.ok(pool.retainedBytes() >= 2_000_000, "declaring a size empties nothing");
    small.release();
    assert.equal(pool.take(1_500_000).buffer.buffer, large.buffer.buffer);
  });

  it("gives way to a larger buffer coming back: over the bound, the smallest free ones go", () => {
    const pool = new BodyPool(2_500_000);
    const small = pool.take(600_000);
    small.release();
    const large = pool.take(2_000_000);
    assert.ok(pool.retainedBytes() > 0, "still free while the large body is received");
    large.release();
    assert.ok(pool.retainedBytes() <= 2_500_000);
    assert.equal(pool.take(1_500_000).buffer.buffer, large.buffer.buffer, "the large one is kept");
  });
});

/**
 * POSTs `body` over a real socket with the given Content-Length, or without one
 * (`"chunked"`: node sends it with Transfer-Encoding: chunked), sent in `pieces`.
 */
async function rawPost(
  port: number,
  body: string,
  contentLength: number | "chunked",
  pieces = 1,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/stellarnode/sync",
        headers:
          contentLength === "chunked"
            ? { "content-type": "application/json" }
            : { "content-type": "application/json", "content-length": contentLength },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on("error", reject);
    const bytes = Buffer.from(body);
    const size = Math.ceil(bytes.length / pieces);
    for (let at = 0; at < bytes.length; at += size) request.write(bytes.subarray(at, at + size));
    request.end();
  });
}

describe("hook bodies received into reused buffers (over a socket)", () => {
  const withPad = (name: string, pad: number): string => {
    const request = syncRequest(stellarNode(name), {
      related: [stellarNode(name), stellarNode("b"), stellarNode("c")],
    });
    (request.parent.metadata as Record<string, unknown>)["annotations"] = {
      pad: "y".repeat(pad),
    };
    return JSON.stringify(request);
  };

  it("gives the buffer of a body whose client went away back to the pool", async () => {
    let lent: (size: number) => void = () => undefined;
    let returned: () => void = () => undefined;
    const taken = new Promise<number>((resolve) => (lent = resolve));
    const back = new Promise<void>((resolve) => (returned = resolve));
    class WatchedPool extends BodyPool {
      override take(size: number): { buffer: Buffer; release: () => void } {
        const loan = super.take(size);
        lent(size);
        return {
          buffer: loan.buffer,
          release: () => {
            loan.release();
            returned();
          },
        };
      }
    }
    const pool = new WatchedPool(8 * 1024 * 1024);
    const server = await testServer({}, [], pool);
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (server.app.server.address() as AddressInfo).port;
    try {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(
        "POST /stellarnode/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          "Content-Length: 2000000\r\n\r\n" +
          "x".repeat(1000),
      );
      assert.equal(await taken, 2_000_000, "a buffer of the declared size is lent");
      assert.equal(pool.retainedBytes(), 0);
      socket.destroy();
      // A bound for a failure only: a buffer never given back would be waited for forever.
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([
        back,
        new Promise<never>((_, reject) => {
          bound = setTimeout(() => reject(new Error("the buffer was never given back")), 10_000);
        }),
      ]).finally(() => clearTimeout(bound));
      assert.ok(pool.retainedBytes() >= 2_000_000, "back in the pool, for the next body");
    } finally {
      await server.app.close();
    }
  });

  it("answers a small body sent after a larger one as a fresh server answers it", async () => {
    const large = withPad("a", 300_000);
    const small = withPad("z", 10);
    const server = await testServer();
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (server.app.server.address() as AddressInfo).port;
    try {
      const first = await rawPost(port, large, Buffer.byteLength(large), 7);
      assert.equal(first.status, 200);
      const second = await rawPost(port, small, Buffer.byteLength(small), 3);
      assert.equal(second.status, 200);
      const again = await rawPost(port, small, Buffer.byteLength(small));
      assert.equal(second.text, again.text);
      const alone = await testServer();
      const reference = await alone.app.inject({
        method: "POST",
        url: "/stellarnode/sync",
        headers: { "content-type": "application/json" },
        payload: small,
      });
      await alone.app.close();
      assert.equal(second.text, reference.body);
    } finally {
      await server.app.close();
    }
  });

  it("answers concurrent bodies each with its own answer", async () => {
    const server = await testServer();
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (server.app.server.address() as AddressInfo).port;
    try {
      const bodies = ["a", "b", "c", "d"].map((name, i) => withPad(name, 50_000 * (i + 1)));
      const alone = await Promise.all(
        bodies.map(async (body) => rawPost(port, body, Buffer.byteLength(body), 5)),
      );
      const together = await Promise.all(
        bodies.map(async (body) => rawPost(port, body, Buffer.byteLength(body), 5)),
      );
      for (const [i, reply] of together.entries()) {
        assert.equal(reply.status, 200);
        assert.equal(reply.text, alone[i]?.text);
        assert.match(reply.text, new RegExp(`"name":"${["a", "b", "c", "d"][i]}-peers"`));
      }
    } finally {
      await server.app.close();
    }
  });

  it("answers a chunked body (no Content-Length) as the same body with one, and lends it no buffer", async () => {
    const taken: number[] = [];
    class WatchedPool extends BodyPool {
      override take(size: number): { buffer: Buffer; release: () => void } {
        taken.push(size);
        return super.take(size);
      }
    }
    const server = await testServer({}, [], new WatchedPool(8 * 1024 * 1024));
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (server.app.server.address() as AddressInfo).port;
    try {
      const body = withPad("a", 200_000);
      const chunked = await rawPost(port, body, "chunked", 9);
      assert.deepEqual(taken, [], "no length declared: nothing to size a buffer from");
      const sized = await rawPost(port, body, Buffer.byteLength(body), 9);
      assert.deepEqual(taken, [Buffer.byteLength(body)]);
      assert.equal(chunked.status, 200);
      assert.equal(chunked.text, sized.text);
    } finally {
      await server.app.close();
    }
  });

  it("refuses a chunked body that grows past the body limit with 413", async () => {
    const server = await testServer({ BODY_LIMIT: String(1024 * 1024) });
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (server.app.server.address() as AddressInfo).port;
    try {
      const reply = await rawPost(port, withPad("a", 1024 * 1024 + 10), "chunked", 20);
      assert.equal(reply.status, 413);
      assert.match(reply.text, /body/i);
      const after = await rawPost(port, withPad("a", 10), "chunked", 2);
      assert.equal(after.status, 200, "the server answers the next body");
    } finally {
      await server.app.close();
    }
  });

  it("refuses a body shorter than its Content-Length with 400, as fastify does", async () => {
    const server = await testServer();
    try {
      const body = withPad("a", 10);
      const reply = await server.app.inject({
        method: "POST",
        url: "/stellarnode/sync",
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body) + 5),
        },
        payload: body,
      });
      assert.equal(reply.statusCode, 400);
      assert.match(reply.body, /Content-Length/i);
    } finally {
      await server.app.close();
    }
  });
});
