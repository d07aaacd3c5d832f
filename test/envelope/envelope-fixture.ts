import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { beforeAll } from "vitest";
import { type Envelope, type PublicJwk, sealPrivateKey } from "../../src/envelope/index.ts";
import type { HsmKey, ManagedHsmKeyClient } from "../../src/hsm/index.ts";
import { type TestEmulator, useEmulator } from "../helpers/emulator.ts";
import { emulatorVaultUrl, hsmClientInProcess, keyAdminInProcess } from "../helpers/hsm-in-process.ts";

/** A sealed test record and where it lives. */
export interface SealedRecord {
  readonly privateKey: KeyObject;
  readonly envelope: Envelope;
  readonly location: {
    trustDomain: string;
    namespace: string;
    name: string;
    keyId: string;
    use: string;
    publicKey: PublicJwk;
  };
}

/** One emulator with one KEK per test file, an in-process HSM client, and a way to seal records. */
export function useEnvelopeFixture(kekName: string) {
  const emulator: TestEmulator = useEmulator();
  const state = {} as { hsm: ManagedHsmKeyClient; kek: HsmKey };
  beforeAll(async () => {
    await keyAdminInProcess(emulator).createKey(kekName, "oct-HSM");
    state.hsm = hsmClientInProcess(emulator);
    state.kek = await state.hsm.getKey(kekName);
  });
  const fixture = {
    emulator,
    get hsm() {
      return state.hsm;
    },
    get kek() {
      return state.kek;
    },
    get kekConfig() {
      return { url: emulatorVaultUrl(emulator), name: kekName };
    },
    async seal(name = "jwt-svid-1", namespace = "spirl"): Promise<SealedRecord> {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const where = { trustDomain: "example.org", namespace, name, keyId: `kid-${name}`, use: "jwt-svid" };
      const sealed = await sealPrivateKey({
        privateKey,
        location: where,
        kekConfig: fixture.kekConfig,
        kek: state.kek,
        hsm: state.hsm,
      });
      return { privateKey, envelope: sealed.envelope, location: { ...where, publicKey: sealed.publicKey } };
    },
  };
  return fixture;
}
