/**
 * The SigningKey store: the Trust Domain Server's signing keys as `SigningKey` custom resources
 * (`keywrap.spirl.dev/v1alpha1`, namespaced; CRD in charts/spirl-system/crds), each private key sealed in
 * the issue 9 envelope (src/envelope) under the Managed HSM KEK. The one public face of src/keystore.
 *
 * How the server uses it:
 *
 * ```ts
 * const store = new SigningKeyStore({ kubeConfig: loadKubeConfig(), namespace, trustDomain,
 *   kek: { url, name: keyName, version: keyVersion }, hsm: new ManagedHsmKeyClient({ vaultUrl: url }) });
 * const { keys, failures, resourceVersion } = await store.loadAll();   // open every key at start
 * store.watch({ resourceVersion, signal, onEvent });                    // then follow changes
 * const { record, privateKey } = await store.createKey({ use: "jwt-svid", notBefore, notAfter });
 * await store.createKey({ use: "jwt-svid", follows: record.name, notBefore, notAfter }); // the next one
 * await store.setState(record.name, "active", { from: "prepared" });   // persisted before it signs
 * await store.rewrap();                                                 // after a KEK rotation
 * ```
 *
 * Guarantees:
 * - `loadAll` lists, then opens each record with exactly one HSM decrypt (bounded concurrency). A record
 *   whose KEK provider, HSM or key name differs from the configuration fails the whole load at once
 *   (`PROVIDER_MISMATCH`, naming the resource and both sides); a record on another KEK *version* is normal
 *   and opens with its recorded version. Other refusals are returned per record in `failures`
 *   (`EnvelopeError`: version, alg, context, auth failure per layer, public key; or `KeyStoreError`).
 * - `watch` continues from the list's `resourceVersion`; on 410 Gone it re-lists (`resynced`).
 * - `createKey` generates a P-256 key, seals it and creates `<use>-<n+1>` (n: the sequence of `follows`,
 *   0 without it) before returning it: nothing unsealed or unstored is ever handed out. Racing creators
 *   that know the same newest key collide on that deterministic name; the API server admits one create,
 *   the others re-read and return the winner's key (`created: false`), so the first key of a use (or any
 *   next one) exists once.
 *   A new key is `prepared` (no status yet); `setState` moves it to `active`, then `retired`.
 * - Every update carries the resourceVersion it read; a 409 is re-read, never overwritten (`setState`
 *   re-applies only if the record is still in `from`; otherwise `KEYSTORE_CONFLICT`).
 * - `rewrap` moves every record to the target KEK version (pinned `version`, else the latest): unwrap with
 *   the recorded version, wrap with the target, prove the new envelope opens, patch `spec.envelope` alone
 *   with the resourceVersion precondition. A kill at any step leaves every record openable; running it
 *   again, or twice at once, is safe; a record deleted meanwhile is `gone`, and one unexpected error stops
 *   the run from starting further records.
 * - Every HSM call runs inside a per-record deadline (`hsmTimeoutMs`) with the HSM client's retry policy,
 *   and each `loadAll`, `verify` or `rewrap` inside one deadline for the whole run (`timeoutMs`), so a slow
 *   HSM cannot stretch a start over thousands of records.
 */
export {
  isKeyStoreError,
  KeyStoreError,
  type KeyStoreErrorCode,
  type KeyStoreErrorOptions,
} from "./keystore-error.ts";
export { defaultNamespace, loadKubeConfig } from "./kube-context.ts";
export {
  type KeyState,
  type KeyUse,
  labels,
  recordSequence,
  type SigningKeyRecord,
  type SigningKeyResource,
  type SigningKeySpec,
  sequenceOf,
  signingKeyCrd,
} from "./signing-key-resource.ts";
export {
  type CreatedKey,
  type CreateKeyOptions,
  type LoadedKeys,
  type LoadFailure,
  listSigningKeys,
  type OpenedKey,
  type RewrapOptions,
  type RewrapOutcome,
  type RewrapReport,
  type SigningKeyEvent,
  SigningKeyStore,
  type SigningKeyStoreOptions,
  type StoreHsm,
} from "./signing-key-store.ts";
