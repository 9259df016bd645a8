package org.kernsim.actors.kprobes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Latency;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/** The kprobes model's settings, read once from a scenario. */
record KprobesConfig(
    int cpus,
    long jiffyNanos,
    int optimizeDelayJiffies,
    KprobeCore.Config core,
    boolean waitFlush,
    boolean rekickLocked,
    boolean dedicatedOptimizer,
    boolean disabledChecks,
    List<ProbeDef> probes,
    List<Integer> bulk,
    Map<String, Integer> names,
    List<Script.Step> script,
    int adminCpu,
    int optimizerCpu,
    Latency kernelSection,
    int slowCpu,
    Latency slowSection,
    Latency userTime,
    int hitsPerSection,
    long int3HitNanos,
    long int3DetourHitNanos,
    long jumpHitNanos,
    long textPokeNanos,
    long ipiSyncNanos,
    long rcuTasksHoldoutWait,
    long nsInitExitAt,
    Wq wq,
    OtherWork otherWork,
    Hotplug26 hotplug26) {

  /**
   * CPU hotplug of the run's kernel, v2.6.36-v2.6.38 only ({@code faults.hotplug.plan} and {@code
   * faults.hotplug.rate}; {@code org.kernsim.actors.cpuhotplug26}): the plan, the random {@code
   * cpu_down()}s per second of virtual time and how long such a CPU stays offline ({@code
   * faults.hotplug.downtime}), the CPUs a random {@code cpu_down()} may pick ({@code randomCpus}:
   * not CPU 0, not the admin's or the optimizer's), {@code hotplug.bringup} (the AP's boot, from
   * {@code do_boot_cpu()} to {@code start_secondary()} setting it online) and {@code hotplug.die}
   * (from the dying CPU leaving the stop to {@code play_dead()} setting {@code CPU_DEAD}).
   */
  record Hotplug26(
      org.kernsim.actors.cpuhotplug26.Programs26.Era era,
      List<org.kernsim.actors.machine.HotplugConfig.PlanEntry> plan,
      double rate,
      Latency downtime,
      int[] randomCpus,
      Latency bringup,
      Latency die) {}

  /**
   * With {@code kprobes.optimizer=workqueue}: the system workqueue's pools and kworkers (the
   * workqueue model's {@code workqueue.*} settings). {@code runToCompletion}: the ablation {@code
   * kprobes.ablation=kworker-run-to-completion}.
   */
  record Wq(
      org.kernsim.actors.workqueue.WqConfig pools,
      int slots,
      Latency kthreadCreate,
      long createCooldown,
      long strandingBound,
      boolean runToCompletion) {}

  /**
   * Other {@code system_wq} work: {@code items} work items queued on {@code cpu}'s per-CPU pool
   * from a timer, one every {@code period} from {@code start}; each spends {@code itemCpu}, maybe
   * sleeps.
   */
  record OtherWork(
      int items,
      int cpu,
      long start,
      Latency period,
      Latency itemCpu,
      double sleepProbability,
      Latency itemSleep,
      long latencyBound) {}

  static final String DEFAULT_SCRIPT = "register all; wait 30ms; unregister all; wait 40ms; audit";

  static List<Setting> settings() {
    List<Setting> s = new ArrayList<>(Machine.settings());
    s.add(
        Setting.integer(
            "kernel.hz", 100, 10_000, 1000, "Timer ticks per second: a jiffy is 1/HZ s."));
    s.add(
        Setting.choice(
            "kprobes.kernel",
            Kernel.labels(),
            Kernel.V2_6_38.label(),
            "The kernel whose kprobes code runs, whole: 2.6.36 and 2.6.37 = before the seed (each un-optimisation is "
                + "its own text_poke_smp(), one stop_machine, in the caller; the optimizer optimises per probe; no "
                + "batching, no re-kick, no optimizer_comp); 2.6.38 = the seed 6274de4984a6 with its batching "
                + "follow-ups (delayed, batched un-optimisation); 5.2 to 7.3 = the int3-patching kernels (text_poke_bp, "
                + "synchronize_rcu_tasks; 5.5-tip = v5.4's kprobes under the 5.5 text-poke rework; 7.0 = the optimizer "
                + "kthread with the completion flush, 7.3 = its pass counter). docs/kprobes.md has the tables."));
    s.add(
        Setting.choice(
            "kprobes.optimizer",
            List.of("dedicated", "workqueue"),
            "dedicated",
            "Where kprobe_optimizer() runs: a dedicated kthread (kprobes.optimizer-cpu) with delayed-work semantics, or "
                + "optimizing_work as a real delayed work item on system_wq: its timer on the kicking CPU, then __queue_work() "
                + "on that CPU's per-CPU pool, run by a kworker of the workqueue model (workqueue.* settings)."));
    s.add(Setting.integer("kprobes.optimize-delay", 1, 10_000, 5, "OPTIMIZE_DELAY in jiffies."));
    s.add(
        Setting.choice(
            "kprobes.patching",
            List.of("batch", "per-probe"),
            "batch",
            "2.6.38 only. batch: text_poke_smp_batch, up to kprobes.max-optimize-probes per optimizer run, one "
                + "stop_machine each (the seed's follow-ups, cd7ebe2298ff, as released); per-probe (ABLATION: the seed "
                + "commit without its follow-ups): one text_poke_smp (stop_machine) per probe, every queued probe in one run."));
    s.add(
        Setting.integer(
            "kprobes.max-optimize-probes",
            1,
            1_000_000,
            256,
            "MAX_OPTIMIZE_PROBES: jump patches per text_poke_smp_batch (one stop_machine); the optimizer kicks itself again for the rest."));
    s.add(
        Setting.choice(
            "kprobes.wait-for-optimizer",
            List.of("completion", "flush"),
            "completion",
            "2.6.38 only. wait_for_kprobe_optimizer(): completion = the seed (wait for optimizer_comp only if the work "
                + "is pending; never re-armed, KP-1); flush = BACKPORT (ablation) of the 2012 fix (drop kprobe_mutex, "
                + "flush the work, until both lists are empty)."));
    s.add(
        Setting.choice(
            "kprobes.unused-on-register",
            List.of("ebusy", "reuse"),
            "ebusy",
            "2.6.38 only. Registering at the address of an unused (busy-to-die) aggregator: ebusy = the seed; "
                + "reuse = BACKPORT (ablation) of reuse_unused_kprobe (2011)."));
    s.add(
        Setting.choice(
            "kprobes.disarm-all",
            List.of("queue", "force"),
            "queue",
            "2.6.38 only. disarm_all_kprobes(): queue = the seed (unoptimize_kprobe(p, false): the jump waits for the "
                + "optimizer, KP-3); force = BACKPORT (ablation) of later kernels' forced un-optimisation when all disarmed."));
    s.add(
        Setting.choice(
            "kprobes.rekick",
            List.of("unlocked", "locked"),
            "unlocked",
            "2.6.38 only. Step 5 of kprobe_optimizer() kicks again after dropping kprobe_mutex (cd7ebe2298ff, KP-4) or "
                + "under it (BACKPORT, ablation, of 1a0aa991a627, 2020)."));
    s.add(
        Setting.bool(
            "kprobes.reoptimize-on-free",
            false,
            "2.6.38 only. BACKPORT (ablation) of f76d1c41b609 (2026): do_free_cleaned_kprobes() retries the "
                + "optimisation of a probe the freed one was blocking (KP-13)."));
    s.add(
        Setting.choice(
            "kprobes.ablation",
            List.of("none", "no-grace-period", "no-disabled-check", "kworker-run-to-completion"),
            "none",
            "Remove a guard to see what it protects: no-grace-period skips the optimizer's synchronize_sched (KP-19); "
                + "no-disabled-check makes the handlers ignore DISABLED (K9); kworker-run-to-completion (optimizer=workqueue, "
                + "NOT the kernel): the optimizer's sleeps skip wq_worker_sleeping(), as if kworkers ran items to completion (KX-2)."));
    s.add(
        Setting.integer(
            "kprobes.probes",
            0,
            100_000,
            16,
            "Probes p0..pN-1 of the bulk set ('all' in the script), each at its own address, far apart."));
    s.add(
        Setting.integer("kprobes.probe-spacing", 5, 1 << 20, 64, "Bytes between two bulk probes."));
    s.add(
        Setting.integer(
            "kprobes.insn-size",
            5,
            16,
            5,
            "optinsn.size: bytes of whole instructions a jump replaces."));
    s.add(
        Setting.text(
            "kprobes.extra-probes",
            "",
            "More probes, NAME@ADDR[/SIZE][!] comma separated (SIZE: optinsn.size; !: cannot be optimised)."));
    s.add(
        Setting.text(
            "kprobes.script",
            DEFAULT_SCRIPT,
            "What the admin task does: register, unregister, enable, disable, kill, sysctl-optimization 0|1, "
                + "debugfs-enabled 0|1, wait DURATION, audit; separated by ';'. Probes: names, all, pA..pB, "
                + "all:K/N (the K-th of N equal slices of the bulk probes)."));
    s.add(
        Setting.integer(
            "kprobes.admin-cpu", -1, 65_535, -1, "CPU of the admin task (-1: the last CPU)."));
    s.add(
        Setting.integer(
            "kprobes.optimizer-cpu",
            0,
            65_535,
            0,
            "CPU of the dedicated optimizer kthread (with optimizer=workqueue the kicking CPU's pool runs the work)."));
    s.add(
        Setting.latency(
            "kprobes.workload.kernel-section",
            "lognormal(20us, 0.8, 2us, 500us)",
            "Length of a non-preemptible kernel section of the workload (the probed code runs inside one): "
                + "what a stop_machine waits for on each CPU."));
    s.add(
        Setting.integer(
            "kprobes.workload.slow-cpu",
            -1,
            65_535,
            -1,
            "A CPU whose kernel sections follow kprobes.workload.slow-section instead (-1: none): the CPU slowest to reach a preemption point."));
    s.add(
        Setting.latency(
            "kprobes.workload.slow-section",
            "fixed(2ms)",
            "Length of the slow CPU's non-preemptible kernel sections."));
    s.add(
        Setting.latency(
            "kprobes.workload.user-time",
            "lognormal(40us, 0.8, 5us, 1ms)",
            "Preemptible user-mode time between two kernel sections (an RCU-sched quiescent state)."));
    s.add(
        Setting.integer(
            "kprobes.workload.hits-per-section",
            0,
            1000,
            1,
            "Probed addresses executed per kernel section (each picked uniformly among the probes)."));
    s.add(
        Setting.duration(
            "kprobes.cost.int3-hit",
            Duration.ZERO,
            Duration.ofMillis(1),
            Duration.ofNanos(1000),
            "An int3 hit with single-step (spec D.2: ~1 us)."));
    s.add(
        Setting.duration(
            "kprobes.cost.int3-detour-hit",
            Duration.ZERO,
            Duration.ofMillis(1),
            Duration.ofNanos(400),
            "An int3 hit on an OPTIMIZED probe whose jump is not written yet (handlers, then the detour; ~0.4 us)."));
    s.add(
        Setting.duration(
            "kprobes.cost.jump-hit",
            Duration.ZERO,
            Duration.ofMillis(1),
            Duration.ofNanos(60),
            "A jump hit through the detour buffer (spec D.2: ~0.06 us)."));
    s.add(
        Setting.duration(
            "kprobes.cost.text-poke",
            Duration.ZERO,
            Duration.ofMillis(1),
            Duration.ofNanos(1000),
            "One text_poke(): writing a probe's bytes (and the icache flush), inside stop_machine's RUN phase per "
                + "probe, or on its own (arming, disarming, int3-based patching)."));
    s.add(
        Setting.duration(
            "kprobes.cost.ipi-sync",
            Duration.ZERO,
            Duration.ofMillis(1),
            Duration.ofNanos(1000),
            "int3-based patching: what one text_poke_sync() IPI costs each CPU (interrupt entry, sync_core, exit)."));
    s.add(
        Setting.duration(
            "rcu.tasks-holdout-wait",
            Duration.ofNanos(1),
            Duration.ofSeconds(10),
            Duration.ofMillis(100),
            "synchronize_rcu_tasks() (the int3 kernels): the holdout scan's wait (first HZ/10 in kernel/rcu/tasks.h); "
                + "a grace period is synchronize_rcu(), the exit path's readers (until 6.9), this wait, synchronize_rcu()."));
    s.add(
        Setting.duration(
            "kprobes.ns-init-exit",
            Duration.ZERO,
            Duration.ofSeconds(3600),
            Duration.ZERO,
            "The int3 kernels: when the init task of the admin task's PID namespace exits (do_exit(): "
                + "exit_tasks_rcu_start(), then zap_pid_ns_processes() waits for its children, the admin "
                + "among them, then exit_tasks_rcu_finish()); 0 = never (KP-11)."));
    s.add(
        Setting.integer(
            "kprobes.other-work.items",
            0,
            1_000_000,
            0,
            "optimizer=workqueue: other system_wq work items queued (from a timer) on kprobes.other-work.cpu's pool; 0: none."));
    s.add(
        Setting.integer(
            "kprobes.other-work.cpu",
            -1,
            65_535,
            -1,
            "The CPU whose system_wq pool gets the other work (-1: the admin CPU, where optimizing_work's timer fires)."));
    s.add(
        Setting.duration(
            "kprobes.other-work.start",
            Duration.ZERO,
            Duration.ofHours(1),
            Duration.ofMillis(1),
            "When the first other work item is queued."));
    s.add(
        Setting.latency(
            "kprobes.other-work.period",
            "uniform(200us, 600us)",
            "Time between two other work items."));
    s.add(
        Setting.latency(
            "kprobes.other-work.item-cpu",
            "lognormal(10us, 0.8, 1us, 200us)",
            "CPU time of an other work item."));
    s.add(
        Setting.number(
            "kprobes.other-work.item-sleep-probability",
            0,
            1,
            0.2,
            "Share of other work items that block once (I/O)."));
    s.add(
        Setting.latency(
            "kprobes.other-work.item-sleep",
            "lognormal(100us, 0.8, 10us, 2ms)",
            "How long such an item blocks."));
    s.add(
        Setting.duration(
            "kprobes.other-work.latency-bound",
            Duration.ofNanos(1),
            Duration.ofHours(1),
            Duration.ofMillis(5),
            "KX2_OtherWorkKeepsRunning: how long an other work item may wait between __queue_work() and process_one_work()."));
    s.addAll(org.kernsim.actors.workqueue.WorkqueueModel.poolSettings());
    return s;
  }

  static KprobesConfig from(Settings s) {
    int cpus = s.intValue("machine.cpus");
    Kernel kernel = Kernel.parse(s.text("kprobes.kernel"));
    String ablation = s.text("kprobes.ablation");
    KprobeCore.Config core =
        new KprobeCore.Config(
            kernel,
            s.text("kprobes.patching").equals("batch"),
            s.intValue("kprobes.max-optimize-probes"),
            s.text("kprobes.unused-on-register").equals("reuse"),
            s.text("kprobes.disarm-all").equals("force"),
            s.bool("kprobes.reoptimize-on-free"),
            ablation.equals("no-grace-period"),
            20);
    if (kernel != Kernel.V2_6_38) {
      // the seed's knobs and the backports of later fixes belong to v2.6.38's code only
      for (String[] k :
          new String[][] {
            {"kprobes.patching", "batch"},
            {"kprobes.wait-for-optimizer", "completion"},
            {"kprobes.unused-on-register", "ebusy"},
            {"kprobes.disarm-all", "queue"},
            {"kprobes.rekick", "unlocked"},
            {"kprobes.reoptimize-on-free", "false"}
          }) {
        if (!s.asText(k[0]).equals(k[1]))
          throw new BadInputException(
              k[0]
                  + "="
                  + s.asText(k[0])
                  + " is an ablation of the 2.6.38 code; kprobes.kernel="
                  + kernel.label()
                  + " has no such choice");
      }
    }
    int n = s.intValue("kprobes.probes");
    int spacing = s.intValue("kprobes.probe-spacing");
    int size = s.intValue("kprobes.insn-size");
    if (spacing < size)
      throw new BadInputException(
          "kprobes.probe-spacing ("
              + spacing
              + ") must be at least kprobes.insn-size ("
              + size
              + ")");
    List<ProbeDef> defs = new ArrayList<>();
    Map<String, Integer> names = new LinkedHashMap<>();
    List<Integer> bulk = new ArrayList<>();
    long base = 1_000_000L;
    if (base + (long) n * spacing > Integer.MAX_VALUE)
      throw new BadInputException("kprobes.probes x kprobes.probe-spacing is too large");
    for (int i = 0; i < n; i++) {
      defs.add(new ProbeDef(i, "p" + i, (int) (base + (long) i * spacing), size, true));
      bulk.add(i);
      names.put("p" + i, i);
    }
    Map<String, int[]> extra = Script.parseExtra(s.text("kprobes.extra-probes"), size);
    for (Map.Entry<String, int[]> e : extra.entrySet()) {
      int id = defs.size();
      int addr = e.getValue()[0];
      if (addr >= base && n > 0)
        throw new BadInputException(
            "kprobes.extra-probes: address "
                + addr
                + " of "
                + e.getKey()
                + " is in the bulk probes' range (>= "
                + base
                + ")");
      boolean ftrace = e.getValue()[3] == 1;
      if (ftrace && !kernel.modern())
        throw new BadInputException(
            "kprobes.extra-probes: "
                + e.getKey()
                + " is on an ftrace location (^): kprobes on ftrace (3.5 on) do not exist in kprobes.kernel="
                + kernel.label());
      defs.add(new ProbeDef(id, e.getKey(), addr, e.getValue()[1], e.getValue()[2] == 1, ftrace));
      names.put(e.getKey(), id);
    }
    List<Script.Step> script = Script.parse(s.text("kprobes.script"), names, bulk);
    int admin = s.intValue("kprobes.admin-cpu");
    if (admin < 0) admin = cpus - 1;
    if (admin >= cpus)
      throw new BadInputException("kprobes.admin-cpu " + admin + ": only " + cpus + " CPUs");
    int opt = s.intValue("kprobes.optimizer-cpu");
    if (opt >= cpus)
      throw new BadInputException("kprobes.optimizer-cpu " + opt + ": only " + cpus + " CPUs");
    if (s.intValue("kprobes.workload.slow-cpu") >= cpus) {
      throw new BadInputException(
          "kprobes.workload.slow-cpu "
              + s.intValue("kprobes.workload.slow-cpu")
              + ": only "
              + cpus
              + " CPUs");
    }
    boolean dedicated = s.text("kprobes.optimizer").equals("dedicated");
    long jiffy = 1_000_000_000L / s.intValue("kernel.hz");
    if (!dedicated && kernel.optimizerKthread()) {
      throw new BadInputException(
          "kprobes.optimizer=workqueue: kprobes.kernel="
              + kernel.label()
              + " runs the optimizer in its own kthread (73c12f209462), not on system_wq");
    }
    if (ablation.equals("kworker-run-to-completion") && dedicated) {
      throw new BadInputException(
          "kprobes.ablation=kworker-run-to-completion needs kprobes.optimizer=workqueue");
    }
    Wq wq =
        dedicated
            ? null
            : new Wq(
                org.kernsim.actors.workqueue.WorkqueueModel.poolConfig(s, jiffy),
                s.intValue("workqueue.worker-slots"),
                s.latency("workqueue.kthread-create"),
                s.nanos("workqueue.create-cooldown"),
                s.nanos("workqueue.stranding-bound"),
                ablation.equals("kworker-run-to-completion"));
    long nsInitExit = s.nanos("kprobes.ns-init-exit");
    if (nsInitExit > 0 && !kernel.modern())
      throw new BadInputException(
          "kprobes.ns-init-exit needs a kernel with RCU Tasks (5.2 on); kprobes.kernel="
              + kernel.label());
    if (nsInitExit == 0) nsInitExit = -1;
    int otherItems = s.intValue("kprobes.other-work.items");
    if (otherItems > 0 && dedicated) {
      throw new BadInputException(
          "kprobes.other-work.items needs kprobes.optimizer=workqueue (it is system_wq work)");
    }
    int otherCpu = s.intValue("kprobes.other-work.cpu");
    if (otherCpu < 0) otherCpu = admin;
    if (otherCpu >= cpus)
      throw new BadInputException(
          "kprobes.other-work.cpu " + otherCpu + ": only " + cpus + " CPUs");
    OtherWork other =
        new OtherWork(
            otherItems,
            otherCpu,
            s.nanos("kprobes.other-work.start"),
            s.latency("kprobes.other-work.period"),
            s.latency("kprobes.other-work.item-cpu"),
            s.number("kprobes.other-work.item-sleep-probability"),
            s.latency("kprobes.other-work.item-sleep"),
            s.nanos("kprobes.other-work.latency-bound"));
    Hotplug26 hotplug26 = hotplug26(s, kernel, cpus, admin, dedicated ? opt : -1, dedicated);
    return new KprobesConfig(
        cpus,
        1_000_000_000L / s.intValue("kernel.hz"),
        s.intValue("kprobes.optimize-delay"),
        core,
        kernel.modern() || s.text("kprobes.wait-for-optimizer").equals("flush"),
        kernel.rekickUnderMutex() || s.text("kprobes.rekick").equals("locked"),
        dedicated,
        !ablation.equals("no-disabled-check"),
        List.copyOf(defs),
        List.copyOf(bulk),
        names,
        script,
        admin,
        opt,
        s.latency("kprobes.workload.kernel-section"),
        s.intValue("kprobes.workload.slow-cpu"),
        s.latency("kprobes.workload.slow-section"),
        s.latency("kprobes.workload.user-time"),
        s.intValue("kprobes.workload.hits-per-section"),
        s.nanos("kprobes.cost.int3-hit"),
        s.nanos("kprobes.cost.int3-detour-hit"),
        s.nanos("kprobes.cost.jump-hit"),
        s.nanos("kprobes.cost.text-poke"),
        s.nanos("kprobes.cost.ipi-sync"),
        s.nanos("rcu.tasks-holdout-wait"),
        nsInitExit,
        wq,
        other,
        hotplug26);
  }

  /**
   * {@code faults.hotplug.plan} and {@code faults.hotplug.rate} in a kprobes run: the CPU hotplug
   * of the kprobes kernel itself (2.6.36-2.6.38: {@code org.kernsim.actors.cpuhotplug26}), never
   * the machine's later-era hotplug ({@code hotplug.kernel} is not read). Null without either.
   */
  private static Hotplug26 hotplug26(
      Settings s, Kernel kernel, int cpus, int admin, int optimizer, boolean dedicated) {
    double rate = s.number("faults.hotplug.rate");
    List<org.kernsim.actors.machine.HotplugConfig.PlanEntry> plan =
        org.kernsim.actors.machine.HotplugConfig.parsePlan(s.text("faults.hotplug.plan"), cpus);
    if (plan.isEmpty() && rate <= 0) return null;
    String key = plan.isEmpty() ? "faults.hotplug.rate" : "faults.hotplug.plan";
    org.kernsim.actors.cpuhotplug26.Programs26.Era era =
        org.kernsim.actors.cpuhotplug26.Programs26.Era.of(kernel.label());
    if (era == null)
      throw new BadInputException(
          key
              + ": CPU hotplug in a kprobes run is modelled for kprobes.kernel=2.6.36,"
              + " 2.6.37 and 2.6.38 (their kernel/cpu.c), not "
              + kernel.label());
    if (!dedicated)
      throw new BadInputException(
          key
              + ": with kprobes.optimizer=workqueue the system workqueue's per-CPU"
              + " pools would have to follow CPU hotplug of 2.6.3x, which is not modelled; use"
              + " kprobes.optimizer=dedicated");
    for (org.kernsim.actors.machine.HotplugConfig.PlanEntry e : plan) {
      String what = "faults.hotplug.plan: '" + (e.up() ? "up " : "down ") + e.cpu() + "': ";
      if (e.cpu() == 0)
        throw new BadInputException(
            what
                + "CPU 0 cannot go offline in kprobes.kernel="
                + kernel.label()
                + " (x86 BSP hotplug came in v3.7); the hotplug writer runs on it");
      if (e.cpu() == admin)
        throw new BadInputException(
            what + "the admin task runs on CPU " + admin + " (set kprobes.admin-cpu to another)");
      if (e.cpu() == optimizer)
        throw new BadInputException(
            what
                + "the optimizer kthread runs on CPU "
                + optimizer
                + " (set kprobes.optimizer-cpu to another)");
    }
    // a random cpu_down() picks among the CPUs a plan may name: not CPU 0 (no BSP hotplug before
    // v3.7, and the writer runs there), not the admin's or the optimizer's (not migrated)
    int[] randomCpus =
        java.util.stream.IntStream.range(1, cpus)
            .filter(c -> c != admin && c != optimizer)
            .toArray();
    if (rate > 0 && randomCpus.length == 0)
      throw new BadInputException(
          "faults.hotplug.rate: no CPU can go offline at random (machine.cpus = "
              + cpus
              + "; CPU 0, the admin's CPU "
              + admin
              + (optimizer >= 0 ? " and the optimizer's CPU " + optimizer : "")
              + " stay online)");
    return new Hotplug26(
        era,
        plan,
        rate,
        s.latency("faults.hotplug.downtime"),
        randomCpus,
        s.latency("hotplug.bringup"),
        s.latency("hotplug.die"));
  }

  /** optinsn.size of the probe at {@code addr} (the bytes its jump replaces). */
  int probeSize(int addr) {
    for (ProbeDef d : probes) if (d.addr() == addr) return d.size();
    return 5;
  }

  /** The distinct probed addresses, in ascending order: what a CPU's view of the text holds. */
  int[] addresses() {
    return probes.stream().mapToInt(ProbeDef::addr).distinct().sorted().toArray();
  }

  /**
   * The addresses the workload executes: every probed one but the ftrace locations, whose hit path
   * (the ftrace trampoline) is not modelled.
   */
  int[] executedAddresses() {
    return probes.stream()
        .filter(d -> !d.ftrace())
        .mapToInt(ProbeDef::addr)
        .distinct()
        .sorted()
        .toArray();
  }
}
