import { ValidationError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { JSON_BODY_MAX_BYTES, readBounded, readJsonObject, rejectUnknownFields } from "./json-body";

const post = (body: string, type: string | null = "application/json") =>
  new Request("http://x/", {
    method: "POST",
    body,
    headers: type === null ? {} : { "Content-Type": type },
  });

async function fieldOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("readJsonObject", () => {
  it("reads a JSON object, with or without a charset parameter", async () => {
    expect(await readJsonObject(post('{"a":1}'))).toEqual({ a: 1 });
    expect(await readJsonObject(post('{"a":1}', "application/json; charset=utf-8"))).toEqual({
      a: 1,
    });
  });

  it("names Content-Type when the body is not declared as JSON", async () => {
    expect(await fieldOf(readJsonObject(post('{"a":1}', "text/plain")))).toBe("Content-Type");
    expect(await fieldOf(readJsonObject(post("a=1", "application/x-www-form-urlencoded")))).toBe(
      "Content-Type",
    );
  });

  it("names body for malformed JSON, an empty body, and JSON that is not an object", async () => {
    for (const text of ["{", "", "[1]", "null", '"x"', "3", "{'a':1}"]) {
      expect(await fieldOf(readJsonObject(post(text)))).toBe("body");
    }
  });

  it("refuses bodies over the size bound with 413", async () => {
    const big = JSON.stringify({ description: "x".repeat(JSON_BODY_MAX_BYTES) });
    await expect(readJsonObject(post(big))).rejects.toMatchObject({
      status: 413,
      code: "BODY_TOO_LARGE",
    });
  });
});

describe("rejectUnknownFields", () => {
  it("names the first unknown field and lists the allowed ones", () => {
    expect(() => rejectUnknownFields({ name: 1, strat: 2 }, ["name", "start"])).toThrow(
      /unknown field "strat": allowed are name, start/,
    );
    expect(() => rejectUnknownFields({ name: 1 }, ["name"])).not.toThrow();
  });
});

describe("readBounded", () => {
  it("stops reading a stream at the first chunk past the limit (413) and cancels the rest", async () => {
    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(4096);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readBounded(endless, JSON_BODY_MAX_BYTES)).rejects.toMatchObject({
      status: 413,
      code: "BODY_TOO_LARGE",
    });
    // 16 KiB in 4 KiB chunks: the fifth chunk crosses the limit; the stream's queue may hold one more.
    expect(pulled).toBeLessThanOrEqual(JSON_BODY_MAX_BYTES / chunk.byteLength + 2);
    await new Promise((r) => setTimeout(r, 0));
    expect(cancelled).toBe(true);
  });

  it("joins the chunks of a body within the limit", async () => {
    const parts = [new Uint8Array([123, 34]), new Uint8Array([97, 34, 58, 49, 125])];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of parts) controller.enqueue(p);
        controller.close();
      },
    });
    expect(new TextDecoder().decode(await readBounded(stream, 100))).toBe('{"a":1}');
    expect((await readBounded(null, 100)).byteLength).toBe(0);
  });
});
