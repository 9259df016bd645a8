package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.machine.LaidOut;
import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.mutex.KMutex;
import org.kernsim.actors.workqueue.Hog;
import org.kernsim.actors.workqueue.NoKickedWorkerCulled;
import org.kernsim.actors.workqueue.NoStrandedWork;
import org.kernsim.actors.workqueue.NoWakeOfReapedWorker;
import org.kernsim.actors.workqueue.PoolWorker;
import org.kernsim.actors.workqueue.W3Progress;
import org.kernsim.actors.workqueue.WorkerPool;
import org.kernsim.actors.workqueue.Workload;
import org.kernsim.actors.workqueue.WorkqueueModel;
import org.kernsim.actors.workqueue.WqConfig;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Latency;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * The workqueue pools with the rest of their life ({@code scenario.model = wqlife}): a workqueue
 * under test ({@code wq.*}) with its pool_workqueues, the unbound pools {@code get_unbound_pool()}
 * creates and {@code put_unbound_pool()} destroys, {@code pwq_release_worker}, {@code
 * wq_pool_mutex}, {@code wq_pool_attach_mutex} and {@code wq->mutex} as entities, an admin thread
 * that applies attributes and destroys the workqueue ({@code wq.script}), a workload that queues on
 * it ({@code load.*}), and the checkers of the life cycle ({@link NoUseOfFreedPool}, {@link
 * NoKworkerOutlivesPool}, {@code PutUnboundPoolWarn}) besides the pools' own.
 */
public final class WqLifeModel implements ModelFactory {

  @Override
  public String name() {
    return "wqlife";
  }

  @Override
  public String description() {
    return "workqueue pool and pwq life cycle (destroy, apply_workqueue_attrs, put_unbound_pool,"
        + " rcu_free_pool), rescuer, max_active, CPU-intensive work, and the 3.18 manager race";
  }

  @Override
  public List<String> shrinkable() {
    return List.of(
        "machine.cpus", "load.bursts", "load.items", "load.item-sleep-probability", "load.hogs");
  }

  @Override
  public List<Setting> settings() {
    List<Setting> s = new ArrayList<>(Machine.settings());
    for (Setting x : new WorkqueueModel().settings())
      if (x.key().startsWith("workqueue.")) s.add(x);
    s.add(
        Setting.bool(
            "wq.unbound",
            true,
            "alloc_workqueue(WQ_UNBOUND): the workqueue under test is unbound (its own pools, by attributes) or per-CPU (the CPUs' normal pools)."));
    s.add(
        Setting.integer(
            "wq.max-active",
            1,
            512,
            256,
            "alloc_workqueue()'s max_active (WQ_DFL_ACTIVE 256, WQ_MAX_ACTIVE 512): per-CPU workqueues"
                + " queue items beyond it on pwq->inactive_works. Unbound workqueues share a per-node"
                + " count (wq_node_nr_active), not modelled: they must keep 256."));
    s.add(
        Setting.bool(
            "wq.cpu-intensive",
            false,
            "alloc_workqueue(WQ_CPU_INTENSIVE): its items do not take part in concurrency management."));
    s.add(
        Setting.bool(
            "wq.mem-reclaim",
            false,
            "alloc_workqueue(WQ_MEM_RECLAIM): the workqueue has a rescuer (rescuer_thread()) that pools call with send_mayday() when they cannot create workers."));
    s.add(
        Setting.text(
            "wq.script",
            "",
            "What the admin thread does, in order: 'apply ATTRS at TIME' (apply_workqueue_attrs() with"
                + " attribute set ATTRS, 0..15; 0 is alloc_workqueue()'s) and 'destroy at TIME'"
                + " (destroy_workqueue()), separated by ';'; TIME is a latency expression drawn per run."));
    s.add(
        Setting.duration(
            "wq.progress-bound",
            java.time.Duration.ofNanos(1),
            java.time.Duration.ofHours(1),
            java.time.Duration.ofSeconds(1),
            "MemReclaimProgress (WQ_MEM_RECLAIM workqueues): how long an item of the workqueue may"
                + " wait from queue_work() to its start."));
    s.add(Setting.integer("wq.admin-cpu", 0, 65_535, 0, "The CPU the admin thread runs on."));
    s.add(
        Setting.integer(
            "wq.release-cpu",
            -1,
            65_535,
            -1,
            "The CPU pwq_release_worker runs on (-1: the last CPU)."));
    s.add(
        Setting.integer(
            "load.bursts",
            0,
            100_000,
            1,
            "Bursts of queue_work() per workload thread (one per CPU)."));
    s.add(
        Setting.latency(
            "load.burst-at", "uniform(1ms, 2ms)", "When each thread starts its first burst."));
    s.add(
        Setting.latency(
            "load.burst-gap",
            "uniform(1ms, 3ms)",
            "From the start of a burst to the start of the next."));
    s.add(Setting.integer("load.items", 0, 100_000, 8, "Items per thread and burst."));
    s.add(
        Setting.duration(
            "load.hog-item",
            java.time.Duration.ZERO,
            java.time.Duration.ofSeconds(10),
            java.time.Duration.ZERO,
            "The first item of each burst runs this long on the CPU without sleeping (a CPU-hogging"
                + " work item: wq_worker_tick() marks it WORKER_CPU_INTENSIVE); 0: none."));
    s.add(
        Setting.integer(
            "load.pairs",
            0,
            1000,
            0,
            "Dependent items per thread and burst: this many items, spread among the others, each"
                + " wait_for_completion() on an item queued at the end of the burst (the situation of"
                + " WQ-6: work blocked on work still pending on the same pool)."));
    s.add(
        Setting.latency(
            "load.think",
            "lognormal(20us, 1.0, 1us, 2ms)",
            "User CPU time before each queue_work()."));
    s.add(
        Setting.latency(
            "load.syscall",
            "uniform(500ns, 2us)",
            "CPU time of the system call that queues an item."));
    s.add(
        Setting.latency(
            "load.item-cpu",
            "lognormal(5us, 1.0, 500ns, 500us)",
            "CPU time of a work item (each half)."));
    s.add(
        Setting.number(
            "load.item-sleep-probability", 0, 1, 0.3, "Share of items that block once (I/O)."));
    s.add(
        Setting.latency(
            "load.item-sleep", "lognormal(200us, 1.0, 10us, 20ms)", "How long an item blocks."));
    s.add(
        Setting.bool(
            "load.hogs",
            true,
            "One CPU-bound user thread per CPU, so woken kworkers wait for their CPU."));
    s.add(Setting.latency("load.hog-start", "uniform(1us, 2ms)", "When each hog starts."));
    s.add(Setting.latency("load.hog-run", "uniform(10ms, 40ms)", "How long each hog runs."));
    s.add(
        Setting.latency(
            "load.hog-user",
            "lognormal(200us, 1.0, 5us, 10ms)",
            "A hog's user-mode stretch (preemptible)."));
    s.add(
        Setting.latency(
            "load.hog-kernel",
            "lognormal(20us, 1.0, 1us, 2ms)",
            "A hog's system call (not preemptible)."));
    return s;
  }

  @Override
  public LaidOut build(Settings s) {
    WqConfig cfg = WorkqueueModel.poolConfig(s, s.nanos("workqueue.jiffy"));
    WqSpec spec =
        new WqSpec(
            "wq",
            s.bool("wq.unbound"),
            s.intValue("wq.max-active"),
            s.bool("wq.cpu-intensive"),
            s.bool("wq.mem-reclaim"));
    if (spec.unbound() && spec.maxActive() != 256) {
      throw new BadInputException(
          "wq.max-active="
              + spec.maxActive()
              + ": only per-CPU workqueues are limited in this model"
              + " (set wq.unbound=false; the per-node wq_node_nr_active of unbound workqueues is not modelled)");
    }
    AdminScript script = AdminScript.parse(s.text("wq.script"));
    if (cfg.era() != org.kernsim.actors.workqueue.WqEra.V2026
        && (!script.steps().isEmpty() || spec.memReclaim() || spec.unbound())) {
      // the life cycle (pwq_release_worker, put_unbound_pool() with reap_dying_workers()) and the
      // rescuer are modelled as in 2026 only: 3.18's put_unbound_pool() waits for every worker to
      // detach (detach_completion) and releases pwqs on system_wq
      throw new BadInputException(
          "workqueue.era="
              + cfg.era().key
              + " models per-CPU pools only: wq.script, wq.mem-reclaim and wq.unbound=true need"
              + " workqueue.era=v2026");
    }
    if (spec.memReclaim() && s.intValue("load.pairs") > 0)
      throw new BadInputException(
          "wq.mem-reclaim with load.pairs: the rescuer runs only plain work items in this model");
    if ((long) s.intValue("load.pairs") * s.intValue("load.bursts") >= 100_000)
      throw new BadInputException("load.pairs x load.bursts must stay below 100000");
    int cpus = s.intValue("machine.cpus");
    if (s.intValue("wq.admin-cpu") >= cpus || s.intValue("wq.release-cpu") >= cpus)
      throw new BadInputException(
          "wq.admin-cpu and wq.release-cpu must be below machine.cpus (" + cpus + ")");
    if (Machine.hotplug(s, cpus).enabled())
      // the pools' cpuhp callbacks (workqueue_offline_cpu(): unbind_workers(), POOL_DISASSOCIATED;
      // workqueue_online_cpu(): rebind_workers()) are not part of this model: the machine would
      // migrate a per-CPU kworker off a dying CPU while its pool is still associated, which the
      // kernel never does
      throw new BadInputException(
          "faults.hotplug: the wqlife model has no CPU hotplug callbacks for its pools"
              + " (unbind_workers()/rebind_workers()); leave faults.hotplug.plan empty and"
              + " faults.hotplug.rate at 0");
    WqLoad load =
        new WqLoad(
            s.intValue("load.bursts"),
            s.intValue("load.pairs"),
            s.latency("load.burst-at"),
            s.latency("load.burst-gap"),
            s.intValue("load.items"),
            s.nanos("load.hog-item"),
            s.latency("load.think"),
            s.latency("load.syscall"),
            s.latency("load.item-cpu"),
            s.number("load.item-sleep-probability"),
            s.latency("load.item-sleep"),
            s.bool("load.hogs"),
            s.latency("load.hog-start"),
            s.latency("load.hog-run"),
            s.latency("load.hog-user"),
            s.latency("load.hog-kernel"));
    return new Sim(
        s,
        cfg,
        spec,
        script,
        load,
        s.intValue("wq.admin-cpu"),
        s.intValue("wq.release-cpu") < 0 ? cpus - 1 : s.intValue("wq.release-cpu"));
  }

  /**
   * The workqueue of an item, for the lock-order checker: the workload's items are the workqueue
   * under test's; an idle-cull item is {@code system_unbound_wq}'s ({@code events_unbound}).
   */
  static final class ItemWorkqueues implements org.kernsim.actors.workqueue.WorkqueueNames {
    private final int userBase;
    private final int users;
    private final String name;

    ItemWorkqueues(int userBase, int users, String name) {
      this.userBase = userBase;
      this.users = users;
      this.name = name;
    }

    @Override
    public String of(org.kernsim.protocol.workqueue.WorkItem item) {
      if (item.kind() == org.kernsim.protocol.workqueue.WorkItem.WorkKind.IDLE_CULL)
        return "events_unbound";
      long owner = item.id() >>> 32;
      return owner >= userBase && owner < userBase + users ? name : null;
    }
  }

  /** A built life-cycle run. */
  static final class Sim implements LaidOut {
    final Layout layout;
    final WqTopology topo;
    final WqConfig cfg;
    final WqSpec spec;
    final AdminScript script;
    final WqLoad load;
    final Latency kthreadCreate;
    final long createCooldown;
    final long strandingBound;
    final long progressBound;
    final int poolMutex;
    final int wq;
    final int releaseWorker;
    final int admin;
    final int rescuer;
    final int completions;
    final int userBase;
    final int hogBase;
    final int adminCpu;
    final int releaseCpu;
    final Workload hogs;

    Sim(
        Settings s,
        WqConfig cfg,
        WqSpec spec,
        AdminScript script,
        WqLoad load,
        int adminCpu,
        int releaseCpu) {
      int cpus = s.intValue("machine.cpus");
      this.layout = new Layout(cpus);
      Machine machine = new Machine(s, layout);
      this.topo =
          WqTopology.within(
              layout,
              machine,
              s.intValue("workqueue.worker-slots"),
              spec.unbound() ? script.maxPools() : 0);
      this.cfg = cfg;
      this.spec = spec;
      this.script = script;
      this.load = load;
      this.kthreadCreate = s.latency("workqueue.kthread-create");
      this.createCooldown = s.nanos("workqueue.create-cooldown");
      this.strandingBound = s.nanos("workqueue.stranding-bound");
      this.progressBound = s.nanos("wq.progress-bound");
      this.adminCpu = adminCpu;
      this.releaseCpu = releaseCpu;
      topo.setAttachMutex(layout.add(1, i -> "wq_pool_attach_mutex", i -> 0));
      this.poolMutex = layout.add(1, i -> "wq_pool_mutex", i -> 0);
      this.wq = layout.add(1, i -> spec.name(), i -> 0);
      this.releaseWorker = layout.add(1, i -> "pool_workqueue_release", i -> releaseCpu);
      this.admin = layout.add(1, i -> "admin", i -> adminCpu);
      this.rescuer =
          spec.memReclaim() ? layout.add(1, i -> "kworker/R-" + spec.name(), i -> 0) : -1;
      this.userBase = layout.add(cpus, i -> "user/" + i, i -> i);
      this.hogBase = layout.add(cpus, i -> "hog/" + i, i -> i);
      this.completions = layout.add(1, i -> "completions", i -> 0);
      this.hogs =
          Workload.hogsOnly(
              load.hogs(), load.hogStart(), load.hogRun(), load.hogUser(), load.hogKernel());
    }

    @Override
    public String model() {
      return "wqlife";
    }

    @Override
    public Layout layout() {
      return layout;
    }

    @Override
    public long lookahead() {
      return topo.machine.latencies().min();
    }

    @Override
    public Entity createEntity(int id) {
      Entity e = org.kernsim.actors.smp.MachineEntities.create(topo.machine, id);
      if (e != null) return e;
      Latency lock = topo.machine.latencies().lock();
      if (topo.isPool(id)) {
        int idx = topo.poolIndex(id);
        return new WorkerPool(
            topo,
            idx,
            topo.slotsPerPool,
            cfg,
            wp -> new PoolLife(wp, releaseWorker, idx > topo.cpus));
      }
      if (topo.isWorker(id)) {
        PoolWorker w =
            new PoolWorker(
                topo,
                topo.poolOfWorker(id),
                cfg,
                kthreadCreate,
                createCooldown,
                CompletionWork.registry(completions, lock),
                false);
        w.setWorkqueueNames(new ItemWorkqueues(userBase, topo.cpus, spec.name()));
        return w;
      }
      if (id == completions) return new Completions(lock);
      if (id == topo.attachMutex()) return new KMutex("wq_pool_attach_mutex", lock);
      if (id == poolMutex) {
        int[] pools = new int[topo.extraUnboundPools];
        for (int k = 0; k < pools.length; k++) pools[k] = topo.extraUnboundPool(k + 1);
        return new WqPoolMutex(pools, lock);
      }
      if (id == wq) return new Workqueue(spec.name(), topo.cpus, spec.unbound(), rescuer, lock);
      if (id == releaseWorker) return new PwqReleaseWorker(topo, releaseCpu, poolMutex);
      if (id == admin) return new WqAdmin(topo, adminCpu, wq, poolMutex, rescuer, spec, script);
      if (id == rescuer) return new Rescuer(topo, 0, wq);
      if (id >= userBase && id < userBase + topo.cpus)
        return new WqUser(topo, id - userBase, wq, load, cfg, completions);
      if (id >= hogBase && id < hogBase + topo.cpus) return new Hog(topo, id - hogBase, hogs);
      throw new IllegalStateException("no entity " + id);
    }

    /**
     * A kworker slot does nothing until its pool's create_worker() uses it: made on demand, as in
     * the workqueue model (at 16,384 CPUs the 16 slots per pool made up front were a quarter of the
     * live heap).
     */
    @Override
    public boolean startsIdle(int id) {
      return topo.isWorker(id);
    }

    @Override
    public List<Checker> checkers() {
      int n = topo.entityCount();
      return List.of(
          new NoKickedWorkerCulled(n),
          new NoStrandedWork(topo, strandingBound),
          new NoWakeOfReapedWorker(n),
          new W3Progress(topo),
          new NoUseOfFreedPool(topo),
          new NoKworkerOutlivesPool(topo),
          new MemReclaimProgress(
              userBase, topo.cpus, spec.memReclaim() ? progressBound : Long.MAX_VALUE),
          new org.kernsim.engine.lockdep.Lockdep());
    }

    @Override
    public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (String k :
          List.of(
              "workItemsQueued",
              "workItemsCompleted",
              "kicks",
              "pwqsReleased",
              "poolsCreated",
              "poolsFreed",
              "putUnboundPoolWarns")) {
        out.put(k, 0L);
      }
      out.putAll(merged.counters());
      for (Checker c : checkers) c.contribute(out);
      return out;
    }

    @Override
    public TimelineSpec timeline() {
      return new LifeTimeline(topo, strandingBound);
    }

    @Override
    public org.kernsim.engine.TraceNaming naming() {
      return topo.naming();
    }

    @Override
    public List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
      return STATE_CLASSES;
    }
  }

  /** The machine's, the workqueue's and the life cycle's state classes. */
  static final List<org.kernsim.protocol.kryo.KryoRegistry.Entry> STATE_CLASSES = rows();

  private static List<org.kernsim.protocol.kryo.KryoRegistry.Entry> rows() {
    List<org.kernsim.protocol.kryo.KryoRegistry.Entry> out =
        new ArrayList<>(org.kernsim.actors.smp.MachineState.ROWS);
    out.addAll(org.kernsim.actors.workqueue.WorkqueueState.ROWS);
    out.addAll(WqLifeState.ROWS);
    return List.copyOf(out);
  }
}
