package org.kernsim.actors.kprobes;

import org.kernsim.actors.rcutasks.RcuTasks;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.kprobes.WorkloadMessage;
import org.kernsim.protocol.lockdep.LockNote.LockMode;
import org.kernsim.protocol.rcutasks.RcuTasksMessage;

/**
 * The init task of the admin task's PID namespace, exiting ({@code kprobes.ns-init-exit}; KP-11,
 * the report of Jan 2024): {@code do_exit()} of v6.1 ({@code kernel/exit.c}, read) calls {@code
 * exit_tasks_rcu_start()} (an SRCU read-side section that {@code synchronize_rcu_tasks()} waits
 * for), then {@code exit_notify()}, whose {@code zap_pid_ns_processes()} ({@code
 * kernel/pid_namespace.c}) kills the namespace's tasks and waits in {@code kernel_wait4()} until
 * every child has exited (the admin task among them: a task blocked in {@code mutex_lock()} cannot
 * die), and only then {@code exit_tasks_rcu_finish()}. Its CPU time is not modelled.
 *
 * <p>For the lock-order checker: the SRCU read side is {@code tasks_rcu_exit_srcu} (a recursive
 * read, as lockdep annotates SRCU), and the wait for the children is the pseudo-lock {@link
 * #CHILD_EXIT}, which every child holds while it lives. Lockdep itself has no annotation for {@code
 * kernel_wait4()}: this pseudo-lock is the model's, and it is what lets the checker see KP-11's
 * cycle.
 */
final class NsInitExit implements Entity {
  /** A child's exit, as a pseudo-lock held by the child and waited for by its reaper. */
  static final String CHILD_EXIT = "(exit)pid_ns child";

  private final KprobesSim sim;
  private boolean childExited;
  private boolean exiting;

  NsInitExit(KprobesSim sim) {
    this.sim = sim;
  }

  @Override
  public void start(Context ctx) {
    ctx.startTimer(
        "do_exit", Math.max(1, sim.config().nsInitExitAt()), new WorkloadMessage.NsInitExits());
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof WorkloadMessage.NsInitExits) {
      exiting = true;
      // exit_tasks_rcu_start(): __srcu_read_lock(&tasks_rcu_exit_srcu)
      Lockdep.acquire(
          ctx,
          ctx.self(),
          RcuTasks.EXIT_SRCU,
          LockMode.RECURSIVE_READ,
          false,
          "exit_tasks_rcu_start");
      ctx.send(
          sim.rcuTasks(),
          new RcuTasksMessage.ExitStart(ctx.self()),
          sim.machine().latencies().lock());
      // exit_notify() -> forget_original_parent() -> zap_pid_ns_processes(): kernel_wait4()
      Lockdep.waitFor(ctx, ctx.self(), CHILD_EXIT, "zap_pid_ns_processes");
      ctx.count("nsInitExitStarted", 1);
      if (childExited) finish(ctx);
    } else if (msg instanceof WorkloadMessage.ChildExited) {
      childExited = true;
      if (exiting) finish(ctx);
    } else {
      throw new IllegalStateException("ns_init: unexpected " + msg);
    }
  }

  /** {@code exit_tasks_rcu_finish()}. */
  private void finish(Context ctx) {
    ctx.send(
        sim.rcuTasks(),
        new RcuTasksMessage.ExitFinish(ctx.self()),
        sim.machine().latencies().lock());
    Lockdep.release(ctx, ctx.self(), RcuTasks.EXIT_SRCU);
    ctx.count("nsInitExitFinished", 1);
  }
}
