package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/** Messages to a kworker slot (besides replies and wake-ups). */
public sealed interface WorkerMessage extends WireMessage
    permits WorkerMessage.CreateKthread, WorkerMessage.KthreadExited, WorkerMessage.WorkerTimer {

  /**
   * {@code create_worker()}: a new kthread ({@code incarnation}) lives in this slot, bound to
   * {@code cpu}, and is woken for its first sleep.
   */
  record CreateKthread(int pool, long incarnation, int cpu) implements WorkerMessage {}

  /**
   * The kthread {@code worker} (life {@code incarnation}) returned: {@code kthread_stop()} may go
   * on.
   */
  record KthreadExited(int worker, long incarnation) implements WorkerMessage {}

  /** The worker's own timer (an I/O completion, kthreadd's reply, CREATE_COOLDOWN). */
  record WorkerTimer(long token) implements WorkerMessage {}
}
