package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.scenario.Scenario;
import org.kernsim.trace.Timeline;

/**
 * stop_machine as a phased barrier under the probe-hitting workload, on Pekko actors (the test
 * kit's ActorSystem, 2 partitions): every stop waits for the CPU slowest to reach a preemption
 * point (here CPU 5, whose kernel sections are 2 ms long), no CPU runs anything while it is in the
 * stopper, and the patch is written only while every CPU is in it. The actor run is the sequential
 * run, hash for hash.
 */
class KprobesBarrierTest {
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("kprobes-barrier", ActorDriver.config(2));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static final int SLOW = 5;

  static Simulation sim(int slowCpu) {
    Scenario s =
        Models.load(
            "kprobes-bulk-unregister",
            List.of(
                "machine.cpus=8",
                "machine.numa-nodes=2",
                "kprobes.kernel=2.6.37",
                "kprobes.probes=8",
                "kprobes.workload.kernel-section=uniform(5us, 20us)",
                "kprobes.workload.user-time=fixed(1us)",
                "kprobes.workload.slow-cpu=" + slowCpu,
                "kprobes.workload.slow-section=fixed(2ms)",
                "kprobes.script=register all; wait 30ms; unregister all; wait 20ms"));
    return s.build();
  }

  private record Interval(long from, long to) {}

  @Test
  void everyStopWaitsForTheSlowCpuAndNoCpuRunsInsideTheStopper() {
    Simulation slow = sim(SLOW);
    Timeline.Collector records = new Timeline.Collector(2_000_000);
    RunOptions o = RunOptions.of(3, 200_000_000);
    RunResult actors = ActorDriver.run(kit.system(), slow, o.withObserver(records), 2);
    RunResult seq = SequentialDriver.run(slow, o);
    assertEquals(seq.traceSha256(), actors.traceSha256(), "the actor run is the sequential run");
    assertEquals(Map.of(), KprobesScenarioTest.fired(actors));
    assertEquals(
        16L,
        KprobesScenarioTest.metric(actors, "stopMachineCount"),
        "2.6.37: 8 per-probe optimisations + 8 immediate un-optimisations");

    // per stop_machine op: when each CPU entered and left its stopper; when the patch was written
    Map<Long, Map<Integer, Interval>> stopper = new TreeMap<>();
    Map<Integer, Long> entered = new HashMap<>();
    Map<Long, List<Long>> written = new HashMap<>();
    Map<Integer, List<Interval>> hits = new HashMap<>();
    Map<Integer, List<Long>> switches = new HashMap<>();
    for (TraceRecord r : records.records()) {
      if (!(r instanceof TraceRecord.Note n)) continue;
      Object p = n.note();
      if (p instanceof CpuNote.StopperEntered e) {
        entered.put(e.cpu(), r.time());
      } else if (p instanceof CpuNote.StopperLeft l) {
        stopper
            .computeIfAbsent(l.op(), k -> new TreeMap<>())
            .put(l.cpu(), new Interval(entered.remove(l.cpu()), r.time()));
      } else if (p instanceof KprobeNote.CodeWritten w && w.stopOp() >= 0) {
        written.computeIfAbsent(w.stopOp(), k -> new ArrayList<>()).add(r.time());
      } else if (p instanceof KprobeNote.ProbeHit h) {
        hits.computeIfAbsent(h.cpu(), k -> new ArrayList<>())
            .add(new Interval(h.startNanos(), r.time()));
      } else if (p instanceof CpuNote.Switch s && s.to() >= 0) {
        switches.computeIfAbsent(s.cpu(), k -> new ArrayList<>()).add(r.time());
      }
    }
    assertEquals(16, stopper.size());
    int slowLast = 0;
    for (Map.Entry<Long, Map<Integer, Interval>> op : stopper.entrySet()) {
      Map<Integer, Interval> cpus = op.getValue();
      assertEquals(8, cpus.size(), "every CPU took part in stop " + op.getKey());
      long lastIn = cpus.values().stream().mapToLong(Interval::from).max().orElseThrow();
      long firstOut = cpus.values().stream().mapToLong(Interval::to).min().orElseThrow();
      for (long w : written.get(op.getKey())) {
        assertTrue(
            w > lastIn && w < firstOut,
            "stop "
                + op.getKey()
                + ": text written at "
                + w
                + " outside ["
                + lastIn
                + ", "
                + firstOut
                + "]");
      }
      if (cpus.get(SLOW).from() == lastIn) slowLast++;
      for (Map.Entry<Integer, Interval> c : cpus.entrySet()) {
        Interval in = c.getValue();
        for (Interval h : hits.getOrDefault(c.getKey(), List.of())) {
          assertFalse(
              h.to() > in.from() && h.from() < in.to(),
              "cpu" + c.getKey() + " executed a probe inside the stopper of " + op.getKey());
        }
        for (long t : switches.getOrDefault(c.getKey(), List.of())) {
          assertFalse(
              t > in.from() && t < in.to(),
              "cpu" + c.getKey() + " switched to a task inside the stopper of " + op.getKey());
        }
      }
    }
    assertTrue(
        slowLast >= 15,
        "the slow CPU is the last to enter the stopper of " + slowLast + " of 16 stops");

    // and the stall every other CPU pays is what the slow CPU makes it
    RunResult fast = SequentialDriver.run(sim(-1), o);
    long slowStall = KprobesScenarioTest.metric(actors, "stopMachineStallNanos");
    long fastStall = KprobesScenarioTest.metric(fast, "stopMachineStallNanos");
    assertTrue(
        slowStall > 20 * fastStall,
        "stall with a slow CPU " + slowStall + " ns, without " + fastStall + " ns");
  }
}
