// How a large publish is cut into writes. Each write holds whole events with all their deliveries
// (an event is atomic with its fan-out) and at most `recordsMax` records, so that no write
// transaction, and no stretch of the event loop spent building one, grows with the request.

/** Records (an event and each of its deliveries) in one write of a publish: about 15 ms of LMDB work. */
export const PUBLISH_CHUNK_RECORDS = 1_000;

/**
 * Cuts items weighing `weights[i]` records each into consecutive ranges [start, end), in order,
 * each weighing at most `recordsMax`. An item heavier than that on its own makes a range alone:
 * items are never split.
 */
export function chunkRanges(weights: readonly number[], recordsMax: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let weight = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] ?? 0;
    if (i > start && weight + w > recordsMax) {
      ranges.push([start, i]);
      start = i;
      weight = 0;
    }
    weight += w;
  }
  if (weights.length > start) ranges.push([start, weights.length]);
  return ranges;
}
