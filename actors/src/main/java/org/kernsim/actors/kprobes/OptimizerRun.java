package org.kernsim.actors.kprobes;

import org.kernsim.protocol.kprobes.OptimizerMessage;
import org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.rcutasks.RcuTasksMessage;

/**
 * The step sequencing of one {@code kprobe_optimizer()} run, shared by its two hosts (the dedicated
 * kthread {@link OptimizerWorker} and the kworker's {@link OptimizerFunction}): the task asks for
 * the mutexes ({@link OptimizerMessage.Begin}), then runs the steps the {@code KprobeManager} names
 * in each reply, one request at a time, until {@link OptimizerStep#END}. Which steps a run takes is
 * the kernel's (the manager's core decides), so the hosts know nothing of eras. The grace period
 * ({@link OptimizerStep#SYNCHRONIZE}) is the task's own {@code synchronize_sched()}, still holding
 * the mutexes: it asks RCU directly, and goes on with Step 3 ({@code do_optimize_kprobes()}, which
 * follows the grace period in every kernel). Plain logic: it says what to send where.
 */
final class OptimizerRun {

  /**
   * A request of the run: {@code message} to entity {@code to}; {@code waitsFor}: the pseudo-lock
   * the task waits for in it (the lock-order checker's), or null.
   */
  record Request(int to, Object message, String waitsFor) {
    Request(int to, Object message) {
      this(to, message, null);
    }
  }

  private final int manager;
  private final int rcu;
  private final boolean rcuTasks;
  private int self = -1;
  private long run;

  /** The reply awaited: null for {@link OptimizerMessage.Granted}, else the step requested. */
  private OptimizerStep awaiting;

  private boolean active;

  /**
   * @param rcu the entity that ends the grace period of Step 2: the RCU-sched core ({@code
   *     synchronize_sched()}), or with {@code rcuTasks} the RCU-tasks kthread ({@code
   *     synchronize_rcu_tasks()}, since a30b85df7d59)
   */
  OptimizerRun(int manager, int rcu, boolean rcuTasks) {
    this.manager = manager;
    this.rcu = rcu;
    this.rcuTasks = rcuTasks;
  }

  /**
   * Task {@code host} starts a run: the request for the mutexes ({@code runNumber} is the caller's
   * number, or 0).
   */
  Request begin(int host, long runNumber) {
    if (active) throw new IllegalStateException("optimizer run " + run + " still in progress");
    active = true;
    self = host;
    run = runNumber;
    awaiting = null;
    return new Request(manager, new OptimizerMessage.Begin(self, runNumber));
  }

  /** The mutexes are held: the first request of the run. */
  Request granted(OptimizerMessage.Granted g) {
    if (!active || awaiting != null)
      throw new IllegalStateException("optimizer: stray " + g + " (awaiting " + awaiting + ")");
    run = g.run();
    return request(g.next());
  }

  /** A step returned: the next request of the run. */
  Request stepDone(OptimizerMessage.StepDone d) {
    if (!active || d.run() != run || d.step() != awaiting || awaiting == OptimizerStep.SYNCHRONIZE)
      throw new IllegalStateException(
          "optimizer: stray " + d + " (run " + run + ", awaiting " + awaiting + ")");
    return request(d.next());
  }

  /** The grace period of Step 2 ({@code token}) ended: Step 3. */
  Request gracePeriodDone(long token) {
    if (!active || awaiting != OptimizerStep.SYNCHRONIZE || token != gpToken())
      throw new IllegalStateException(
          "optimizer: stray grace period " + token + " (awaiting " + awaiting + ")");
    return request(OptimizerStep.DO_OPTIMIZE);
  }

  private long gpToken() {
    return (run << 8) + 2;
  }

  private Request request(OptimizerStep next) {
    if (next == OptimizerStep.END) {
      active = false;
      awaiting = null;
      return new Request(manager, new OptimizerMessage.End(run));
    }
    awaiting = next;
    if (next == OptimizerStep.SYNCHRONIZE) {
      if (rcuTasks) {
        return new Request(
            rcu,
            new RcuTasksMessage.SynchronizeRcuTasks(self, gpToken()),
            org.kernsim.actors.rcutasks.RcuTasks.GP_MAP);
      }
      return new Request(rcu, new RcuMessage.SynchronizeSched(self, gpToken()));
    }
    return new Request(manager, new OptimizerMessage.Step(run, next));
  }

  /** The run the manager numbered. */
  long run() {
    return run;
  }

  /**
   * The phase of the request awaited, as {@link OptimizerMessage.Blocked} names it: 0 for the
   * mutexes, 1 + the step's ordinal for a step.
   */
  int phase() {
    return awaiting == null ? 0 : 1 + awaiting.ordinal();
  }

  /** The request awaited always sleeps in the kernel (the grace period). */
  boolean awaitingSleep() {
    return awaiting == OptimizerStep.SYNCHRONIZE;
  }
}
