package org.kernsim.actors.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.Latency;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.actor.ActorDriver;

class MachineTest {
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("machine-test", ActorDriver.config(2));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static long m(RunResult r, String key) {
    Object v = r.metrics().get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void stopMachineWaitsForTheSlowestCpuToReachAPreemptionPoint() {
    long requestAt = 1_000_000;
    MachineHarness fast = new MachineHarness(8, 2, 2_000, -1, 0, requestAt);
    MachineHarness slow = new MachineHarness(8, 2, 2_000, 5, 500_000, requestAt);
    RunOptions o = RunOptions.of(7, 50_000_000);
    RunResult f = SequentialDriver.run(fast, o);
    RunResult s = SequentialDriver.run(slow, o);
    assertEquals(1, m(f, "stopMachineCount"));
    assertEquals(1, m(s, "stopMachineCount"));
    long fastLatency = m(f, "stopDoneAt") - m(f, "requestedAt");
    long slowLatency = m(s, "stopDoneAt") - m(s, "requestedAt");
    // the slow CPU holds the barrier up to the end of its 500us non-preemptible section
    assertTrue(fastLatency < 100_000, "fast stop took " + fastLatency);
    assertTrue(slowLatency > 300_000 && slowLatency < 600_000, "slow stop took " + slowLatency);
    // and every other CPU stalls (spinning in the stopper) meanwhile
    assertTrue(m(s, "stopMachineStallNanos") > 7 * 250_000L, "stall " + m(s, "stopMachineStallNanos"));
    assertTrue(m(f, "stopMachineStallNanos") < 8 * 100_000L, "stall " + m(f, "stopMachineStallNanos"));
  }

  @Test
  void gracePeriodEndsAfterEveryCpuPassedAQuiescentState() {
    MachineHarness h = new MachineHarness(4, 1, 2_000, -1, 0, 1_000_000);
    RunResult r = SequentialDriver.run(h, RunOptions.of(3, 100_000_000));
    assertEquals(1, m(r, "rcuGracePeriods"));
    long gp = m(r, "gpDoneAt") - m(r, "stopDoneAt");
    // rcu.gp-delay is fixed at 1ms in the harness; then each CPU's next context switch
    assertTrue(gp >= 1_000_000 && gp < 3_000_000, "grace period took " + gp);
  }

  @Test
  void theActorDriverRunsTheSameMachineHistory() {
    MachineHarness h = new MachineHarness(8, 2, 2_000, 5, 200_000, 500_000);
    RunOptions o = RunOptions.of(11, 20_000_000);
    RunResult seq = SequentialDriver.run(h, o);
    RunResult act = ActorDriver.run(kit.system(), h, o, 3);
    assertEquals(EndReason.LIMIT, seq.endReason());
    assertEquals(seq.traceSha256(), act.traceSha256());
    assertEquals(seq.events(), act.events());
    assertEquals(Map.copyOf(seq.metrics()), Map.copyOf(act.metrics()));
  }

  @Test
  void injectedPreemptionsTakeCpusAwayAndReplayFromTheSeed() {
    MachineHarness h = new MachineHarness(4, 1, 2_000, -1, 0, 1_000_000, 20_000, Latency.uniform(10_000, 50_000));
    RunOptions o = RunOptions.of(5, 10_000_000);
    RunResult seq = SequentialDriver.run(h, o);
    RunResult act = ActorDriver.run(kit.system(), h, o, 2);
    assertTrue(m(seq, "faultsPreempted") > 100, "preempted " + m(seq, "faultsPreempted"));
    assertEquals(1, m(seq, "stopMachineCount")); // the barrier still completes
    assertEquals(seq.traceSha256(), act.traceSha256());
    RunResult calm = SequentialDriver.run(new MachineHarness(4, 1, 2_000, -1, 0, 1_000_000), o);
    // stolen time slows the requester's stop_machine down
    assertTrue(m(seq, "stopDoneAt") > m(calm, "stopDoneAt"), m(seq, "stopDoneAt") + " vs " + m(calm, "stopDoneAt"));
  }
}
