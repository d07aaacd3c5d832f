// Values keys come from users: a key such as `__proto__` must stay an ordinary key (Helm sees it as one
// and the schema rejects it), never reach an object's prototype.

/** The value of an own property, or undefined. */
export function getOwn(map: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Sets an own, enumerable property, whatever the key (plain assignment to `__proto__` changes the prototype). */
export function setOwn(map: Record<string, unknown>, key: string, value: unknown): void {
  // Object.prototype's only setter is `__proto__`; defineProperty on every key would make each map slow.
  if (key === "__proto__")
    Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}
