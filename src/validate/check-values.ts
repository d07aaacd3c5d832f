import { type AssembleValuesOptions, assembleValues } from "../values/index.ts";
import type { Finding } from "./finding.ts";
import { locateValues } from "./locate-value.ts";
import { validateValues } from "./validate-values.ts";

/**
 * Assembles values as `helm install` would (chart defaults, -f files, --set, --set-string) and judges
 * them with the values model; every finding points at the file position or flag that set the value.
 * Throws ValuesError when an input cannot be read.
 */
export async function checkValues(options: AssembleValuesOptions = {}): Promise<Finding[]> {
  const { values, layers } = await assembleValues(options);
  return validateValues(values, (requests) => locateValues(layers, requests));
}
