/**
 * Planning an operation: turns an Operation into the list of row-level effects it has on a
 * shard, against a StateOverlay (the committed state plus the batch's earlier operations).
 * Planning is deterministic and has no side effect outside the overlay; it throws an
 * RvError when the operation cannot apply (e.g. updating the vector of a missing point),
 * before anything is appended or written.
 */
import { RvError } from '../errors.js';
import type { Filter, PointMatcher } from '../core/filter/index.js';
import type { Payload, PointId } from '../core/types.js';
import type { Operation, PointSelector } from './operations.js';
import { pointKey } from './point-id.js';
import type { StateOverlay } from './point-state.js';
import { setPayloadAtKey } from './payload-update.js';

export type Effect =
  | {
    kind: 'put';
    internalId: number;
    id: PointId;
    payload: Payload | null;
    /** undefined: vector unchanged; null: vector removed; else the new prepared vector. */
    vector: Float32Array | null | undefined;
    previousPayload: Payload | null;
    isNew: boolean;
  }
  | { kind: 'remove'; internalId: number; id: PointId; previousPayload: Payload | null }
  | { kind: 'create_index'; field: string; schema: unknown }
  | { kind: 'drop_index'; field: string };

export interface PlanContext {
  overlay: StateOverlay;
  compile(filter: Filter): PointMatcher;
  /** Validates a payload index schema (throws RV_PAYLOAD_INDEX_INVALID). */
  checkIndexSchema(field: string, schema: unknown): void;
}

function selectIds(selector: PointSelector, context: PlanContext, mustExist: boolean): number[] {
  const { overlay } = context;
  if ('points' in selector) {
    const ids: number[] = [];
    for (const id of selector.points) {
      const internal = overlay.idOf(pointKey(id));
      if (internal !== undefined) ids.push(internal);
      else if (mustExist) throw new RvError('RV_POINT_NOT_FOUND', `No point with id ${id} found`, { details: { id } });
    }
    return [...new Set(ids)];
  }
  const matches = context.compile(selector.filter);
  const ids: number[] = [];
  for (const internal of overlay.liveIds()) {
    const id = overlay.pointIdOf(internal) as PointId;
    if (matches({ id, payload: overlay.payloadOf(internal) ?? {} })) ids.push(internal);
  }
  return ids.sort((a, b) => a - b);
}

function putEffect(context: PlanContext, internalId: number, id: PointId, payload: Payload | null, vector: Float32Array | null | undefined, isNew: boolean): Effect {
  const previousPayload = isNew ? null : context.overlay.payloadOf(internalId);
  context.overlay.put(internalId, id, payload, vector);
  return { kind: 'put', internalId, id, payload, vector, previousPayload, isNew };
}

export function planOperation(op: Operation, context: PlanContext): Effect[] {
  const { overlay } = context;
  const effects: Effect[] = [];
  switch (op.type) {
    case 'upsert': {
      for (const point of op.points) {
        const existing = overlay.idOf(pointKey(point.id));
        const internalId = existing ?? overlay.allocate();
        effects.push(putEffect(context, internalId, point.id, point.payload, point.vector, existing === undefined));
      }
      return effects;
    }
    case 'update_vectors': {
      for (const point of op.points) {
        const internalId = overlay.idOf(pointKey(point.id));
        if (internalId === undefined) throw new RvError('RV_POINT_NOT_FOUND', `No point with id ${point.id} found`, { details: { id: point.id } });
        effects.push(putEffect(context, internalId, point.id, overlay.payloadOf(internalId), point.vector, false));
      }
      return effects;
    }
    case 'delete': {
      for (const internalId of selectIds(op.selector, context, false)) {
        const id = overlay.pointIdOf(internalId) as PointId;
        effects.push({ kind: 'remove', internalId, id, previousPayload: overlay.payloadOf(internalId) });
        overlay.remove(internalId);
      }
      return effects;
    }
    case 'delete_vectors': {
      for (const internalId of selectIds(op.selector, context, false)) {
        const id = overlay.pointIdOf(internalId) as PointId;
        effects.push(putEffect(context, internalId, id, overlay.payloadOf(internalId), null, false));
      }
      return effects;
    }
    case 'set_payload':
    case 'overwrite_payload':
    case 'delete_payload':
    case 'clear_payload': {
      for (const internalId of selectIds(op.selector, context, 'points' in op.selector)) {
        const id = overlay.pointIdOf(internalId) as PointId;
        const current = overlay.payloadOf(internalId) ?? {};
        let next: Payload;
        if (op.type === 'set_payload') next = op.key === undefined ? { ...current, ...structuredClone(op.payload) } : setPayloadAtKey(current, op.key, op.payload);
        else if (op.type === 'overwrite_payload') next = structuredClone(op.payload);
        else if (op.type === 'clear_payload') next = {};
        else {
          next = structuredClone(current);
          for (const key of op.keys) deletePayloadKey(next, key);
        }
        effects.push(putEffect(context, internalId, id, next, undefined, false));
      }
      return effects;
    }
    case 'create_payload_index':
      context.checkIndexSchema(op.field, op.schema);
      return [{ kind: 'create_index', field: op.field, schema: op.schema }];
    case 'delete_payload_index':
      return [{ kind: 'drop_index', field: op.field }];
  }
}

/** Deletes a dotted key path (`a.b.c`) from a payload, in place. */
function deletePayloadKey(payload: Payload, key: string): void {
  const parts = key.split('.');
  let node: unknown = payload;
  for (let i = 0; i < parts.length - 1; i++) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[parts[i]];
  }
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) delete (node as Record<string, unknown>)[parts[parts.length - 1]];
}
