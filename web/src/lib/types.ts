// AG-UI events as they arrive on the wire, typed by @ag-ui/core. appgen's own payloads (the
// state, CUSTOM event values, API bodies) are in contract.ts, generated from the Rust types.

import type { Event } from "@ag-ui/core";

/**
 * One AG-UI event as JSON: @ag-ui/core's event types with `type` as the string the wire
 * carries (its `EventType` enum is a TypeScript enum, which a JSON string literal is not).
 */
export type AgUiEvent = Event extends infer E
  ? E extends { type: infer T extends string }
    ? Omit<E, "type"> & { type: `${T}` }
    : never
  : never;

/** The event of one `type`, e.g. `AgUiEventOf<"RUN_FINISHED">`. */
export type AgUiEventOf<T extends AgUiEvent["type"]> = Extract<AgUiEvent, { type: T }>;
