/**
 * The {@link LabClient} of browser mode: the API contract over one WebSocket
 * (`ws://<host>/ws?token=…`). Every request gets an id and a promise; responses and pushed events are
 * validated against the contract's schemas before anyone sees them. A dropped connection fails the
 * requests in flight (the service may or may not have run them, so they are not re-sent) and is
 * re-opened with exponential backoff; requests made while it is down wait for the next connection.
 */
import {
  ApiError,
  METHOD_NAMES,
  responseEnvelopeSchema,
  type EventData,
  type EventName,
  type LabClient,
  type MethodName,
} from '../../../main/api/contract/contract.ts';
import { EventHub, resultOf } from './envelopes.ts';

/** The parts of the browser's WebSocket this client uses (tests pass a fake constructor). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** Options of {@link createWsClient}. */
export interface WsClientOptions {
  /** Full ws:// URL including the token. */
  url: string;
  /** Socket factory; default the global WebSocket. */
  connect?: (url: string) => SocketLike;
  /** First reconnect delay (ms), doubled per failed attempt up to {@link maxDelayMs}. Default 250. */
  baseDelayMs?: number;
  /** Longest reconnect delay (ms). Default 8000. */
  maxDelayMs?: number;
  /** Called when the connection opens or drops, for a status indicator. */
  onConnectionChange?: (connected: boolean) => void;
  /** Called with messages that do not match the contract (they are dropped). */
  onProtocolError?: (message: string) => void;
}

/** A {@link LabClient} that can also be shut down. */
export interface WsLabClient extends LabClient {
  /** Whether the socket is open now. */
  readonly connected: boolean;
  /** Closes the socket for good and fails pending requests. */
  close(): void;
}

/** The WebSocket URL of the server that served this page, carrying `token`. */
export function defaultWsUrl(token: string, loc: { protocol: string; host: string } = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`;
}

const OPEN = 1;

interface Pending {
  method: MethodName;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Opens the connection and returns the client; see the module comment for its behaviour. */
export function createWsClient(opts: WsClientOptions): WsLabClient {
  const connect = opts.connect ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const baseDelay = opts.baseDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 8000;
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: SocketLike | null = null;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const protocolError = (message: string) => opts.onProtocolError?.(message);
  const events = new EventHub(protocolError);

  const failPending = (why: string) => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new ApiError('internal', `${p.method}: ${why}`));
    }
  };

  const dispatch = (raw: unknown) => {
    if (raw && typeof raw === 'object' && 'event' in raw) return events.dispatch(raw);
    const id = (raw as { id?: unknown } | null)?.id;
    const entry = typeof id === 'number' ? pending.get(id) : undefined;
    if (!entry) {
      const parsed = responseEnvelopeSchema.safeParse(raw);
      if (!parsed.success) protocolError(`response does not match the contract: ${parsed.error.message}`);
      else if (!parsed.data.ok)
        protocolError(`error without a pending request: ${parsed.data.error.message}`);
      return;
    }
    pending.delete(id as number);
    try {
      entry.resolve(resultOf(entry.method, raw));
    } catch (err) {
      entry.reject(err);
    }
  };

  const open = () => {
    timer = null;
    if (closed) return;
    const ws = connect(opts.url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      opts.onConnectionChange?.(true);
      while (queue.length > 0 && ws.readyState === OPEN) ws.send(queue.shift()!);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return protocolError('binary frame ignored');
      let raw: unknown;
      try {
        raw = JSON.parse(ev.data);
      } catch {
        return protocolError('a frame that is not JSON');
      }
      dispatch(raw);
    };
    ws.onerror = () => {
      // The close event follows and does the work.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      opts.onConnectionChange?.(false);
      failPending('the connection to the lab server was lost');
      if (closed) return;
      const delay = Math.min(maxDelay, baseDelay * 2 ** attempt);
      attempt++;
      timer = setTimeout(open, delay);
    };
  };

  const request = (method: MethodName, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new ApiError('internal', `${method}: the client is closed`));
      const id = nextId++;
      pending.set(id, { method, resolve, reject });
      const frame = JSON.stringify({ id, method, params: params ?? {} });
      if (socket && socket.readyState === OPEN) socket.send(frame);
      else queue.push(frame);
    });

  const client = {
    get connected() {
      return socket !== null && socket.readyState === OPEN;
    },
    on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
      return events.on(event, listener);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const ws = socket;
      socket = null;
      ws?.close(1000, 'client closed');
      failPending('the client was closed');
      queue.length = 0;
    },
  } as Record<string, unknown>;
  for (const method of METHOD_NAMES) client[method] = (params?: unknown) => request(method, params);
  open();
  return client as unknown as WsLabClient;
}
