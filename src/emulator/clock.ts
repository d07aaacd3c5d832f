/** The instants emulator time may take: what JWT claims, Key Vault attributes and ISO 8601 all represent. */
const earliestMs = 0;
const latestMs = Date.parse("9999-12-31T23:59:59.999Z");

/** Emulator time: the wall clock plus an offset tests move, so `nbf`, `exp` and token lifetimes can be crossed on demand. */
export class Clock {
  #offsetMs = 0;

  /** Milliseconds since the epoch, as the emulated services see them. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Whole Unix seconds, the unit of Key Vault attributes and JWT claims. */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Moves emulator time by `seconds` (negative goes back); throws `RangeError`, changing nothing, past 1970 or 9999. */
  advance(seconds: number): void {
    const offsetMs = this.#offsetMs + seconds * 1000;
    checkInRange(Date.now() + offsetMs);
    this.#offsetMs = offsetMs;
  }

  /** Sets emulator time to an absolute instant; throws `RangeError`, changing nothing, outside 1970..9999. */
  set(epochMs: number): void {
    checkInRange(epochMs);
    this.#offsetMs = epochMs - Date.now();
  }

  /** How far emulator time is from the wall clock, in seconds. */
  offsetSeconds(): number {
    return this.#offsetMs / 1000;
  }
}

function checkInRange(epochMs: number): void {
  if (!(epochMs >= earliestMs && epochMs <= latestMs))
    throw new RangeError(
      `emulator time must stay within 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z; got ${epochMs} ms since the epoch`,
    );
}
