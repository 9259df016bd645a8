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
 * @param cullPool for {@link WorkKind#IDLE_CULL}: the pool whose {@code idle_cull_fn} this is; for
 *     {@link WorkKind#UNBIND}: the CPU it unbinds
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
    /**
     * {@code pool->idle_cull_work}: runs {@code idle_cull_fn(pool)} on {@code system_unbound_wq}.
     */
    IDLE_CULL,
    /**
     * A work item whose function belongs to another model (its {@code owner}, e.g. the kprobe
     * optimizer's {@code optimizing_work}): the kworker runs code the owner's model provides, and
     * that code's sleeps are the kworker's.
     */
    EXTERNAL,
    /**
     * A {@code struct wq_barrier} inserted by {@code flush_work()} ({@code insert_wq_barrier()}):
     * its function {@code complete()}s the flusher ({@code owner}) once the flushed item is done.
     */
    BARRIER,
    /**
     * v3.8/v3.9: {@code wq_unbind_fn()}, queued by the {@code CPU_DOWN_PREPARE} notifier on the
     * dying CPU's highpri pool and flushed; {@code cullPool} holds that CPU.
     */
    UNBIND
  }

  /** The barrier bit of a {@link WorkKind#BARRIER} item's low word (see {@link #barrier}). */
  public static final long BARRIER_BIT = 0x8000_0000L;

  /** A barrier of {@code owner}'s {@code flush_work()}, the {@code n}-th one it inserts. */
  public static WorkItem barrier(int owner, long n, long cpuNanos) {
    return new WorkItem(
        ((long) owner << 32) | BARRIER_BIT | (n & 0x7FFF_FFFFL),
        WorkKind.BARRIER,
        cpuNanos,
        0,
        0,
        -1,
        owner);
  }

  /** {@code wq_unbind_fn()} for CPU {@code cpu}, queued by hotplug operation {@code op}. */
  public static WorkItem unbind(int pool, int cpu, long op) {
    return new WorkItem(
        ((long) pool << 32) | 0x7000_0000L | (op & 0x0FFF_FFFFL),
        WorkKind.UNBIND,
        1_000,
        0,
        0,
        cpu,
        -1);
  }

  public static WorkItem idleCull(int pool) {
    return new WorkItem(
        ((long) pool << 32) | 0xFFFF_FFFFL, WorkKind.IDLE_CULL, 1_000, 0, 0, pool, pool);
  }
}
