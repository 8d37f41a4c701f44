/**
 * The one LabClient of this renderer. The app sets it at start-up (WebSocket in browser mode, the
 * preload's IPC bridge in Electron); component tests set an in-memory double.
 */
import type { LabClient } from '../../../main/api/contract/contract.ts';

let current: LabClient | null = null;

/** Makes `client` the client every store talks to. */
export function setLabClient(client: LabClient | null): void {
  current = client;
}

/**
 * The client set by {@link setLabClient}.
 * @throws Error when none is set (a programming error: main.ts sets it before mounting).
 */
export function labClient(): LabClient {
  if (!current) throw new Error('no LabClient: call setLabClient() before using the stores');
  return current;
}
