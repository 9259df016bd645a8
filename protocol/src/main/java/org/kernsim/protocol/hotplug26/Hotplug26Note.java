package org.kernsim.protocol.hotplug26;

import org.kernsim.protocol.WireMessage;

/** Trace notes of the v2.6.36-v2.6.38 hotplug writer and of the locks it owns. */
public sealed interface Hotplug26Note extends WireMessage
    permits Hotplug26Note.Started, Hotplug26Note.Step, Hotplug26Note.Finished {

  /** {@code cpu_down(cpu)} ({@code up} false) or {@code cpu_up(cpu)} number {@code op} began. */
  record Started(long op, int cpu, boolean up) implements Hotplug26Note {}

  /**
   * Task {@code task} carried out {@code step} (a lock step, named as the kernel's code), or, if
   * {@code waits} is not empty, must wait for it: {@code waits} says for what and for whom.
   */
  record Step(int task, String step, String waits) implements Hotplug26Note {}

  /** Operation {@code op} returned after {@code nanos}. */
  record Finished(long op, int cpu, boolean up, long nanos) implements Hotplug26Note {}
}
