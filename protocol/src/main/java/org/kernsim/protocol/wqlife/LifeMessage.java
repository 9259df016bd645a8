package org.kernsim.protocol.wqlife;

import org.kernsim.protocol.WireMessage;

/** The life-cycle tasks' own messages: work for the release kthread, timers, wake-ups. */
public sealed interface LifeMessage extends WireMessage
    permits LifeMessage.QueueRelease,
        LifeMessage.RescuerWake,
        LifeMessage.Tick,
        LifeMessage.Complete,
        LifeMessage.WaitCompletion,
        LifeMessage.Completed,
        LifeMessage.KthreadStop,
        LifeMessage.NotDone {

  /**
   * {@code put_pwq()} dropped the last reference of {@code pwq}: {@code
   * kthread_queue_work(pwq_release_worker, &pwq->release_work)}.
   */
  record QueueRelease(long pwq, int pool, int wq, boolean unbound) implements LifeMessage {}

  /** {@code wake_up_process(wq->rescuer->task)} from {@code send_mayday()}. */
  record RescuerWake(int waker) implements LifeMessage {}

  /** A task's own timer ({@code token} tells which). */
  record Tick(long token) implements LifeMessage {}

  /** {@code complete(&done[id])} by a work item. */
  record Complete(int id) implements LifeMessage {}

  /** {@code wait_for_completion(&done[id])} by {@code waiter}. */
  record WaitCompletion(int id, int waiter) implements LifeMessage {}

  /** {@code done[id]} is complete: the waiter goes on. */
  record Completed(int id) implements LifeMessage {}

  /** {@code kthread_stop()}: the task should return; {@code stopper} is told with {@code token}. */
  record KthreadStop(int stopper, long token) implements LifeMessage {}

  /** {@code done[id]} is not complete yet: the waiter sleeps until {@link Completed}. */
  record NotDone(int id) implements LifeMessage {}
}
