package org.kernsim.actors.workqueue;

import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.TraceNaming;

/**
 * Which entity is what in a workqueue run: the machine's entities, then one worker pool per CPU
 * (the normal-priority per-CPU pools, {@code kworker/N:M}), the unbound pool of {@code
 * system_unbound_wq} ({@code kworker/u:M}), a fixed number of kworker slots per pool, one workload
 * thread and one CPU hog per CPU.
 */
public final class WqTopology {
  public final Layout layout;
  public final Machine machine;
  public final int cpus;
  public final int slotsPerPool;
  public final int pools;
  private final int poolBase;
  private final int workerBase;
  public final int kickerBase;
  public final int hogBase;

  /** Unbound pools beyond system_unbound_wq's ({@code pool-u1}...), made by get_unbound_pool(). */
  public final int extraUnboundPools;

  private int attachMutex = -1;

  public WqTopology(Machine.Latencies lat, int cpus, int slotsPerPool) {
    this(new Layout(cpus), null, lat, cpus, slotsPerPool, true);
  }

  /**
   * The workqueue's entities added to another model's layout and machine (after that model's own
   * entities): the pools and the kworker slots, without the workqueue model's own workload (no
   * {@code workload/N}, no {@code hog/N}).
   */
  public static WqTopology within(Layout layout, Machine machine, int slotsPerPool) {
    return new WqTopology(layout, machine, null, machine.cpus(), slotsPerPool, false, 0);
  }

  /**
   * As {@link #within(Layout, Machine, int)}, with {@code extraUnboundPools} more unbound pools
   * ({@code pool-u1}..., kworkers {@code kworker/u1:M}...): the pools of unbound workqueues with
   * their own attributes, which {@code get_unbound_pool()} creates and {@code put_unbound_pool()}
   * destroys (package {@code wqlife}).
   */
  public static WqTopology within(
      Layout layout, Machine machine, int slotsPerPool, int extraUnboundPools) {
    return new WqTopology(
        layout, machine, null, machine.cpus(), slotsPerPool, false, extraUnboundPools);
  }

  private WqTopology(
      Layout layout,
      Machine machine,
      Machine.Latencies lat,
      int cpus,
      int slotsPerPool,
      boolean workload) {
    this(layout, machine, lat, cpus, slotsPerPool, workload, 0);
  }

  private WqTopology(
      Layout layout,
      Machine machine,
      Machine.Latencies lat,
      int cpus,
      int slotsPerPool,
      boolean workload,
      int extraUnboundPools) {
    this.cpus = cpus;
    this.slotsPerPool = slotsPerPool;
    this.extraUnboundPools = extraUnboundPools;
    this.pools = cpus + 1 + extraUnboundPools;
    this.layout = layout;
    this.machine = machine != null ? machine : new Machine(cpus, 1, lat, layout);
    this.poolBase =
        layout.add(
            pools,
            p -> p < cpus ? "pool" + p : p == cpus ? "pool-u" : "pool-u" + (p - cpus),
            p -> p < cpus ? p : 0);
    this.workerBase =
        layout.add(
            pools * slotsPerPool,
            i -> {
              int p = i / slotsPerPool;
              int s = i % slotsPerPool;
              if (p < cpus) return "kworker/" + p + ":" + s;
              return p == cpus ? "kworker/u:" + s : "kworker/u" + (p - cpus) + ":" + s;
            },
            i -> {
              int p = i / slotsPerPool;
              return p < cpus ? p : i % slotsPerPool;
            });
    this.kickerBase = workload ? layout.add(cpus, i -> "workload/" + i, i -> i) : -1;
    this.hogBase = workload ? layout.add(cpus, i -> "hog/" + i, i -> i) : -1;
  }

  public int entityCount() {
    return layout.size();
  }

  /**
   * The names in the machine's and the workqueue's messages and notes: pools, workers, managers and
   * owners are entities; {@code item}, {@code target}, {@code barrier} and a {@code WorkItem}'s
   * {@code id} are work items, named after the entity that queued them ({@code workload/3#10},
   * {@code idle_cull_work(pool-u)}).
   */
  public TraceNaming naming() {
    return machine
        .naming(layout)
        .and(
            TraceNaming.builder()
                .field(
                    TraceNaming.Kind.ENTITY,
                    "pool",
                    "worker",
                    "manager",
                    "owner",
                    "stopper",
                    "cullPool",
                    "fallbackPool")
                .field(TraceNaming.Kind.WORK_ITEM, "item", "target", "barrier")
                .in("WorkItem", "id", TraceNaming.Kind.WORK_ITEM)
                .workItems(id -> NoStrandedWork.item(id, layout::name))
                .build());
  }

  /** The entity id of pool {@code p} ({@code p == cpus} is the unbound pool). */
  public int pool(int p) {
    return poolBase + p;
  }

  public int unboundPool() {
    return pool(cpus);
  }

  /** The entity of extra unbound pool {@code k} (1-based: {@code pool-u1}). */
  public int extraUnboundPool(int k) {
    return pool(cpus + k);
  }

  /**
   * The entity of {@code wq_pool_attach_mutex}, or -1 when the model folds it into the pools'
   * critical sections (the seed-001 model: see docs/workqueue.md).
   */
  public int attachMutex() {
    return attachMutex;
  }

  /** Makes {@code wq_pool_attach_mutex} an entity of the layout (set while building). */
  public void setAttachMutex(int entity) {
    this.attachMutex = entity;
  }

  public boolean isPool(int entity) {
    return entity >= poolBase && entity < poolBase + pools;
  }

  /** The pool index of a pool entity. */
  public int poolIndex(int entity) {
    return entity - poolBase;
  }

  /** The CPU of a pool index, or -1 for the unbound pool. */
  public int poolCpu(int p) {
    return p < cpus ? p : -1;
  }

  public int worker(int pool, int slot) {
    return workerBase + pool * slotsPerPool + slot;
  }

  public boolean isWorker(int entity) {
    return entity >= workerBase && entity < workerBase + pools * slotsPerPool;
  }

  /** The pool index a kworker slot belongs to. */
  public int poolOfWorker(int entity) {
    return (entity - workerBase) / slotsPerPool;
  }

  public int slotOf(int entity) {
    return (entity - workerBase) % slotsPerPool;
  }

  public int kicker(int cpu) {
    return kickerBase + cpu;
  }

  public int hog(int cpu) {
    return hogBase + cpu;
  }

  public String name(int entity) {
    return layout.name(entity);
  }
}
