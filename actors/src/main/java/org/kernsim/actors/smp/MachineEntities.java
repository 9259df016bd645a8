package org.kernsim.actors.smp;

import org.kernsim.actors.cpu.Cpu;
import org.kernsim.actors.hotplug.CpuHotplug;
import org.kernsim.actors.hotplug.CpuhpThread;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.rcu.Rcu;
import org.kernsim.actors.stopmachine.StopMachine;
import org.kernsim.actors.stopmachine.StopMachineNode;
import org.kernsim.engine.Entity;

/**
 * Creates the machine's entities — CPUs, the stop_machine barrier and its per-NUMA-node combiners,
 * the RCU-sched core, and with CPU hotplug the hotplug controller and threads — for a {@link
 * Machine} a model laid out. It sits one floor above the machine's description ({@code
 * org.kernsim.actors.machine}), which the CPU, stop_machine and RCU packages read, so the packages
 * point one way.
 */
public final class MachineEntities {
  private MachineEntities() {}

  /** The machine's entity for {@code id}, or null if {@code id} is not one of the machine's. */
  public static Entity create(Machine m, int id) {
    if (m.isCpu(id)) return new Cpu(m, m.cpuIndex(id));
    if (m.isNumaNode(id)) return new StopMachineNode(m, m.numaNodeIndex(id));
    if (id == m.stopMachine()) return new StopMachine(m);
    if (id == m.rcu()) return new Rcu(m);
    if (id == m.cpuhp() && id >= 0) return new CpuHotplug(m);
    if (m.isCpuhpThread(id)) return new CpuhpThread(m, id - m.cpuhpThread(0));
    return null;
  }
}
