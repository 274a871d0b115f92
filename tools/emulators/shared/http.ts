import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultDecision } from "./faults.ts";

/** HTTP plumbing both emulators share. What they answer, and how, stays with each. */

/** Starts listening; resolves to `host:port` as a URL carries it (an IPv6 host in brackets). */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.address.includes(":") ? `[${address.address}]` : address.address;
  return `${hostInUrl}:${address.port}`;
}

/** Stops listening and cuts every open connection, keep-alive ones included. */
export async function closeServer(server: Server): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await stopped;
}

/** The whole request body; `tooLarge()` is thrown once it passes `maxBytes`. */
export async function readBody(
  request: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The whole request body up to `maxBytes`; a longer one is read to its end and dropped, so the
 * client still gets an answer (a 4xx) instead of a connection cut while it is still sending.
 */
export async function readBodyOrOverflow(
  request: IncomingMessage,
  maxBytes: number,
): Promise<{ body: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= maxBytes) chunks.push(buffer);
  }
  if (size > maxBytes) return { body: Buffer.alloc(0), tooLarge: true };
  return { body: Buffer.concat(chunks), tooLarge: false };
}

/** Ends the exchange without an answer, as a reset connection looks to the client. */
export function dropConnection(response: ServerResponse): void {
  response.socket?.destroy();
  response.destroy();
}

/** A wait that does not keep the process alive. */
export function pause(ms: number): Promise<void> {
  return sleep(ms, undefined, { ref: false });
}

/**
 * What both emulators do first with a fault decision. The delay is served first: a slow request
 * still takes effect after the client gave up waiting, as a timed-out request to the real
 * service may have, which is what exactly-once delivery has to cope with. Then a request to an
 * emulator closed meanwhile is dropped, and so is one whose failure is `connection_reset`, after
 * `recordReset` has recorded it.
 *
 * @returns whether the request goes on to be answered (by its failure or normally).
 */
export async function serveFaultDelay(
  decision: FaultDecision<{ kind: string }>,
  response: ServerResponse,
  isClosed: () => boolean,
  recordReset: () => void,
): Promise<boolean> {
  if (decision.delayMs > 0) await pause(decision.delayMs);
  if (isClosed()) {
    response.destroy();
    return false;
  }
  if (decision.failure?.kind === "connection_reset") {
    recordReset();
    dropConnection(response);
    return false;
  }
  return true;
}

/** Listens on `port` (0, the default, picks a free one) and `host` (loopback by default). */
export async function startListening<Emulator extends Listener>(
  emulator: Emulator,
  options: { port?: number; host?: string },
): Promise<Emulator> {
  await emulator.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  return emulator;
}

type Listener = { listen(port: number, host: string): Promise<void> };
