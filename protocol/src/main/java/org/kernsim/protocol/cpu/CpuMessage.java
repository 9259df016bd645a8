package org.kernsim.protocol.cpu;

import org.kernsim.protocol.WireMessage;

/**
 * The scheduler protocol between a CPU and the tasks that run on it. A task that becomes runnable
 * {@link Enqueue}s itself on its CPU; the CPU {@link Dispatch}es one task at a time; the running
 * task {@link Release}s the CPU when it blocks, exits, yields or honours a {@link Preempt} at its
 * next preemption point. {@code dispatch} numbers each dispatch, so stale messages are recognised.
 */
public sealed interface CpuMessage extends WireMessage
    permits CpuMessage.Enqueue,
        CpuMessage.Release,
        CpuMessage.Dispatch,
        CpuMessage.Preempt,
        CpuMessage.TaskQuiescent,
        CpuMessage.PreemptCheck,
        CpuMessage.InjectedPreemption,
        CpuMessage.StolenTimeEnd,
        CpuMessage.DispatchPush,
        CpuMessage.MigrateTask,
        CpuMessage.SetCpusAllowed,
        CpuMessage.EnqueueWith {

  /** Task {@code task} is runnable and wants this CPU. */
  record Enqueue(int task) implements CpuMessage {}

  /** The running task gives the CPU back. */
  record Release(int task, long dispatch, ReleaseKind kind) implements CpuMessage {}

  /** CPU {@code cpu} runs the task now. */
  record Dispatch(int cpu, long dispatch) implements CpuMessage {}

  /** Release the CPU at your next preemption point (a wakeup preemption or the stopper). */
  record Preempt(int cpu, long dispatch) implements CpuMessage {}

  /**
   * The running task passes a quiescent state without leaving the CPU (cond_resched, user mode).
   */
  record TaskQuiescent(int task, long dispatch) implements CpuMessage {}

  /** The CPU's own timer: has the current task had its wakeup-preemption granularity? */
  record PreemptCheck(long dispatch) implements CpuMessage {}

  /** The CPU's own timer: the fault plan preempts the running task now (faults.preempt.*). */
  record InjectedPreemption() implements CpuMessage {}

  /** The CPU's own timer: the time the fault plan took from this CPU is over. */
  record StolenTimeEnd() implements CpuMessage {}

  /**
   * CPU {@code cpu} runs the task now, but the CPU is going down ({@code balance_push}, 2026): a
   * task that is not a per-CPU kthread does not run here — it answers {@link Release} with {@link
   * ReleaseKind#MIGRATE} and the CPU pushes it to another ({@code select_fallback_rq()}).
   */
  record DispatchPush(int cpu, long dispatch) implements CpuMessage {}

  /**
   * {@code set_cpus_allowed_ptr()} moved task {@code task} off this CPU: if it is queued here, or
   * runs here (then at its next preemption point, as {@code migration_cpu_stop()}), it goes to CPU
   * {@code toCpu} ({@code perCpuKthread}: as a per-CPU kthread, allowed there even while that CPU
   * is not yet active, as {@code rebind_workers()} needs).
   */
  record MigrateTask(int task, int toCpu, boolean perCpuKthread) implements CpuMessage {}

  /**
   * To a task: {@code set_cpus_allowed_ptr()} / {@code kthread_bind()}: it may run on CPU {@code
   * cpu} only (-1: on any CPU), and {@code kthread_set_per_cpu()}: whether it is a per-CPU kthread
   * (which may stay on a CPU that is going down).
   */
  record SetCpusAllowed(int cpu, boolean perCpuKthread) implements CpuMessage {}

  /**
   * Task {@code task} is runnable, with what the scheduler must know of it beyond {@link Enqueue}:
   * its nice level (a highpri kworker: -20 — it runs before the CPU's nice-0 tasks and preempts the
   * running one after a wakeup granularity scaled by its weight, {@code wakeup_gran()}, {@code
   * sched_prio_to_weight[]}), and (with CPU hotplug) whether it is a per-CPU kthread, which may run
   * on a CPU that is going down ({@code is_cpu_allowed()}). A plain {@link Enqueue} is a nice-0
   * task that is not a per-CPU kthread.
   */
  record EnqueueWith(int task, int nice, boolean perCpuKthread) implements CpuMessage {}

  enum ReleaseKind {
    /** The task sleeps (schedule() in TASK_*INTERRUPTIBLE/IDLE). */
    BLOCK,
    /** The task was preempted at a preemption point; it stays runnable. */
    PREEMPTED,
    /** The task yields voluntarily; it stays runnable. */
    YIELD,
    /** The task exited. */
    EXIT,
    /** The task may not run on this CPU any more ({@code balance_push}): push it elsewhere. */
    MIGRATE
  }
}
