package org.kernsim.actors.machine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.kernsim.engine.Latency;
import org.kernsim.engine.TraceNaming;
import org.kernsim.protocol.hotplug.CpuhpState;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * The simulated machine every kernel model runs on: {@code machine.cpus} CPUs in {@code
 * machine.numa-nodes} NUMA nodes, one stop_machine barrier (with one acknowledgement combiner per
 * NUMA node) and the RCU-sched core; with the latency model of spec D.3; and, when the fault plan
 * hotplugs CPUs ({@link HotplugConfig}), the hotplug controller {@code cpuhp} and (2026 kernel) one
 * hotplug thread {@code cpuhp/N} per CPU. A model adds its own entities to the same {@link Layout}
 * after the machine's, and registers its hotplug callbacks ({@link #cpuhpSetupState}).
 */
public final class Machine {

  /** The machine's latency classes (spec D.3). */
  public record Latencies(
      Latency lock,
      Latency wakeup,
      Latency ctxswitch,
      Latency ipi,
      Latency local,
      Latency stopRound,
      Latency gpDelay,
      long wakeupGranularity,
      double preemptFaultsPerSecond,
      Latency preemptFaultDuration) {

    public Latencies(
        Latency lock,
        Latency wakeup,
        Latency ctxswitch,
        Latency ipi,
        Latency local,
        Latency stopRound,
        Latency gpDelay,
        long wakeupGranularity) {
      this(
          lock,
          wakeup,
          ctxswitch,
          ipi,
          local,
          stopRound,
          gpDelay,
          wakeupGranularity,
          0,
          Latency.fixed(1));
    }

    /** The smallest cross-entity delay any of them can produce. */
    public long min() {
      long m = Long.MAX_VALUE;
      for (Latency l : List.of(lock, wakeup, ctxswitch, ipi, local, stopRound))
        m = Math.min(m, l.min());
      return m;
    }
  }

  public static List<Setting> settings() {
    return List.of(
        Setting.integer("machine.cpus", 1, 65_536, 4, "Number of CPUs."),
        Setting.integer(
                "machine.numa-nodes",
                1,
                4096,
                1,
                "NUMA nodes; CPUs are split evenly, and stop_machine combines acknowledgements per node.")
            .atMost("machine.cpus"),
        Setting.latency(
            "latency.lock",
            "uniform(100ns, 400ns)",
            "Acquiring a lock held in another actor's domain (a cache-line transfer): every critical-section request."),
        Setting.latency(
            "latency.wakeup",
            "lognormal(5us, 0.8, 1us, 200us)",
            "From runnable to running on an idle CPU (idle exit and context switch)."),
        Setting.latency(
            "latency.ctxswitch",
            "uniform(1us, 2us)",
            "Switching to the next runnable task on a CPU that was busy."),
        Setting.latency(
            "latency.ipi",
            "lognormal(2us, 0.5, 500ns, 50us)",
            "An inter-processor interrupt: a preemption request or a stopper wake-up on another CPU."),
        Setting.latency(
            "latency.local", "fixed(100ns)", "A message between a CPU and the task it runs."),
        Setting.latency(
            "latency.stop-round",
            "uniform(100ns, 300ns)",
            "One hop of a stop_machine barrier round (a contended cache line)."),
        Setting.latency(
            "rcu.gp-delay",
            "lognormal(4ms, 0.6, 1ms, 30ms)",
            "Delay before the RCU grace-period kthread starts a requested grace period (jiffy-driven)."),
        Setting.duration(
            "sched.wakeup-granularity",
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ofMillis(1),
            "A woken task preempts the running one only after that one ran this long (CFS wakeup granularity)."),
        Setting.number(
            "faults.preempt.rate",
            0,
            1e7,
            0.0,
            "Fault plan: per CPU and second of running a task, how often that task is preempted at its next preemption point and"
                + " the CPU taken away (an interrupt storm, a real-time task)."),
        Setting.latency(
            "faults.preempt.duration",
            "uniform(10us, 500us)",
            "Fault plan: how long the CPU is taken away."),
        Setting.choice(
            "hotplug.kernel",
            HotplugConfig.Kernel.keys(),
            "mainline-2026",
            "Version of the CPU-hotplug code (kernel/cpu.c and the models' hotplug callbacks), each one kernel version"
                + " whole: mainline-2026 = the cpuhp state machine, percpu-rwsem cpu_hotplug_lock, balance_push (the kernel seed"
                + " 001 applies to); v3.8 = CPU notifiers, get_online_cpus() refcount, wq_unbind_fn() before eb2834285cf1;"
                + " v3.9 = the same with that fix."),
        Setting.latency(
            "hotplug.bringup",
            "lognormal(1ms, 0.5, 200us, 20ms)",
            "__cpu_up(): from kicking the AP (INIT/SIPI) to the AP online and idle."),
        Setting.latency(
            "hotplug.die",
            "uniform(5us, 50us)",
            "From the dying CPU leaving stop_machine to __cpu_die() returning (cpuhp_report_idle_dead)."),
        Setting.text(
            "faults.hotplug.plan",
            "",
            "Fault plan: CPU hotplug at given times, comma-separated 'TIME down CPU' / 'TIME up CPU' (e.g."
                + " '300ms down 1, 350ms up 1'); remove_cpu()/add_cpu() as from sysfs."),
        Setting.number(
            "faults.hotplug.rate",
            0,
            1e6,
            0.0,
            "Fault plan: random cpu_down() per second of virtual time (machine-wide), of a random online CPU other"
                + " than CPU 0, brought back up after faults.hotplug.downtime; drawn from the hotplug entity's own"
                + " stream."),
        Setting.latency(
            "faults.hotplug.downtime",
            "uniform(1ms, 20ms)",
            "Fault plan: how long a randomly offlined CPU stays offline."),
        Setting.choice(
            "sched.wake-placement",
            org.kernsim.actors.placement.Placement.keys(),
            "prev-cpu",
            "Where a woken task allowed on several CPUs (an unbound kworker) runs: prev-cpu = the CPU it"
                + " last ran on (not a kernel: the model before placement; an unbound kworker stays where it"
                + " was created); select-idle-sibling = v6.13.7 select_task_rq_fair(): prev_cpu if idle, else"
                + " the first idle CPU of its LLC (NUMA node) after it, else prev_cpu (WA_WEIGHT and SIS_UTIL"
                + " not modelled)."),
        Setting.choice(
            "timer.wheel",
            org.kernsim.actors.timer.TimerConfig.Wheel.keys(),
            "exact",
            "When the models' timer_list timers run: exact = at their expiry (not a kernel: the model before"
                + " the wheel); v6.13 = kernel/time/timer.c of v6.13.7: expiry rounded up to the wheel"
                + " bucket (calc_wheel_index(); 300 s lands in level 5, 32.768 s buckets at HZ=1000), and a"
                + " TIMER_DEFERRABLE timer (the workqueue idle timer) waits on its idle CPU until the first"
                + " tick after that CPU leaves idle."),
        Setting.number(
            "irq.rate",
            0,
            1e7,
            0.0,
            "Per CPU and second of running a task: device and timer interrupts (Poisson). Each takes"
                + " irq.duration of the CPU from the running task; one that arrives while the task has"
                + " interrupts off (spinning on a lock taken with raw_spin_lock_irq()) is delivered when"
                + " raw_spin_unlock_irq() enables them. 0 = none (the model before interrupts)."),
        Setting.latency(
            "irq.duration",
            "lognormal(4us, 0.7, 1us, 100us)",
            "CPU time of one interrupt: the hardirq handler and the softirq work run at its exit."),
        Setting.integer(
            "timer.jiffies-at-start",
            -1,
            Long.MAX_VALUE,
            -1,
            "timer.wheel = v6.13: the absolute jiffies at virtual time 0 (the wheel's buckets are aligned on"
                + " it); -1 = INITIAL_JIFFIES, the run starts at boot (jiffies wrap 300 s later)."));
  }

  /** {@code sched.wake-placement}. */
  public static org.kernsim.actors.placement.Placement placement(Settings s) {
    return org.kernsim.actors.placement.Placement.of(s.text("sched.wake-placement"));
  }

  /** {@code irq.rate}, {@code irq.duration}. */
  public static IrqLoad irqLoad(Settings s) {
    return new IrqLoad(s.number("irq.rate"), s.latency("irq.duration"));
  }

  /** A per-CPU interrupt load: Poisson arrivals while a task runs, each taking {@code duration}. */
  public record IrqLoad(double perSecond, org.kernsim.engine.Latency duration) {
    public static final IrqLoad NONE = new IrqLoad(0, org.kernsim.engine.Latency.fixed(1));

    public boolean on() {
      return perSecond > 0;
    }
  }

  /** {@code timer.wheel}, {@code timer.jiffies-at-start}. */
  public static org.kernsim.actors.timer.TimerConfig timers(Settings s) {
    return new org.kernsim.actors.timer.TimerConfig(
        org.kernsim.actors.timer.TimerConfig.Wheel.of(s.text("timer.wheel")),
        s.longValue("timer.jiffies-at-start"));
  }

  /** The hotplug configuration of {@code s} (for a machine of {@code cpus} CPUs). */
  public static HotplugConfig hotplug(Settings s, int cpus) {
    HotplugConfig h =
        new HotplugConfig(
            HotplugConfig.Kernel.of(s.text("hotplug.kernel")),
            HotplugConfig.parsePlan(s.text("faults.hotplug.plan"), cpus),
            s.number("faults.hotplug.rate"),
            s.latency("faults.hotplug.downtime"),
            s.latency("hotplug.bringup"),
            s.latency("hotplug.die"));
    if (h.kernel().notifiers()) {
      boolean up = s.number("faults.hotplug.rate") > 0;
      for (HotplugConfig.PlanEntry e : h.plan()) up |= e.up();
      if (up) {
        throw new org.kernsim.scenario.BadInputException(
            "hotplug.kernel = "
                + h.kernel().key()
                + " models cpu_down() only (its CPU_ONLINE path, workqueue's rebind_workers() with"
                + " idle_worker_rebind() and busy_worker_rebind_fn(), is not modelled): remove the"
                + " 'up' entries of faults.hotplug.plan and faults.hotplug.rate");
      }
    }
    return h;
  }

  public static Latencies latencies(Settings s) {
    return new Latencies(
        s.latency("latency.lock"),
        s.latency("latency.wakeup"),
        s.latency("latency.ctxswitch"),
        s.latency("latency.ipi"),
        s.latency("latency.local"),
        s.latency("latency.stop-round"),
        s.latency("rcu.gp-delay"),
        s.nanos("sched.wakeup-granularity"),
        s.number("faults.preempt.rate"),
        s.latency("faults.preempt.duration"));
  }

  private final int cpus;
  private final int numaNodes;
  private final Latencies latencies;
  private final int cpuBase;
  private final int nodeBase;
  private final int stopMachine;
  private final int rcu;
  private final HotplugConfig hotplug;
  private final int cpuhp;
  private final int cpuhpThreadBase;
  private final List<CpuhpCallback> callbacks = new ArrayList<>();
  private org.kernsim.actors.placement.Placement placement =
      org.kernsim.actors.placement.Placement.PREV_CPU;
  private org.kernsim.actors.timer.TimerConfig timers = org.kernsim.actors.timer.TimerConfig.EXACT;
  private IrqLoad irqs = IrqLoad.NONE;

  /**
   * A model's callback for a hotplug state ({@code cpuhp_setup_state()}, or a CPU notifier in the
   * v3.8 era): for CPU {@code cpu} the entity {@code handler.applyAsInt(cpu)} gets {@code
   * HotplugMessage.CpuhpCallback} and answers {@code CpuhpCallbackDone}.
   */
  public record CpuhpCallback(
      CpuhpState state, String name, IntUnaryOperator handler, boolean startup, boolean teardown) {}

  /**
   * Adds the machine's entities to {@code layout}: CPUs, NUMA combiners, stop_machine, RCU, and the
   * hotplug entities if the fault plan hotplugs CPUs.
   */
  public Machine(Settings s, Layout layout) {
    this(
        s.intValue("machine.cpus"),
        s.intValue("machine.numa-nodes"),
        latencies(s),
        hotplug(s, s.intValue("machine.cpus")),
        layout);
    placeAndTime(placement(s), timers(s)).interrupts(irqLoad(s));
  }

  /** Sets the per-CPU interrupt load (while building). */
  public Machine interrupts(IrqLoad irqs) {
    this.irqs = irqs;
    return this;
  }

  /** {@code irq.rate}, {@code irq.duration}. */
  public IrqLoad irqs() {
    return irqs;
  }

  /**
   * Sets the wake-up placement and the timer wheel (while building; the {@code Settings}
   * constructor does it from {@code sched.wake-placement} and {@code timer.*}).
   */
  public Machine placeAndTime(
      org.kernsim.actors.placement.Placement placement,
      org.kernsim.actors.timer.TimerConfig timers) {
    this.placement = placement;
    this.timers = timers;
    return this;
  }

  /** {@code sched.wake-placement}. */
  public org.kernsim.actors.placement.Placement placement() {
    return placement;
  }

  /** {@code timer.wheel}. */
  public org.kernsim.actors.timer.TimerConfig timers() {
    return timers;
  }

  public Machine(int cpus, int numaNodes, Latencies latencies, Layout layout) {
    this(cpus, numaNodes, latencies, HotplugConfig.NONE, layout);
  }

  public Machine(
      int cpus, int numaNodes, Latencies latencies, HotplugConfig hotplug, Layout layout) {
    if (numaNodes > cpus)
      throw new org.kernsim.scenario.BadInputException(
          "machine.numa-nodes (" + numaNodes + ") cannot exceed machine.cpus (" + cpus + ")");
    this.cpus = cpus;
    this.numaNodes = numaNodes;
    this.latencies = latencies;
    this.hotplug = hotplug;
    this.cpuBase = layout.add(cpus, i -> "cpu" + i, i -> i);
    this.nodeBase = layout.add(numaNodes, n -> "numa" + n, n -> firstCpuOfNode(n));
    this.stopMachine = layout.add(1, i -> "stop_machine", i -> 0);
    this.rcu = layout.add(1, i -> "rcu", i -> 0);
    if (hotplug.enabled()) {
      this.cpuhp = layout.add(1, i -> "cpuhp", i -> 0);
      this.cpuhpThreadBase =
          hotplug.kernel().notifiers() ? -1 : layout.add(cpus, i -> "cpuhp/" + i, i -> i);
    } else {
      this.cpuhp = -1;
      this.cpuhpThreadBase = -1;
    }
  }

  // ------------------------------------------------------------------ hotplug

  public HotplugConfig hotplug() {
    return hotplug;
  }

  /**
   * Whether CPUs come and go in this run. Without hotplug nothing takes {@code cpu_hotplug_lock}
   * for real: its read side is a per-CPU count that costs no cross-CPU traffic, so callers treat it
   * as taken at once.
   */
  public boolean hotplugEnabled() {
    return hotplug.enabled();
  }

  private boolean hotplug26;

  /**
   * CPU hotplug of v2.6.36-v2.6.38 runs in this machine ({@code org.kernsim.actors.cpuhotplug26},
   * driven by a model): {@code stop_machine} follows the CPU views that hotplug sends it ({@code
   * cpu_online_mask}, each stopper's {@code enabled}), and takes no hotplug lock for its callers
   * (they take {@code get_online_cpus()} themselves, as those kernels' callers do).
   */
  public Machine withHotplug26() {
    this.hotplug26 = true;
    return this;
  }

  /** See {@link #withHotplug26()}. */
  public boolean hotplug26() {
    return hotplug26;
  }

  private int stopMachineCountedTo = -1;

  /**
   * {@code stop_machine} tells {@code entity}, when one of its requests has counted {@code
   * num_threads}, that its caller may sleep ({@code StopMachineMessage.Counted}): a caller that
   * runs {@code __stop_machine()} on its own CPU keeps the CPU until there (the kprobes manager's
   * API callers). No other requester is told, so nothing else changes.
   */
  public Machine withStopMachineCountedTo(int entity) {
    this.stopMachineCountedTo = entity;
    return this;
  }

  /** See {@link #withStopMachineCountedTo(int)}; -1 if none. */
  public int stopMachineCountedTo() {
    return stopMachineCountedTo;
  }

  /** The hotplug controller entity ({@code cpu_down()}/{@code cpu_up()}, the lock), or -1. */
  public int cpuhp() {
    return cpuhp;
  }

  /** The entity of {@code cpuhp/i}, the hotplug thread of CPU {@code i} (2026 kernel), or -1. */
  public int cpuhpThread(int i) {
    return cpuhpThreadBase < 0 ? -1 : cpuhpThreadBase + i;
  }

  public boolean isCpuhpThread(int entity) {
    return cpuhpThreadBase >= 0 && entity >= cpuhpThreadBase && entity < cpuhpThreadBase + cpus;
  }

  /**
   * {@code cpuhp_setup_state(state, name, startup, teardown)} (v3.8: {@code cpu_notifier()} for a
   * notifier event): the model's entity {@code handler(cpu)} runs {@code state}'s callbacks for CPU
   * {@code cpu}; {@code startup} and {@code teardown} say which of the two exist. Call it while
   * building the simulation; callbacks of one state run in registration order.
   */
  public void cpuhpSetupState(
      CpuhpState state, String name, IntUnaryOperator handler, boolean startup, boolean teardown) {
    callbacks.add(new CpuhpCallback(state, name, handler, startup, teardown));
  }

  /** The callbacks registered for {@code state}, in registration order. */
  public List<CpuhpCallback> cpuhpCallbacks(CpuhpState state) {
    List<CpuhpCallback> out = new ArrayList<>();
    for (CpuhpCallback c : callbacks) if (c.state() == state) out.add(c);
    return out;
  }

  public int cpus() {
    return cpus;
  }

  /**
   * The names in the machine's messages and notes ({@code CpuMessage}, {@code CpuNote}, {@code
   * StopMachineMessage}, {@code RcuMessage}, {@code FaultInjected}): tasks, wakers and requesters
   * are entities, {@code cpu} is a CPU index; the {@code from}/{@code to} of a context switch are
   * tasks. Models add their own fields with {@link TraceNaming#and}.
   */
  public TraceNaming naming(Layout layout) {
    return TraceNaming.builder()
        .field(TraceNaming.Kind.ENTITY, "task", "waker", "requester", "src", "dst", "fnTarget")
        .field(TraceNaming.Kind.CPU, "cpu", "activeCpu")
        .in("CpuNote.Switch", "from", TraceNaming.Kind.ENTITY)
        .in("CpuNote.Switch", "to", TraceNaming.Kind.ENTITY)
        .in("CpuNote.TimeStolen", "from", TraceNaming.Kind.ENTITY)
        // CPU hotplug: lock holders and waiters are tasks; a pushed task moves between CPUs
        .field(TraceNaming.Kind.ENTITY, "holder", "writer", "replyTo")
        .in("HotplugNote.TaskPushed", "from", TraceNaming.Kind.CPU)
        .in("HotplugNote.TaskPushed", "to", TraceNaming.Kind.CPU)
        .in("CpuMessage.MigrateTask", "toCpu", TraceNaming.Kind.CPU)
        .cpus(i -> i < cpus ? layout.name(cpu(i)) : null)
        .build();
  }

  public int numaNodes() {
    return numaNodes;
  }

  public Latencies latencies() {
    return latencies;
  }

  /** The entity id of CPU {@code i}. */
  public int cpu(int i) {
    return cpuBase + i;
  }

  public boolean isCpu(int entity) {
    return entity >= cpuBase && entity < cpuBase + cpus;
  }

  /** The CPU index of entity {@code entity} (which must be a CPU). */
  public int cpuIndex(int entity) {
    return entity - cpuBase;
  }

  public int numaNode(int n) {
    return nodeBase + n;
  }

  public int nodeOfCpu(int i) {
    return (int) ((long) i * numaNodes / cpus);
  }

  public int firstCpuOfNode(int n) {
    return (int) (((long) n * cpus + numaNodes - 1) / numaNodes);
  }

  public int stopMachine() {
    return stopMachine;
  }

  public int rcu() {
    return rcu;
  }

  /** Whether {@code id} is one of the NUMA nodes' stop_machine combiners. */
  public boolean isNumaNode(int id) {
    return id >= nodeBase && id < nodeBase + numaNodes;
  }

  /** The NUMA node index of combiner entity {@code id}. */
  public int numaNodeIndex(int id) {
    return id - nodeBase;
  }

  /** The CPU ids of NUMA node {@code n}. */
  public int[] cpusOfNode(int n) {
    int first = firstCpuOfNode(n);
    int last = n + 1 == numaNodes ? cpus : firstCpuOfNode(n + 1);
    int[] out = new int[last - first];
    for (int i = 0; i < out.length; i++) out[i] = first + i;
    return out;
  }
}
