import { describe, expect, it } from "vitest";
import { SingleFlight } from "./single-flight";

describe("SingleFlight", () => {
  it("runs the work once for callers that ask while it is in flight, again once it is done", async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const work = async () => {
      runs++;
      await gate;
      return runs;
    };
    const answers = Promise.all(Array.from({ length: 10 }, () => flight.run("a", work)));
    expect(flight.size).toBe(1);
    release();
    expect(await answers).toEqual(Array(10).fill(1));
    expect(flight.size).toBe(0);
    expect(await flight.run("a", work)).toBe(2);
  });

  it("keeps keys apart and shares a failure with every waiting caller, then retries", async () => {
    const flight = new SingleFlight<string>();
    let fail = true;
    const work = async () => {
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error("store down");
      return "ok";
    };
    const both = [flight.run("a", work), flight.run("a", work), flight.run("b", async () => "b")];
    const settled = await Promise.allSettled(both);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    fail = false;
    expect(await flight.run("a", work)).toBe("ok");
  });
});
