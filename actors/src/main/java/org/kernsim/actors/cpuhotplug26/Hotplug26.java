package org.kernsim.actors.cpuhotplug26;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kernsim.actors.cpu.Task;
import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.hotplug26.Hotplug26Message;
import org.kernsim.protocol.hotplug26.Hotplug26Note;
import org.kernsim.protocol.stopmachine.StopMachineMessage;

/**
 * CPU hotplug of v2.6.36-v2.6.38 in a timed run: the task that calls {@code cpu_down()} / {@code
 * cpu_up()} (a shell writing {@code /sys/devices/system/cpu/cpuN/online}, on CPU 0), and the locks
 * of {@code kernel/cpu.c} and {@code text_mutex}, whose state is one {@link CpuHotplug26} (the same
 * pure logic {@link Sm3Interleavings} explores). Other tasks take {@code text_mutex} and {@code
 * get_online_cpus()} by {@link Hotplug26Message.Acquire} and sleep until {@link
 * Hotplug26Message.Granted}; a released lock goes to its waiters in FIFO order.
 *
 * <p>The writer runs {@link Programs26#cpuDown} / {@link Programs26#cpuUp} step by step, each step
 * {@code latency.local} of its CPU's time, with these parts timed as the kernel does them:
 *
 * <ul>
 *   <li>{@code __stop_machine(take_cpu_down, ..., cpumask_of(cpu))} ({@code _cpu_down()}, v2.6.38
 *       {@code kernel/cpu.c}:239) is a real stop of the machine's {@code stop_machine} entity:
 *       {@code num_threads} counted when it is called, the work queued on the CPUs online when it
 *       gets {@code stop_cpus_mutex} (v2.6.38 {@code kernel/stop_machine.c}:465-474, 139-167). In
 *       RUN the dying CPU calls {@code take_cpu_down()} here (cpu.c:197-210): {@code
 *       __cpu_disable()} takes it out of {@code cpu_online_mask} and what it ran stops ({@link
 *       Hotplug26Message.CpuOffline}) before it acknowledges.
 *   <li>{@code __cpu_die()} = {@code native_cpu_die()} ({@code arch/x86/kernel/smpboot.c}:1358-
 *       1376 of v2.6.38, the same in v2.6.36/37): up to ten times, if the dying CPU has set {@code
 *       CPU_DEAD} ({@code hotplug.die} after it left the stop) call {@code
 *       alternatives_smp_switch(0)} when one CPU is left and return, else {@code msleep(100)}.
 *   <li>{@code do_boot_cpu()} ({@code smpboot.c}:737-749): {@code alternatives_smp_switch(1)}
 *       first, then the AP boots ({@code hotplug.bringup}) and {@code start_secondary()} sets it
 *       online; {@code CPU_ONLINE} then enables its stopper ({@code cpu_stop_cpu_callback()},
 *       stop_machine.c:314-321) an IPI later and what it runs resumes; {@code CPU_POST_DEAD}
 *       disables it (325-336).
 *   <li>The stopper views reach the {@code stop_machine} entity as {@link
 *       Hotplug26Message.StopperView}s, in send order. {@code CPU_ONLINE}'s is a round trip ({@link
 *       Hotplug26Message.StopperEnable}): the writer goes on running on its CPU (the rest of the
 *       {@code CPU_ONLINE} chain) and calls {@code cpu_hotplug_done()} only once stop_machine has
 *       the view ({@link Hotplug26Message.StopperViewSet}), because in the kernel {@code
 *       stopper->enabled = true} is stored under {@code stopper->lock} inside {@code
 *       cpu_notify(CPU_ONLINE)} and {@code _cpu_up()} calls {@code cpu_hotplug_done()} after it
 *       returns (v2.6.38 {@code kernel/cpu.c}:319-324, the same in v2.6.36/37): a reader that
 *       {@code get_online_cpus()} lets through never sees the CPU online with its stopper disabled.
 *       {@code start_secondary()}'s view (online, stopper not yet enabled) and {@code
 *       CPU_POST_DEAD}'s (which {@code _cpu_down()} sends after {@code cpu_hotplug_done()},
 *       cpu.c:266-269, of a CPU that {@code take_cpu_down()} already took out of {@code
 *       cpu_online_mask}, so {@code stop_cpus(cpu_online_mask)} does not look at its stopper) are
 *       one-way.
 * </ul>
 *
 * <p>Whenever a task must wait here, the waits are searched for a cycle ({@link
 * CpuHotplug26#waitCycle}); one is reported as {@code NoDeadlock} with who holds what and waits for
 * what, and the tasks in it never run again (as in the kernel; the run ends at its end time, or at
 * the violation with {@code --stop-at-first-violation}).
 *
 * <p>The requests come from {@code faults.hotplug.plan} (fixed times) and {@code
 * faults.hotplug.rate}: random {@code cpu_down()}s, exponentially spaced at that rate, of a CPU
 * drawn from those that may go offline and are online with no request pending for them, each
 * brought back by {@code cpu_up()} after {@code faults.hotplug.downtime} (the machine-level {@code
 * org.kernsim.actors.hotplug.CpuHotplug}'s rule). Times and CPUs are drawn from this entity's own
 * random stream, so a run replays from its seed. Each request is what a write of 0 or 1 to {@code
 * /sys/devices/system/cpu/cpuN/online} does in these kernels: {@code store_online()} ({@code
 * drivers/base/cpu.c}:36-63, the same in v2.6.36, v2.6.37 and v2.6.38) calls {@code cpu_down()} /
 * {@code cpu_up()}; it waits for the writer's previous one ({@code cpu_maps_update_begin()}), and
 * is refused as {@code _cpu_down()} (-EBUSY for the last online CPU, -EINVAL for an offline one;
 * v2.6.38 {@code kernel/cpu.c}:223-227) and {@code _cpu_up()} (-EINVAL for an online one, :300)
 * refuse. In the liveness phase no more CPUs go down at random (those down still come back).
 */
public final class Hotplug26 extends Task {

  /**
   * A task waiting for a lock here, in arrival order: another task's request ({@code replyTo} gets
   * the grant), or the writer's own step ({@code replyTo} -1).
   */
  private record Request(int task, int replyTo, long token, HotplugOp op)
      implements java.io.Serializable {}

  /** A due {@code cpu_down()} / {@code cpu_up()}: from the plan, or random ({@code random}). */
  private record Due(int cpu, boolean up, boolean random) implements java.io.Serializable {}

  private static final int MSLEEP = 0;
  private static final int AP_BOOTED = 1;

  private final Programs26.Era era;
  private final List<HotplugConfig.PlanEntry> plan;
  private final double rate;
  private final Latency downtime;
  private final int[] randomCpus;
  private final int[] listeners;
  private final Latency bringup;
  private final Latency die;
  private final CpuHotplug26 locks;

  /** Tasks that wait for a lock here, in arrival order. */
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();

  /** What each waiting task waits for (for the wait cycle). */
  private final Map<Integer, CpuHotplug26.Waits> waits = new TreeMap<>();

  /** What other tasks hold that this entity does not see, by task (from their requests). */
  private final Map<Integer, String> alsoHolds = new TreeMap<>();

  /** Requests that are due, for the writer, in order. */
  private final ArrayDeque<Due> due = new ArrayDeque<>();

  // the writer
  private List<HotplugOp> program;
  private int pc;
  private Due current;
  private long ops;
  private long startedAt;
  private long waitEpoch = -1;

  /** Why the writer sleeps: a lock, its stop_machine(), a timer; or none. */
  private boolean lockWait;

  private boolean stopWait;
  private boolean timerWait;

  /**
   * {@code CPU_ONLINE}: the writer has sent {@code stopper->enabled = true} to stop_machine and
   * does not call {@code cpu_hotplug_done()} until it is there ({@link
   * Hotplug26Message.StopperViewSet}); it keeps its CPU meanwhile.
   */
  private boolean viewWait;

  private long stopToken;
  private long stopOp = -1;
  private int stopCpu = -1;
  private boolean dieWait;
  private long deadAt = -1;
  private int dieTries;
  private boolean deadlockReported;

  /** {@code cpu_up()}: the AP has called in; the writer's next step sets it online. */
  private boolean apBooted;

  /**
   * {@code tasks}: the number of entities that may take the locks (task index = entity id); all
   * CPUs online at first; {@code rate}: random {@code cpu_down()}s per second of virtual time (0:
   * none), of one of {@code randomCpus}, each CPU back after {@code downtime}; {@code
   * listeners[cpu]}: the entity that runs on CPU {@code cpu} and must stop while it is offline, or
   * -1.
   */
  public Hotplug26(
      Machine m,
      Programs26.Era era,
      int tasks,
      List<HotplugConfig.PlanEntry> plan,
      double rate,
      Latency downtime,
      int[] randomCpus,
      int[] listeners,
      Latency bringup,
      Latency die) {
    super(m, 0);
    this.era = era;
    this.plan = List.copyOf(plan);
    this.rate = rate;
    this.downtime = downtime;
    this.randomCpus = randomCpus.clone();
    this.listeners = listeners.clone();
    this.bringup = bringup;
    this.die = die;
    this.locks = new CpuHotplug26(m.cpus(), m.cpus(), tasks);
  }

  @Override
  public void start(Context ctx) {
    startRunnable(ctx);
    for (int i = 0; i < plan.size(); i++) {
      ctx.startTimer(
          "plan" + i, Math.max(1, plan.get(i).at() - ctx.now()), new Hotplug26Message.PlanDue(i));
    }
    if (rate > 0) scheduleRandomDown(ctx);
  }

  // ====================================================================== faults.hotplug.rate

  /** The next random {@code cpu_down()}: exponentially distributed at {@code rate} per second. */
  private void scheduleRandomDown(Context ctx) {
    double mean = 1e9 / rate;
    long delay = Math.max(1, (long) (-mean * Math.log1p(-ctx.random().nextDouble())));
    ctx.startTimer("random-down", delay, new Hotplug26Message.RandomDue(-1));
  }

  /**
   * A random {@code cpu_down()} is due (of an online CPU of {@code randomCpus} with no request
   * pending, drawn from this entity's stream), or a randomly offlined CPU's downtime is over.
   */
  private void onRandom(Context ctx, Hotplug26Message.RandomDue r) {
    if (r.cpu() >= 0) {
      request(ctx, new Due(r.cpu(), true, true));
      return;
    }
    if (!ctx.faultsActive()) return; // the liveness phase: no more CPUs go down
    List<Integer> candidates = new ArrayList<>();
    for (int c : randomCpus) if (locks.online(c) && !pending(c)) candidates.add(c);
    if (!candidates.isEmpty())
      request(ctx, new Due(candidates.get(ctx.random().nextInt(candidates.size())), false, true));
    scheduleRandomDown(ctx);
  }

  /** Whether the writer runs or has queued a request for {@code cpu}. */
  private boolean pending(int cpu) {
    if (current != null && current.cpu() == cpu) return true;
    for (Due d : due) if (d.cpu() == cpu) return true;
    return false;
  }

  private void request(Context ctx, Due d) {
    due.addLast(d);
    if (program == null) resume(ctx);
  }

  // ====================================================================== messages

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof Hotplug26Message.Acquire a) {
      onAcquire(ctx, a);
    } else if (msg instanceof Hotplug26Message.Release r) {
      onRelease(ctx, r);
    } else if (msg instanceof Hotplug26Message.PlanDue p) {
      HotplugConfig.PlanEntry e = plan.get(p.index());
      request(ctx, new Due(e.cpu(), e.up(), false));
    } else if (msg instanceof Hotplug26Message.RandomDue r) {
      onRandom(ctx, r);
    } else if (msg instanceof StopMachineMessage.StopFnCall c) {
      onTakeCpuDown(ctx, c);
    } else if (msg instanceof Hotplug26Message.CpuOfflineAck a) {
      if (a.cpu() != stopCpu || stopOp < 0)
        throw new IllegalStateException("hotplug26: stray " + a);
      ctx.send(machine.cpu(a.cpu()), new StopMachineMessage.StopFnDone(stopOp), lock());
    } else if (msg instanceof StopMachineMessage.StopMachineDone d) {
      if (!stopWait || d.token() != stopToken)
        throw new IllegalStateException("hotplug26: stray " + d);
      stopWait = false;
      stopOp = -1;
      // the dying CPU leaves the stopper, runs its idle task and sets CPU_DEAD in play_dead()
      deadAt = ctx.now() + Math.max(1, die.sample(ctx.random()));
      dieTries = 0;
      dieWait = true;
      resume(ctx);
    } else if (msg instanceof Hotplug26Message.StopperViewSet v) {
      if (!viewWait || v.cpu() != current.cpu())
        throw new IllegalStateException("hotplug26: stray " + v);
      viewWait = false;
    } else if (msg instanceof Hotplug26Message.WriterTimer t) {
      onTimer(ctx, t.what());
    } else {
      super.onMessage(ctx, msg);
    }
  }

  /** {@code mutex_lock(&text_mutex)} or {@code get_online_cpus()} by another task. */
  private void onAcquire(Context ctx, Hotplug26Message.Acquire a) {
    HotplugOp op =
        a.lock().equals(CpuHotplug26.TEXT_MUTEX)
            ? new HotplugOp.MutexLock(CpuHotplug26.TEXT_MUTEX, a.site())
            : new HotplugOp.GetOnlineCpus(a.site());
    if (!a.alsoHolds().isEmpty()) alsoHolds.put(a.task(), a.alsoHolds());
    Request r = new Request(a.task(), a.replyTo(), a.token(), op);
    CpuHotplug26.Outcome o = firstWaiterFor(op) != null ? null : locks.step(a.task(), op);
    if (o instanceof CpuHotplug26.Done) {
      trace(ctx, a.task(), op, "");
      ctx.send(a.replyTo(), new Hotplug26Message.Granted(a.token()), lock());
      return;
    }
    // a mutex others already wait for goes to them first (its wait list is FIFO)
    CpuHotplug26.Waits w =
        o instanceof CpuHotplug26.Waits ww ? ww : waits.get(firstWaiterFor(op).task());
    waiting.addLast(r);
    // the task sleeps in mutex_lock() (v2.6.37 kernel/mutex.c __mutex_lock_common(): schedule());
    // whoever runs its kernel code on its CPU lets the CPU go now
    ctx.send(a.replyTo(), new Hotplug26Message.Queued(a.token()), lock());
    waitFor(ctx, a.task(), op, w);
  }

  /** {@code mutex_unlock(&text_mutex)} or {@code put_online_cpus()} by another task. */
  private void onRelease(Context ctx, Hotplug26Message.Release r) {
    HotplugOp op =
        r.lock().equals(CpuHotplug26.TEXT_MUTEX)
            ? new HotplugOp.MutexUnlock(CpuHotplug26.TEXT_MUTEX, "mutex_unlock")
            : new HotplugOp.PutOnlineCpus("put_online_cpus");
    // put_online_cpus() takes cpu_hotplug.lock, which the writer holds only while refcount is 0:
    // never while this task holds a reference
    CpuHotplug26.Outcome o = locks.step(r.task(), op);
    if (!(o instanceof CpuHotplug26.Done))
      throw new IllegalStateException("hotplug26: " + r + " cannot proceed: " + o);
    trace(ctx, r.task(), op, "");
    if (locks.held(r.task()).isEmpty()) alsoHolds.remove(r.task());
    ctx.send(r.replyTo(), new Hotplug26Message.Granted(r.token()), lock());
    retry(ctx);
  }

  /** The first waiting task whose request takes the same mutex as {@code op}, or null. */
  private Request firstWaiterFor(HotplugOp op) {
    if (!(op instanceof HotplugOp.MutexLock l)) return null; // readers pass a writer that waits
    for (Request r : waiting)
      if (r.op() instanceof HotplugOp.MutexLock m && m.mutex().equals(l.mutex())) return r;
    return null;
  }

  /** Grants, in arrival order, what can be granted now; a mutex goes to its first waiter. */
  private void retry(Context ctx) {
    boolean progress = true;
    while (progress) {
      progress = false;
      java.util.Set<String> passed = new java.util.HashSet<>();
      for (java.util.Iterator<Request> it = waiting.iterator(); it.hasNext(); ) {
        Request r = it.next();
        String mutex = r.op() instanceof HotplugOp.MutexLock l ? l.mutex() : null;
        if (mutex != null && passed.contains(mutex)) continue;
        CpuHotplug26.Outcome o = locks.step(r.task(), r.op());
        if (o instanceof CpuHotplug26.Done d) {
          it.remove();
          waits.remove(r.task());
          trace(ctx, r.task(), r.op(), "");
          if (r.replyTo() >= 0) {
            ctx.send(r.replyTo(), new Hotplug26Message.Granted(r.token()), lock());
          } else {
            lockWait = false;
            pc += 1 + d.skip();
            resume(ctx);
          }
          progress = true;
          break;
        }
        if (mutex != null) passed.add(mutex);
        waits.put(r.task(), (CpuHotplug26.Waits) o);
      }
    }
  }

  // ====================================================================== the writer

  private void resume(Context ctx) {
    long w = waitEpoch;
    waitEpoch = -1;
    if (w >= 0) wake(ctx, w);
  }

  private void sleepNow(Context ctx) {
    waitEpoch = nextEpoch();
    if (!sleep(ctx)) {
      waitEpoch = -1;
      run(ctx);
    }
  }

  @Override
  protected void run(Context ctx) {
    if (lockWait || stopWait || timerWait) {
      sleepNow(ctx);
    } else if (viewWait) {
      // CPU_ONLINE's notifiers go on on this CPU (cpu_stop_cpu_callback() does not sleep) while the
      // store reaches stop_machine; cpu_hotplug_done() comes after it
      compute(ctx, local(ctx), true);
    } else if (dieWait) {
      nativeCpuDie(ctx);
    } else if (program == null) {
      if (due.isEmpty()) sleepNow(ctx);
      else begin(ctx, due.pollFirst());
    } else if (pc >= program.size()) {
      finish(ctx);
    } else {
      step(ctx, program.get(pc));
    }
  }

  /**
   * {@code cpu_down(cpu)} or {@code cpu_up(cpu)}; refused as {@code _cpu_down()} / {@code
   * _cpu_up()} refuse (-EBUSY for the last online CPU, -EINVAL if the CPU is already so).
   */
  private void begin(Context ctx, Due e) {
    boolean isOnline = locks.online(e.cpu());
    if (e.up() == isOnline || (!e.up() && locks.numOnlineCpus() == 1)) {
      ctx.count("hotplug26.refused", 1);
      run(ctx);
      return;
    }
    current = e;
    ops++;
    startedAt = ctx.now();
    program =
        e.up() ? Programs26.cpuUp(e.cpu()) : Programs26.cpuDown(e.cpu(), locks.numOnlineCpus());
    pc = 0;
    if (ctx.tracing()) ctx.trace(new Hotplug26Note.Started(ops, e.cpu(), e.up()));
    compute(ctx, local(ctx), true);
  }

  private void finish(Context ctx) {
    if (ctx.tracing())
      ctx.trace(
          new Hotplug26Note.Finished(ops, current.cpu(), current.up(), ctx.now() - startedAt));
    ctx.count(current.up() ? "hotplug26.cpuUp" : "hotplug26.cpuDown", 1);
    if (current.random() && !current.up()) {
      // faults.hotplug.rate: the CPU comes back after its downtime
      ctx.startTimer(
          "random-up" + current.cpu(),
          Math.max(1, downtime.sample(ctx.random())),
          new Hotplug26Message.RandomDue(current.cpu()));
    }
    program = null;
    current = null;
    run(ctx);
  }

  private void step(Context ctx, HotplugOp op) {
    if (op instanceof HotplugOp.ReadNumThreads) {
      stopMachine(ctx);
      return;
    }
    if (op instanceof HotplugOp.SetCpuOnline s && apBooted) {
      // native_cpu_up(), back on the CPU: check_tsc_sync_source() with the AP, then it spins in
      // while (!cpu_online(cpu)) cpu_relax(); the AP's start_secondary() sets it online meanwhile,
      // and the writer goes on to CPU_ONLINE's notifiers without giving the CPU away
      apBooted = false;
      locks.step(ctx.self(), s);
      trace(ctx, ctx.self(), s, "");
      ctx.send(
          machine.stopMachine(), new Hotplug26Message.StopperView(s.cpu(), true, false), lock());
      pc++;
      computeStillNonPreemptible(ctx, Math.max(1, machine.latencies().ipi().sample(ctx.random())));
      return;
    }
    if (op instanceof HotplugOp.SetCpuOnline) {
      // do_boot_cpu() has kicked the AP (after alternatives_smp_switch(1)) and waits for its
      // callin, udelay(100) and schedule() in turn (smpboot.c:837-847): it lets others run
      timerWait = true;
      ctx.startTimer(
          "writer",
          Math.max(1, bringup.sample(ctx.random())),
          new Hotplug26Message.WriterTimer(AP_BOOTED));
      sleepNow(ctx);
      return;
    }
    CpuHotplug26.Outcome o = locks.step(ctx.self(), op);
    if (o instanceof CpuHotplug26.Waits w) {
      lockWait = true;
      waiting.addLast(new Request(ctx.self(), -1, 0, op));
      waitFor(ctx, ctx.self(), op, w);
      sleepNow(ctx);
      return;
    }
    if (!(o instanceof CpuHotplug26.Done d))
      throw new IllegalStateException("hotplug26: " + op + ": " + o);
    trace(ctx, ctx.self(), op, "");
    pc += 1 + d.skip();
    if (op instanceof HotplugOp.StopperEnabled s && !s.enabled()) {
      // CPU_POST_DEAD, after cpu_hotplug_done(), of a CPU already out of cpu_online_mask
      ctx.send(
          machine.stopMachine(),
          new Hotplug26Message.StopperView(s.cpu(), locks.online(s.cpu()), false),
          lock());
    } else if (op instanceof HotplugOp.StopperEnabled s) {
      // CPU_ONLINE: the store is done before _cpu_up() goes on to cpu_hotplug_done(), so the writer
      // waits for stop_machine to have it (a round trip)
      ctx.send(
          machine.stopMachine(), new Hotplug26Message.StopperEnable(s.cpu(), ctx.self()), lock());
      // the CPU runs tasks again
      if (listeners[s.cpu()] >= 0)
        ctx.send(listeners[s.cpu()], new Hotplug26Message.CpuOnline(s.cpu()), lock());
      viewWait = true;
    }
    if (op instanceof HotplugOp.CpuHotplugDone || op instanceof HotplugOp.MutexUnlock) retry(ctx);
    compute(ctx, local(ctx), true);
  }

  /**
   * {@code __stop_machine(take_cpu_down, &tcd_param, cpumask_of(cpu))}: the program's steps from
   * {@code num_threads = num_online_cpus()} to {@code mutex_unlock(&stop_cpus_mutex)} are the
   * stop_machine entity's ({@code stop_cpus_mutex} is its queue).
   */
  private void stopMachine(Context ctx) {
    int cpu = current.cpu();
    int end = pc;
    while (!(program.get(end) instanceof HotplugOp.MutexUnlock u
        && u.mutex().equals(CpuHotplug26.STOP_CPUS_MUTEX))) end++;
    pc = end + 1;
    stopToken++;
    stopWait = true;
    stopCpu = cpu;
    if (ctx.tracing())
      ctx.trace(
          new Hotplug26Note.Step(
              ctx.self(),
              "__stop_machine(take_cpu_down, cpumask_of(" + cpu + ")) in _cpu_down",
              ""));
    ctx.send(
        machine.stopMachine(),
        new StopMachineMessage.StopMachineCpuslocked(
            ctx.self(), stopToken, cpu, ctx.self(), new Hotplug26Message.TakeCpuDown(cpu)),
        lock());
    sleepNow(ctx);
  }

  /**
   * {@code take_cpu_down()} on the dying CPU, in the stop's RUN: out of {@code cpu_online_mask};
   * what ran on it stops ({@code CPU_DYING}'s {@code migrate_tasks()} in v2.6.38, {@code
   * sched_idle_next()} in v2.6.36) before the CPU acknowledges RUN.
   */
  private void onTakeCpuDown(Context ctx, StopMachineMessage.StopFnCall c) {
    if (!(c.fn() instanceof Hotplug26Message.TakeCpuDown t) || t.cpu() != c.cpu())
      throw new IllegalStateException("hotplug26: unexpected stop function " + c);
    HotplugOp op = new HotplugOp.TakeCpuDown(t.cpu(), "take_cpu_down");
    locks.step(ctx.self(), op);
    trace(ctx, ctx.self(), op, "");
    stopOp = c.op();
    if (listeners[t.cpu()] >= 0) {
      ctx.send(listeners[t.cpu()], new Hotplug26Message.CpuOffline(t.cpu(), ctx.self()), lock());
    } else {
      ctx.send(machine.cpu(t.cpu()), new StopMachineMessage.StopFnDone(c.op()), lock());
    }
  }

  /**
   * {@code native_cpu_die()}: up to ten looks at {@code cpu_state}, {@code msleep(100)} between;
   * then the program goes on ({@code alternatives_smp_switch(0)} when one CPU is left, {@code
   * CPU_DEAD}, {@code cpu_hotplug_done()}, {@code CPU_POST_DEAD}).
   */
  private void nativeCpuDie(Context ctx) {
    if (ctx.now() >= deadAt || dieTries >= 10) {
      if (ctx.now() < deadAt) ctx.count("hotplug26.cpuDidNotDie", 1);
      dieWait = false;
      compute(ctx, local(ctx), true);
      return;
    }
    dieTries++;
    timerWait = true;
    ctx.startTimer("writer", 100_000_000L, new Hotplug26Message.WriterTimer(MSLEEP));
    sleepNow(ctx);
  }

  private void onTimer(Context ctx, int what) {
    timerWait = false;
    // AP_BOOTED: the AP has called in (cpu_callin_mask); the writer runs the rest when it is back
    // on its CPU (step(), SetCpuOnline)
    if (what == AP_BOOTED) apBooted = true;
    resume(ctx);
  }

  // ====================================================================== waits

  /**
   * {@code task} waits for {@code w}; if that closes a wait cycle, {@code NoDeadlock} names it: who
   * holds what and waits for what.
   */
  private void waitFor(Context ctx, int task, HotplugOp op, CpuHotplug26.Waits w) {
    waits.put(task, w);
    trace(ctx, task, op, w.what() + " held by " + names(ctx, w.holders()));
    ctx.count("hotplug26.waits", 1);
    Map<Integer, List<Integer>> g = new LinkedHashMap<>();
    for (Map.Entry<Integer, CpuHotplug26.Waits> e : waits.entrySet())
      g.put(e.getKey(), e.getValue().holders());
    List<Integer> cycle = CpuHotplug26.waitCycle(task, g);
    if (cycle.isEmpty() || deadlockReported) return;
    deadlockReported = true;
    ctx.count("hotplug26.deadlocks", 1);
    ctx.violation("NoDeadlock", describeCycle(ctx, cycle));
  }

  private String describeCycle(Context ctx, List<Integer> cycle) {
    StringBuilder b = new StringBuilder("deadlock in ").append(era.version);
    if (current != null)
      b.append(current.up() ? " cpu_up(" : " cpu_down(").append(current.cpu()).append(")");
    b.append(": wait cycle: ");
    for (int i = 0; i < cycle.size(); i++) {
      int t = cycle.get(i);
      int next = cycle.get((i + 1) % cycle.size());
      if (i > 0) b.append("; ");
      List<String> held = new ArrayList<>();
      String also = alsoHolds.get(t);
      if (also != null) held.add(also);
      held.addAll(locks.held(t));
      b.append(ctx.name(t))
          .append(" holds ")
          .append(held)
          .append(" and waits for ")
          .append(waits.get(t).what())
          .append(" (held by ")
          .append(ctx.name(next))
          .append(")");
    }
    return b.toString();
  }

  private static String names(Context ctx, List<Integer> tasks) {
    List<String> out = new ArrayList<>();
    for (int t : tasks) out.add(ctx.name(t));
    return out.toString();
  }

  private void trace(Context ctx, int task, HotplugOp op, String waitsFor) {
    if (ctx.tracing())
      ctx.trace(new Hotplug26Note.Step(task, Sm3Interleavings.describe(op), waitsFor));
  }

  private long local(Context ctx) {
    return Math.max(1, machine.latencies().local().sample(ctx.random()));
  }

  private Latency lock() {
    return machine.latencies().lock();
  }

  /** For tests: the lock state. */
  CpuHotplug26 locks() {
    return locks;
  }
}
