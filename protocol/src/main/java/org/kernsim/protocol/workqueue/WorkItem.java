package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/**
 * A {@code work_struct} as queued: its identity and what its function does when a worker runs it.
 *
 * @param id unique in a run (the queuing entity in the high 32 bits, a counter below)
 * @param kind what the function is
 * @param cpuNanos CPU time the function spends before it sleeps (or in total, if it does not)
 * @param sleepNanos how long the function blocks (I/O, a mutex...); 0 if it never sleeps
 * @param cpuNanos2 CPU time after the sleep
 * @param cullPool for {@link WorkKind#IDLE_CULL}: the pool whose {@code idle_cull_fn} this is
 * @param owner the entity that holds the item's PENDING bit (told when a worker clears it), or -1
 */
public record WorkItem(
    long id, WorkKind kind, long cpuNanos, long sleepNanos, long cpuNanos2, int cullPool, int owner)
    implements WireMessage {

  /** What a work item's function is. */
  public enum WorkKind {
    /** A workload item: CPU, maybe one sleep, CPU. */
    NORMAL,
    /** A workload item that blocks for a long time (a device command stuck until its timeout). */
    LONG,
    /** A delayed workload item (queued by its timer). */
    DELAYED,
    /** {@code pool->idle_cull_work}: runs {@code idle_cull_fn(pool)} on {@code system_unbound_wq}. */
    IDLE_CULL
  }

  public static WorkItem idleCull(int pool) {
    return new WorkItem(((long) pool << 32) | 0xFFFF_FFFFL, WorkKind.IDLE_CULL, 1_000, 0, 0, pool, pool);
  }
}
