package org.kernsim.protocol.kprobes;

import org.kernsim.protocol.WireMessage;

/**
 * Messages and timers of the scenario's tasks (the admin script and the probe-hitting workload).
 */
public sealed interface WorkloadMessage extends WireMessage
    permits WorkloadMessage.WorkloadStop,
        WorkloadMessage.AdminWake,
        WorkloadMessage.NsInitExits,
        WorkloadMessage.ChildExited {

  /** The admin script is done: the workload task exits at its next return to user mode. */
  record WorkloadStop() implements WorkloadMessage {}

  /** The admin task's own timer: its {@code wait} of step {@code step} is over. */
  record AdminWake(int step) implements WorkloadMessage {}

  /** The exiting PID-namespace init task's own timer: it enters {@code do_exit()}. */
  record NsInitExits() implements WorkloadMessage {}

  /** Task {@code child} has exited: its parent's {@code kernel_wait4()} returns. */
  record ChildExited(int child) implements WorkloadMessage {}
}
