// Storage for the development OpenID Provider. oidc-provider's built-in memory adapter keeps one
// store per process, capped at 1000 entries, so several IdPs in one test run would share (and
// evict) each other's sessions; each dev IdP gets its own store instead.

import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** ms since epoch; Infinity when the model has no expiry. */
  expiresAt: number;
}

/** Models whose entries belong to a grant and must disappear when the grant is revoked. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

const SWEEP_EVERY = 500;

export class DevStore {
  readonly entries = new Map<string, Entry>();
  readonly grants = new Map<string, Set<string>>();
  readonly sessionUids = new Map<string, string>();
  readonly userCodes = new Map<string, string>();
  #writes = 0;

  adapterFor(model: string): Adapter {
    return new DevAdapter(this, model);
  }

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    this.entries.set(key, { payload, expiresAt });
    // Expired entries are otherwise only dropped when looked up again, which most never are.
    if (++this.#writes % SWEEP_EVERY === 0) this.sweep();
  }

  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const [grantId, members] of this.grants) {
      for (const key of members) if (!this.entries.has(key)) members.delete(key);
      if (members.size === 0) this.grants.delete(grantId);
    }
    for (const [uid, id] of this.sessionUids) if (!this.entries.has(`Session:${id}`)) this.sessionUids.delete(uid);
    for (const [code, key] of this.userCodes) if (!this.entries.has(key)) this.userCodes.delete(code);
  }
}

class DevAdapter implements Adapter {
  readonly #store: DevStore;
  readonly #model: string;

  constructor(store: DevStore, model: string) {
    this.#store = store;
    this.#model = model;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const store = this.#store;
    store.set(key, payload, expiresIn);
    if (this.#model === 'Session' && typeof payload.uid === 'string') store.sessionUids.set(payload.uid, id);
    if (typeof payload.userCode === 'string') store.userCodes.set(payload.userCode, key);
    if (GRANTABLE.has(this.#model) && payload.grantId) {
      let members = store.grants.get(payload.grantId);
      if (!members) store.grants.set(payload.grantId, (members = new Set()));
      members.add(key);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#store.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.#store.sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.userCodes.get(userCode);
    return key === undefined ? undefined : this.#store.get(key);
  }

  async consume(id: string): Promise<void> {
    const payload = this.#store.get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    const key = this.#key(id);
    const payload = this.#store.get(key);
    this.#store.entries.delete(key);
    if (payload?.grantId) this.#store.grants.get(payload.grantId)?.delete(key);
    if (this.#model === 'Session' && typeof payload?.uid === 'string') this.#store.sessionUids.delete(payload.uid);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const members = this.#store.grants.get(grantId);
    if (!members) return;
    for (const key of members) this.#store.entries.delete(key);
    this.#store.grants.delete(grantId);
  }
}
