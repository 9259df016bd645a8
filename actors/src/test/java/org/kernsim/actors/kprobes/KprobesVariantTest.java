package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/** The seed's effect (immediate vs delayed un-optimisation) and determinism across drivers. */
class KprobesVariantTest {

  @Test
  void delayedUnoptimizingBatchesTheStopMachines() {
    String[] common = {
      "machine.cpus=16",
      "kprobes.probes=300",
      "kprobes.rekick=locked",
      "kprobes.script=register all; wait 80ms; unregister all; wait 80ms; audit"
    };
    RunResult immediate =
        KprobesScenarioTest.run(
            "kprobes-bulk-unregister", 1, with(common, "kprobes.unoptimize=immediate"));
    RunResult delayed =
        KprobesScenarioTest.run(
            "kprobes-bulk-unregister", 1, with(common, "kprobes.unoptimize=delayed"));
    assertEquals(Map.of(), KprobesScenarioTest.fired(immediate));
    assertEquals(Map.of(), KprobesScenarioTest.fired(delayed));
    // unregistering 300 optimized probes: one stop_machine each, or ceil(300 / 256) batches
    assertEquals(300, KprobesScenarioTest.metric(immediate, "unregister.stopMachineCount"));
    assertEquals(2, KprobesScenarioTest.metric(delayed, "unregister.stopMachineCount"));
    // registering costs the same (the optimizer batches in both)
    assertEquals(2 + 300, KprobesScenarioTest.metric(immediate, "stopMachineCount"));
    assertEquals(2 + 2, KprobesScenarioTest.metric(delayed, "stopMachineCount"));
    long si = KprobesScenarioTest.metric(immediate, "unregister.stopMachineStallNanos");
    long sd = KprobesScenarioTest.metric(delayed, "unregister.stopMachineStallNanos");
    assertTrue(si > 10 * sd, "stall immediate " + si + " ns vs delayed " + sd + " ns");
    assertEquals(0, KprobesScenarioTest.metric(immediate, "auditHashedProbes"));
    assertEquals(0, KprobesScenarioTest.metric(delayed, "auditHashedProbes"));
  }

  @Test
  void theSeedCommitAloneStillPaysOneStopMachinePerProbeButOutsideTheCaller() {
    RunResult r =
        KprobesScenarioTest.run("kprobes-bulk-unregister", 1, "kprobes.patching=per-probe");
    assertEquals(Map.of(), KprobesScenarioTest.fired(r));
    assertEquals(16 + 16, KprobesScenarioTest.metric(r, "stopMachineCount"));
    assertEquals(
        2,
        KprobesScenarioTest.metric(r, "optimizerPasses"),
        "all queued probes in one run each way");
    RunResult before =
        KprobesScenarioTest.run(
            "kprobes-bulk-unregister",
            1,
            "kprobes.patching=per-probe",
            "kprobes.unoptimize=immediate");
    assertEquals(16 + 16, KprobesScenarioTest.metric(before, "stopMachineCount"));
    // the seed moves the stop_machines out of unregister_kprobes(): the call returns after one
    // grace period
    assertTrue(KprobesScenarioTest.metric(r, "kprobeStopMachineCalls") == 32);
  }

  @Test
  void maxOptimizeProbesSplitsTheBatchesOverOptimizerRuns() {
    RunResult r =
        KprobesScenarioTest.run(
            "kprobes-bulk-unregister",
            1,
            "kprobes.max-optimize-probes=8",
            "kprobes.rekick=locked",
            "kprobes.script=register all; wait 60ms; unregister all; wait 60ms; audit");
    assertEquals(Map.of(), KprobesScenarioTest.fired(r));
    assertEquals(2 + 2, KprobesScenarioTest.metric(r, "stopMachineCount"));
    assertEquals(
        4,
        KprobesScenarioTest.metric(r, "optimizerPasses"),
        "Step 5 kicks again for the second batch, each way");
  }

  @Test
  void theWorkqueueStandInRunsTheSameProtocol() {
    RunResult r =
        KprobesScenarioTest.run("kprobes-bulk-unregister", 1, "kprobes.optimizer=workqueue");
    assertEquals(Map.of(), KprobesScenarioTest.fired(r));
    assertEquals(2, KprobesScenarioTest.metric(r, "optimizerPasses"));
    assertEquals(0, KprobesScenarioTest.metric(r, "auditHashedProbes"));
  }

  @Test
  void sameSeedSameHashOnTheSequentialAndActorDrivers() {
    for (String variant : List.of("immediate", "delayed")) {
      Scenario s =
          Models.load(
              "kprobes-bulk-unregister",
              List.of("kprobes.unoptimize=" + variant, "machine.numa-nodes=2"));
      Simulation sim = s.build();
      RunOptions o = RunOptions.of(42, s.until());
      RunResult seq = SequentialDriver.run(sim, o);
      RunResult act = ActorDriver.run(sim, o, 2);
      assertEquals(seq.traceSha256(), act.traceSha256(), variant);
      assertEquals(seq.events(), act.events(), variant);
      assertEquals(Map.copyOf(seq.metrics()), Map.copyOf(act.metrics()), variant);
      assertNotEquals(
          seq.traceSha256(), SequentialDriver.run(sim, RunOptions.of(43, s.until())).traceSha256());
    }
  }

  private static String[] with(String[] a, String b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = b;
    return out;
  }
}
