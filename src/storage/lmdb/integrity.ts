// Checks an LMDB data file with plain reads before lmdb maps it. LMDB trusts its file: a page number
// beyond the end of a truncated file is a SIGBUS when touched, a zeroed page read as a tree node a
// SIGSEGV, and a 0-byte file is taken for a new environment. Reading the file here first turns each of
// those into a StoreDamagedError that names what is wrong.
//
// What is checked (cheap, at every start): both meta pages (magic, format version, page size, page
// number); that the file is at least as long as the pages the newest meta records; the root page of
// every database (free list, main, and each named sub-database) is inside the file and is a tree page
// that carries its own page number. Only when the file is shorter than the recorded size, which LMDB
// also leaves when the last pages of a commit were freed before it ended, is every page of the trees
// walked, so that a harmless short tail is told from a truncation. Not checked: the contents of pages
// below the roots (a bit flip inside a leaf is not detected).
//
// Layout: LMDB as built by lmdb-js 3 (mdb.master3) on a 64-bit little-endian machine: a 24-byte page
// header (page number, txnid, pad, flags, lower/upper or overflow page count), the meta after it.

import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { StoreDamagedError } from "../store";

const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const PAGE_HEADER = 24;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const NO_ROOT = 0xffff_ffff_ffff_ffffn;
/** Bytes of the meta after the page header that are read: up to and including boot_id. */
const META_BYTES = 144;
/** Offsets inside a meta and inside a database record (MDB_db, 48 bytes). */
const M_MAGIC = 0;
const M_VERSION = 4;
const M_FREE_DB = 24;
const M_MAIN_DB = 72;
const M_LAST_PAGE = 120;
const M_TXNID = 128;
const M_BOOT_ID = 136;
const DB_PAGE_SIZE = 0; // md_pad of the free database holds the page size
const DB_FLAGS = 4;
const DB_ROOT = 40;
const MDB_OVERLAPPINGSYNC = 0x1000;
const DB_RECORD_BYTES = 48;

/** What a meta page records. */
export interface MetaPage {
  index: 0 | 1;
  txnId: bigint;
  pageSize: number;
  lastPage: bigint;
  freeRoot: bigint;
  mainRoot: bigint;
  bootId: bigint;
  /** The persistent environment flags (md_flags of the free-page database). */
  flags: number;
}

export interface DataFileReport {
  bytes: number;
  pageSize: number;
  /** The newest meta: the committed state lmdb will open. */
  meta: MetaPage;
}

/** Random-access page reads through a file descriptor (never a map, so a short file cannot fault). */
class PageFile {
  readonly pages: bigint;
  private readonly buffer: Buffer;
  constructor(
    private readonly fd: number,
    readonly bytes: number,
    readonly pageSize: number,
  ) {
    this.pages = BigInt(Math.floor(bytes / pageSize));
    this.buffer = Buffer.alloc(pageSize);
  }
  /** The page, or undefined when it lies (partly) beyond the end of the file. The buffer is reused. */
  read(pgno: bigint): Buffer | undefined {
    if (pgno >= this.pages) return undefined;
    const read = readSync(this.fd, this.buffer, 0, this.pageSize, Number(pgno) * this.pageSize);
    return read === this.pageSize ? this.buffer : undefined;
  }
}

/**
 * Checks the data file at `path`, which must exist and be non-empty. Throws StoreDamagedError naming
 * the first problem found; answers what the newest meta page records otherwise. `walkAll` checks every
 * page of every tree whatever the file's length (reads the whole file: for verifying a backup).
 */
export function checkDataFile(path: string, bytes: number, walkAll = false): DataFileReport {
  const fd = openSync(path, "r");
  try {
    const first = readAt(fd, 0, PAGE_HEADER + META_BYTES);
    const meta0 = first ? parseMeta(first, 0) : undefined;
    if (!meta0) throw damaged(path, "the first meta page (page 0) is not a valid LMDB meta page");
    const second = readAt(fd, meta0.pageSize, PAGE_HEADER + META_BYTES);
    if (!second) {
      throw damaged(path, `the file is truncated: ${bytes} bytes, shorter than its two meta pages`);
    }
    const meta1 = parseMeta(second, 1);
    if (!meta1 || meta1.pageSize !== meta0.pageSize) {
      throw damaged(path, "the second meta page (page 1) is not a valid LMDB meta page");
    }
    const file = new PageFile(fd, bytes, meta0.pageSize);
    const meta = pickMeta(meta0, meta1, currentBootId());
    const problem = metaProblem(file, meta, walkAll);
    if (problem !== undefined) throw damaged(path, problem);
    return { bytes, pageSize: file.pageSize, meta };
  } finally {
    closeSync(fd);
  }
}

function damaged(path: string, problem: string): StoreDamagedError {
  return new StoreDamagedError(path, problem);
}

/**
 * The meta LMDB will open, as lmdb-js's mdb_pick_meta chooses it with the flags the store opens with
 * (MDB_OVERLAPPINGSYNC, hence MDB_PREVSNAPSHOT): the newest, unless it was committed with overlapping
 * sync in an earlier boot, when its pages may never have reached the disk and the older one is used.
 * (The half-page "flushed" meta lmdb-js also keeps is never newer than both, so it changes nothing.)
 */
function pickMeta(a: MetaPage, b: MetaPage, bootId: bigint): MetaPage {
  if (b.txnId === 0n) return a;
  const latest = a.txnId >= b.txnId ? a : b;
  if ((latest.bootId !== 0n && latest.bootId === bootId) || (latest.flags & MDB_OVERLAPPINGSYNC) === 0) {
    return latest;
  }
  return a.txnId > b.txnId ? b : a;
}

function readAt(fd: number, position: number, length: number): Buffer | undefined {
  const buffer = Buffer.alloc(length);
  return readSync(fd, buffer, 0, length, position) === length ? buffer : undefined;
}

function parseMeta(page: Buffer, index: 0 | 1): MetaPage | undefined {
  const flags = page.readUInt16LE(18);
  if (page.readBigUInt64LE(0) !== BigInt(index) || (flags & P_META) === 0) return undefined;
  const m = PAGE_HEADER;
  if (page.readUInt32LE(m + M_MAGIC) !== MAGIC) return undefined;
  if ((page.readUInt32LE(m + M_VERSION) & 0xffff) !== DATA_VERSION) return undefined;
  const pageSize = page.readUInt32LE(m + M_FREE_DB + DB_PAGE_SIZE);
  if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  const lastPage = page.readBigUInt64LE(m + M_LAST_PAGE);
  if (lastPage < 1n) return undefined;
  return {
    index,
    txnId: page.readBigUInt64LE(m + M_TXNID),
    pageSize,
    lastPage,
    freeRoot: page.readBigUInt64LE(m + M_FREE_DB + DB_ROOT),
    mainRoot: page.readBigUInt64LE(m + M_MAIN_DB + DB_ROOT),
    bootId: page.readBigInt64LE(m + M_BOOT_ID),
    flags: page.readUInt16LE(m + M_FREE_DB + DB_FLAGS),
  };
}

/** Why the state `meta` records cannot be opened safely from `file`, or undefined when it can. */
function metaProblem(file: PageFile, meta: MetaPage, walkAll = false): string | undefined {
  const recordedBytes = (meta.lastPage + 1n) * BigInt(file.pageSize);
  // Short only by pages freed before their commit ended is harmless; anything else is a truncation.
  const short = BigInt(file.bytes) < recordedBytes;
  const walker = new TreeWalker(file, meta.lastPage, short || walkAll);
  const problem =
    walker.walk(meta.freeRoot, "the free-page list", false) ??
    walker.walk(meta.mainRoot, "the main database");
  if (problem === undefined) return undefined;
  return short
    ? `the file is truncated: ${file.bytes} bytes, but its meta page records ${recordedBytes} (${problem})`
    : problem;
}

/**
 * Visits tree pages from a root. The main database is always walked whole (it holds only the records
 * of the named sub-databases); a sub-database and the free list have only their root checked, unless
 * `deep`, when every page of every tree is checked to lie inside the file.
 */
class TreeWalker {
  private readonly seen = new Set<bigint>();
  constructor(
    private readonly file: PageFile,
    private readonly lastPage: bigint,
    private readonly deep: boolean,
  ) {}

  /** The first problem under `root`, or undefined. */
  walk(root: bigint, what: string, whole = true): string | undefined {
    if (root === NO_ROOT) return undefined;
    const stack: bigint[] = [root];
    while (stack.length > 0) {
      const pgno = stack.pop() as bigint;
      const problem = this.visit(pgno, what, whole || this.deep, stack);
      if (problem !== undefined) return problem;
      if (!whole && !this.deep) return undefined;
    }
    return undefined;
  }

  private visit(pgno: bigint, what: string, descend: boolean, stack: bigint[]): string | undefined {
    const page = this.treePage(pgno, what);
    if (typeof page === "string") return page;
    const flags = page.readUInt16LE(18);
    if (!descend || (flags & P_LEAF2) !== 0) return undefined;
    // Node data is read from the page buffer before it is reused by the reads that follow the refs.
    const refs = pageRefs(page, flags);
    if (refs === undefined) return `page ${pgno} of ${what} has a node outside the page`;
    return this.follow(refs, what, stack);
  }

  /** The tree page `pgno`, or why it is not one. */
  private treePage(pgno: bigint, what: string): Buffer | string {
    if (pgno < 2n || pgno > this.lastPage) return `${what} refers to page ${pgno}, outside the store`;
    if (this.seen.has(pgno)) return `${what} refers to page ${pgno} twice`;
    this.seen.add(pgno);
    const page = this.file.read(pgno);
    if (!page) return `page ${pgno} of ${what} lies beyond the end of the file`;
    const flags = page.readUInt16LE(18);
    if (page.readBigUInt64LE(0) !== pgno || (flags & (P_BRANCH | P_LEAF)) === 0) {
      return `page ${pgno} of ${what} is not a tree page (zeroed or overwritten)`;
    }
    return page;
  }

  /** Queues child pages; checks overflow runs and sub-database roots now. */
  private follow(refs: PageRef[], what: string, stack: bigint[]): string | undefined {
    for (const ref of refs) {
      if (ref.kind === "child") stack.push(ref.pgno);
      else {
        const problem = ref.kind === "overflow" ? this.overflow(ref.pgno, what) : this.subDatabase(ref);
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  }

  /** A sub-database's tree, named by its key when that reads as a name. */
  private subDatabase(ref: PageRef): string | undefined {
    const name = /^[\w.-]+$/.test(ref.key ?? "") ? `sub-database "${ref.key}"` : "a sub-database";
    return this.walk(ref.pgno, name, false);
  }

  /** An overflow run (a large value): its first page must say how many pages follow, all in the file. */
  private overflow(pgno: bigint, what: string): string | undefined {
    if (pgno < 2n || pgno > this.lastPage) return `${what} refers to page ${pgno}, outside the store`;
    const page = this.file.read(pgno);
    if (!page) return `page ${pgno} of ${what} lies beyond the end of the file`;
    if (page.readBigUInt64LE(0) !== pgno || (page.readUInt16LE(18) & P_OVERFLOW) === 0) {
      return `page ${pgno} of ${what} is not an overflow page (zeroed or overwritten)`;
    }
    const end = pgno + BigInt(page.readUInt32LE(20)) - 1n;
    if (end >= this.file.pages) return `pages ${pgno}-${end} of ${what} lie beyond the end of the file`;
    return undefined;
  }
}

interface PageNode {
  flags: number;
  pgno: bigint;
  data: number;
  key: string;
}

interface PageRef {
  kind: "child" | "overflow" | "subdb";
  pgno: bigint;
  key?: string;
}

/** The nodes of a tree page, or undefined when one lies outside the page. */
function pageNodes(page: Buffer): PageNode[] | undefined {
  const keys = page.readUInt16LE(20) >> 1;
  const nodes: PageNode[] = [];
  for (let i = 0; i < keys; i++) {
    const at = page.readUInt16LE(PAGE_HEADER + 2 * i) + PAGE_HEADER;
    if (at + 8 > page.length) return undefined;
    const lo = page.readUInt16LE(at);
    const hi = page.readUInt16LE(at + 2);
    const nodeFlags = page.readUInt16LE(at + 4);
    const keySize = page.readUInt16LE(at + 6);
    const data = at + 8 + keySize;
    const child = BigInt(lo) | (BigInt(hi) << 16n) | (BigInt(nodeFlags) << 32n);
    // Sub-database names are stored NUL-terminated.
    const key = page.toString("latin1", at + 8, Math.min(data, at + 8 + 64, page.length)).replace(/\0+$/, "");
    nodes.push({ flags: nodeFlags, pgno: child, data, key });
  }
  return nodes;
}

/**
 * The pages a tree page refers to: children of a branch page; overflow runs and sub-database roots
 * of a leaf page. Undefined when a node lies outside the page.
 */
function pageRefs(page: Buffer, flags: number): PageRef[] | undefined {
  const nodes = pageNodes(page);
  if (nodes === undefined) return undefined;
  const refs: PageRef[] = [];
  for (const node of nodes) {
    if ((flags & P_BRANCH) !== 0) refs.push({ kind: "child", pgno: node.pgno });
    else if ((node.flags & F_BIGDATA) !== 0) {
      if (node.data + 8 > page.length) return undefined;
      refs.push({ kind: "overflow", pgno: page.readBigUInt64LE(node.data) });
    } else if ((node.flags & F_SUBDATA) !== 0) {
      if (node.data + DB_RECORD_BYTES > page.length) return undefined;
      refs.push({ kind: "subdb", pgno: page.readBigUInt64LE(node.data + DB_ROOT), key: node.key });
    }
  }
  return refs;
}

/** The boot id as lmdb-js reads it (the leading hex digits of /proc's boot_id); 0 when unknown. */
function currentBootId(): bigint {
  try {
    const hex = /^[0-9a-f]+/i.exec(readFileSync("/proc/sys/kernel/random/boot_id", "utf8"))?.[0];
    return hex ? BigInt.asIntN(64, BigInt(`0x${hex}`)) : 0n;
  } catch {
    return 0n;
  }
}
