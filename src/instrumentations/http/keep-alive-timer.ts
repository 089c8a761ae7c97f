/**
 * A kept-alive connection's idle timer, armed again outside the request that armed it.
 *
 * Node's own 'finish' listener of a response arms the connection's keep-alive timer
 * (`socket.setTimeout(server.keepAliveTimeout)`), and a timer keeps the context it was armed in
 * (its AsyncContextFrame on Node.js 24, the async_hooks store on 20 and 22): the request's, with
 * its span's ids (./server-context.ts), until the connection's next request clears it. Under load
 * that is every connection's last request alive through each young-generation collection, about
 * 500 bytes a connection (8.5 KB with wrk's 16, against bare Node.js's 1 KB), which is enough for
 * V8 to grow its young generation from 2 to 8 MB: 12 MB more RSS. Arming the same timer again,
 * with the same duration, in a frame made at the agent's start leaves nothing of the request
 * held, and what fires it (the server's idle-connection handling) finds no request context, as
 * without the agent.
 *
 * Only a timer armed while the response's 'finish' ran is re-armed: its `socket.timeout` (public,
 * what the last setTimeout was given) differs from what it was before and is above 0.
 */
import { outsideEveryContext } from '../../kit/active-context';
import { log } from '../../log';

export interface TimedSocket {
  timeout?: number;
  destroyed?: boolean;
  setTimeout(msecs: number): unknown;
}

function armAgain(socket: TimedSocket): void {
  socket.setTimeout(socket.timeout!);
}

/** Re-arms the socket's timer outside every context if it was armed since `timeoutBefore`. Never throws. */
export function rearmKeepAliveTimer(socket: TimedSocket, timeoutBefore: number | undefined): void {
  const timeout = socket.timeout;
  if (timeout === timeoutBefore || typeof timeout !== 'number' || !(timeout > 0) || socket.destroyed === true) return;
  try {
    outsideEveryContext(armAgain, socket);
  } catch (err) {
    log.errorOnce('OTELI_E_HTTP_KEEP_ALIVE', "re-arming a connection's keep-alive timer failed", err);
  }
}
