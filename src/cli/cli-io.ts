/** Where the CLI writes; tests pass their own streams. */
export interface CliIo {
  /** Results and help text. */
  readonly stdout: NodeJS.WritableStream;
  /** Errors, one line each. */
  readonly stderr: NodeJS.WritableStream;
  /** What `-f -` reads. Default: the process's standard input. */
  readonly stdin?: NodeJS.ReadableStream;
}
