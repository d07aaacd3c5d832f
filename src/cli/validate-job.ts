/** What `spirl-keywrap validate` is asked to check. */
export interface ValidateJob {
  readonly valueFiles: readonly string[];
  readonly set: readonly string[];
  readonly setString: readonly string[];
  readonly format: "text" | "json";
  /** Standard input's bytes, read by the main thread when a `-f -` asks for them. */
  readonly stdin?: Uint8Array;
}

/** What it prints, and its exit code. */
export interface ValidateResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}
