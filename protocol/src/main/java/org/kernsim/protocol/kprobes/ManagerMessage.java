package org.kernsim.protocol.kprobes;

import org.kernsim.protocol.WireMessage;

/** The {@code KprobeManager}'s own timers. */
public sealed interface ManagerMessage extends WireMessage
    permits ManagerMessage.DelayedWorkTimer, ManagerMessage.Handoff, ManagerMessage.Relax {

  /** The timer of {@code optimizing_work} (a delayed work item) fired. */
  record DelayedWorkTimer(long gen) implements ManagerMessage {}

  /** {@code mutex_unlock()} woke waiter {@code waiter}: it now runs with kprobe_mutex held. */
  record Handoff(long waiter) implements ManagerMessage {}

  /**
   * {@code cpu_relax()} in the flush loop of {@code wait_for_kprobe_optimizer()} of waiter {@code
   * flow}.
   */
  record Relax(long flow) implements ManagerMessage {}
}
