// CPU time of everything a delivery run involves, read before and after: each server replica, the
// receiver, the database server (PostgreSQL; LMDB runs inside the server) and this driver.

import type { BenchStore } from "./bench-store";
import { readCpuSeconds, readSystemCpuSeconds } from "./proc-stats";

export interface CpuMark {
  servers: number[];
  /** Of `servers`: the kernel's share (system time: syscalls such as fsync, network, page faults). */
  serversSystem: number[];
  receiver: number;
  store: number | null;
  driver: NodeJS.CpuUsage;
}

export interface CpuUsed {
  /** Per replica, in replica order. */
  servers: number[];
  /** Sum over replicas. */
  server: number;
  /** Of `server`: system (kernel) time, summed over replicas. */
  serverSystem: number;
  receiver: number;
  /** null for LMDB, whose work is in `server`. */
  store: number | null;
  driver: number;
}

export function cpuNow(serverPids: number[], receiverPid: number, store: BenchStore): CpuMark {
  return {
    servers: serverPids.map((pid) => readCpuSeconds(pid) ?? 0),
    serversSystem: serverPids.map((pid) => readSystemCpuSeconds(pid) ?? 0),
    receiver: readCpuSeconds(receiverPid) ?? 0,
    store: store.cpuSeconds(),
    driver: process.cpuUsage(),
  };
}

/** CPU seconds used since `before`. */
export function cpuSince(
  before: CpuMark,
  serverPids: number[],
  receiverPid: number,
  store: BenchStore,
): CpuUsed {
  const { user, system } = process.cpuUsage(before.driver);
  const servers = serverPids.map((pid, i) => (readCpuSeconds(pid) ?? 0) - (before.servers[i] ?? 0));
  const kernel = serverPids.map(
    (pid, i) => (readSystemCpuSeconds(pid) ?? 0) - (before.serversSystem[i] ?? 0),
  );
  const storeNow = store.cpuSeconds();
  return {
    servers,
    server: servers.reduce((a, b) => a + b, 0),
    serverSystem: kernel.reduce((a, b) => a + b, 0),
    receiver: (readCpuSeconds(receiverPid) ?? 0) - before.receiver,
    store: storeNow !== null && before.store !== null ? storeNow - before.store : null,
    driver: (user + system) / 1e6,
  };
}

/**
 * CPU of every process in the run (servers, PostgreSQL, receiver, driver) per delivery, and the rate at
 * which that would fill all `cores`: the throughput this machine could reach with nothing else running.
 * On a shared machine, steadier than deliveries_per_s, which also measures the neighbours.
 */
export function cpuCeiling(cpu: CpuUsed, deliveries: number, cores: number) {
  if (deliveries <= 0) return { total_cpu_us_per_delivery: null, cpu_bound_deliveries_per_s: null };
  const total = cpu.server + (cpu.store ?? 0) + cpu.receiver + cpu.driver;
  const perDelivery = (total * 1e6) / deliveries;
  return {
    total_cpu_us_per_delivery: Math.round(perDelivery),
    cpu_bound_deliveries_per_s: perDelivery > 0 ? Math.round((cores * 1e6) / perDelivery) : null,
  };
}
