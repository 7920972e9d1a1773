// One HTTP/1.1 exchange on a raw socket to 127.0.0.1: what a client sees of a response, with nothing
// of fetch in between (no retries, no framing of its own), for bodies far over the server's limits.

import net from "node:net";

export interface RawAnswer {
  /** 0 when the server closed without a status line. */
  status: number;
  /** Status line and headers. */
  head: string;
  body: string;
}

export interface RawBody {
  /** Bytes of body to send (spaces). */
  bytes: number;
  /** Send them as Transfer-Encoding: chunked frames (the head must say so). */
  chunked?: boolean;
}

/** Sends `head` (ending in the blank line) and the body, and reads one response. */
export function rawExchange(
  port: number,
  head: string,
  body: RawBody,
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(received.toString("latin1")));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received.toString("latin1"))) finish();
    });
    socket.on("close", finish);
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // The server may close while we are still sending: what it answered before counts.
      if (error.code === "EPIPE" || error.code === "ECONNRESET") finish();
      else reject(error);
    });
    socket.on("connect", () => {
      socket.write(head);
      pump(socket, body);
    });
  });
}

function pump(socket: net.Socket, body: RawBody): void {
  const piece = Buffer.alloc(16 * 1024, " ");
  const frame = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]);
  /** The next `n` bytes of body as sent: plain, or one chunk (the full-size frame built once). */
  const dataOf = (n: number) => {
    if (!body.chunked) return piece.subarray(0, n);
    return n === piece.length ? frame : chunkOf(n);
  };
  let sent = 0;
  const more = () => {
    while (sent < body.bytes && !socket.destroyed) {
      const n = Math.min(piece.length, body.bytes - sent);
      sent += n;
      if (!socket.write(dataOf(n))) return void socket.once("drain", more);
    }
    if (body.chunked && !socket.destroyed) socket.write("0\r\n\r\n");
  };
  more();
}

function chunkOf(n: number): Buffer {
  return Buffer.from(`${n.toString(16)}\r\n${" ".repeat(n)}\r\n`);
}

function complete(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? Number.NaN);
  return text.length >= end + 4 + length;
}

function parse(text: string): RawAnswer {
  const end = text.indexOf("\r\n\r\n");
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
    head: end < 0 ? text : text.slice(0, end),
    body: end < 0 ? "" : text.slice(end + 4),
  };
}
