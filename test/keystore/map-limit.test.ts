import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { mapLimit } from "../../src/keystore/map-limit.ts";

it("keeps order and never runs more than the limit at once", async () => {
  let running = 0;
  let most = 0;
  const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (value) => {
    running++;
    most = Math.max(most, running);
    await sleep(value);
    running--;
    return value * 10;
  });
  expect(results).toEqual([50, 10, 40, 20, 30, 0]);
  expect(most).toBe(2);
});

it("starts no further item once one throws, and rejects only after those in flight finished", async () => {
  const started: number[] = [];
  let inFlight = 0;
  const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (value) => {
    started.push(value);
    inFlight++;
    // Item 0 fails at once; item 1 is still running then and must finish before the rejection.
    await sleep(value === 0 ? 0 : 20);
    inFlight--;
    if (value === 0) throw new Error("item 0 failed");
    return value;
  });
  await expect(run).rejects.toThrow("item 0 failed");
  expect(started).toEqual([0, 1]);
  expect(inFlight).toBe(0);
});
