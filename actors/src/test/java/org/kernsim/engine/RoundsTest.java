package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.engine.actor.PartitionsDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * Rounds never change a run. On the actor driver (every entity an actor): partitions run windows up
 * to the horizon the coordinator gives them (the earliest time an event from another partition
 * could reach them, a fixed point over every partition's earliest event and the lookahead), idle
 * partitions sit rounds out, batches arrive early or late. On the partitions driver: several nodes
 * of one or two partitions in one ActorSystem, each node running local rounds inline or on workers.
 * Both give the single-threaded driver's traceSha256, events and metrics, for scenarios whose
 * traffic is busy everywhere (PHOLD), mostly idle with bursts (the workqueue seed) and
 * barrier-shaped (stop_machine, kprobes), over several seeds.
 */
class RoundsTest {
  static ActorSystem<Void> system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create(Behaviors.empty(), "rounds", ActorDriver.config(2));
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static void sameAsOneThread(String name, List<String> overrides, long seed) {
    Scenario s = Models.load(name, overrides);
    RunOptions o = RunOptions.of(seed, s.until());
    RunResult want = SequentialDriver.run(s.build(), o);
    for (int[] shape : new int[][] {{0, 1}, {0, 3}, {2, 1}, {3, 2}, {4, 1}}) {
      RunResult got =
          shape[0] == 0
              ? ActorDriver.run(system, s.build(), o, shape[1])
              : PartitionsDriver.run(system, s.build(), o, shape[0], shape[1]);
      String what =
          name
              + " seed "
              + seed
              + (shape[0] == 0
                  ? " on the actor driver, " + shape[1] + " partitions"
                  : " on the partitions driver, " + shape[0] + "x" + shape[1]);
      assertEquals(want.traceSha256(), got.traceSha256(), what);
      assertEquals(want.events(), got.events(), what);
      assertEquals(want.simulatedNanos(), got.simulatedNanos(), what);
      assertEquals(want.endReason(), got.endReason(), what);
      assertEquals(want.metrics(), got.metrics(), what);
    }
  }

  @Test
  void busyEverywhere() {
    for (long seed = 1; seed <= 3; seed++)
      sameAsOneThread(
          "phold", List.of("phold.entities=60", "phold.population=3", "phold.ttl=10"), seed);
  }

  @Test
  void idleWithBursts() {
    for (long seed = 7; seed <= 9; seed++) sameAsOneThread("workqueue-kick-cull", List.of(), seed);
  }

  @Test
  void barriers() {
    sameAsOneThread("machine-stop", List.of("scenario.until=2ms", "machine.numa-nodes=3"), 7);
    sameAsOneThread("kprobes-bulk-unregister", List.of(), 1);
  }
}
