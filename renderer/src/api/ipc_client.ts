/**
 * The {@link LabClient} of the desktop app: the API contract over the preload's IPC bridge
 * (`window.skillLab`, main/app/preload.ts). The bridge resolves every request with its response
 * envelope; this client validates it, returns the result or throws the ApiError, and validates
 * pushed event envelopes before its listeners see them — exactly as the WebSocket client does.
 */
import {
  METHOD_NAMES,
  type EventData,
  type EventName,
  type LabClient,
} from '../../../main/api/contract/contract.ts';
import type { SkillLabBridge } from '../../../main/api/contract/bridge.ts';
import { EventHub, resultOf } from './envelopes.ts';

/** Options of {@link createIpcClient}. */
export interface IpcClientOptions {
  /** Told about envelopes that break the contract and listeners that throw. */
  onProtocolError?: (message: string) => void;
}

/** A LabClient over `bridge`; `close()` unsubscribes from its events. */
export function createIpcClient(
  bridge: SkillLabBridge,
  opts: IpcClientOptions = {},
): LabClient & { close(): void } {
  const events = new EventHub((message) => opts.onProtocolError?.(message));
  const unsubscribe = bridge.onEvent((envelope) => events.dispatch(envelope));
  const client: Record<string, unknown> = {
    on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
      return events.on(event, listener);
    },
    close: unsubscribe,
  };
  for (const method of METHOD_NAMES) {
    const call = bridge[method] as (params?: unknown) => Promise<unknown>;
    client[method] = async (params?: unknown) => resultOf(method, await call(params ?? {}));
  }
  return client as unknown as LabClient & { close(): void };
}
