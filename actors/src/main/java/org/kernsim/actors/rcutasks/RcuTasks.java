package org.kernsim.actors.rcutasks;

import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Latency;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.rcutasks.RcuTasksMessage;

/**
 * The RCU-tasks grace-period kthread ({@code rcu_tasks_kthread()}) as an entity, over {@link
 * RcuTasksLogic}: it asks the machine's RCU core for the {@code synchronize_rcu()}s of its grace
 * period, waits for the exit path's readers, sleeps through the holdout scan, and answers every
 * {@code synchronize_rcu_tasks()} caller. For the lock-order checker, the exit path's read side and
 * the postscan's {@code synchronize_srcu()} are the lock class {@code tasks_rcu_exit_srcu} (a
 * recursive read, and a wait), as lockdep annotates SRCU.
 */
public final class RcuTasks implements Entity {
  /** The SRCU of {@code exit_tasks_rcu_start()}, as a lock class. */
  public static final String EXIT_SRCU = "tasks_rcu_exit_srcu";

  /**
   * An RCU-tasks grace period as a pseudo-lock: the grace-period kthread holds it while the grace
   * period runs, and {@code synchronize_rcu_tasks()} waits for it.
   */
  public static final String GP_MAP = "(rcu_tasks)grace_period";

  private final int rcu;
  private final Latency lockLatency;
  private final long holdoutWait;
  private final RcuTasksLogic logic;
  private final boolean exitSrcu;

  /**
   * @param rcu the RCU-sched core
   * @param holdoutWait the holdout scan's wait ({@code rcu.tasks-holdout-wait})
   * @param exitSrcu whether the postscan waits for the exit path's SRCU readers
   */
  public RcuTasks(int rcu, Latency lockLatency, long holdoutWait, boolean exitSrcu) {
    this.rcu = rcu;
    this.lockLatency = lockLatency;
    this.holdoutWait = holdoutWait;
    this.logic = new RcuTasksLogic(exitSrcu);
    this.exitSrcu = exitSrcu;
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof RcuTasksMessage.SynchronizeRcuTasks s) {
      if (logic.request(s.requester(), s.token())) startGracePeriod(ctx);
    } else if (msg instanceof RcuMessage.GracePeriodDone g) {
      if (g.token() % 2 == 1) { // the pre-GP synchronize_rcu()
        if (exitSrcu) Lockdep.waitFor(ctx, ctx.self(), EXIT_SRCU, "rcu_tasks_postscan");
        if (logic.pregpDone()) holdout(ctx);
      } else {
        long done = logic.gp();
        Lockdep.release(ctx, ctx.self(), GP_MAP);
        for (RcuTasksLogic.Waiter w : logic.postgpDone()) {
          ctx.send(
              w.requester(), new RcuTasksMessage.GracePeriodDone(w.token(), done), lockLatency);
        }
        if (logic.phase() == RcuTasksLogic.Phase.PREGP) startGracePeriod(ctx);
      }
    } else if (msg instanceof RcuTasksMessage.ExitStart e) {
      logic.exitStart(e.task());
    } else if (msg instanceof RcuTasksMessage.ExitFinish e) {
      if (logic.exitFinish(e.task())) holdout(ctx);
    } else if (msg instanceof RcuTasksMessage.Phase p) {
      logic.toPostgp();
      synchronizeRcu(ctx, 0);
    } else {
      throw new IllegalStateException("rcu_tasks: unexpected " + msg);
    }
  }

  /** A grace period starts: the kthread holds it until its end; {@code rcu_tasks_pregp_step()}. */
  private void startGracePeriod(Context ctx) {
    Lockdep.acquire(ctx, ctx.self(), GP_MAP, "rcu_tasks_wait_gp");
    synchronizeRcu(ctx, 1);
  }

  /** {@code synchronize_rcu()}: odd tokens before the scan, even ones after. */
  private void synchronizeRcu(Context ctx, int parity) {
    ctx.send(
        rcu, new RcuMessage.SynchronizeSched(ctx.self(), 2 * logic.gp() + parity), lockLatency);
  }

  private void holdout(Context ctx) {
    logic.toHoldout();
    ctx.startTimer("holdout", Math.max(1, holdoutWait), new RcuTasksMessage.Phase(logic.gp(), 3));
  }
}
