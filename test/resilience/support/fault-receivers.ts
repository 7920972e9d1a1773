// Misbehaving webhook receivers, in the test process, on 127.0.0.1 port 0. Each records when every
// request arrived (performance.now(), so gaps are precise) with the delivery id and attempt number
// the server put in its headers, so that tests can check the retry schedule from the receiving end.

export interface Arrival {
  at: number;
  deliveryId: string;
  eventId: string;
  attempt: number;
}

export interface FaultReceiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** Arrivals of one delivery, in order. */
  of(deliveryId: string): Arrival[];
  stop(): void;
}

function recorder(): { arrivals: Arrival[]; of(id: string): Arrival[] } {
  const arrivals: Arrival[] = [];
  return {
    arrivals,
    of: (id) => arrivals.filter((a) => a.deliveryId === id).sort((a, b) => a.attempt - b.attempt),
  };
}

/** An HTTP receiver answering every webhook request with `respond` (which may never settle). */
export function httpReceiver(
  respond: (request: Request, arrival: Arrival) => Response | Promise<Response>,
): FaultReceiver {
  const rec = recorder();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch(request) {
      const arrival: Arrival = {
        at: performance.now(),
        deliveryId: request.headers.get("x-inbox-delivery-id") ?? "",
        eventId: request.headers.get("x-inbox-event-id") ?? "",
        attempt: Number(request.headers.get("x-inbox-attempt") ?? "0"),
      };
      rec.arrivals.push(arrival);
      return respond(request, arrival);
    },
  });
  return { url: `http://127.0.0.1:${server.port}/hook`, ...rec, stop: () => server.stop(true) };
}

/** Reads the request head, then drops the TCP connection without answering a byte. */
export function resetReceiver(): FaultReceiver {
  const rec = recorder();
  const header = (head: string, name: string) =>
    new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim() ?? "";
  const server = Bun.listen<{ head: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { head: "" };
      },
      data(socket, chunk) {
        socket.data.head += new TextDecoder().decode(chunk);
        if (!socket.data.head.includes("\r\n\r\n")) return;
        rec.arrivals.push({
          at: performance.now(),
          deliveryId: header(socket.data.head, "x-inbox-delivery-id"),
          eventId: header(socket.data.head, "x-inbox-event-id"),
          attempt: Number(header(socket.data.head, "x-inbox-attempt") || "0"),
        });
        socket.data.head = "";
        socket.terminate();
      },
    },
  });
  return { url: `http://127.0.0.1:${server.port}/hook`, ...rec, stop: () => server.stop(true) };
}

/** A body stream of `totalBytes` in 64 KiB chunks, one chunk per `pauseMs`; counts what was pulled. */
export function slowHugeBody(
  totalBytes: number,
  pauseMs: number,
): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= totalBytes) {
        controller.close();
        return;
      }
      if (sent > 0) await Bun.sleep(pauseMs);
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => sent };
}

/** Lower bounds of the gaps between consecutive attempts of one delivery, given the schedule (ms). */
export function scheduleViolations(arrivals: Arrival[], scheduleMs: number[], toleranceMs = 10): string[] {
  const problems: string[] = [];
  for (let i = 1; i < arrivals.length; i++) {
    const gap = arrivals[i]!.at - arrivals[i - 1]!.at;
    const delay = scheduleMs[i] ?? 0;
    if (gap < delay - toleranceMs) {
      problems.push(
        `attempt ${arrivals[i]!.attempt} came ${Math.round(gap)} ms after the previous one, schedule says ${delay}`,
      );
    }
  }
  return problems;
}
