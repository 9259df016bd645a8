package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.stopmachine.StopMachine;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.scenario.Settings;

/**
 * {@code StopMachineMessage.Counted} in a kprobes machine: the kprobes manager (whose API callers
 * keep their CPU in {@code __stop_machine()} until {@code num_threads} is counted) is told, per
 * request, whether the work is being queued (the {@code stop_cpus_mutex} was free) or its caller
 * sleeps in the mutex; another requester of the same machine is told nothing, so no other model's
 * runs see the message. A stop_machine that told every requester, or told the manager the wrong
 * {@code queued}, fails here.
 */
class StopMachineCountedTest {

  private static KprobesSim sim() {
    KprobesModel model = new KprobesModel();
    return (KprobesSim)
        model.build(Settings.defaults(model, Map.of("machine.cpus", "2", "kprobes.probes", "4")));
  }

  private static List<StopMachineMessage.Counted> countedTo(FakeContext ctx, int to) {
    return ctx.sent.stream()
        .filter(s -> s.to() == to && s.message() instanceof StopMachineMessage.Counted)
        .map(s -> (StopMachineMessage.Counted) s.message())
        .toList();
  }

  @Test
  void onlyTheManagerIsToldCountedWithWhetherTheMutexWasFree() {
    KprobesSim sim = sim();
    int manager = sim.manager();
    int other = sim.optimizerHost();

    // another requester's stop takes stop_cpus_mutex; the manager's then waits for it
    StopMachine sm = new StopMachine(sim.machine());
    FakeContext ctx = new FakeContext(sim.machine().stopMachine());
    sm.receive(ctx, new StopMachineMessage.StopMachineRequest(other, 7, -1, -1, null));
    sm.receive(ctx, new StopMachineMessage.StopMachineRequest(manager, 8, -1, -1, null));
    assertEquals(List.of(), countedTo(ctx, other), "a requester other than the manager");
    assertEquals(List.of(new StopMachineMessage.Counted(8, false)), countedTo(ctx, manager));

    // a fresh barrier: the manager's stop finds the mutex free (queued); a
    // stop_machine_cpuslocked() caller after it is still told nothing
    StopMachine fresh = new StopMachine(sim.machine());
    FakeContext c2 = new FakeContext(sim.machine().stopMachine());
    fresh.receive(c2, new StopMachineMessage.StopMachineRequest(manager, 9, -1, -1, null));
    fresh.receive(c2, new StopMachineMessage.StopMachineCpuslocked(other, 10, -1, -1, null));
    assertEquals(List.of(new StopMachineMessage.Counted(9, true)), countedTo(c2, manager));
    assertEquals(List.of(), countedTo(c2, other));
  }
}
