package org.kernsim.actors.cpu;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.placement.SelectTaskRq;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.cpu.CpuMessage;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.hotplug.CpuhpState;
import org.kernsim.protocol.hotplug.HotplugMessage;
import org.kernsim.protocol.hotplug.HotplugNote;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.sched.SchedMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage.StopPhase;

/**
 * One CPU: its run queue, the task it runs, its stopper thread and its RCU-sched quiescent states.
 *
 * <p>Scheduling: a task enqueued on an idle CPU runs after {@code latency.wakeup}; on a busy CPU it
 * waits in FIFO order, and the running task is asked to give way (at its next preemption point)
 * once it has run {@code sched.wakeup-granularity}. The stopper ({@code stop_machine}) preempts at
 * once, at the running task's next preemption point; while the CPU is in the stopper no task runs.
 * A context switch, and idle, are RCU-sched quiescent states.
 *
 * <p>CPU hotplug (only when the fault plan hotplugs CPUs): {@code sched_cpu_deactivate()} clears
 * the CPU from {@code cpu_active_mask} and (2026 kernel) sets {@code balance_push}: from then on a
 * task that is not a per-CPU kthread is pushed to another CPU instead of running here ({@link
 * CpuMessage.DispatchPush}); {@code sched_cpu_wait_empty()} waits until only the hotplug thread is
 * left; {@code take_cpu_down()}, run by this CPU's stopper in {@code stop_machine}, takes it out of
 * {@code cpu_online_mask}, parks its stopper and (v3.8, {@code CPU_DYING}) migrates its tasks
 * ({@code migrate_tasks()}). An offline CPU runs nothing: a task woken for it goes to another CPU
 * ({@code select_fallback_rq()}, which breaks a user task's affinity); it is in an extended RCU
 * quiescent state. {@code bringup_cpu()} brings it back: online, stopper unparked, then active.
 */
public final class Cpu implements Entity {
  static final int IDLE = -1;
  private static final String PREEMPT_CHECK = "preempt-check";
  private static final String INJECTED_PREEMPTION = "injected-preemption";
  private static final String IRQ = "irq";

  private final Machine m;
  private final int index;
  private final int self;
  private final ArrayDeque<Integer> runqueue = new ArrayDeque<>();

  /** Runnable tasks with a negative nice level (highpri kworkers): they run first. */
  private final ArrayDeque<Integer> hiqueue = new ArrayDeque<>();

  /** The nice level of the tasks that enqueued with one ({@link CpuMessage.EnqueueWith}). */
  private final Map<Integer, Integer> niceOf = new HashMap<>();

  private int current = IDLE;
  private long dispatch;
  private long currentSince;
  private boolean preemptRequested;

  // stopper (multi_cpu_stop on this CPU)
  private StopMachineMessage.StopWork stopWork;
  private boolean inStopper;
  private boolean irqsOff;
  private long stopperSince;

  // the fault plan's preemptions (faults.preempt.*)
  private boolean stealPending;
  private boolean stolen;

  // RCU-sched: the grace period waiting for this CPU's next quiescent state (-1: none)
  private long qsWanted = -1;

  // CPU hotplug: cpu_online_mask, cpu_active_mask (this CPU's and, as seen here, the others')
  private boolean online = true;
  private boolean active = true;
  private boolean stopperParked;
  private BitSet activeView;
  private final HotplugConfig.Kernel kernel;
  private HotplugMessage.TakeCpuDown dying;
  private HotplugMessage.WaitEmpty waitEmpty;
  private HotplugMessage.BringupCpu booting;
  private final Map<Integer, CpuMessage.MigrateTask> migrateOnRelease = new HashMap<>();

  // deferrable timers due while this CPU was idle (timer.wheel = v6.13): owner entity, arming token
  private int[] deferredOwners = new int[0];
  private long[] deferredTokens = new long[0];
  private long deferredJiffy;

  public Cpu(Machine m, int index) {
    this.m = m;
    this.index = index;
    this.self = m.cpu(index);
    this.kernel = m.hotplug().kernel();
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof CpuMessage.Enqueue e) {
      onEnqueue(ctx, e.task(), false);
    } else if (msg instanceof CpuMessage.EnqueueWith e) {
      if (e.nice() != 0) niceOf.put(e.task(), e.nice());
      onEnqueue(ctx, e.task(), e.perCpuKthread());
    } else if (msg instanceof CpuMessage.Release r) {
      onRelease(ctx, r);
    } else if (msg instanceof CpuMessage.TaskQuiescent q) {
      if (q.task() == current && q.dispatch() == dispatch) reportQs(ctx);
    } else if (msg instanceof CpuMessage.PreemptCheck p) {
      if (p.dispatch() == dispatch && current != IDLE && anyQueued()) requestPreempt(ctx);
    } else if (msg instanceof StopMachineMessage.StopWork w) {
      onStopWork(ctx, w);
    } else if (msg instanceof StopMachineMessage.PhaseChanged p) {
      onPhase(ctx, p);
    } else if (msg instanceof StopMachineMessage.StopFnDone) {
      ack(ctx, StopPhase.RUN);
    } else if (msg instanceof RcuMessage.QsRequest q) {
      onQsRequest(ctx, q.gp());
    } else if (msg instanceof CpuMessage.InjectedPreemption) {
      onInjectedPreemption(ctx);
    } else if (msg instanceof CpuMessage.StolenTimeEnd) {
      stolen = false;
      next(ctx, IDLE);
    } else if (msg instanceof CpuMessage.MigrateTask t) {
      onMigrateTask(ctx, t);
    } else if (msg instanceof HotplugMessage h) {
      onHotplug(ctx, h);
    } else if (msg instanceof SchedMessage.SelectIdle s) {
      onSelectIdle(ctx, s);
    } else if (msg instanceof SchedMessage.DeferrableTimer d) {
      onDeferrableTimer(ctx, d);
    } else if (msg instanceof SchedMessage.TimerSoftirq) {
      onTick(ctx);
    } else if (msg instanceof SchedMessage.IrqArrival) {
      onIrqArrival(ctx);
    } else {
      throw new IllegalStateException("cpu" + index + ": unexpected " + msg);
    }
  }

  // ------------------------------------------------------------------ scheduling

  private void onEnqueue(Context ctx, int task, boolean perCpuKthread) {
    // try_to_wake_up() -> select_task_rq(): an offline CPU, or (2026) one that is going down for
    // a task that is not a per-CPU kthread, is not allowed: select_fallback_rq()
    if (!online || (balancePush() && !perCpuKthread)) {
      push(ctx, task, "select_fallback_rq");
      return;
    }
    if (current == IDLE && !inStopper && stopWork == null && !stolen) {
      dispatch(ctx, task, m.latencies().wakeup().sample(ctx.random()));
    } else {
      queueTail(task);
      considerPreempt(ctx);
    }
  }

  private boolean anyQueued() {
    return !runqueue.isEmpty() || !hiqueue.isEmpty();
  }

  private void queueTail(int task) {
    if (niceOf.getOrDefault(task, 0) < 0) hiqueue.addLast(task);
    else runqueue.addLast(task);
  }

  private int pollQueued() {
    return !hiqueue.isEmpty() ? hiqueue.pollFirst() : runqueue.pollFirst();
  }

  /**
   * {@code wakeup_gran()}: the wakeup granularity scaled by the weight of the task that would
   * preempt ({@code sched_prio_to_weight[]}: nice 0 = 1024, nice -20 = 88761).
   */
  private long wakeupGranularity() {
    long g = m.latencies().wakeupGranularity();
    if (hiqueue.isEmpty()) return g;
    return g * 1024 / weight(niceOf.getOrDefault(hiqueue.peekFirst(), 0));
  }

  private static final int[] PRIO_TO_WEIGHT = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
    70, 56, 45, 36, 29, 23, 18, 15
  };

  static int weight(int nice) {
    return PRIO_TO_WEIGHT[Math.max(-20, Math.min(19, nice)) + 20];
  }

  private void dispatch(Context ctx, int task, long delay) {
    int from = current;
    if (from == IDLE) leftIdle(ctx);
    current = task;
    dispatch++;
    preemptRequested = false;
    currentSince = ctx.now() + delay;
    if (balancePush()) ctx.sendAfter(task, new CpuMessage.DispatchPush(self, dispatch), delay);
    else ctx.sendAfter(task, new CpuMessage.Dispatch(self, dispatch), delay);
    armInjectedPreemption(ctx);
    armIrq(ctx);
    if (ctx.tracing()) ctx.trace(new CpuNote.Switch(index, from, task));
    ctx.count("contextSwitches", 1);
    considerPreempt(ctx);
  }

  private void considerPreempt(Context ctx) {
    if (current == IDLE || preemptRequested || !anyQueued()) return;
    long at = currentSince + wakeupGranularity();
    if (at <= ctx.now()) requestPreempt(ctx);
    else ctx.startTimer(PREEMPT_CHECK, at - ctx.now(), new CpuMessage.PreemptCheck(dispatch));
  }

  private void requestPreempt(Context ctx) {
    if (current == IDLE || preemptRequested) return;
    preemptRequested = true;
    ctx.cancelTimer(PREEMPT_CHECK);
    ctx.send(current, new CpuMessage.Preempt(self, dispatch), m.latencies().local());
  }

  private void onRelease(Context ctx, CpuMessage.Release r) {
    if (r.task() != current || r.dispatch() != dispatch) {
      throw new IllegalStateException(
          "cpu"
              + index
              + ": release by "
              + ctx.name(r.task())
              + " (dispatch "
              + r.dispatch()
              + ") but running "
              + (current == IDLE ? "nothing" : ctx.name(current))
              + " (dispatch "
              + dispatch
              + ")");
    }
    ctx.cancelTimer(PREEMPT_CHECK);
    CpuMessage.MigrateTask to = migrateOnRelease.remove(r.task());
    if (r.kind() == CpuMessage.ReleaseKind.MIGRATE) {
      push(ctx, r.task(), "balance_push");
    } else if (r.kind() == CpuMessage.ReleaseKind.PREEMPTED
        || r.kind() == CpuMessage.ReleaseKind.YIELD) {
      if (to != null) moveTo(ctx, r.task(), to.toCpu(), to.perCpuKthread(), "migration_cpu_stop");
      else queueTail(r.task());
    }
    int from = current;
    current = IDLE;
    reportQs(ctx); // a context switch is a quiescent state
    next(ctx, from);
  }

  private void next(Context ctx, int from) {
    checkWaitEmpty(ctx);
    if (!online) { // the dying CPU: only its stopper runs, then nothing
      if (ctx.tracing() && from != IDLE) ctx.trace(new CpuNote.Switch(index, from, IDLE));
      return;
    }
    if (stolen) return; // the CPU comes back at StolenTimeEnd
    if (stealPending && !inStopper) {
      stealPending = false;
      steal(ctx, from);
    } else if (stopWork != null && !inStopper) {
      enterStopper(ctx);
    } else if (anyQueued()) {
      dispatch(ctx, pollQueued(), m.latencies().ctxswitch().sample(ctx.random()));
    } else {
      ctx.cancelTimer(INJECTED_PREEMPTION); // faults.preempt.* preempt running tasks only
      ctx.cancelTimer(IRQ); // irq.rate: interrupts on an idle CPU take no task's time
      if (ctx.tracing() && from != IDLE) ctx.trace(new CpuNote.Switch(index, from, IDLE));
    }
  }

  // ------------------------------------------------------------------ fault plan

  /**
   * Injected preemptions arrive as a Poisson process while a task runs (the process is memoryless,
   * so re-arming with a fresh draw at each dispatch from idle is the same process; an idle CPU has
   * nothing to preempt and costs no events, so idle stretches stay free).
   */
  private void armInjectedPreemption(Context ctx) {
    if (m.latencies().preemptFaultsPerSecond() <= 0 || ctx.timerActive(INJECTED_PREEMPTION)) return;
    if (!ctx.faultsActive()) return; // the liveness phase: faults are off
    double mean = 1e9 / m.latencies().preemptFaultsPerSecond();
    long delay = Math.max(1, (long) (-mean * Math.log1p(-ctx.random().nextDouble())));
    ctx.startTimer(INJECTED_PREEMPTION, delay, new CpuMessage.InjectedPreemption());
  }

  private void onInjectedPreemption(Context ctx) {
    if (!ctx.faultsActive()) return; // the liveness phase: faults are off
    if (current == IDLE || inStopper || stolen || stealPending) return;
    stealPending = true;
    requestPreempt(ctx);
    armInjectedPreemption(ctx);
  }

  private void steal(Context ctx, int from) {
    long d = m.latencies().preemptFaultDuration().sample(ctx.random());
    stolen = true;
    ctx.count("faultsPreempted", 1);
    ctx.count("faultsStolenNanos", d);
    if (ctx.tracing()) ctx.trace(new CpuNote.TimeStolen(index, from, d));
    ctx.startTimer("stolen", d, new CpuMessage.StolenTimeEnd());
  }

  // ------------------------------------------------------------------ interrupts (irq.rate)

  /**
   * The CPU's interrupt load: Poisson arrivals while a task runs (memoryless, so re-arming with a
   * fresh draw at each dispatch from idle is the same process; an idle CPU's interrupts take no
   * task's time and cost no events). Interrupts on an idle CPU do not restart its tick either
   * ({@code tick_irq_exit()} keeps it stopped), so they do not run deferrable timers.
   */
  private void armIrq(Context ctx) {
    Machine.IrqLoad irq = m.irqs();
    if (!irq.on() || ctx.timerActive(IRQ)) return;
    double mean = 1e9 / irq.perSecond();
    long delay = Math.max(1, (long) (-mean * Math.log1p(-ctx.random().nextDouble())));
    ctx.startTimer(IRQ, delay, new SchedMessage.IrqArrival());
  }

  /**
   * An interrupt: its handler (and the softirq work at {@code irq_exit()}) takes the CPU from the
   * running task, which the task accounts for ({@code SchedMessage.Irq}): now if it runs with
   * interrupts enabled, else when it enables them.
   */
  private void onIrqArrival(Context ctx) {
    if (current != IDLE && !inStopper && !stolen) {
      long d = Math.max(1, m.irqs().duration().sample(ctx.random()));
      ctx.count("irqs", 1);
      ctx.count("irqNanos", d);
      ctx.send(current, new SchedMessage.Irq(dispatch, d), m.latencies().local());
    }
    armIrq(ctx);
  }

  // ------------------------------------------------------------------ stopper

  private void onStopWork(Context ctx, StopMachineMessage.StopWork w) {
    if (!online || stopperParked) {
      // cpu_stop_queue_work(): the stopper is parked (the CPU is offline, or not yet unparked):
      // the work is not queued and the CPU never takes part in the barrier
      ctx.count("stopWorkOnParkedStopper", 1);
      return;
    }
    if (stopWork != null)
      throw new IllegalStateException(
          "cpu" + index + ": stop work " + w.op() + " while " + stopWork.op() + " is active");
    stopWork = w;
    if (stolen) return; // the stopper runs when the CPU comes back
    if (current == IDLE) enterStopper(ctx);
    else requestPreempt(ctx);
  }

  private void enterStopper(Context ctx) {
    if (current == IDLE) leftIdle(ctx);
    inStopper = true;
    stopperSince = ctx.now();
    if (ctx.tracing()) ctx.trace(new CpuNote.StopperEntered(index, stopWork.op()));
    reportQs(ctx);
    ack(ctx, StopPhase.PREPARE);
  }

  private void onPhase(Context ctx, StopMachineMessage.PhaseChanged p) {
    if (!inStopper || stopWork == null || p.op() != stopWork.op()) {
      throw new IllegalStateException("cpu" + index + ": phase " + p + " outside its stopper");
    }
    switch (p.phase()) {
      case DISABLE_IRQ -> {
        irqsOff = true;
        ack(ctx, StopPhase.DISABLE_IRQ);
      }
      case RUN -> {
        int active = stopWork.activeCpu() < 0 ? 0 : stopWork.activeCpu();
        if (active == index && stopWork.fn() instanceof HotplugMessage.TakeCpuDown t) {
          takeCpuDown(ctx, t);
          ack(ctx, StopPhase.RUN);
        } else if (active == index && stopWork.fnTarget() >= 0) {
          ctx.send(
              stopWork.fnTarget(),
              new StopMachineMessage.StopFnCall(stopWork.op(), index, stopWork.fn()),
              m.latencies().lock());
        } else {
          ack(ctx, StopPhase.RUN);
        }
      }
      case EXIT -> {
        ack(ctx, StopPhase.EXIT);
        long stalled = ctx.now() - stopperSince;
        ctx.count("stopMachineStallNanos", stalled);
        if (ctx.tracing()) ctx.trace(new CpuNote.StopperLeft(index, stopWork.op(), stalled));
        inStopper = false;
        irqsOff = false;
        stopWork = null;
        reportQs(ctx);
        if (dying != null) {
          // the stopper parks, the idle task reports the CPU dead: cpuhp_report_idle_dead()
          ctx.sendAfter(
              dying.replyTo(),
              new HotplugMessage.CpuDead(dying.op(), index),
              Math.max(m.latencies().min(), m.hotplug().die().sample(ctx.random())));
          dying = null;
        }
        next(ctx, IDLE);
      }
      default -> throw new IllegalStateException("cpu" + index + ": unexpected phase " + p.phase());
    }
  }

  private void ack(Context ctx, StopPhase phase) {
    ctx.send(
        m.numaNode(m.nodeOfCpu(index)),
        new StopMachineMessage.PhaseAcked(stopWork.op(), phase, 1),
        m.latencies().stopRound());
  }

  // ------------------------------------------------------------------ RCU-sched

  private void onQsRequest(Context ctx, long gp) {
    qsWanted = Math.max(qsWanted, gp);
    if ((current == IDLE && !inStopper && !stolen) || (!online && !inStopper)) reportQs(ctx);
  }

  private void reportQs(Context ctx) {
    if (qsWanted < 0) return;
    if (inStopper && irqsOff) return; // spinning with interrupts off: reported when it leaves
    ctx.send(m.rcu(), new RcuMessage.QsReport(qsWanted, index), m.latencies().lock());
    qsWanted = -1;
  }

  // ------------------------------------------------------------------ placement (select_task_rq)

  /**
   * One step of {@code select_idle_sibling()} (v6.13.7 {@code kernel/sched/fair.c:7800-7900}) for a
   * waking task that may run on any CPU, asked of the {@code hop}-th candidate: {@code target}
   * first, then the CPUs of the last-level cache (this model: the NUMA node) from {@code target +
   * 1} on, wrapping ({@code select_idle_cpu()}'s {@code for_each_cpu_wrap(cpu, cpus, target + 1)}).
   * The first idle candidate ({@code available_idle_cpu()}) takes the task; when none was idle,
   * {@code target} does. Each hop is one remote run-queue read ({@code latency.lock}).
   */
  private void onSelectIdle(Context ctx, SchedMessage.SelectIdle s) {
    int[] llc = m.cpusOfNode(m.nodeOfCpu(s.target()));
    boolean last = s.hop() + 1 >= llc.length;
    if (availableIdle() || (last && index == s.target())) {
      if (s.nice() != 0) niceOf.put(s.task(), s.nice());
      if (index != s.target()) ctx.count("wakeupsPlacedOnIdleSibling", 1);
      onEnqueue(ctx, s.task(), s.perCpuKthread());
      return;
    }
    int next = SelectTaskRq.scanCandidate(llc, s.target(), s.hop() + 1);
    if (next < 0) {
      // every CPU of the LLC was busy: select_idle_sibling() returns target
      ctx.send(
          m.cpu(s.target()),
          s.nice() == 0 && !s.perCpuKthread()
              ? new CpuMessage.Enqueue(s.task())
              : new CpuMessage.EnqueueWith(s.task(), s.nice(), s.perCpuKthread()),
          m.latencies().lock());
      return;
    }
    ctx.send(
        m.cpu(next),
        new SchedMessage.SelectIdle(s.task(), s.target(), s.hop() + 1, s.nice(), s.perCpuKthread()),
        m.latencies().lock());
  }

  /**
   * {@code available_idle_cpu()}: nothing runs or is queued here, and the CPU is usable (online,
   * active, not in its stopper nor taken by the fault plan).
   */
  private boolean availableIdle() {
    return current == IDLE
        && !anyQueued()
        && !inStopper
        && stopWork == null
        && !stolen
        && online
        && active;
  }

  // ------------------------------------------------------------------ deferrable timers

  /**
   * A {@code TIMER_DEFERRABLE} timer queued on this CPU's {@code BASE_DEF} became due (v6.13.7
   * {@code kernel/time/timer.c}): a busy CPU's tick runs every jiffy and {@code run_local_timers()}
   * raises the timer softirq at this bucket's tick, so it runs now; an idle CPU's tick is stopped
   * and deferrable timers neither count for its next event nor wake it ({@code
   * trigger_dyntick_cpu()}), so it runs at the first tick after the CPU leaves idle. An offline CPU
   * has handed its timers to a live CPU ({@code timers_dead_cpu()}), which runs it now.
   */
  private void onDeferrableTimer(Context ctx, SchedMessage.DeferrableTimer d) {
    if (!online || !idleForTicks()) {
      fireDeferrable(ctx, d.owner(), d.token());
      return;
    }
    ctx.count("deferrableTimersDeferred", 1);
    deferredJiffy = d.jiffyNanos();
    int n = deferredOwners.length;
    deferredOwners = java.util.Arrays.copyOf(deferredOwners, n + 1);
    deferredTokens = java.util.Arrays.copyOf(deferredTokens, n + 1);
    deferredOwners[n] = d.owner();
    deferredTokens[n] = d.token();
  }

  /** The tick is stopped: the CPU is in its idle loop. */
  private boolean idleForTicks() {
    return current == IDLE && !inStopper && !stolen;
  }

  /**
   * The CPU leaves idle: {@code tick_nohz_idle_exit()} restarts the tick, which next fires at the
   * next jiffy boundary ({@code hrtimer_forward(&ts->sched_timer, now, TICK_NSEC)}).
   */
  private void leftIdle(Context ctx) {
    if (deferredOwners.length == 0) return;
    long j = Math.max(1, deferredJiffy);
    long delay = j - Math.floorMod(ctx.now(), j);
    ctx.startTimer("tick", delay, new SchedMessage.TimerSoftirq(0, index));
  }

  /** The restarted tick: the timer softirq runs the due deferrable timers, if the CPU is busy. */
  private void onTick(Context ctx) {
    if (deferredOwners.length == 0 || idleForTicks()) return; // idle again: the tick stopped
    int[] owners = deferredOwners;
    long[] tokens = deferredTokens;
    deferredOwners = new int[0];
    deferredTokens = new long[0];
    for (int i = 0; i < owners.length; i++) fireDeferrable(ctx, owners[i], tokens[i]);
  }

  private void fireDeferrable(Context ctx, int owner, long token) {
    ctx.send(owner, new SchedMessage.TimerSoftirq(token, index), m.latencies().lock());
  }

  // ------------------------------------------------------------------ CPU hotplug

  /**
   * {@code balance_push} (2026): set by {@code sched_cpu_deactivate()} and cleared by {@code
   * sched_cpu_activate()}; v3.8 has none (tasks leave in {@code CPU_DYING}).
   */
  private boolean balancePush() {
    return !active && !kernel.notifiers();
  }

  private void onHotplug(Context ctx, HotplugMessage h) {
    if (h instanceof HotplugMessage.SetCpuActive a) {
      setActive(ctx, a.active());
      ctx.send(
          a.replyTo(),
          new HotplugMessage.CpuhpCallbackDone(a.op(), CpuhpState.AP_ACTIVE, index),
          m.latencies().local());
    } else if (h instanceof HotplugMessage.CpuActiveChanged c) {
      activeView().set(c.cpu(), c.active());
    } else if (h instanceof HotplugMessage.WaitEmpty w) {
      waitEmpty = w;
      checkWaitEmpty(ctx);
    } else if (h instanceof HotplugMessage.BringupCpu b) {
      if (online) throw new IllegalStateException("cpu" + index + ": bringup while online");
      booting = b;
      // __cpu_up(): the AP boots and runs its STARTING states with IRQs off ...
      ctx.startTimer(
          "bringup",
          Math.max(1, m.hotplug().bringup().sample(ctx.random())),
          new HotplugMessage.ApIdle(b.op()));
    } else if (h instanceof HotplugMessage.ApIdle a) {
      onApBooted(ctx, a);
    } else {
      throw new IllegalStateException("cpu" + index + ": unexpected " + h);
    }
  }

  private BitSet activeView() {
    if (activeView == null) {
      activeView = new BitSet(m.cpus());
      activeView.set(0, m.cpus());
    }
    return activeView;
  }

  /** {@code set_cpu_active()}: this CPU, and every other CPU's view of {@code cpu_active_mask}. */
  private void setActive(Context ctx, boolean on) {
    active = on;
    activeView().set(index, on);
    for (int c = 0; c < m.cpus(); c++) {
      if (c != index)
        ctx.send(m.cpu(c), new HotplugMessage.CpuActiveChanged(index, on), m.latencies().lock());
    }
    if (!on && current != IDLE && anyQueued()) considerPreempt(ctx);
  }

  /**
   * {@code take_cpu_down()} on this (the dying) CPU, in stop_machine's RUN with IRQs off: {@code
   * __cpu_disable()} ({@code set_cpu_online(false)}), the DYING callbacks — v3.8 {@code CPU_DYING}:
   * {@code migrate_tasks()}; 2026 {@code sched_cpu_dying()}: the run queue must already be empty —
   * and the stopper parks ({@code stop_machine_park()}; v3.9 {@code kthread_park(current)}). v3.8
   * disables its stopper later, at {@code CPU_POST_DEAD} ({@code cpu_stop_cpu_callback()}); by then
   * the CPU is out of {@code cpu_online_mask}, which is all {@code stop_machine()} queues to, so
   * the two are the same to every caller.
   */
  private void takeCpuDown(Context ctx, HotplugMessage.TakeCpuDown t) {
    online = false;
    active = false;
    activeView().clear(index);
    stopperParked = true;
    dying = t;
    if (ctx.tracing()) ctx.trace(new HotplugNote.CpuOnlineChanged(index, false));
    if (!t.migrate() && anyQueued()) {
      ctx.violation(
          "SchedCpuDying",
          "cpu"
              + index
              + ": Dying CPU not properly vacated! "
              + (runqueue.size() + hiqueue.size())
              + " task(s) queued");
    }
    while (anyQueued()) push(ctx, pollQueued(), "migrate_tasks");
  }

  private void onApBooted(Context ctx, HotplugMessage.ApIdle a) {
    if (booting == null || booting.op() != a.op()) return;
    if (!online) {
      // start_secondary(): set_cpu_online(true); the stopper is unparked once the AP is idle
      online = true;
      if (ctx.tracing()) ctx.trace(new HotplugNote.CpuOnlineChanged(index, true));
      ctx.send(
          m.stopMachine(),
          new HotplugMessage.StopperState(index, true, false),
          m.latencies().lock());
      ctx.startTimer(
          "bringup",
          Math.max(1, m.latencies().wakeup().sample(ctx.random())),
          new HotplugMessage.ApIdle(a.op()));
      return;
    }
    // cpuhp_online_idle(): stop_machine_unpark(); complete the control CPU's wait
    stopperParked = false;
    ctx.send(
        m.stopMachine(), new HotplugMessage.StopperState(index, true, true), m.latencies().lock());
    ctx.send(booting.replyTo(), new HotplugMessage.CpuBooted(a.op(), index), m.latencies().ipi());
    booting = null;
  }

  /** {@code sched_cpu_wait_empty()}: nothing but the hotplug thread left on this CPU. */
  private void checkWaitEmpty(Context ctx) {
    if (waitEmpty == null) return;
    int t = waitEmpty.task();
    if (current != IDLE && current != t) return;
    for (int q : runqueue) if (q != t) return;
    for (int q : hiqueue) if (q != t) return;
    ctx.send(
        waitEmpty.replyTo(), new HotplugMessage.RqEmpty(waitEmpty.op()), m.latencies().local());
    waitEmpty = null;
  }

  /**
   * {@code set_cpus_allowed_ptr()} moved {@code task} to CPU {@code toCpu}: now if it is queued
   * here, at its next preemption point if it runs here.
   */
  private void onMigrateTask(Context ctx, CpuMessage.MigrateTask t) {
    if (runqueue.remove((Integer) t.task()) || hiqueue.remove((Integer) t.task())) {
      moveTo(ctx, t.task(), t.toCpu(), t.perCpuKthread(), "migration_cpu_stop");
      checkWaitEmpty(ctx);
    } else if (current == t.task()) {
      migrateOnRelease.put(t.task(), t);
      requestPreempt(ctx);
    }
  }

  /**
   * {@code select_fallback_rq()} (v6.13.7 {@code kernel/sched/core.c:3493-3560}): the
   * lowest-numbered allowed CPU of this CPU's NUMA node ({@code for_each_cpu(dest_cpu, nodemask)}
   * with {@code is_cpu_allowed()}: active for a user task), else the lowest-numbered allowed CPU
   * anywhere; a user task's affinity is broken ({@code cpuset_cpus_allowed_fallback()}, then {@code
   * do_set_cpus_allowed(p, cpu_possible_mask)}). A task bound to this CPU alone finds no allowed
   * CPU in either loop and, after the fallback, takes the lowest-numbered active CPU of the
   * machine; the model takes the node's first (the same on a one-node machine).
   */
  private void push(Context ctx, int task, String why) {
    BitSet act = activeView();
    int to = -1;
    for (int c : m.cpusOfNode(m.nodeOfCpu(index))) {
      if (c != index && act.get(c)) {
        to = c;
        break;
      }
    }
    for (int c = 0; c < m.cpus() && to < 0; c++) {
      if (c != index && act.get(c)) to = c;
    }
    if (to < 0) throw new IllegalStateException("cpu" + index + ": no active CPU to push to");
    ctx.send(task, new CpuMessage.SetCpusAllowed(-1, false), m.latencies().local());
    moveTo(ctx, task, to, false, why);
  }

  private void moveTo(Context ctx, int task, int to, boolean perCpuKthread, String why) {
    ctx.count("tasksMigratedByHotplug", 1);
    if (ctx.tracing()) ctx.trace(new HotplugNote.TaskPushed(task, index, to, why));
    Integer nice = niceOf.remove(task);
    Object enqueue =
        nice == null && !perCpuKthread
            ? new CpuMessage.Enqueue(task)
            : new CpuMessage.EnqueueWith(task, nice == null ? 0 : nice, perCpuKthread);
    ctx.send(m.cpu(to), enqueue, m.latencies().ipi());
  }

  // ------------------------------------------------------------------ for tests and checkers

  int current() {
    return current;
  }

  boolean inStopper() {
    return inStopper;
  }

  int queued() {
    return runqueue.size() + hiqueue.size();
  }
}
