package org.kernsim.actors.cpu;

import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.placement.Placement;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.cpu.CpuMessage;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.cpu.SegmentDone;
import org.kernsim.protocol.cpu.WakeUp;
import org.kernsim.protocol.sched.SchedMessage;

/**
 * A task (a kthread or a thread of a workload) that runs on a {@link Cpu}: the base class of every
 * model task. It keeps the task's scheduling state and hides the CPU protocol; a subclass writes
 * its program as a state machine whose {@link #run} continues from its own program counter whenever
 * the task holds the CPU.
 *
 * <p>What a subclass can do while it runs:
 *
 * <ul>
 *   <li>{@link #compute}: spend CPU time, preemptible or not; {@code run} is called again after
 *       (the end of a non-preemptible segment is a preemption point: {@code preempt_enable()});
 *   <li>{@link #computeStillNonPreemptible}: a piece of a longer non-preemptible region, whose end
 *       is not a preemption point;
 *   <li>{@link #preemptionPoint}: give the CPU away here if a preemption is pending;
 *   <li>{@link #sleep}: block until woken ({@code schedule()} in a sleeping state); returns false,
 *       and the task goes on, if the wake for this sleep already arrived;
 *   <li>{@link #exit}; {@link #quiescentState} (cond_resched / user mode).
 * </ul>
 *
 * <p>Sleeps are numbered ({@link #nextEpoch}): whoever publishes that the task sleeps (under its
 * lock) learns the number and wakes that sleep ({@link WakeUp}), so a wake is never lost and a
 * stale wake is a no-op, as with {@code set_current_state()} / {@code try_to_wake_up()}.
 */
public abstract class Task implements Entity {

  private enum Run {
    SLEEPING,
    RUNNABLE,
    RUNNING,
    EXITED
  }

  private static final String SEGMENT = "segment";

  protected final Machine machine;
  private int cpu;

  /**
   * {@code p->cpus_ptr}: the only CPU the task may run on, or -1 for any. A task starts affine to
   * the CPU it is created on (a workload thread pinned with {@code sched_setaffinity()}, a kthread
   * bound with {@code kthread_bind()}); CPU hotplug breaks a user task's affinity when its CPU goes
   * away ({@code select_fallback_rq()}).
   */
  private int allowedCpu;

  /** {@code kthread_is_per_cpu()}: may stay on a CPU that is going down ({@code balance_push}). */
  private boolean perCpuKthread;

  /** The nice level ({@code set_user_nice()}): 0, or -20 for a highpri kworker. */
  private int nice;

  private Run run = Run.SLEEPING;
  private long dispatch = -1;
  private long preemptFor = -1;
  private boolean preemptPending;
  private long epochs;
  private long sleepEpoch;
  private long wokenUpTo;
  private long incarnation;

  /** Interrupt time that arrived while the task had interrupts off (irq.rate). */
  private long irqPending;

  private boolean inSegment;
  private boolean segmentPreemptible;
  private boolean segmentKeepsCpu;
  private long segmentEnd;
  private long segmentRemaining = -1;
  private long segmentToken;

  /** A task that starts asleep in its first sleep (epoch 1), as a freshly created kthread. */
  protected Task(Machine machine, int cpu) {
    this.machine = machine;
    this.cpu = cpu;
    this.allowedCpu = cpu;
    this.epochs = 1;
    this.sleepEpoch = 1;
  }

  // ------------------------------------------------------------------ for subclasses

  /** The task holds the CPU: continue the program. */
  protected abstract void run(Context ctx);

  /** Any message that is not part of the CPU protocol (replies, requests...). */
  protected void onMessage(Context ctx, Object msg) {
    throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected " + msg);
  }

  /** A wake reached this task after it exited (or a past incarnation of it). */
  protected void onWakeAfterExit(Context ctx, WakeUp w) {}

  /** The CPU index this task runs on. */
  public final int cpu() {
    return cpu;
  }

  /** Moves the task to another CPU; only while it is not on a CPU. */
  protected final void setCpu(int cpu) {
    if (run == Run.RUNNING || run == Run.RUNNABLE)
      throw new IllegalStateException("cannot migrate a runnable task");
    this.cpu = cpu;
    if (allowedCpu >= 0) this.allowedCpu = cpu;
  }

  /**
   * {@code kthread_bind()} + {@code kthread_set_per_cpu()} at creation: a per-CPU kthread bound to
   * its CPU (a kworker of a per-CPU pool, {@code cpuhp/N}); or, with false, an ordinary task.
   */
  protected final void setPerCpuKthread(boolean perCpu) {
    this.perCpuKthread = perCpu;
  }

  /** {@code set_user_nice()} at creation. */
  protected final void setNice(int nice) {
    this.nice = nice;
  }

  /**
   * {@code schedule()} while TASK_RUNNING: the task stays runnable and gives the CPU to whatever is
   * queued there first ({@code wq_unbind_fn()}'s "cross rq->lock"); {@link #run} continues when it
   * runs again.
   */
  protected final void schedule(Context ctx) {
    requireRunning(ctx, "schedule");
    release(ctx, CpuMessage.ReleaseKind.YIELD);
  }

  /** {@code set_cpus_allowed_ptr()} at creation: {@code cpu}, or -1 for any CPU. */
  protected final void setAllowedCpu(int cpu) {
    this.allowedCpu = cpu;
  }

  /** The CPU the task is affine to, or -1 (any). */
  public final int allowedCpu() {
    return allowedCpu;
  }

  public final boolean isPerCpuKthread() {
    return perCpuKthread;
  }

  public final boolean isRunning() {
    return run == Run.RUNNING;
  }

  public final boolean isRunnable() {
    return run == Run.RUNNABLE;
  }

  public final boolean isSleeping() {
    return run == Run.SLEEPING;
  }

  public final boolean hasExited() {
    return run == Run.EXITED;
  }

  public final long incarnation() {
    return incarnation;
  }

  /** The number the task's next sleep will have; tell it to whoever will wake that sleep. */
  protected final long nextEpoch() {
    return epochs + 1;
  }

  /** The number of the task's current (or last) sleep. */
  protected final long sleepEpoch() {
    return sleepEpoch;
  }

  /**
   * A new life in this slot (a kworker created with a reused id): the task starts asleep in its
   * first sleep; wakes meant for earlier incarnations are reported to {@link #onWakeAfterExit}.
   */
  protected final void reborn(long incarnation, int cpu) {
    if (run != Run.EXITED && run != Run.SLEEPING)
      throw new IllegalStateException("rebirth of a live task");
    this.incarnation = incarnation;
    this.cpu = cpu;
    if (allowedCpu >= 0) this.allowedCpu = cpu;
    this.run = Run.SLEEPING;
    this.epochs = 1;
    this.sleepEpoch = 1;
    this.wokenUpTo = 0;
    this.dispatch = -1;
    this.preemptFor = -1;
    this.preemptPending = false;
    this.inSegment = false;
    this.segmentRemaining = -1;
    this.irqPending = 0;
  }

  /** Makes a task that has not run yet runnable (a workload thread at time 0). */
  protected final void startRunnable(Context ctx) {
    if (run != Run.SLEEPING) throw new IllegalStateException("already started");
    wake(ctx, sleepEpoch);
  }

  /**
   * Spends {@code nanos} of CPU time; {@link #run} is called when it is done. A preemptible stretch
   * begun with a preemption pending gives the CPU away first (it runs when the task is back).
   */
  protected final void compute(Context ctx, long nanos, boolean preemptible) {
    requireRunning(ctx, "compute");
    segmentPreemptible = preemptible;
    segmentKeepsCpu = false;
    if (preemptible && preemptPending) {
      // A preemption that arrived during a non-preemptible step (a lock section, an interrupt
      // handler such as the tick's wq_worker_tick()) is taken as the preemptible stretch begins:
      // preempt_enable() -> preempt_schedule(), irqentry_exit() -> preempt_schedule_irq(). The
      // stretch runs when the task is dispatched again.
      segmentRemaining = Math.max(1, nanos);
      release(ctx, CpuMessage.ReleaseKind.PREEMPTED);
      return;
    }
    inSegment = true;
    startSegment(ctx, Math.max(1, nanos));
  }

  /**
   * Spends {@code nanos} of CPU time inside a non-preemptible region that goes on after it
   * (preemption stays disabled): unlike {@code compute(ctx, nanos, false)}, its end is not a
   * preemption point, so a pending preemption waits for the region's end ({@link #compute} of its
   * last piece, or {@link #preemptionPoint}). {@link #run} is called when it is done.
   */
  protected final void computeStillNonPreemptible(Context ctx, long nanos) {
    compute(ctx, nanos, false);
    segmentKeepsCpu = true;
  }

  /**
   * An interrupt handler ran on this task's CPU for {@code nanos} while the task was computing: the
   * piece of CPU time in progress ends that much later. No-op if the task is not computing.
   */
  protected final void interrupted(Context ctx, long nanos) {
    if (!inSegment || nanos <= 0) return;
    startSegment(ctx, Math.max(1, segmentEnd - ctx.now()) + nanos);
  }

  /**
   * A preemption point: if a preemption is pending the task gives the CPU away and returns true
   * (the caller returns; {@link #run} is called when the task runs again).
   */
  protected final boolean preemptionPoint(Context ctx) {
    requireRunning(ctx, "preemptionPoint");
    if (!preemptPending) return false;
    release(ctx, CpuMessage.ReleaseKind.PREEMPTED);
    return true;
  }

  /**
   * Sleeps ({@code schedule()} in a sleeping state) in sleep number {@link #nextEpoch()}. Returns
   * true if the task blocked (the caller returns; {@link #run} is called after the wake), false if
   * the wake for this sleep had already arrived (the task goes on at once).
   */
  protected final boolean sleep(Context ctx) {
    requireRunning(ctx, "sleep");
    sleepEpoch = ++epochs;
    if (wokenUpTo >= sleepEpoch) return false;
    release(ctx, CpuMessage.ReleaseKind.BLOCK);
    if (ctx.tracing()) ctx.trace(new CpuNote.TaskBlocked(ctx.self(), sleepEpoch));
    return true;
  }

  /**
   * Wakes sleep {@code epoch} of this task from inside (a reply the task was waiting for arrived).
   */
  protected final void wake(Context ctx, long epoch) {
    onWake(ctx, new WakeUp(ctx.self(), epoch, incarnation, true));
  }

  /** The task exits; it never runs again (unless {@link #reborn}). */
  protected final void exit(Context ctx) {
    requireRunning(ctx, "exit");
    release(ctx, CpuMessage.ReleaseKind.EXIT);
    if (ctx.tracing()) ctx.trace(new CpuNote.TaskExited(ctx.self()));
  }

  /** Passes an RCU-sched quiescent state without leaving the CPU (cond_resched, user mode). */
  protected final void quiescentState(Context ctx) {
    requireRunning(ctx, "quiescentState");
    ctx.send(
        machine.cpu(cpu),
        new CpuMessage.TaskQuiescent(ctx.self(), dispatch),
        machine.latencies().local());
  }

  // ------------------------------------------------------------------ the protocol

  @Override
  public final void receive(Context ctx, Object msg) {
    if (msg instanceof CpuMessage.Dispatch d) onDispatch(ctx, d.cpu(), d.dispatch());
    else if (msg instanceof CpuMessage.DispatchPush d) onDispatchPush(ctx, d);
    else if (msg instanceof CpuMessage.SetCpusAllowed a) onSetCpusAllowed(ctx, a);
    else if (msg instanceof CpuMessage.Preempt p) onPreempt(ctx, p);
    else if (msg instanceof SegmentDone s) onSegmentDone(ctx, s);
    else if (msg instanceof WakeUp w) onWake(ctx, w);
    else if (msg instanceof SchedMessage.Irq i) onIrq(ctx, i);
    else onMessage(ctx, msg);
  }

  /**
   * {@code balance_push()}: the CPU is going down; only a per-CPU kthread runs here, any other task
   * is pushed to another CPU without running.
   */
  private void onDispatchPush(Context ctx, CpuMessage.DispatchPush d) {
    if (perCpuKthread) {
      onDispatch(ctx, d.cpu(), d.dispatch());
      return;
    }
    if (run != Run.RUNNABLE)
      throw new IllegalStateException(ctx.name(ctx.self()) + ": pushed while " + run);
    cpu = machine.cpuIndex(d.cpu());
    dispatch = d.dispatch();
    ctx.send(
        machine.cpu(cpu),
        new CpuMessage.Release(ctx.self(), dispatch, CpuMessage.ReleaseKind.MIGRATE),
        machine.latencies().local());
  }

  /**
   * {@code set_cpus_allowed_ptr()} / {@code kthread_set_per_cpu()}: a sleeping task wakes on an
   * allowed CPU next time; a queued or running one is moved off a CPU it may no longer use ({@code
   * affine_move_task()}: {@code migration_cpu_stop()} preempts it).
   */
  private void onSetCpusAllowed(Context ctx, CpuMessage.SetCpusAllowed a) {
    allowedCpu = a.cpu();
    perCpuKthread = a.perCpuKthread();
    if (allowedCpu < 0 || allowedCpu == cpu || run == Run.EXITED) return;
    if (run == Run.SLEEPING) {
      cpu = allowedCpu;
    } else {
      ctx.send(
          machine.cpu(cpu),
          new CpuMessage.MigrateTask(ctx.self(), allowedCpu, perCpuKthread),
          machine.latencies().local());
    }
  }

  private void onDispatch(Context ctx, int cpuEntity, long d) {
    if (run != Run.RUNNABLE)
      throw new IllegalStateException(ctx.name(ctx.self()) + ": dispatched while " + run);
    run = Run.RUNNING;
    cpu = machine.cpuIndex(cpuEntity); // a migrated task learns its CPU when it runs there
    dispatch = d;
    preemptPending = preemptFor == dispatch;
    if (segmentRemaining >= 0) {
      long rest = segmentRemaining;
      segmentRemaining = -1;
      if (preemptPending && segmentPreemptible) {
        segmentRemaining = rest;
        release(ctx, CpuMessage.ReleaseKind.PREEMPTED);
        return;
      }
      inSegment = true;
      startSegment(ctx, Math.max(1, rest));
      return;
    }
    run(ctx);
  }

  private void onPreempt(Context ctx, CpuMessage.Preempt p) {
    if (run == Run.RUNNING && p.dispatch() == dispatch) {
      preemptPending = true;
      if (inSegment && segmentPreemptible) {
        ctx.cancelTimer(SEGMENT);
        inSegment = false;
        segmentRemaining = Math.max(1, segmentEnd - ctx.now());
        release(ctx, CpuMessage.ReleaseKind.PREEMPTED);
      }
    } else if (p.dispatch() > dispatch) {
      preemptFor = p.dispatch(); // overtook its Dispatch
    }
  }

  private void onSegmentDone(Context ctx, SegmentDone s) {
    if (!inSegment || s.token() != segmentToken) return;
    inSegment = false;
    if (preemptPending && !segmentKeepsCpu) {
      release(ctx, CpuMessage.ReleaseKind.PREEMPTED);
      return;
    }
    run(ctx);
  }

  private void onWake(Context ctx, WakeUp w) {
    if (run == Run.EXITED || w.incarnation() != incarnation) {
      onWakeAfterExit(ctx, w);
      return;
    }
    if (w.epoch() > wokenUpTo) wokenUpTo = w.epoch();
    if (run == Run.SLEEPING && w.epoch() >= sleepEpoch) {
      run = Run.RUNNABLE;
      if (allowedCpu >= 0) cpu = allowedCpu; // select_task_rq(): an allowed CPU
      boolean kthread = perCpuKthread && machine.hotplugEnabled();
      Object enqueue =
          nice == 0 && !kthread
              ? new CpuMessage.Enqueue(ctx.self())
              : new CpuMessage.EnqueueWith(ctx.self(), nice, perCpuKthread);
      if (allowedCpu < 0
          && machine.placement() == Placement.SELECT_IDLE_SIBLING
          && machine.cpus() > 1) {
        // select_task_rq() -> select_task_rq_fair(): prev_cpu, else an idle CPU of its LLC
        enqueue = new SchedMessage.SelectIdle(ctx.self(), cpu, 0, nice, perCpuKthread);
      }
      ctx.send(machine.cpu(cpu), enqueue, machine.latencies().local());
      if (ctx.tracing()) ctx.trace(new CpuNote.TaskWoken(ctx.self(), w.waker(), w.epoch()));
    } else if (ctx.tracing()) {
      ctx.trace(new CpuNote.WakeIgnored(ctx.self(), w.waker(), w.epoch()));
    }
  }

  /**
   * An interrupt took {@code nanos} of this task's CPU: a stretch of CPU time (interrupts on) ends
   * that much later; between two stretches the task is inside a kernel step that runs with
   * interrupts off (a lock round trip) and the interrupt stays pending ({@link #irqsOn}, or the
   * next stretch, delivers it). A task that is not running (a stale dispatch) is not hit.
   */
  private void onIrq(Context ctx, SchedMessage.Irq i) {
    if (run != Run.RUNNING || i.dispatch() != dispatch) return;
    if (inSegment) {
      long rest = Math.max(1, segmentEnd - ctx.now()) + i.nanos();
      startSegment(ctx, rest);
    } else {
      irqPending += i.nanos();
      ctx.count("irqsPendingWithIrqsOff", 1);
    }
  }

  /**
   * {@code raw_spin_unlock_irq()} / {@code local_irq_enable()}: interrupts that arrived while they
   * were off are delivered now. Returns true if one was pending: the task spends its handler time
   * (not preemptible; the return from the interrupt is a preemption point when {@code preemptible},
   * as {@code irqentry_exit()} → {@code preempt_schedule_irq()}), and {@link #run} continues after
   * it (the caller returns).
   */
  protected final boolean irqsOn(Context ctx, boolean preemptible) {
    requireRunning(ctx, "irqsOn");
    if (irqPending <= 0) return false;
    long d = irqPending;
    irqPending = 0;
    ctx.count("irqsDeliveredAtIrqEnable", 1);
    if (preemptible) compute(ctx, d, false);
    else computeStillNonPreemptible(ctx, d);
    return true;
  }

  private void startSegment(Context ctx, long nanos) {
    if (irqPending > 0) { // interrupts are on while the task computes: the pending ones run first
      nanos += irqPending;
      irqPending = 0;
    }
    segmentEnd = ctx.now() + nanos;
    ctx.startTimer(SEGMENT, nanos, new SegmentDone(++segmentToken));
  }

  private void release(Context ctx, CpuMessage.ReleaseKind kind) {
    irqPending = 0; // delivered as the task leaves (not charged to the next task)
    ctx.send(
        machine.cpu(cpu),
        new CpuMessage.Release(ctx.self(), dispatch, kind),
        machine.latencies().local());
    preemptPending = false;
    run =
        switch (kind) {
          case BLOCK -> Run.SLEEPING;
          case EXIT -> Run.EXITED;
          case PREEMPTED, YIELD, MIGRATE -> Run.RUNNABLE;
        };
  }

  private void requireRunning(Context ctx, String what) {
    if (run != Run.RUNNING)
      throw new IllegalStateException(ctx.name(ctx.self()) + ": " + what + " while " + run);
  }
}
