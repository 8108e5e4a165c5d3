// Small helpers for the emulator's plain node:https handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';

export async function readBody(req: IncomingMessage, limitBytes = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `body`: a value to serialize, or JSON already serialized (string or UTF-8 bytes). */
/** Starts a JSON answer (status, headers, its first kilobyte at most) and drops the connection. */
export function sendCut(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, ...headers });
  res.write(body.subarray(0, Math.min(1024, Math.floor(body.length / 2))), () => res.socket?.destroy());
}

/** Sends JSON; with `pauseMs`, a body over 1 KB goes out as its first kilobyte, then the rest that much later. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, pauseMs = 0): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  const bytes = Buffer.from(text);
  if (pauseMs <= 0 || bytes.length <= 1024) {
    res.end(bytes);
    return;
  }
  res.write(bytes.subarray(0, 1024));
  setTimeout(() => res.end(bytes.subarray(1024)), pauseMs);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': 0, ...headers });
  res.end();
}
