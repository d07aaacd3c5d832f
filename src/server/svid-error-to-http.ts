import { isSvidError } from "../svid/index.ts";
import { HttpError } from "./http-error.ts";

/** An SVID refusal as the HTTP error the caller gets: its own mistakes keep their code, ours become 500. */
export function svidErrorToHttp(error: unknown): unknown {
  if (!isSvidError(error)) return error;
  switch (error.code) {
    case "AUDIENCE_INVALID":
    case "CSR_INVALID":
    case "CSR_SIGNATURE_INVALID":
    case "CSR_KEY_UNSUPPORTED":
      return new HttpError(error.message, { code: error.code, cause: error });
    default:
      return new HttpError("the signing key cannot sign this SVID", { code: "INTERNAL", cause: error });
  }
}
