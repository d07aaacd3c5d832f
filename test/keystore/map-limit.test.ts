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
