/**
 * What both transports of the renderer's LabClient (WebSocket in browser mode, the preload's IPC
 * bridge in the app) do with what they receive: validate event envelopes and hand them to the
 * listeners of that event, and turn a response envelope into a result or an ApiError.
 */
import {
  ApiError,
  EVENTS,
  eventEnvelopeSchema,
  parseResult,
  responseEnvelopeSchema,
  type EventData,
  type EventName,
  type MethodName,
} from '../../../main/api/contract/contract.ts';

/** Listeners per event, fed with validated event envelopes. */
export class EventHub {
  private readonly listeners = new Map<EventName, Set<(data: never) => void>>();

  /** @param protocolError told about envelopes that break the contract and listeners that throw */
  constructor(private readonly protocolError: (message: string) => void) {}

  /** Subscribes; returns the function that unsubscribes. @throws Error for an unknown event. */
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    if (!(event in EVENTS)) throw new Error(`unknown event "${event}"`);
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (data: never) => void);
    return () => set.delete(listener as (data: never) => void);
  }

  /** Validates an event envelope and calls its listeners. */
  dispatch(raw: unknown): void {
    const parsed = eventEnvelopeSchema.safeParse(raw);
    if (!parsed.success) {
      this.protocolError(`event does not match the contract: ${parsed.error.message}`);
      return;
    }
    for (const listener of this.listeners.get(parsed.data.event) ?? []) {
      try {
        (listener as (d: unknown) => void)(parsed.data.data);
      } catch (err) {
        // One broken listener must not starve the others of events.
        this.protocolError(`listener of ${parsed.data.event} threw: ${String(err)}`);
      }
    }
  }
}

/**
 * The result a response envelope carries for `method`, validated against the contract.
 * @throws ApiError for an error response, or for a response or result that breaks the contract.
 */
export function resultOf(method: MethodName, raw: unknown): unknown {
  const parsed = responseEnvelopeSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ApiError(
      'internal',
      `${method}: response does not match the contract: ${parsed.error.message}`,
    );
  }
  if (!parsed.data.ok) throw ApiError.fromPayload(parsed.data.error);
  const result = parseResult(method, parsed.data.result);
  if (!result.ok) throw ApiError.fromPayload(result.error);
  return result.result;
}
