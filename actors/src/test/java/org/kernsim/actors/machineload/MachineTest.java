package org.kernsim.actors.machineload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.scenario.Scenarios;

/** The CPU, stop_machine and RCU layer, through the machine model with fixed latencies. */
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

  /** 8 CPUs in 2 NUMA nodes, fixed latencies, 10 us of preemptible work between 2 us sections. */
  static Simulation machine(Map<String, String> extra) {
    Map<String, String> o =
        new HashMap<>(
            Map.of(
                "machine.cpus",
                "8",
                "machine.numa-nodes",
                "2",
                "latency.lock",
                "fixed(200ns)",
                "latency.wakeup",
                "fixed(5us)",
                "latency.ctxswitch",
                "fixed(1us)",
                "latency.ipi",
                "fixed(2us)",
                "latency.local",
                "fixed(100ns)",
                "latency.stop-round",
                "fixed(200ns)",
                "rcu.gp-delay",
                "fixed(1ms)"));
    o.putAll(
        Map.of(
            "load.work",
            "10us",
            "load.section",
            "2us",
            "load.stop-machines",
            "3",
            "load.stop-interval",
            "1ms",
            "load.synchronize",
            "false",
            "scenario.until",
            "50ms"));
    o.putAll(extra);
    return Scenarios.fromMap(new MachineModel(), o).build();
  }

  private static long m(RunResult r, String key) {
    Object v = r.metrics().get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void stopMachineWaitsForTheSlowestCpuToReachAPreemptionPoint() {
    RunOptions o = RunOptions.of(7, 50_000_000);
    Map<String, String> five = Map.of("load.stop-machines", "5");
    RunResult fast = SequentialDriver.run(machine(five), o);
    // 777 us: not a divisor of the requester's 1 ms interval, so the stops land at varied points of
    // a section
    RunResult slow =
        SequentialDriver.run(
            machine(
                Map.of(
                    "load.stop-machines", "5", "load.slow-cpu", "5", "load.slow-section", "777us")),
            o);
    assertEquals(5, m(fast, "stopMachineCount"));
    assertEquals(5, m(slow, "stopMachineCount"));
    long fastMean = m(fast, "requester.stopMachineNanos") / 5;
    long slowMean = m(slow, "requester.stopMachineNanos") / 5;
    // a stop waits for every CPU's stopper; CPU 5 reaches a preemption point only at the end of its
    // 777 us sections, so on average a stop waits a good part of one
    assertTrue(fastMean < 60_000, "fast stop_machine took " + fastMean + " ns");
    assertTrue(
        slowMean > 150_000 && slowMean < 800_000, "slow stop_machine took " + slowMean + " ns");
    // and meanwhile every other CPU stalls in its stopper
    assertTrue(
        m(slow, "stopMachineStallNanos") > 5 * m(fast, "stopMachineStallNanos"),
        m(slow, "stopMachineStallNanos") + " vs " + m(fast, "stopMachineStallNanos"));
  }

  @Test
  void gracePeriodEndsAfterEveryCpuPassedAQuiescentState() {
    RunResult r =
        SequentialDriver.run(
            machine(Map.of("load.stop-machines", "1", "load.synchronize", "true")),
            RunOptions.of(3, 50_000_000));
    assertEquals(1, m(r, "rcuGracePeriods"));
    long gp = m(r, "requester.synchronizeSchedNanos");
    // rcu.gp-delay is fixed at 1 ms; then each CPU's next quiescent state (cond_resched every ~12
    // us)
    assertTrue(gp >= 1_000_000 && gp < 1_200_000, "synchronize_sched() took " + gp + " ns");
  }

  @Test
  void theActorDriverRunsTheSameMachineHistory() {
    Simulation sim =
        machine(
            Map.of("load.slow-cpu", "5", "load.slow-section", "200us", "load.synchronize", "true"));
    RunOptions o = RunOptions.of(11, 20_000_000);
    RunResult seq = SequentialDriver.run(sim, o);
    RunResult act = ActorDriver.run(kit.system(), sim, o, 3);
    assertEquals(EndReason.LIMIT, seq.endReason());
    assertEquals(seq.traceSha256(), act.traceSha256());
    assertEquals(seq.events(), act.events());
    assertEquals(Map.copyOf(seq.metrics()), Map.copyOf(act.metrics()));
  }

  @Test
  void injectedPreemptionsTakeCpusAwayAndReplayFromTheSeed() {
    Map<String, String> faults =
        Map.of("faults.preempt.rate", "20000", "faults.preempt.duration", "uniform(10us, 50us)");
    Simulation sim = machine(faults);
    RunOptions o = RunOptions.of(5, 10_000_000);
    RunResult seq = SequentialDriver.run(sim, o);
    RunResult act = ActorDriver.run(kit.system(), sim, o, 2);
    assertTrue(m(seq, "faultsPreempted") > 100, "preempted " + m(seq, "faultsPreempted"));
    assertEquals(3, m(seq, "stopMachineCount")); // the barrier still completes
    assertEquals(seq.traceSha256(), act.traceSha256());
    RunResult calm = SequentialDriver.run(machine(Map.of()), o);
    // stolen CPU time slows stop_machine() down
    assertTrue(
        m(seq, "requester.stopMachineNanos") > m(calm, "requester.stopMachineNanos"),
        m(seq, "requester.stopMachineNanos") + " vs " + m(calm, "requester.stopMachineNanos"));
  }
}
