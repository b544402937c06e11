import { v5 as uuidV5, validate } from 'uuid';

/** Namespace of the UUIDs made from the bridge's own call ids (a constant: never change it). */
const BRIDGE_CALL_IDS = '6b1f3c2e-8a4d-5e7f-9c0b-2d4e6f8a0b1c';

/**
 * The call's id in `conference.call-completed` and everywhere downstream, where ids are UUIDs: a
 * bridge's own call id that is a UUID already is kept (lower-cased); any other (`cdr-4711`,
 * `2026-12-01:17`) becomes the UUID v5 of it, so the same bridge call — reported live, imported
 * from a CDR file, or both — always has the same id.
 */
export function eventCallId(bridgeCallId: string): string {
  return validate(bridgeCallId) ? bridgeCallId.toLowerCase() : uuidV5(bridgeCallId, BRIDGE_CALL_IDS);
}
