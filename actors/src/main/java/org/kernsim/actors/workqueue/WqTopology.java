package org.kernsim.actors.workqueue;

import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.TraceNaming;
import org.kernsim.protocol.hotplug.CpuhpState;

/**
 * Which entity is what in a workqueue run: the machine's entities, then one worker pool per CPU
 * (the normal-priority per-CPU pools, {@code kworker/N:M}), the unbound pool of {@code
 * system_unbound_wq} ({@code kworker/u:M}), the extra unbound pools of package {@code wqlife}
 * ({@code pool-u1}..., {@code kworker/u1:M}...), a fixed number of kworker slots per pool, one
 * workload thread and one CPU hog per CPU; with {@code highpri}, the per-CPU highpri pools ({@code
 * cpu_worker_pools[1]}, {@code kworker/N:MH}, nice -20) and their slots after all of those, so the
 * ids of a run without them do not move (and a run without extra unbound pools has the ids it had
 * before they existed). Pool indexes: {@code 0..cpus-1} normal, {@code cpus} unbound, {@code
 * cpus+1..cpus+extraUnboundPools} the extra unbound pools, then {@code cpus} highpri pools.
 */
public final class WqTopology {
  public final Layout layout;
  public final Machine machine;
  public final int cpus;
  public final int slotsPerPool;

  /** All pools: per-CPU normal, unbound, extra unbound, per-CPU highpri. */
  public final int pools;

  public final boolean highpri;

  /** Unbound pools beyond system_unbound_wq's ({@code pool-u1}...), made by get_unbound_pool(). */
  public final int extraUnboundPools;

  /** The pools laid out first (normal, unbound, extra unbound); the highpri pools come after. */
  private final int lowPools;

  private final int poolBase;
  private final int workerBase;
  public final int kickerBase;
  public final int hogBase;
  private final int hpPoolBase;
  private final int hpWorkerBase;

  private int attachMutex = -1;

  public WqTopology(Machine.Latencies lat, int cpus, int slotsPerPool) {
    this(new Layout(cpus), null, lat, HotplugConfig.NONE, cpus, slotsPerPool, true, false, 0);
  }

  /** The workqueue model's own layout, with the machine's hotplug and the highpri pools. */
  public WqTopology(
      Machine.Latencies lat, HotplugConfig hotplug, int cpus, int slotsPerPool, boolean highpri) {
    this(new Layout(cpus), null, lat, hotplug, cpus, slotsPerPool, true, highpri, 0);
  }

  /**
   * The workqueue's entities added to another model's layout and machine (after that model's own
   * entities): the pools and the kworker slots, without the workqueue model's own workload (no
   * {@code workload/N}, no {@code hog/N}).
   */
  public static WqTopology within(Layout layout, Machine machine, int slotsPerPool) {
    return within(layout, machine, slotsPerPool, 0);
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
        layout, machine, null, null, machine.cpus(), slotsPerPool, false, false, extraUnboundPools);
  }

  private WqTopology(
      Layout layout,
      Machine machine,
      Machine.Latencies lat,
      HotplugConfig hotplug,
      int cpus,
      int slotsPerPool,
      boolean workload,
      boolean highpri,
      int extraUnboundPools) {
    this.cpus = cpus;
    this.slotsPerPool = slotsPerPool;
    this.highpri = highpri;
    this.extraUnboundPools = extraUnboundPools;
    this.lowPools = cpus + 1 + extraUnboundPools;
    this.pools = lowPools + (highpri ? cpus : 0);
    this.layout = layout;
    this.machine = machine != null ? machine : new Machine(cpus, 1, lat, hotplug, layout);
    this.poolBase =
        layout.add(
            lowPools,
            p -> p < cpus ? "pool" + p : p == cpus ? "pool-u" : "pool-u" + (p - cpus),
            p -> p < cpus ? p : 0);
    this.workerBase =
        layout.add(
            lowPools * slotsPerPool,
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
    if (highpri) {
      this.hpPoolBase = layout.add(cpus, c -> "pool" + c + "H", c -> c);
      this.hpWorkerBase =
          layout.add(
              cpus * slotsPerPool,
              i -> "kworker/" + (i / slotsPerPool) + ":" + (i % slotsPerPool) + "H",
              i -> i / slotsPerPool);
    } else {
      this.hpPoolBase = -1;
      this.hpWorkerBase = -1;
    }
    if (this.machine.hotplugEnabled()) registerHotplugCallbacks();
  }

  /**
   * The workqueue's hotplug callbacks ({@code workqueue_init_early()} / {@code
   * workqueue_cpu_up_callback}): mainline {@code cpuhp_setup_state(CPUHP_WORKQUEUE_PREP,
   * "workqueue:prepare", workqueue_prepare_cpu, NULL)} and {@code CPUHP_AP_WORKQUEUE_ONLINE,
   * "workqueue:online", workqueue_online_cpu, workqueue_offline_cpu}, run by the CPU's normal pool
   * (which hands on to its highpri pool); v3.8/v3.9 the {@code CPU_DOWN_PREPARE} notifier ({@code
   * workqueue_cpu_down_callback()}: {@code wq_unbind_fn()} queued on the CPU's highpri pool).
   */
  private void registerHotplugCallbacks() {
    if (machine.hotplug().kernel().notifiers()) {
      if (!highpri) throw new IllegalStateException("v3.8/v3.9 hotplug needs the highpri pools");
      machine.cpuhpSetupState(
          CpuhpState.CPU_DOWN_PREPARE,
          "workqueue_cpu_down_callback",
          this::highpriPool,
          true,
          true);
    } else {
      machine.cpuhpSetupState(
          CpuhpState.WORKQUEUE_PREP, "workqueue:prepare", this::pool, true, false);
      machine.cpuhpSetupState(
          CpuhpState.AP_WORKQUEUE_ONLINE, "workqueue:online", this::pool, true, true);
    }
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

  /**
   * The entity id of pool {@code p} ({@code p == cpus} is the unbound pool, {@code cpus < p <
   * cpus+1+extraUnboundPools} the extra unbound pools, above them the highpri pool of CPU {@code p
   * - cpus - 1 - extraUnboundPools}).
   */
  public int pool(int p) {
    return p < lowPools ? poolBase + p : hpPoolBase + p - lowPools;
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

  /** The entity of CPU {@code cpu}'s highpri pool ({@code cpu_worker_pools[1]}). */
  public int highpriPool(int cpu) {
    if (!highpri) throw new IllegalStateException("no highpri pools in this run");
    return hpPoolBase + cpu;
  }

  /** The pool index of CPU {@code cpu}'s highpri pool. */
  public int highpriIndex(int cpu) {
    return lowPools + cpu;
  }

  /** Whether pool index {@code p} is a highpri pool (not an extra unbound one). */
  public boolean isHighpri(int p) {
    return p >= lowPools;
  }

  public boolean isPool(int entity) {
    return (entity >= poolBase && entity < poolBase + lowPools)
        || (highpri && entity >= hpPoolBase && entity < hpPoolBase + cpus);
  }

  /** The pool index of a pool entity. */
  public int poolIndex(int entity) {
    return entity >= poolBase && entity < poolBase + lowPools
        ? entity - poolBase
        : entity - hpPoolBase + lowPools;
  }

  /** The CPU of a pool index, or -1 for an unbound pool. */
  public int poolCpu(int p) {
    if (p < cpus) return p;
    return p < lowPools ? -1 : p - lowPools;
  }

  public int worker(int pool, int slot) {
    return pool < lowPools
        ? workerBase + pool * slotsPerPool + slot
        : hpWorkerBase + (pool - lowPools) * slotsPerPool + slot;
  }

  private boolean isLowWorker(int entity) {
    return entity >= workerBase && entity < workerBase + lowPools * slotsPerPool;
  }

  public boolean isWorker(int entity) {
    return isLowWorker(entity)
        || (highpri && entity >= hpWorkerBase && entity < hpWorkerBase + cpus * slotsPerPool);
  }

  /** The pool index a kworker slot belongs to. */
  public int poolOfWorker(int entity) {
    if (isLowWorker(entity)) return (entity - workerBase) / slotsPerPool;
    return lowPools + (entity - hpWorkerBase) / slotsPerPool;
  }

  public int slotOf(int entity) {
    if (isLowWorker(entity)) return (entity - workerBase) % slotsPerPool;
    return (entity - hpWorkerBase) % slotsPerPool;
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
