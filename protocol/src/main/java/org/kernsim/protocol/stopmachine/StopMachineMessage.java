package org.kernsim.protocol.stopmachine;

import org.kernsim.protocol.WireMessage;

/**
 * {@code stop_machine()} as a cluster-wide barrier ({@code multi_cpu_stop}): every online CPU's
 * stopper acknowledges each phase PREPARE, DISABLE_IRQ, RUN, EXIT, and the last acknowledgement
 * advances it. Acknowledgements are combined per NUMA node, so the messages that cross cluster
 * nodes per phase grow with the number of nodes, not of CPUs. Every message carries its {@code op}.
 */
public sealed interface StopMachineMessage extends WireMessage
    permits StopMachineMessage.StopMachineRequest,
        StopMachineMessage.StopWork,
        StopMachineMessage.PhaseChanged,
        StopMachineMessage.PhaseAcked,
        StopMachineMessage.StopFnCall,
        StopMachineMessage.StopFnDone,
        StopMachineMessage.StopMachineDone,
        StopMachineMessage.StopMachineCpuslocked,
        StopMachineMessage.StopWorkOn,
        StopMachineMessage.Counted {

  /**
   * {@code stop_machine(fn)}: run {@code fn} while every online CPU spins with interrupts off.
   * During RUN the active CPU sends {@code fn} (wrapped in {@link StopFnCall}) to {@code fnTarget}
   * and waits for its {@link StopFnDone}.
   */
  record StopMachineRequest(int requester, long token, int activeCpu, int fnTarget, Object fn)
      implements StopMachineMessage {}

  /**
   * {@code stop_machine_cpuslocked()} (seed era: {@code __stop_machine()}): as {@link
   * StopMachineRequest}, but the caller holds {@code cpus_read_lock()} already (or, a caller bug,
   * does not), so stop_machine does not take it.
   */
  record StopMachineCpuslocked(int requester, long token, int activeCpu, int fnTarget, Object fn)
      implements StopMachineMessage {}

  /**
   * With CPU hotplug: queue the stopper work of {@code op} on the CPUs of this NUMA node that are
   * in {@code cpus} (a bitmap of CPU indexes: {@code cpu_online_mask} when {@code stop_cpus()}
   * ran).
   */
  record StopWorkOn(long op, int activeCpu, int fnTarget, Object fn, long[] cpus)
      implements StopMachineMessage {}

  /** Queue the stopper work of operation {@code op} (the barrier's state is PREPARE). */
  record StopWork(long op, int activeCpu, int fnTarget, Object fn) implements StopMachineMessage {}

  /** The barrier of {@code op} moved to {@code phase}. */
  record PhaseChanged(long op, StopPhase phase) implements StopMachineMessage {}

  /**
   * {@code cpus} CPUs acknowledged {@code phase} of {@code op} (1 from a CPU, combined from a
   * node).
   */
  record PhaseAcked(long op, StopPhase phase, int cpus) implements StopMachineMessage {}

  /** The active CPU runs {@code fn} (for example {@code text_poke_smp_batch}). */
  record StopFnCall(long op, int cpu, Object fn) implements StopMachineMessage {}

  /** {@code fn} returned. */
  record StopFnDone(long op) implements StopMachineMessage {}

  /**
   * Request {@code token}'s {@code num_threads = num_online_cpus()} is counted: its caller goes on
   * to {@code mutex_lock(&stop_cpus_mutex)}. {@code queued}: the mutex was free and the work is
   * being queued on the CPUs (the caller's own CPU's stopper is woken by the caller, which then
   * sleeps in {@code wait_for_completion()}: the stopper runs there next); otherwise the caller
   * sleeps in the mutex at once. Sent only to the machine's {@code stopMachineCountedTo} entity (a
   * caller that keeps its CPU until then).
   */
  record Counted(long token, boolean queued) implements StopMachineMessage {}

  /** {@code stop_machine()} returned to its caller. */
  record StopMachineDone(long token, long op) implements StopMachineMessage {}

  enum StopPhase {
    NONE,
    PREPARE,
    DISABLE_IRQ,
    RUN,
    EXIT
  }
}
