// The one statement of what a trust domain name is (the SPIFFE ID spec, §2.1: lowercase letters, digits,
// '.', '-' and '_', at most 255). The values model's `trustDomainServer.trustDomain` (and so the JSON
// Schema, the template checks and `validate`) and src/svid's SPIFFE IDs read it from here.

/** A trust domain name, or empty: in the values, empty means "not set" (the server then refuses to start). */
export const trustDomainPattern = /^[a-z0-9._-]{0,255}$/;
