package org.kernsim.actors.workqueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.actors.machine.LaidOut;
import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.smp.MachineEntities;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Latency;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * The workqueue worker-pool model (spec Part C): per-CPU pools and the unbound pool of {@code
 * system_unbound_wq} as {@link WorkerPool} entities (one message = one {@code pool->lock} critical
 * section), kworkers as {@link PoolWorker} tasks on the machine's CPUs, and a workload of {@link
 * Kicker} threads and {@link Hog}s. Variants of {@code kick_pool()} per run ({@code
 * workqueue.kick}).
 */
public final class WorkqueueModel implements ModelFactory {

  @Override
  public String name() {
    return "workqueue";
  }

  @Override
  public String description() {
    return "workqueue worker pools: kick_pool() vs the idle cull (seed 001), with the 2026 variants";
  }

  @Override
  public List<String> shrinkable() {
    return List.of(
        "machine.cpus",
        "workload.warmup-items",
        "workload.warmup-unbound-items",
        "workload.long-items",
        "workload.long-unbound-items",
        "workload.burst-items",
        "workload.remote-fraction",
        "workload.delayed-fraction",
        "workload.item-sleep-probability",
        "workload.hogs");
  }

  @Override
  public List<Setting> settings() {
    List<Setting> s = new ArrayList<>(Machine.settings());
    s.add(
        Setting.choice(
            "workqueue.kick",
            KickVariant.keys(),
            "original",
            "kick_pool() variant: original (before the fix), deferred-wake (v1 PATCH 2/2: wake after the unlock), "
                + "claim (the seed's fix: worker_leave_idle() under the lock), claim+deferred-wake, "
                + "kicked-list (v2: park the picked worker on pool->kicked_list, wake through a wake_q)."));
    s.add(
        Setting.choice(
            "workqueue.deferred-wake-ref",
            List.of("bare", "pinned"),
            "bare",
            "What a deferred wake-up holds in deferred-wake and claim+deferred-wake: a bare task pointer (v1) "
                + "or a task reference (wake_q). kicked-list always uses a wake_q."));
    s.add(
        Setting.choice(
            "workqueue.pick",
            List.of("head", "tail"),
            "head",
            "first_idle_worker(): head = the kernel (most recently idle). tail = ABLATION, NOT the kernel: "
                + "kick_pool() picks the longest-idle worker, the one the cull takes first."));
    s.add(
        Setting.choice(
            "workqueue.era",
            WqEra.keys(),
            "v2026",
            "Which kernel's pool code: v2026 (the version seed 001 applies to), v3.19 (Linux 3.19:"
                + " the manager fix 29187a9eeaf3, nr_running raised at wake-up by"
                + " wq_worker_waking_up(), idle workers destroyed by the idle timer) or v3.18 (the same"
                + " before that fix: WQ-6). The workqueue.kick variants other than original need v2026."));
    s.add(
        Setting.duration(
            "workqueue.cpu-intensive-thresh",
            Duration.ZERO,
            Duration.ofSeconds(10),
            Duration.ofMillis(10),
            "wq_cpu_intensive_thresh_us (6.5+): a concurrency-managed work item that runs this long"
                + " without sleeping is marked WORKER_CPU_INTENSIVE by wq_worker_tick(); 0 disables it."
                + " Eras v3.18 and v3.19 have no such tick (ignored)."));
    s.add(
        Setting.latency(
            "workqueue.manage-window",
            "uniform(10ns, 60ns)",
            "Eras v3.18/v3.19: how long the critical section in which a worker takes the manager role"
                + " lasts from need_more_worker() at recheck: to its end (mutex_trylock(manager_arb),"
                + " maybe_create_worker()'s test); other CPUs' lockless nr_running increments land in it."));
    s.add(
        Setting.bool(
            "workqueue.highpri-pools",
            false,
            "Lay out the per-CPU highpri pools (cpu_worker_pools[1], kworker/N:MH, nice -20). The kernel always has them;"
                + " the model leaves them out unless a scenario needs them (the workload does not use them). CPU hotplug"
                + " with hotplug.kernel = v3.8 or v3.9 needs them: wq_unbind_fn() runs there."));
    s.add(
        Setting.duration(
            "workqueue.jiffy",
            Duration.ofNanos(100_000),
            Duration.ofMillis(10),
            Duration.ofMillis(1),
            "One jiffy (1/HZ): the resolution of last_active and of the idle and mayday timers."));
    s.add(
        Setting.duration(
            "workqueue.idle-worker-timeout",
            Duration.ofMillis(1),
            Duration.ofHours(1),
            Duration.ofSeconds(300),
            "IDLE_WORKER_TIMEOUT: an idle worker may be culled after this long."));
    s.add(
        Setting.integer(
            "workqueue.max-idle-workers-ratio",
            1,
            1000,
            4,
            "MAX_IDLE_WORKERS_RATIO: beyond 2 idle workers, one idle worker per this many busy ones."));
    s.add(
        Setting.duration(
            "workqueue.mayday-initial-timeout",
            Duration.ofMillis(1),
            Duration.ofSeconds(10),
            Duration.ofMillis(10),
            "MAYDAY_INITIAL_TIMEOUT (at least 2 jiffies)."));
    s.add(
        Setting.duration(
            "workqueue.mayday-interval",
            Duration.ofMillis(1),
            Duration.ofSeconds(10),
            Duration.ofMillis(100),
            "MAYDAY_INTERVAL."));
    s.add(
        Setting.duration(
            "workqueue.create-cooldown",
            Duration.ofMillis(1),
            Duration.ofSeconds(60),
            Duration.ofSeconds(1),
            "CREATE_COOLDOWN: the manager's sleep after a failed create_worker()."));
    s.add(
        Setting.integer(
            "workqueue.worker-slots",
            2,
            1024,
            16,
            "kworker slots per pool (kthread ids); create_worker() fails when all are in use."));
    s.add(
        Setting.latency(
            "workqueue.kthread-create",
            "lognormal(60us, 0.5, 20us, 2ms)",
            "kthread_create_on_node(): the manager sleeps while kthreadd creates the new kworker."));
    s.add(
        Setting.duration(
            "workqueue.stranding-bound",
            Duration.ofNanos(1),
            Duration.ofHours(1),
            Duration.ofMillis(20),
            "NoStrandedWork: how long an item may wait with need_more_worker() and no kworker runnable."));
    s.add(
        Setting.latency(
            "workload.warmup-at",
            "uniform(1us, 1ms)",
            "When each workload thread starts its warm-up."));
    s.add(
        Setting.integer(
            "workload.warmup-items", 0, 10_000, 3, "Warm-up items per thread on its CPU's pool."));
    s.add(
        Setting.integer(
            "workload.warmup-unbound-items",
            0,
            10_000,
            5,
            "Warm-up items per thread on the unbound pool."));
    s.add(
        Setting.integer(
            "workload.long-items", 0, 10_000, 0, "Long items per thread on its CPU's pool."));
    s.add(
        Setting.integer(
            "workload.long-unbound-items",
            0,
            10_000,
            0,
            "Long items per thread on the unbound pool."));
    s.add(
        Setting.latency(
            "workload.long-sleep",
            "uniform(300s, 300030ms)",
            "How long a long item blocks (a device command stuck until its timeout)."));
    s.add(
        Setting.latency(
            "workload.burst-at",
            "uniform(300s, 300004ms)",
            "When each workload thread starts its burst."));
    s.add(Setting.integer("workload.burst-items", 0, 100_000, 6, "Items per thread in the burst."));
    s.add(
        Setting.integer(
            "workload.bursts",
            1,
            100_000,
            1,
            "How many bursts each thread queues (the first at workload.burst-at)."));
    s.add(
        Setting.latency(
            "workload.burst-every",
            "fixed(10ms)",
            "With workload.bursts > 1: from one burst's start to the next one's."));
    s.add(
        Setting.integer(
            "workload.steady-items",
            0,
            1_000_000,
            0,
            "Items per thread in a steady stream beside the bursts (0: none)."));
    s.add(
        Setting.latency(
            "workload.steady-start",
            "uniform(1ms, 2ms)",
            "When each thread's steady stream starts."));
    s.add(
        Setting.latency(
            "workload.steady-period",
            "uniform(500us, 1500us)",
            "Time between two items of the steady stream."));
    s.add(
        Setting.number(
            "workload.unbound-fraction",
            0,
            1,
            0.9,
            "Share of burst items queued on the unbound pool."));
    s.add(
        Setting.number(
            "workload.remote-fraction",
            0,
            1,
            0.05,
            "Share of burst items queued on another CPU's pool."));
    s.add(
        Setting.number(
            "workload.delayed-fraction",
            0,
            1,
            0.05,
            "Share of burst items that are queue_delayed_work() of the thread's delayed work (local pool)."));
    s.add(
        Setting.latency(
            "workload.delay", "uniform(1ms, 10ms)", "The delay of queue_delayed_work()."));
    s.add(
        Setting.latency(
            "workload.think",
            "lognormal(20us, 1.0, 1us, 2ms)",
            "User CPU time before each burst item."));
    s.add(
        Setting.latency(
            "workload.syscall",
            "uniform(500ns, 2us)",
            "CPU time of the syscall that queues an item."));
    s.add(
        Setting.latency(
            "workload.item-cpu",
            "lognormal(5us, 1.0, 500ns, 500us)",
            "CPU time of a work item (each half)."));
    s.add(
        Setting.number(
            "workload.item-sleep-probability", 0, 1, 0.3, "Share of items that block once (I/O)."));
    s.add(
        Setting.duration(
            "workload.item-cond-resched",
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ZERO,
            "A work item's CPU time runs in chunks of at most this long, each followed by cond_resched() (an RCU"
                + " quiescent state and a preemption point), as a long-running item's loop does; 0: one piece."));
    s.add(
        Setting.latency(
            "workload.item-sleep",
            "lognormal(200us, 1.0, 10us, 20ms)",
            "How long an item blocks."));
    s.add(
        Setting.bool("workload.hogs", true, "One CPU-bound user thread per CPU around the burst."));
    s.add(
        Setting.latency(
            "workload.hog-start", "uniform(299990ms, 300002ms)", "When each hog starts."));
    s.add(Setting.latency("workload.hog-run", "uniform(10ms, 40ms)", "How long each hog runs."));
    s.add(
        Setting.latency(
            "workload.hog-user",
            "lognormal(200us, 1.0, 5us, 10ms)",
            "A hog's user-mode stretch (preemptible)."));
    s.add(
        Setting.latency(
            "workload.hog-kernel",
            "lognormal(20us, 1.0, 1us, 2ms)",
            "A hog's system call: kernel code that cannot be preempted (CONFIG_PREEMPT_VOLUNTARY, a lock held)."));
    return s;
  }

  /**
   * The settings of the pools alone ({@code workqueue.*} but the jiffy), for a model that lays out
   * the workqueue's pools and kworkers beside its own entities (its jiffy is its own).
   */
  public static List<Setting> poolSettings() {
    List<Setting> out = new ArrayList<>();
    for (Setting x : new WorkqueueModel().settings()) {
      if (x.key().startsWith("workqueue.") && !x.key().equals("workqueue.jiffy")) out.add(x);
    }
    return out;
  }

  /**
   * The pools' configuration from the {@code workqueue.*} settings, with a jiffy of {@code jiffy}
   * ns.
   */
  public static WqConfig poolConfig(Settings s, long jiffy) {
    return new WqConfig(
        KickVariant.of(s.text("workqueue.kick")),
        s.text("workqueue.pick").equals("tail"),
        s.text("workqueue.deferred-wake-ref").equals("pinned"),
        jiffy,
        Math.max(1, s.nanos("workqueue.idle-worker-timeout") / jiffy),
        s.intValue("workqueue.max-idle-workers-ratio"),
        Math.max(1, s.nanos("workqueue.mayday-initial-timeout") / jiffy),
        Math.max(1, s.nanos("workqueue.mayday-interval") / jiffy),
        era(s),
        s.nanos("workqueue.cpu-intensive-thresh"),
        s.latency("workqueue.manage-window"));
  }

  /** {@code workqueue.era}, checked against {@code workqueue.kick}: the 2026 variants need 2026. */
  static WqEra era(Settings s) {
    WqEra era = WqEra.of(s.text("workqueue.era"));
    KickVariant v = KickVariant.of(s.text("workqueue.kick"));
    if (era != WqEra.V2026 && v != KickVariant.ORIGINAL) {
      throw new org.kernsim.scenario.BadInputException(
          "workqueue.kick="
              + v.key
              + " is a 2026 patch: it needs workqueue.era=v2026 (not "
              + era.key
              + ")");
    }
    return era;
  }

  @Override
  public Simulation build(Settings s) {
    WqConfig cfg = poolConfig(s, s.nanos("workqueue.jiffy"));
    Workload w =
        new Workload(
            s.latency("workload.warmup-at"),
            s.intValue("workload.warmup-items"),
            s.intValue("workload.warmup-unbound-items"),
            s.intValue("workload.long-items"),
            s.intValue("workload.long-unbound-items"),
            s.latency("workload.long-sleep"),
            s.latency("workload.burst-at"),
            s.intValue("workload.burst-items"),
            s.number("workload.unbound-fraction"),
            s.number("workload.remote-fraction"),
            s.number("workload.delayed-fraction"),
            s.latency("workload.delay"),
            s.latency("workload.think"),
            s.latency("workload.syscall"),
            s.latency("workload.item-cpu"),
            s.number("workload.item-sleep-probability"),
            s.latency("workload.item-sleep"),
            s.bool("workload.hogs"),
            s.latency("workload.hog-start"),
            s.latency("workload.hog-run"),
            s.latency("workload.hog-user"),
            s.latency("workload.hog-kernel"),
            s.intValue("workload.bursts"),
            s.latency("workload.burst-every"),
            s.intValue("workload.steady-items"),
            s.latency("workload.steady-start"),
            s.latency("workload.steady-period"));
    HotplugConfig hotplug = Machine.hotplug(s, s.intValue("machine.cpus"));
    boolean highpri = s.bool("workqueue.highpri-pools");
    if (hotplug.enabled() && cfg.era() != WqEra.V2026) {
      throw new BadInputException(
          "workqueue.era = "
              + cfg.era().key
              + " with CPU hotplug: that kernel's own CPU_DOWN_PREPARE/CPU_ONLINE workqueue path is"
              + " not modelled; CPU hotplug needs workqueue.era = v2026");
    }
    // v3.8/v3.9 have no wq_worker_tick() (6.5+): as in eras v3.18/v3.19, the threshold is ignored
    if (hotplug.enabled() && hotplug.kernel().notifiers()) cfg = cfg.withCpuIntensiveThresh(0);
    if (hotplug.enabled() && hotplug.kernel().notifiers() && !highpri) {
      throw new BadInputException(
          "hotplug.kernel = "
              + hotplug.kernel().key()
              + " runs wq_unbind_fn() on the dying CPU's highpri pool: set workqueue.highpri-pools = true");
    }
    if (hotplug.enabled()
        && hotplug.kernel().notifiers()
        && cfg.variant() != KickVariant.ORIGINAL) {
      throw new BadInputException(
          "hotplug.kernel = "
              + hotplug.kernel().key()
              + " is a "
              + hotplug.kernel().key()
              + " kernel: workqueue.kick must be original (the other variants are 2026 patches)");
    }
    boolean oldKernel =
        (hotplug.enabled() && hotplug.kernel().notifiers()) || cfg.era() != WqEra.V2026;
    if (oldKernel
        && (Machine.placement(s) != org.kernsim.actors.placement.Placement.PREV_CPU
            || !Machine.timers(s).exact()
            || Machine.irqLoad(s).on())) {
      throw new BadInputException(
          "sched.wake-placement, timer.wheel and irq.rate model v6.13.7, and this run is a "
              + (cfg.era() != WqEra.V2026
                  ? "workqueue.era = " + cfg.era().key
                  : "hotplug.kernel = " + hotplug.kernel().key())
              + " kernel: keep prev-cpu, exact and 0");
    }
    WqSimulation sim =
        new WqSimulation(
            Machine.latencies(s),
            hotplug,
            highpri,
            s.intValue("machine.cpus"),
            s.intValue("workqueue.worker-slots"),
            cfg,
            w,
            s.latency("workqueue.kthread-create"),
            s.nanos("workqueue.create-cooldown"),
            s.nanos("workqueue.stranding-bound"));
    sim.condResched = s.nanos("workload.item-cond-resched");
    sim.topo
        .machine
        .placeAndTime(Machine.placement(s), Machine.timers(s))
        .interrupts(Machine.irqLoad(s));
    return sim;
  }

  /** A built workqueue run. */
  public static final class WqSimulation implements LaidOut {
    final WqTopology topo;
    final WqConfig cfg;
    final Workload workload;
    final Latency kthreadCreate;
    final long createCooldown;
    final long strandingBound;
    long condResched;

    public WqSimulation(
        Machine.Latencies lat,
        int cpus,
        int slots,
        WqConfig cfg,
        Workload w,
        Latency kthreadCreate,
        long createCooldown,
        long strandingBound) {
      this(
          lat,
          HotplugConfig.NONE,
          false,
          cpus,
          slots,
          cfg,
          w,
          kthreadCreate,
          createCooldown,
          strandingBound);
    }

    public WqSimulation(
        Machine.Latencies lat,
        HotplugConfig hotplug,
        boolean highpri,
        int cpus,
        int slots,
        WqConfig cfg,
        Workload w,
        Latency kthreadCreate,
        long createCooldown,
        long strandingBound) {
      this.topo = new WqTopology(lat, hotplug, cpus, slots, highpri);
      this.cfg = cfg;
      this.workload = w;
      this.kthreadCreate = kthreadCreate;
      this.createCooldown = createCooldown;
      this.strandingBound = strandingBound;
    }

    public WqTopology topology() {
      return topo;
    }

    @Override
    public String model() {
      return "workqueue";
    }

    @Override
    public Entity createEntity(int id) {
      Entity e = MachineEntities.create(topo.machine, id);
      if (e != null) return e;
      if (topo.isPool(id)) return new WorkerPool(topo, topo.poolIndex(id), topo.slotsPerPool, cfg);
      if (topo.isWorker(id)) {
        PoolWorker pw =
            new PoolWorker(topo, topo.poolOfWorker(id), cfg, kthreadCreate, createCooldown);
        pw.setCondResched(condResched);
        return pw;
      }
      if (id >= topo.kickerBase && id < topo.kickerBase + topo.cpus)
        return new Kicker(topo, id - topo.kickerBase, workload, cfg);
      if (id >= topo.hogBase && id < topo.hogBase + topo.cpus)
        return new Hog(topo, id - topo.hogBase, workload);
      throw new IllegalStateException("no entity " + id);
    }

    /** A kworker slot does nothing until its pool's create_worker() uses it: made on demand. */
    @Override
    public boolean startsIdle(int id) {
      return topo.isWorker(id);
    }

    @Override
    public long lookahead() {
      return topo.machine.latencies().min();
    }

    @Override
    public Layout layout() {
      return topo.layout;
    }

    @Override
    public List<Checker> checkers() {
      int n = topo.entityCount();
      List<Checker> out =
          new ArrayList<>(
              List.of(
                  new NoKickedWorkerCulled(n),
                  new NoStrandedWork(topo, strandingBound),
                  new NoWakeOfReapedWorker(n),
                  new W3Progress(topo),
                  new W7Pending()));
      if (topo.machine.hotplugEnabled()) out.add(new Lockdep());
      return out;
    }

    @Override
    public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (String k :
          List.of(
              "workItemsQueued",
              "workItemsCompleted",
              "strandedWorkItems",
              "kicks",
              "culls",
              "kickedWorkersCulled",
              "workersCreated")) {
        out.put(k, 0L);
      }
      out.putAll(merged.counters());
      for (Checker c : checkers) c.contribute(out);
      // percentiles from the values (Metrics.valueAtPercentile), no per-run histogram made
      if (merged.maxValue("kickToLockNanos") != null) {
        out.put("kickToLockP50Nanos", merged.valueAtPercentile("kickToLockNanos", 50));
        out.put("kickToLockP99Nanos", merged.valueAtPercentile("kickToLockNanos", 99));
        out.put("kickToLockMaxNanos", merged.maxValue("kickToLockNanos"));
      }
      if (merged.maxValue("deferredWakeDelayNanos") != null) {
        out.put(
            "deferredWakeDelayP99Nanos", merged.valueAtPercentile("deferredWakeDelayNanos", 99));
        out.put("deferredWakeDelayMaxNanos", merged.maxValue("deferredWakeDelayNanos"));
      }
      return out;
    }

    @Override
    public TimelineSpec timeline() {
      return new WqTimeline(topo, strandingBound);
    }

    @Override
    public org.kernsim.engine.TraceNaming naming() {
      return topo.naming();
    }

    @Override
    public List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
      return STATE_CLASSES;
    }

    @Override
    public List<org.kernsim.engine.Obligation> obligations() {
      return concat(org.kernsim.actors.smp.MachineState.OBLIGATIONS, WorkqueueState.OBLIGATIONS);
    }
  }

  /** The workqueue simulation's state classes: the machine's and the workqueue's. */
  static final List<org.kernsim.protocol.kryo.KryoRegistry.Entry> STATE_CLASSES =
      concat(org.kernsim.actors.smp.MachineState.ROWS, WorkqueueState.ROWS);

  @SafeVarargs
  static <T> List<T> concat(List<T>... lists) {
    List<T> out = new ArrayList<>();
    for (List<T> l : lists) out.addAll(l);
    return List.copyOf(out);
  }
}
