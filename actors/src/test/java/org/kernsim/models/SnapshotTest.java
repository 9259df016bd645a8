package org.kernsim.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.protocol.kryo.KryoRegistry;
import org.kernsim.protocol.snapshot.SimSnapshot;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Scenario;

/**
 * A snapshot taken at a window boundary and resumed — in a freshly built simulation, after a trip
 * through the cluster's Kryo — gives the same run as the run that was never interrupted: the same
 * traceSha256, events, windows, violations and metrics. For every model, at times where entities
 * are mid-protocol (tasks sleeping, timers armed, stop_machine or an optimizer pass under way).
 */
class SnapshotTest {

  /** The snapshot as a file would hold it: through the cluster's class table and back. */
  static SimSnapshot roundTrip(SimSnapshot s) {
    Kryo kryo = KryoRegistry.newKryo(() -> null);
    Output out = new Output(1 << 16, -1);
    kryo.writeClassAndObject(out, s);
    return (SimSnapshot) kryo.readClassAndObject(new Input(out.toBytes()));
  }

  static SimSnapshot take(Scenario s, long seed, long at) {
    AtomicReference<SimSnapshot> got = new AtomicReference<>();
    RunOptions o =
        RunOptions.of(seed, s.until())
            .withSnapshot(new RunOptions.Snapshots(at, s.settings().asOverrides(), true, got::set));
    RunResult r = SequentialDriver.run(s.build(), o);
    assertEquals(EndReason.SNAPSHOT, r.endReason(), "the run reached the snapshot time");
    assertNotNull(got.get());
    return got.get();
  }

  /** Runs {@code scenario} whole and resumed from snapshots at each of {@code times}. */
  static void sameRun(String scenario, List<String> sets, long seed, String... times) {
    Scenario s = Models.load(scenario, sets);
    RunResult whole = SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()));
    for (String t : times) {
      long at = Durations.parse(t);
      SimSnapshot snap = roundTrip(take(s, seed, at));
      assertTrue(snap.resumeNanos() >= at);
      assertFalse(snap.pending().isEmpty(), scenario + " at " + t + ": something is pending");
      // the restoring side builds its own simulation from the snapshot's model and settings
      Scenario again = fromSnapshot(snap);
      RunResult resumed =
          SequentialDriver.run(again.build(), RunOptions.of(0, again.until()).resumingFrom(snap));
      String what = scenario + " seed " + seed + " resumed at " + t;
      assertEquals(whole.traceSha256(), resumed.traceSha256(), what);
      assertEquals(whole.events(), resumed.events(), what);
      assertEquals(whole.windows(), resumed.windows(), what);
      assertEquals(whole.simulatedNanos(), resumed.simulatedNanos(), what);
      assertEquals(whole.endReason(), resumed.endReason(), what);
      assertEquals(whole.violations(), resumed.violations(), what);
      assertEquals(Map.copyOf(whole.metrics()), Map.copyOf(resumed.metrics()), what);
      assertEquals(whole.histograms().keySet(), resumed.histograms().keySet(), what);
      whole
          .histograms()
          .forEach((k, h) -> assertEquals(h, resumed.histograms().get(k), what + " " + k));
    }
  }

  static Scenario fromSnapshot(SimSnapshot snap) {
    return org.kernsim.scenario.Scenarios.fromMap(Models.find(snap.model()), snap.settings());
  }

  @Test
  void workqueue() {
    sameRun("workqueue-kick-cull", List.of(), 3, "299s", "300000500us", "300002ms");
  }

  /**
   * {@code workqueue-load}'s threads draw their scripts a window at a time ({@code ScriptDrawer}):
   * at each of these times most threads hold drawn actions not yet done and draw more after the
   * resume, from the stream positions the snapshot kept (the warm-up, the steady stream, the first
   * and second bursts).
   */
  @Test
  void workqueueLoad() {
    sameRun(
        "workqueue-load",
        List.of("machine.cpus=4", "scenario.until=40ms"),
        5,
        "700us",
        "3ms",
        "11500us",
        "31ms");
  }

  @Test
  void workqueueWithFaults() {
    sameRun(
        "workqueue-kick-cull",
        List.of("faults.preempt.rate=2000", "faults.delay.probability=0.1"),
        5,
        "300001ms");
  }

  @Test
  void kprobes() {
    sameRun(
        "kprobes-bulk-unregister",
        List.of("machine.cpus=4", "kprobes.probes=20"),
        2,
        "1ms",
        "5ms",
        "20ms");
  }

  /**
   * v2.6.38 CPU hotplug in a kprobes run (seed 3 deadlocks): in cpu_down()'s stop_machine, while
   * the writer and enable_kprobe() wait for each other's lock, and after.
   */
  @Test
  void kprobesSm3Hotplug() {
    sameRun("kprobes-sm3-hotplug", List.of(), 3, "63.02ms", "64.1ms", "90ms");
  }

  /**
   * 2.6.38 CPU hotplug at random ({@code faults.hotplug.rate}, no plan): resumed before the first
   * random cpu_down(), while CPUs come and go, and late: the random stream's times and CPUs and the
   * pending downtime timers are part of the writer's state.
   */
  @Test
  void kprobesSm3RandomHotplug() {
    sameRun(
        "kprobes-sm3-hotplug",
        List.of("faults.hotplug.plan=", "faults.hotplug.rate=40"),
        7,
        "5ms",
        "63.5ms",
        "130ms");
  }

  @Test
  void kprobesOnTheWorkqueue() {
    sameRun("kprobes-optimizer-on-workqueue", List.of(), 1, "2ms", "11ms");
  }

  @Test
  void wqlife() {
    // mid-burst, during a put_unbound_pool() / RCU grace period, and after the destroy
    sameRun(
        "workqueue-pool-destroy",
        List.of("workqueue.kick=claim"),
        24,
        "2ms",
        "11447us",
        "20ms",
        "41ms");
  }

  @Test
  void machine() {
    sameRun("machine-stop", List.of(), 4, "1500us", "5ms");
  }

  /**
   * Every entity of every built-in scenario, and its checkers, mid-run: written, read back and
   * written again gives the same bytes (so every class reachable from an entity has a row and a
   * serializer that keeps it whole), and the classes of every model's entities are covered.
   */
  @Test
  void everyEntityOfEveryScenarioRoundTrips() throws Exception {
    java.util.Set<String> entityClasses = new java.util.TreeSet<>();
    for (String name : org.kernsim.scenario.Scenarios.builtins()) {
      // the load scenarios are machine-sized (4,096 CPUs): the same entity classes at a small size
      Scenario s =
          Models.load(
              name,
              switch (name) {
                case "kprobes-load" -> List.of("machine.cpus=6", "kprobes.probes=400");
                case "workqueue-load" -> List.of("machine.cpus=6", "scenario.until=30ms");
                default -> List.<String>of();
              });
      RunResult whole = SequentialDriver.run(s.build(), RunOptions.of(1, s.until()));
      long at = Math.max(1, whole.simulatedNanos() / 2);
      SimSnapshot snap = take(s, 1, at);
      org.kernsim.engine.snapshot.StateCodec codec =
          new org.kernsim.engine.snapshot.StateCodec(s.build());
      var sim = s.build();
      for (SimSnapshot.EntityState e : snap.entities()) {
        var parts = codec.readEntity(e.state());
        entityClasses.add(parts.logic().getClass().getName());
        var rt =
            org.kernsim.engine.EntityRuntime.restore(
                e.id(),
                parts.logic(),
                parts.saved(),
                sim.lookahead(),
                sim::entityName,
                org.kernsim.engine.RecordFilter.NONE,
                sim.faults());
        org.junit.jupiter.api.Assertions.assertArrayEquals(
            e.state(), codec.writeEntity(rt), name + ": entity " + sim.entityName(e.id()));
      }
      var observed = codec.readObservation(snap.observation());
      org.junit.jupiter.api.Assertions.assertArrayEquals(
          snap.observation(), codec.writeObservation(observed), name + ": checkers");
    }
    for (String expected :
        List.of(
            "WorkerPool",
            "PoolWorker",
            "Kicker",
            "Hog",
            "Cpu",
            "StopMachine",
            "StopMachineNode",
            "Rcu",
            "KprobeManager",
            "CodeMemory",
            "OptimizerWorker",
            "AdminTask",
            "ProbeWorkload",
            "OtherWork",
            "MachineModel$Spinner",
            "MachineModel$Requester",
            "PholdModel$Lp",
            "WqAdmin",
            "PwqReleaseWorker",
            "Workqueue",
            "WqPoolMutex",
            "KMutex",
            "WqUser")) {
      assertTrue(
          entityClasses.stream().anyMatch(c -> c.endsWith("." + expected)),
          expected + " among the round-tripped entities " + entityClasses);
    }
  }

  /**
   * The actor driver (2 partitions) takes the snapshot and resumes from it, and what one driver
   * wrote the other resumes: the same run every way.
   */
  @Test
  void actorDriverTakesAndResumes() {
    for (String[] c :
        new String[][] {
          {"workqueue-kick-cull", "300000800us"},
          {"kprobes-optimizer-on-workqueue", "11ms"},
          {"machine-stop", "5ms"}
        }) {
      Scenario s = Models.load(c[0], List.of());
      long at = Durations.parse(c[1]);
      RunResult whole = SequentialDriver.run(s.build(), RunOptions.of(2, s.until()));
      AtomicReference<SimSnapshot> got = new AtomicReference<>();
      RunOptions taking =
          RunOptions.of(2, s.until())
              .withSnapshot(
                  new RunOptions.Snapshots(at, s.settings().asOverrides(), false, got::set));
      RunResult throughSnapshot = ActorDriver.run(s.build(), taking, 2);
      assertEquals(whole.traceSha256(), throughSnapshot.traceSha256(), c[0] + ": taking one");
      SimSnapshot byActors = roundTrip(got.get());
      SimSnapshot bySequential = roundTrip(take(s, 2, at));
      assertEquals(bySequential.resumeNanos(), byActors.resumeNanos(), c[0]);
      assertEquals(bySequential.pending(), byActors.pending(), c[0] + ": pending events");
      for (SimSnapshot snap : List.of(byActors, bySequential)) {
        Scenario again = fromSnapshot(snap);
        RunOptions o = RunOptions.of(0, again.until()).resumingFrom(snap);
        RunResult onActors = ActorDriver.run(again.build(), o, 2);
        RunResult onSequential = SequentialDriver.run(again.build(), o);
        for (RunResult r : List.of(onActors, onSequential)) {
          assertEquals(whole.traceSha256(), r.traceSha256(), c[0] + " resumed");
          assertEquals(whole.events(), r.events(), c[0]);
          // the actor driver's rounds are its own (ADR 006): windows agree sequential to sequential
          if (snap == bySequential && r == onSequential)
            assertEquals(whole.windows(), r.windows(), c[0]);
          assertEquals(whole.violations(), r.violations(), c[0]);
          assertEquals(Map.copyOf(whole.metrics()), Map.copyOf(r.metrics()), c[0]);
        }
      }
    }
  }

  @Test
  void phold() {
    sameRun("phold", List.of("phold.entities=64", "phold.ttl=20"), 9, "5us", "15us");
  }
}
