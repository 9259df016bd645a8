package org.kernsim.actors.workqueue;

import org.kernsim.engine.Context;
import org.kernsim.protocol.workqueue.WorkItem;

/**
 * The function of an {@link WorkItem.WorkKind#EXTERNAL} work item: code that belongs to another
 * model (the item's {@code owner}, e.g. the kprobe manager's {@code optimizing_work}) and runs in
 * the context of the kworker that executes the item, as a work function runs in the kernel.
 *
 * <p>The function talks to its owner's entities by messages (it hands the execution to them: a
 * request, then a reply). While it waits for a reply the kworker either spins on the CPU (the
 * request does not block in the kernel: an uncontended mutex, a section that does not sleep) or
 * sleeps ({@link Kworker#block}): a contended mutex, {@code synchronize_sched()}, {@code
 * stop_machine()}. A sleep is a sleep of the kworker: {@code wq_worker_sleeping()} ({@code
 * nr_running--}, {@code kick_pool()}) before it blocks, {@code wq_worker_running()} when it runs
 * again. When the function returns, the kworker goes on with {@code process_one_work()} ({@code
 * cond_resched()}, relock, {@code keep_working()}...).
 */
public interface WorkFunction {

  /**
   * {@code process_one_work()} calls the function: the kworker holds its CPU, the pool is unlocked.
   */
  void call(Context ctx, Kworker k);

  /**
   * A message that reached the kworker while it runs this function; false if it is not the
   * function's.
   */
  boolean onMessage(Context ctx, Object msg, Kworker k);

  /** The kworker holds its CPU again after {@link Kworker#done}, {@link Kworker#compute}: go on. */
  void resume(Context ctx, Kworker k);

  /** What a function can do with the kworker that runs it ({@code ctx.self()} is the kworker). */
  interface Kworker {
    /** The CPU the kworker runs on. */
    int cpu();

    /**
     * The function waits for a reply. {@code blocking}: it sleeps at once ({@link #block}); else
     * the kworker spins on its CPU until {@link #done} or {@link #block}.
     */
    void await(Context ctx, boolean blocking);

    /**
     * The wait turns out to block ({@code schedule()}): wq_worker_sleeping() and sleep. No-op
     * unless spinning.
     */
    void block(Context ctx);

    /**
     * The reply came: {@link WorkFunction#resume} once the kworker holds its CPU (at once if it
     * spins).
     */
    void done(Context ctx);

    /** Spends CPU time in the function (preemptible), then {@link WorkFunction#resume}. */
    void compute(Context ctx, long nanos);

    /** The function returned: {@code process_one_work()} goes on. */
    void returned(Context ctx);
  }

  /** Who provides the functions of external items (one per model that queues them). */
  interface Registry {
    /** A fresh function for one execution of {@code item} (whose {@code owner} names the model). */
    WorkFunction create(WorkItem item);

    /**
     * A message for a function that has already returned (a late notice); true if it is to be
     * ignored, false if it is a model error.
     */
    default boolean stray(Object msg) {
      return false;
    }
  }
}
