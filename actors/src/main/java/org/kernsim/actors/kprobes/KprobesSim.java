package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.machine.LaidOut;
import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.smp.MachineEntities;
import org.kernsim.actors.workqueue.NoKickedWorkerCulled;
import org.kernsim.actors.workqueue.NoStrandedWork;
import org.kernsim.actors.workqueue.NoWakeOfReapedWorker;
import org.kernsim.actors.workqueue.PoolWorker;
import org.kernsim.actors.workqueue.W3Progress;
import org.kernsim.actors.workqueue.W7Pending;
import org.kernsim.actors.workqueue.WorkerPool;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.engine.TraceNaming;
import org.kernsim.engine.lockdep.Lockdep;

/**
 * A built kprobes simulation: the machine (CPUs, stop_machine, RCU), then the kprobe manager,
 * CodeMemory, the optimizer's task, the admin task and one workload task per CPU. With {@code
 * kprobes.optimizer=workqueue} there is no optimizer task: the workqueue model's pools and kworker
 * slots follow (the system workqueue: {@code optimizing_work} runs on a kworker of the pool of the
 * CPU whose timer fired), and, if configured, the other {@code system_wq} work of one CPU.
 */
final class KprobesSim implements LaidOut {
  private final KprobesConfig cfg;
  private final Layout layout;
  private final Machine machine;
  private final int manager;
  private final int codeMemory;
  private final int optimizer;
  private final int admin;
  private final int workloadBase;

  /** The system workqueue (optimizer=workqueue), or null. */
  private final WqTopology wq;

  private final int otherWork;

  /** The RCU-tasks grace-period kthread (the int3 kernels), or -1. */
  private final int rcuTasks;

  /** The exiting init task of the admin's PID namespace ({@code kprobes.ns-init-exit}), or -1. */
  private final int nsInit;

  /**
   * The CPUs' view before any publication ({@link CpuCodeView.Version}): one for all of them, so
   * the versions that follow are shared. Held in a JDK container, which the snapshot's {@code
   * Environment} does not enter: the versions that follow it are run state, not configuration.
   */
  private final java.util.concurrent.atomic.AtomicReference<CpuCodeView.Version> initialView;

  /**
   * The addresses the CPUs execute ({@link KprobesConfig#executedAddresses}): one array for all of
   * them (20,000 probes made it 80 KB per CPU when each CPU had its own).
   */
  private final int[] executedAddresses;

  /** The view every CPU starts from. */
  CpuCodeView.Version initialView() {
    return initialView.get();
  }

  /** The addresses every CPU's workload executes (shared; never changed). */
  int[] executedAddresses() {
    return executedAddresses;
  }

  /** v2.6.36-v2.6.38 CPU hotplug ({@code faults.hotplug.plan}): its writer and locks, or -1. */
  private final int hotplug26;

  KprobesSim(KprobesConfig cfg, Machine.Latencies latencies, int numaNodes) {
    this.initialView =
        new java.util.concurrent.atomic.AtomicReference<>(
            CpuCodeView.Version.initial(cfg.addresses()));
    this.executedAddresses = cfg.executedAddresses();
    this.cfg = cfg;
    this.layout = new Layout(cfg.cpus());
    this.machine = new Machine(cfg.cpus(), numaNodes, latencies, layout);
    this.manager = layout.add(1, i -> "kprobe_manager", i -> 0);
    // the API callers keep their CPU in __stop_machine() until num_threads is counted (CallerCpu)
    machine.withStopMachineCountedTo(manager);
    this.codeMemory = layout.add(1, i -> "code_memory", i -> 0);
    int optCpu = cfg.optimizerCpu();
    this.optimizer =
        cfg.dedicatedOptimizer() ? layout.add(1, i -> "kprobe-optimizer", i -> optCpu) : -1;
    int adminCpu = cfg.adminCpu();
    this.admin = layout.add(1, i -> "admin", i -> adminCpu);
    this.workloadBase = layout.add(cfg.cpus(), i -> "workload/" + i, i -> i);
    this.rcuTasks =
        cfg.core().kernel().modern() ? layout.add(1, i -> "rcu_tasks_kthread", i -> 0) : -1;
    this.nsInit = cfg.nsInitExitAt() > 0 ? layout.add(1, i -> "ns_init", i -> adminCpu) : -1;
    if (cfg.hotplug26() != null) {
      this.hotplug26 = layout.add(1, i -> "cpu_hotplug", i -> 0);
      machine.withHotplug26();
    } else {
      this.hotplug26 = -1;
    }
    if (cfg.dedicatedOptimizer()) {
      this.wq = null;
      this.otherWork = -1;
    } else {
      int otherCpu = cfg.otherWork().cpu();
      this.otherWork =
          cfg.otherWork().items() > 0
              ? layout.add(1, i -> "other_work/" + otherCpu, i -> otherCpu)
              : -1;
      this.wq = WqTopology.within(layout, machine, cfg.wq().slots());
    }
  }

  /** The system workqueue's pools and kworkers (optimizer=workqueue), or null. */
  WqTopology workqueue() {
    return wq;
  }

  int otherWork() {
    return otherWork;
  }

  /** The CPU a task of this simulation runs on (the kicking CPU of a kprobe_mutex section). */
  int cpuOf(int entity) {
    if (entity == admin) return cfg.adminCpu();
    if (entity == optimizer) return cfg.optimizerCpu();
    if (wq != null && wq.isWorker(entity)) return Math.max(0, wq.poolCpu(wq.poolOfWorker(entity)));
    return 0;
  }

  KprobesConfig config() {
    return cfg;
  }

  Machine machine() {
    return machine;
  }

  int manager() {
    return manager;
  }

  int codeMemory() {
    return codeMemory;
  }

  int optimizerHost() {
    return optimizer;
  }

  /** The sequencing of one optimizer run, with this kernel's grace period for Step 2. */
  OptimizerRun optimizerRun() {
    return rcuTasks >= 0
        ? new OptimizerRun(manager, rcuTasks, true)
        : new OptimizerRun(manager, machine.rcu(), false);
  }

  int rcuTasks() {
    return rcuTasks;
  }

  /** The admin's exiting PID-namespace init task, or -1. */
  int nsInit() {
    return nsInit;
  }

  int admin() {
    return admin;
  }

  /** The v2.6.36-v2.6.38 hotplug writer and lock owner, or -1. */
  int hotplug26() {
    return hotplug26;
  }

  int workload(int cpu) {
    return workloadBase + cpu;
  }

  @Override
  public String model() {
    return "kprobes";
  }

  @Override
  public Layout layout() {
    return layout;
  }

  @Override
  public Entity createEntity(int id) {
    Entity e = MachineEntities.create(machine, id);
    if (e != null) return e;
    if (id == manager) return new KprobeManager(this);
    if (id == codeMemory) return new CodeMemory(this);
    if (id == optimizer) return new OptimizerWorker(this, cfg.optimizerCpu());
    if (id == admin) return new AdminTask(this, cfg.adminCpu());
    if (id >= workloadBase && id < workloadBase + cfg.cpus())
      return new ProbeWorkload(this, id - workloadBase);
    if (id == otherWork) return new OtherWork(this);
    if (id == nsInit) return new NsInitExit(this);
    if (id == hotplug26) {
      int[] listeners = new int[cfg.cpus()];
      for (int c = 0; c < cfg.cpus(); c++) listeners[c] = workload(c);
      KprobesConfig.Hotplug26 h = cfg.hotplug26();
      return new org.kernsim.actors.cpuhotplug26.Hotplug26(
          machine,
          h.era(),
          entityCount(),
          h.plan(),
          h.rate(),
          h.downtime(),
          h.randomCpus(),
          listeners,
          h.bringup(),
          h.die());
    }
    if (id == rcuTasks) {
      return new org.kernsim.actors.rcutasks.RcuTasks(
          machine.rcu(),
          machine.latencies().lock(),
          cfg.rcuTasksHoldoutWait(),
          cfg.core().kernel().rcuTasksExitSrcu());
    }
    if (wq != null) {
      KprobesConfig.Wq w = cfg.wq();
      if (wq.isPool(id)) return new WorkerPool(wq, wq.poolIndex(id), wq.slotsPerPool, w.pools());
      if (wq.isWorker(id)) {
        return new PoolWorker(
            wq,
            wq.poolOfWorker(id),
            w.pools(),
            w.kthreadCreate(),
            w.createCooldown(),
            OptimizerFunction.registry(this),
            w.runToCompletion());
      }
    }
    throw new IllegalArgumentException("no entity " + id);
  }

  /** A kworker slot does nothing until its pool's create_worker() uses it: made on demand. */
  @Override
  public boolean startsIdle(int id) {
    return wq != null && wq.isWorker(id);
  }

  @Override
  public long lookahead() {
    return machine.latencies().min();
  }

  @Override
  public List<Checker> checkers() {
    List<Checker> out =
        new ArrayList<>(
            List.of(
                new Checkers.K5JumpOnlyAfterGracePeriod(),
                new Checkers.K6NoDetourFreedWhileInUse(),
                new Checkers.NoHalfPatchedCodeObserved(),
                new Checkers.AdminScriptCompletes(),
                new Checkers.UnregisterCost(),
                new Lockdep()));
    if (wq != null) {
      int n = entityCount();
      out.add(new NoKickedWorkerCulled(n));
      out.add(new NoStrandedWork(wq, cfg.wq().strandingBound()));
      out.add(new NoWakeOfReapedWorker(n));
      out.add(new W3Progress(wq));
      out.add(new W7Pending());
      out.add(new OtherWorkLatency(this));
    }
    return out;
  }

  @Override
  public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Long> c = merged.counters();
    for (String k :
        List.of(
            "stopMachineCount",
            "stopMachineStallNanos",
            "probeHitsInt3",
            "probeHitsJump",
            "optimizerPasses")) {
      out.put(k, c.getOrDefault(k, 0L));
    }
    out.putAll(c);
    for (String h : List.of("probeHitNanos", "probeHitNanos.duringPatch")) {
      org.HdrHistogram.Histogram hist = merged.histograms().get(h);
      if (hist == null || hist.getTotalCount() == 0) continue;
      out.put(h + ".count", hist.getTotalCount());
      out.put(h + ".p50", hist.getValueAtPercentile(50));
      out.put(h + ".p99", hist.getValueAtPercentile(99));
      out.put(h + ".max", hist.getMaxValue());
    }
    for (Checker ch : checkers) ch.contribute(out);
    return out;
  }

  @Override
  public TimelineSpec timeline() {
    return KprobesTimeline.spec(this);
  }

  /**
   * The names in the kprobes model's messages and notes, on top of the machine's (and the system
   * workqueue's): {@code probe}, {@code probes}, {@code children} and an aggregator's {@code op}
   * are probes ({@code p3@0x1040} for the scenario's probe 3; an aggregator {@code aggr1@0x1040}),
   * {@code addr} is a text address; owners, hosts and requesters are entities.
   */
  @Override
  public TraceNaming naming() {
    TraceNaming base = wq != null ? wq.naming() : machine.naming(layout);
    TraceNaming.Builder b =
        TraceNaming.builder()
            .field(TraceNaming.Kind.ENTITY, "owner", "host")
            .field(TraceNaming.Kind.PROBE, "probe", "probes", "children")
            .field(TraceNaming.Kind.ADDRESS, "addr")
            .in("KprobeNote.StopMachineCalled", "probes", null)
            .probes(this::probeName)
            .addresses(a -> "0x" + Integer.toHexString(a));
    for (String t :
        List.of(
            "CodeChange.JumpWrite",
            "CodeChange.JumpRestore",
            "CodeChange.OpFreed",
            "KprobeNote.OpUnreachable",
            "KprobeNote.AggrFreed",
            "KprobeNote.CodeWritten")) {
      b.in(t, "op", TraceNaming.Kind.PROBE);
    }
    return base.and(b.build()).and(Lockdep.naming());
  }

  /** The scenario's probe {@code id} ({@code p3@0x1040}), or an aggregator ({@code aggr1}). */
  String probeName(int id) {
    if (id >= 1_000_000) return "aggr" + (id - 1_000_000);
    if (id >= cfg.probes().size()) return null;
    ProbeDef d = cfg.probes().get(id);
    return d.name() + "@0x" + Integer.toHexString(d.addr());
  }

  /** The machine's, the workqueue's (optimizer=workqueue) and the kprobes model's. */
  private static final List<org.kernsim.protocol.kryo.KryoRegistry.Entry> STATE_CLASSES;

  static {
    List<org.kernsim.protocol.kryo.KryoRegistry.Entry> all =
        new ArrayList<>(org.kernsim.actors.smp.MachineState.ROWS);
    all.addAll(org.kernsim.actors.workqueue.WorkqueueState.ROWS);
    all.addAll(KprobesState.ROWS);
    all.addAll(org.kernsim.actors.cpuhotplug26.Hotplug26State.ROWS);
    STATE_CLASSES = List.copyOf(all);
  }

  @Override
  public List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
    return STATE_CLASSES;
  }

  @Override
  public List<org.kernsim.engine.Obligation> obligations() {
    List<org.kernsim.engine.Obligation> all =
        new ArrayList<>(org.kernsim.actors.smp.MachineState.OBLIGATIONS);
    all.addAll(KprobesState.OBLIGATIONS);
    if (hotplug26 >= 0) all.addAll(org.kernsim.actors.cpuhotplug26.Hotplug26State.OBLIGATIONS);
    if (wq != null) all.addAll(org.kernsim.actors.workqueue.WorkqueueState.OBLIGATIONS);
    return all;
  }
}
