package org.kernsim.protocol.rcutasks;

import org.kernsim.protocol.WireMessage;

/**
 * RCU Tasks ({@code kernel/rcu/tasks.h}): {@code synchronize_rcu_tasks()} as a protocol with the
 * RCU-tasks grace-period kthread, and the exit path's read side ({@code exit_tasks_rcu_start()} /
 * {@code exit_tasks_rcu_finish()}) that the grace period's {@code rcu_tasks_postscan()} waits for.
 */
public sealed interface RcuTasksMessage extends WireMessage
    permits RcuTasksMessage.SynchronizeRcuTasks,
        RcuTasksMessage.GracePeriodDone,
        RcuTasksMessage.ExitStart,
        RcuTasksMessage.ExitFinish,
        RcuTasksMessage.Phase {

  /** {@code synchronize_rcu_tasks()}: reply {@link GracePeriodDone} with {@code token}. */
  record SynchronizeRcuTasks(int requester, long token) implements RcuTasksMessage {}

  record GracePeriodDone(long token, long gp) implements RcuTasksMessage {}

  /** Task {@code task} in {@code do_exit()}: {@code exit_tasks_rcu_start()}. */
  record ExitStart(int task) implements RcuTasksMessage {}

  /** Task {@code task}: {@code exit_tasks_rcu_finish()}. */
  record ExitFinish(int task) implements RcuTasksMessage {}

  /**
   * The grace-period kthread's own progress: grace period {@code gp} reached phase {@code phase}.
   */
  record Phase(long gp, int phase) implements RcuTasksMessage {}
}
