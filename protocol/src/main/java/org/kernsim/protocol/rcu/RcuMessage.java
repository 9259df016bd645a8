package org.kernsim.protocol.rcu;

import org.kernsim.protocol.WireMessage;

/**
 * RCU-sched grace periods: {@code synchronize_sched()} as a protocol between the RCU core and the
 * CPUs.
 */
public sealed interface RcuMessage extends WireMessage
    permits RcuMessage.SynchronizeSched,
        RcuMessage.QsRequest,
        RcuMessage.QsReport,
        RcuMessage.GracePeriodDone,
        RcuMessage.StartGracePeriod {

  /**
   * {@code synchronize_sched()}: reply with {@link GracePeriodDone} once a full grace period that
   * started after this request has ended.
   */
  record SynchronizeSched(int requester, long token) implements RcuMessage {}

  /** RCU core to a CPU: report your next quiescent state for grace period {@code gp}. */
  record QsRequest(long gp) implements RcuMessage {}

  /** A CPU passed a quiescent state for grace period {@code gp}. */
  record QsReport(long gp, int cpu) implements RcuMessage {}

  /** The grace period the request waited for has completed. */
  record GracePeriodDone(long token, long gp) implements RcuMessage {}

  /** The RCU core's own timer: the grace-period kthread starts the next grace period. */
  record StartGracePeriod(long gp) implements RcuMessage {}
}
