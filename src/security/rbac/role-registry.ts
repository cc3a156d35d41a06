/**
 * Every role the node knows: the built-ins, roles from the config's roles file (read-only at
 * run time) and roles managed through the admin API (persisted in `<data>/.auth/roles.json`).
 * Names are unique across the three; built-ins and config roles cannot be changed through the
 * API. Every change bumps `version`, which invalidates the authorizer's decision cache.
 *
 * In a cluster the API-managed roles are replicated through the metadata bucket
 * (cluster/security-sync.ts): `onManagedChange` reports a put or delete made on this node,
 * `applyReplicated` takes one made on another (the last write wins, in the bucket's order).
 */
import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RvError } from '../../errors.js';
import { readFileIfExists, writeFileAtomic } from '../../storage/index.js';
import { BUILTIN_ROLES, BUILTIN_ROLE_NAMES, parseRole, type Role } from './role.js';

/** Most custom roles (config plus API); the floor is 100. */
export const MAX_ROLES = 10_000;

interface RolesFile {
  version: 1;
  roles: Role[];
  /** API-managed changes made here and not yet confirmed replicated (cluster): name → change number. */
  unpublished?: Record<string, number>;
}

export class RoleRegistry {
  private readonly roles = new Map<string, Role>();
  private readonly configured = new Set<string>();
  private managed: Role[] = [];
  private changeVersion = 0;
  private readonly listeners: (() => void)[] = [];
  private readonly managedListeners: ((name: string, role: Role | undefined, change: number) => void)[] = [];
  /** Local changes not yet confirmed replicated: name → change number (persisted with the roles). */
  private unpublished = new Map<string, number>();
  private lastChange = 0;
  /** Changes run one at a time (each reads, persists, then swaps `managed`). */
  private changing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly file: string | undefined) {
    for (const role of BUILTIN_ROLES) this.roles.set(role.name, role);
  }

  /**
   * Loads roles: `configRoles` (already parsed from the config's roles file) and the managed
   * roles file, when a path is given (none: API changes live in memory only, for tests).
   */
  static async open(options: { file?: string; configRoles?: unknown[] }): Promise<RoleRegistry> {
    const registry = new RoleRegistry(options.file);
    for (const [i, input] of (options.configRoles ?? []).entries()) {
      const role = parseRole(input, `roles[${i}]`);
      registry.assertNewName(role.name, `roles[${i}].name`);
      registry.roles.set(role.name, role);
      registry.configured.add(role.name);
    }
    if (options.file !== undefined) {
      const text = await readFileIfExists(options.file);
      if (text !== undefined) {
        let parsed: RolesFile;
        try {
          parsed = JSON.parse(text) as RolesFile;
        } catch (cause) {
          throw new RvError('RV_STORAGE_CORRUPTED', `${options.file} is not valid JSON`, { cause, details: { file: options.file } });
        }
        if (parsed.version !== 1 || !Array.isArray(parsed.roles)) throw new RvError('RV_STORAGE_CORRUPTED', `${options.file} is not a roles file (version 1)`, { details: { file: options.file } });
        for (const [i, input] of parsed.roles.entries()) {
          const role = parseRole(input, `${options.file}: roles[${i}]`);
          registry.assertNewName(role.name, `roles[${i}].name`);
          registry.roles.set(role.name, role);
          registry.managed.push(role);
        }
        for (const [name, change] of Object.entries(parsed.unpublished ?? {})) {
          if (typeof change === 'number' && Number.isSafeInteger(change)) {
            registry.unpublished.set(name, change);
            registry.lastChange = Math.max(registry.lastChange, change);
          }
        }
      }
    }
    return registry;
  }

  /** Bumped on every change; part of every cached decision's key. */
  get version(): number {
    return this.changeVersion;
  }

  get(name: string): Role | undefined {
    return this.roles.get(name);
  }

  has(name: string): boolean {
    return this.roles.has(name);
  }

  list(): (Role & { source: 'builtin' | 'config' | 'api' })[] {
    return [...this.roles.values()].map((role) => ({
      ...role,
      source: BUILTIN_ROLE_NAMES.has(role.name) ? 'builtin' as const : this.configured.has(role.name) ? 'config' as const : 'api' as const,
    }));
  }

  /** Calls `listener` after every change (the authorizer clears its cache). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Calls `listener` after a put (role) or delete (undefined) of an API-managed role made on
   * this node, with the change's number; until `markPublished(name, change)`, the change is
   * kept as unpublished (across restarts) and wins over a replicated version of that role.
   */
  onManagedChange(listener: (name: string, role: Role | undefined, change: number) => void): void {
    this.managedListeners.push(listener);
  }

  /** Local changes not yet confirmed replicated: [name, role or undefined (deleted), change number]. */
  unpublishedChanges(): [string, Role | undefined, number][] {
    return [...this.unpublished].map(([name, change]) => [name, this.managed.find((r) => r.name === name), change]);
  }

  /** The change `change` of role `name` reached the cluster (a later change of it stays unpublished). */
  async markPublished(name: string, change: number): Promise<void> {
    return this.serially(async () => {
      if (this.unpublished.get(name) !== change) return;
      const unpublished = new Map(this.unpublished);
      unpublished.delete(name);
      await this.persist(this.managed, unpublished);
      this.unpublished = unpublished;
    });
  }

  /** The API-managed roles (replicated in a cluster). */
  managedRoles(): Role[] {
    return [...this.managed];
  }

  /**
   * Puts (role) and deletes (undefined) of API-managed roles made on other nodes, in order,
   * with one write of the roles file. A name that is built in or comes from this node's roles
   * file is left alone (local configuration wins over the cluster), and so is one with a local
   * change not yet published (it is published instead). Returns how many changed.
   */
  async applyReplicated(changes: readonly (readonly [string, unknown])[]): Promise<number> {
    return this.serially(() => this.applyReplicatedNow(changes));
  }

  private async applyReplicatedNow(changes: readonly (readonly [string, unknown])[]): Promise<number> {
    const managed = new Map(this.managed.map((r) => [r.name, r]));
    let changed = 0;
    for (const [name, input] of changes) {
      if (BUILTIN_ROLE_NAMES.has(name) || this.configured.has(name) || this.unpublished.has(name)) continue;
      const role = input === undefined ? undefined : parseRole(input, `replicated role ${JSON.stringify(name)}`);
      if (role !== undefined && role.name !== name) throw new RvError('RV_INVALID_ARGUMENT', `replicated role ${JSON.stringify(name)} carries the name ${JSON.stringify(role.name)}`, { details: { field: 'name' } });
      const current = managed.get(name);
      if (role === undefined ? current === undefined : JSON.stringify(current) === JSON.stringify(role)) continue;
      if (role === undefined) managed.delete(name);
      else managed.set(name, role);
      changed++;
    }
    if (changed === 0) return 0;
    const next = [...managed.values()];
    await this.persist(next, this.unpublished);
    for (const role of this.managed) if (!managed.has(role.name)) this.roles.delete(role.name);
    for (const role of next) this.roles.set(role.name, role);
    this.managed = next;
    this.changed();
    return changed;
  }

  /** Creates or replaces an API-managed role; returns whether it was created. */
  async put(input: unknown): Promise<{ role: Role; created: boolean }> {
    return this.serially(() => this.putNow(input));
  }

  private async putNow(input: unknown): Promise<{ role: Role; created: boolean }> {
    const role = parseRole(input, 'role');
    this.assertManaged(role.name);
    const created = !this.roles.has(role.name);
    if (created && this.roles.size - BUILTIN_ROLES.length >= MAX_ROLES) {
      throw new RvError('RV_LIMIT_EXCEEDED', `at most ${MAX_ROLES} custom roles; delete one first`, { details: { field: 'name', limit: MAX_ROLES } });
    }
    const managed = [...this.managed.filter((r) => r.name !== role.name), role];
    const change = this.lastChange + 1;
    const unpublished = new Map(this.unpublished).set(role.name, change);
    await this.persist(managed, unpublished);
    this.managed = managed;
    this.unpublished = unpublished;
    this.lastChange = change;
    this.roles.set(role.name, role);
    this.changed();
    for (const listener of this.managedListeners) listener(role.name, role, change);
    return { role, created };
  }

  /** Deletes an API-managed role; false when there is none of that name. */
  async delete(name: string): Promise<boolean> {
    return this.serially(() => this.deleteNow(name));
  }

  private async deleteNow(name: string): Promise<boolean> {
    if (!this.roles.has(name)) return false;
    this.assertManaged(name);
    const managed = this.managed.filter((r) => r.name !== name);
    const change = this.lastChange + 1;
    const unpublished = new Map(this.unpublished).set(name, change);
    await this.persist(managed, unpublished);
    this.managed = managed;
    this.unpublished = unpublished;
    this.lastChange = change;
    this.roles.delete(name);
    this.changed();
    for (const listener of this.managedListeners) listener(name, undefined, change);
    return true;
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changing.then(change);
    this.changing = run.catch(() => undefined);
    return run;
  }

  private assertNewName(name: string, field: string): void {
    if (this.roles.has(name)) throw new RvError('RV_INVALID_ARGUMENT', `${field}: role "${name}" is defined twice (or shadows a built-in role)`, { details: { field } });
  }

  private assertManaged(name: string): void {
    if (BUILTIN_ROLE_NAMES.has(name)) throw new RvError('RV_AUTH_FORBIDDEN', `role "${name}" is built in and cannot be changed`, { details: { field: 'name' } });
    if (this.configured.has(name)) throw new RvError('RV_AUTH_FORBIDDEN', `role "${name}" comes from the config's roles file; change it there`, { details: { field: 'name' } });
  }

  private async persist(roles: Role[], unpublished: ReadonlyMap<string, number>): Promise<void> {
    if (this.file === undefined) return;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await chmod(dirname(this.file), 0o700);
    const body: RolesFile = { version: 1, roles, ...(unpublished.size === 0 ? {} : { unpublished: Object.fromEntries(unpublished) }) };
    await writeFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`);
  }

  private changed(): void {
    this.changeVersion++;
    for (const listener of this.listeners) listener();
  }
}
