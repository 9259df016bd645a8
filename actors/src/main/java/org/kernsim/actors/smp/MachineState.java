package org.kernsim.actors.smp;

import static org.kernsim.engine.snapshot.StateRows.row;

import java.util.List;
import org.kernsim.actors.cpu.Cpu;
import org.kernsim.actors.hotplug.CpuHotplug;
import org.kernsim.actors.hotplug.Cpuhp;
import org.kernsim.actors.hotplug.CpuhpThread;
import org.kernsim.actors.hotplug.HotplugLock;
import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.rcu.Rcu;
import org.kernsim.actors.stopmachine.StopMachine;
import org.kernsim.actors.stopmachine.StopMachineNode;
import org.kernsim.protocol.kryo.KryoRegistry;

/**
 * The machine's state classes for snapshots (ids 2000-2099): the CPUs, stop_machine, RCU, the task
 * base class's state, and the configuration objects entities point into. Every model that runs on
 * the machine includes these rows in its {@code stateClasses()}.
 */
public final class MachineState {
  private MachineState() {}

  /**
   * What the machine promises to finish, for the liveness phase: every {@code stop_machine()}
   * returns to its caller ({@code StopMachineRequest} delivered to the barrier, {@code
   * StopMachineDone} delivered back to the requester, matched by requester and token).
   */
  public static final List<org.kernsim.engine.Obligation> OBLIGATIONS =
      List.of(
          new org.kernsim.engine.Obligation(
              "stop_machine()",
              org.kernsim.protocol.stopmachine.StopMachineMessage.StopMachineRequest.class,
              org.kernsim.protocol.stopmachine.StopMachineMessage.StopMachineDone.class,
              (r, p) ->
                  p
                          instanceof
                          org.kernsim.protocol.stopmachine.StopMachineMessage.StopMachineRequest q
                      ? ((long) q.requester() << 40) ^ q.token()
                      : ((long) r.entity() << 40)
                          ^ ((org.kernsim.protocol.stopmachine.StopMachineMessage.StopMachineDone)
                                  p)
                              .token()));

  public static final List<KryoRegistry.Entry> ROWS =
      List.of(
          row(2000, Machine.class),
          row(2001, Machine.Latencies.class),
          row(2002, Layout.class),
          row(2003, Cpu.class),
          row(2004, "org.kernsim.actors.cpu.Task$Run"),
          row(2005, StopMachine.class),
          row(2006, StopMachineNode.class),
          row(2007, Rcu.class),
          // CPU hotplug
          row(2008, HotplugConfig.class),
          row(2009, HotplugConfig.Kernel.class),
          row(2010, HotplugConfig.PlanEntry.class),
          row(2011, Machine.CpuhpCallback.class),
          row(2012, CpuHotplug.class),
          row(2013, "org.kernsim.actors.hotplug.CpuHotplug$Request"),
          row(2014, CpuhpThread.class),
          row(2015, "org.kernsim.actors.hotplug.CpuhpThread$Call"),
          row(2016, HotplugLock.class),
          row(2017, HotplugLock.Kind.class),
          row(2018, HotplugLock.WriterState.class),
          row(2019, HotplugLock.Waiter.class),
          row(2020, Cpuhp.Step.class),
          row(2021, Cpuhp.Kind.class),
          row(2022, "org.kernsim.actors.stopmachine.StopMachine$Pending"),
          // placement and the timer wheel (2040-2049)
          row(2040, org.kernsim.actors.placement.Placement.class),
          row(2041, org.kernsim.actors.timer.TimerConfig.class),
          row(2042, org.kernsim.actors.timer.TimerConfig.Wheel.class));
}
