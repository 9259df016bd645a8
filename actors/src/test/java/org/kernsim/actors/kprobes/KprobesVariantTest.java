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

/**
 * The seed's before and after (kprobes.kernel 2.6.36, 2.6.37 vs 2.6.38), as counts, and determinism
 * across drivers.
 */
class KprobesVariantTest {

  /** The era comparison on a small machine: every figure is a count, none a time. */
  @Test
  void theSeedBatchesTheStopMachinesThatTheKernelsBeforeItPaidPerProbe() {
    String[] common = {
      "machine.cpus=8",
      "kprobes.probes=200",
      "kprobes.script=register all; wait 60ms; unregister all; wait 60ms; audit"
    };
    Map<String, RunResult> r = new java.util.LinkedHashMap<>();
    for (String k : List.of("2.6.36", "2.6.37", "2.6.38"))
      r.put(
          k,
          KprobesScenarioTest.run(
              "kprobes-bulk-unregister", 1, with(common, "kprobes.kernel=" + k)));
    r.forEach((k, v) -> assertEquals(Map.of(), KprobesScenarioTest.fired(v), k));
    for (String before : List.of("2.6.36", "2.6.37")) {
      RunResult b = r.get(before);
      // one stop_machine per probe each way: the optimizer's text_poke_smp() per probe, and each
      // un-optimisation's own text_poke_smp() inside unregister_kprobes()
      assertEquals(400, KprobesScenarioTest.metric(b, "stopMachineCount"), before);
      assertEquals(200, KprobesScenarioTest.metric(b, "unregister.stopMachineCount"), before);
      assertEquals(400, KprobesScenarioTest.metric(b, "textPokedProbes"), before);
      assertEquals(0, KprobesScenarioTest.metric(b, "auditHashedProbes"), before);
    }
    RunResult seed = r.get("2.6.38");
    // one text_poke_smp_batch each way (200 < MAX_OPTIMIZE_PROBES)
    assertEquals(2, KprobesScenarioTest.metric(seed, "stopMachineCount"));
    assertEquals(1, KprobesScenarioTest.metric(seed, "unregister.stopMachineCount"));
    assertEquals(400, KprobesScenarioTest.metric(seed, "textPokedProbes"));
    assertEquals(0, KprobesScenarioTest.metric(seed, "auditHashedProbes"));
    long before = KprobesScenarioTest.metric(r.get("2.6.37"), "unregister.stopMachineStallNanos");
    long after = KprobesScenarioTest.metric(seed, "unregister.stopMachineStallNanos");
    assertTrue(before > 10 * after, "stall 2.6.37 " + before + " ns vs 2.6.38 " + after + " ns");
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
        KprobesScenarioTest.run("kprobes-bulk-unregister", 1, "kprobes.kernel=2.6.37");
    assertEquals(16 + 16, KprobesScenarioTest.metric(before, "stopMachineCount"));
    // 2.6.37 un-optimises in unregister_kprobes() (the admin's section), the seed in the optimizer
    assertEquals(1, KprobesScenarioTest.metric(before, "optimizerPasses"));
  }

  @Test
  void theSeedsAblationsAreRefusedOnOtherKernels() {
    for (String ablation :
        List.of(
            "kprobes.patching=per-probe",
            "kprobes.wait-for-optimizer=flush",
            "kprobes.unused-on-register=reuse",
            "kprobes.disarm-all=force",
            "kprobes.rekick=locked",
            "kprobes.reoptimize-on-free=true")) {
      org.kernsim.scenario.BadInputException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              org.kernsim.scenario.BadInputException.class,
              () ->
                  Models.load("kprobes-bulk-unregister", List.of(ablation, "kprobes.kernel=2.6.37"))
                      .build());
      assertTrue(e.getMessage().contains("ablation of the 2.6.38 code"), e.getMessage());
    }
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
    for (String variant : List.of("2.6.36", "2.6.37", "2.6.38")) {
      Scenario s =
          Models.load(
              "kprobes-bulk-unregister",
              List.of("kprobes.kernel=" + variant, "machine.numa-nodes=2"));
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
