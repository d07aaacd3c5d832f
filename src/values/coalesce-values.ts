// A port of Helm's chart-value coalescing (pkg/chart/common/util/coalesce.go, v4.3.2; same rules in v3.22)
// for a chart without dependencies: user values win, maps merge, and a user `null` deletes the chart
// default it replaces (a `null` for a key the chart does not have is kept).

import { setOwn } from "./own-property.ts";

type ValuesMap = Record<string, unknown>;

function isMap(value: unknown): value is ValuesMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function cleanNils(map: ValuesMap): void {
  for (const [key, value] of Object.entries(map)) {
    if (value === null) delete map[key];
    else if (isMap(value)) cleanNils(value);
  }
}

function coalesceTables(dst: ValuesMap, src: ValuesMap): void {
  const srcNonNil = new Set(Object.keys(src).filter((key) => src[key] !== null));
  for (const [key, value] of Object.entries(dst)) if (value === null) setOwn(src, key, null);
  for (const [key, value] of Object.entries(src)) {
    const hasKey = Object.hasOwn(dst, key);
    const current = hasKey ? dst[key] : undefined;
    if (hasKey && current === null && srcNonNil.has(key)) delete dst[key];
    else if (!hasKey) setOwn(dst, key, value);
    else if (isMap(value) && isMap(current)) coalesceTables(current, value);
  }
}

/**
 * A copy of `user` deep enough for coalescing to change: the maps on paths the defaults also have maps at.
 * Everything else is shared, not cloned: user values can be large (a 100 MB file, a --set list with an
 * index of 65536 per level) and are never written to.
 */
function copyWhereDefaulted(user: ValuesMap, defaults: ValuesMap): ValuesMap {
  const copy: ValuesMap = {};
  for (const [key, value] of Object.entries(user)) {
    const fallback = Object.hasOwn(defaults, key) ? defaults[key] : undefined;
    setOwn(copy, key, isMap(value) && isMap(fallback) ? copyWhereDefaulted(value, fallback) : value);
  }
  return copy;
}

/** The values Helm renders with: `user` (from -f and --set) coalesced over the chart's defaults. */
export function coalesceValues(chartDefaults: ValuesMap, user: ValuesMap): ValuesMap {
  const defaults = structuredClone(chartDefaults);
  const values = copyWhereDefaulted(user, defaults);
  for (const [key, value] of Object.entries(defaults)) {
    if (Object.hasOwn(values, key)) {
      const current = values[key];
      if (current === null) delete values[key];
      else if (isMap(current) && isMap(value)) {
        cleanNils(value);
        coalesceTables(current, value);
      }
    } else if (value !== null) {
      if (isMap(value)) cleanNils(value);
      setOwn(values, key, value);
    }
  }
  return values;
}
