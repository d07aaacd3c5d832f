/** Why a value was rejected; stable strings for scripts reading `--format json`. */
export type FindingCode =
  | "unknown-key"
  | "missing"
  | "wrong-type"
  | "invalid-format"
  | "not-allowed"
  | "too-long"
  | "out-of-range";

/** Where the offending value (or key) was written. */
export type FindingSource =
  | {
      /** A values file: the chart's own values.yaml or a `-f` file, as given. */
      readonly kind: "file";
      readonly file: string;
      /** 1-based. */
      readonly line: number;
      /** 1-based. */
      readonly col: number;
    }
  | {
      /** A `--set` or `--set-string` flag. */
      readonly kind: "flag";
      readonly flag: "--set" | "--set-string";
      /** The flag's argument, e.g. `azure.keyVault.url=https://…`. */
      readonly argument: string;
    };

/** One problem with the final values. Data only: formatting lives in format-findings.ts. */
export interface Finding {
  readonly code: FindingCode;
  /** Keys from the root, e.g. ["azure", "keyVault", "url"]. */
  readonly path: readonly string[];
  /** `<what is wrong>; expected <what>; got <what>[; <hint>]`, without the path. */
  readonly message: string;
  /** Unknown when the value came from nowhere we can point at. */
  readonly source?: FindingSource;
}
