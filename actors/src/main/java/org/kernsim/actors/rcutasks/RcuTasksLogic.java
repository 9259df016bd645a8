package org.kernsim.actors.rcutasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code synchronize_rcu_tasks()} of {@code kernel/rcu/tasks.h} ({@code rcu_tasks_wait_gp()}), as
 * plain logic over the grace periods in progress and the exiting tasks' read side. One grace period
 * at a time; a request made while one is in progress waits for the next. Each grace period:
 *
 * <ol>
 *   <li>{@code rcu_tasks_pregp_step()}: {@code synchronize_rcu()};
 *   <li>{@code rcu_tasks_postscan()}: until v6.9 [M], {@code
 *       synchronize_srcu(&tasks_rcu_exit_srcu)}: wait for every task between {@code
 *       exit_tasks_rcu_start()} and {@code exit_tasks_rcu_finish()} of {@code do_exit()} (read in
 *       v6.1); later kernels (v6.13, read) put exiting tasks on a list that makes them holdouts
 *       instead, and a sleeping holdout is quiescent: no wait;
 *   <li>the holdout scan: the holdouts (runnable tasks) are rechecked after a wait ({@code
 *       rcu.tasks-holdout-wait}; the first wait is HZ/10): a task that passed a voluntary context
 *       switch, idle or user mode is done (the RCU-sched grace period of step 1 stands for it
 *       here);
 *   <li>{@code rcu_tasks_postgp()}: {@code synchronize_rcu()}.
 * </ol>
 */
public final class RcuTasksLogic {

  /** Where the grace period in progress is. */
  public enum Phase {
    IDLE,
    PREGP,
    POSTSCAN,
    HOLDOUT,
    POSTGP
  }

  /** A waiter: {@code requester}'s request {@code token}. */
  public record Waiter(int requester, long token) {}

  private final boolean exitSrcu;
  private Phase phase = Phase.IDLE;
  private long gp;
  private List<Waiter> current = new ArrayList<>();
  private List<Waiter> next = new ArrayList<>();

  /** Exiting tasks in their read-side section, with the SRCU epoch they entered in. */
  private final Map<Integer, Long> readers = new LinkedHashMap<>();

  private long srcuEpoch;
  private long postscanEpoch = -1;

  /** {@code exitSrcu}: rcu_tasks_postscan() waits for the exit path's SRCU readers. */
  public RcuTasksLogic(boolean exitSrcu) {
    this.exitSrcu = exitSrcu;
  }

  /** A request; true if a grace period must start now (nothing in progress). */
  public boolean request(int requester, long token) {
    Waiter w = new Waiter(requester, token);
    if (phase == Phase.IDLE) {
      current.add(w);
      phase = Phase.PREGP;
      gp++;
      return true;
    }
    next.add(w);
    return false;
  }

  /** {@code exit_tasks_rcu_start()} of {@code task}. */
  public void exitStart(int task) {
    readers.put(task, srcuEpoch);
  }

  /** {@code exit_tasks_rcu_finish()} of {@code task}; true if the postscan it held up can go on. */
  public boolean exitFinish(int task) {
    readers.remove(task);
    return phase == Phase.POSTSCAN && postscanDone();
  }

  /** The pre-GP {@code synchronize_rcu()} ended: the postscan; true if it need not wait. */
  public boolean pregpDone() {
    expect(Phase.PREGP);
    phase = Phase.POSTSCAN;
    postscanEpoch = ++srcuEpoch; // synchronize_srcu(): readers that entered before now
    return postscanDone();
  }

  /** Whether no exiting task that entered before the postscan is still in its read side. */
  public boolean postscanDone() {
    if (!exitSrcu) return true;
    for (long e : readers.values()) if (e < postscanEpoch) return false;
    return true;
  }

  /** The postscan is over: the holdout scan. */
  public void toHoldout() {
    expect(Phase.POSTSCAN);
    phase = Phase.HOLDOUT;
  }

  /** The holdout scan is over: {@code rcu_tasks_postgp()}. */
  public void toPostgp() {
    expect(Phase.HOLDOUT);
    phase = Phase.POSTGP;
  }

  /**
   * The post-GP {@code synchronize_rcu()} ended: the grace period is over; returns its waiters, and
   * starts the next one if requests are waiting (then {@link #phase()} is PREGP again).
   */
  public List<Waiter> postgpDone() {
    expect(Phase.POSTGP);
    List<Waiter> done = current;
    current = next;
    next = new ArrayList<>();
    if (current.isEmpty()) {
      phase = Phase.IDLE;
    } else {
      phase = Phase.PREGP;
      gp++;
    }
    return done;
  }

  public Phase phase() {
    return phase;
  }

  public long gp() {
    return gp;
  }

  /** Exiting tasks in their read-side section. */
  public int readers() {
    return readers.size();
  }

  private void expect(Phase p) {
    if (phase != p) throw new IllegalStateException("rcu tasks: at " + phase + ", not " + p);
  }
}
