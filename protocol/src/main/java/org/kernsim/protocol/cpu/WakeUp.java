package org.kernsim.protocol.cpu;

import org.kernsim.protocol.WireMessage;

/**
 * {@code wake_up_process()}: wake the task for its {@code epoch}-th sleep. Whoever publishes that a
 * task sleeps (for a kworker, the pool under {@code pool->lock}) numbers its sleeps, and a waker
 * that saw the publication names the sleep it wakes; so a wake that arrives before the task has
 * actually gone to sleep is not lost (the task then does not sleep), and a wake meant for an
 * earlier sleep is a no-op, exactly as {@code try_to_wake_up()} on a running task.
 *
 * @param waker the entity that wakes
 * @param incarnation which life of the task this wake is for (a slot reused by a new kworker has a
 *     new incarnation); a wake for a past incarnation reached a freed task
 * @param pinned whether the waker holds a reference on the task (as {@code wake_q} does), which
 *     makes a wake after the task exited harmless rather than a use-after-free
 */
public record WakeUp(int waker, long epoch, long incarnation, boolean pinned)
    implements WireMessage {
  public static WakeUp of(int waker, long epoch) {
    return new WakeUp(waker, epoch, 0, true);
  }
}
