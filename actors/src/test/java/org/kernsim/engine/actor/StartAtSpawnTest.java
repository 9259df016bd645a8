package org.kernsim.engine.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TraceObserver;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.EntityCommand;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * The start of a run on entity actors: on one node each entity runs its {@code start()} as its
 * actor is created and answers it, the partition reports ready once all have, and round 0 sends the
 * entities nothing (before, one {@code StartEntity} and one answer per entity at round 0: at 65,536
 * CPUs, 196,614 of each). The start is reported to the observers in counts; the trace is the
 * sequential driver's.
 */
class StartAtSpawnTest {
  static ActorTestKit kit;

  @BeforeAll
  static void up() {
    kit = ActorTestKit.create("start-at-spawn-test", ActorDriver.config(2));
  }

  @AfterAll
  static void down() {
    kit.shutdownTestKit();
  }

  /** A message that hops to the next entity until its ttl runs out. */
  record Hop(int ttl) {}

  /**
   * {@code n} entities; each sends a hop to the next at start ({@code failAt} throws instead); the
   * last one starts idle if {@code idleLast}.
   */
  record Ring(int n, int failAt, boolean idleLast) implements Simulation {
    @Override
    public String model() {
      return "test";
    }

    @Override
    public int entityCount() {
      return n;
    }

    @Override
    public boolean startsIdle(int id) {
      return idleLast && id == n - 1;
    }

    @Override
    public Entity createEntity(int id) {
      return new Entity() {
        @Override
        public void start(Context ctx) {
          if (id == failAt) throw new IllegalStateException("no start for " + id);
          if (startsIdle(id)) return; // made on demand: nothing to do at start
          ctx.sendAfter((id + 1) % n, new Hop(1), 1_000);
        }

        @Override
        public void receive(Context ctx, Object m) {
          int ttl = ((Hop) m).ttl();
          ctx.count("hops", 1);
          if (ttl > 0) ctx.sendAfter((id + 1) % n, new Hop(ttl - 1), 1_000);
        }
      };
    }

    @Override
    public String entityName(int id) {
      return "ring" + id;
    }

    @Override
    public long lookahead() {
      return 1_000;
    }
  }

  /** A spawner whose "entities" are probes, started at spawn or not. */
  static Partition.EntitySpawner probes(List<TestProbe<EntityCommand>> entities, boolean atSpawn) {
    return new Partition.EntitySpawner() {
      @Override
      public List<ActorRef<EntityCommand>> spawn(
          ActorContext<PartitionCommand> ctx, int partition, int[] members) {
        List<ActorRef<EntityCommand>> refs = new ArrayList<>();
        for (int i = 0; i < members.length; i++) refs.add(entities.get(i).ref());
        return refs;
      }

      @Override
      public boolean startsAtSpawn() {
        return atSpawn;
      }
    };
  }

  /** What one partition sends its entities and its coordinator at the start. */
  private static void start(boolean atSpawn) {
    Simulation sim = new Ring(3, -1, false);
    List<TestProbe<EntityCommand>> entities = new ArrayList<>();
    for (int i = 0; i < 3; i++) entities.add(kit.createTestProbe(EntityCommand.class));
    TestProbe<CoordinatorCommand> coordinator = kit.createTestProbe(CoordinatorCommand.class);
    ActorRef<PartitionCommand> partition =
        kit.spawn(
            Partition.create(0, new Placement(sim, 1), sim::entityName, probes(entities, atSpawn)));
    partition.tell(new PartitionCommand.Peers(List.of(partition), coordinator.getRef()));
    if (atSpawn) {
      // ready only once every entity answered its start
      coordinator.expectNoMessage(Duration.ofMillis(100));
      for (int slot = 0; slot < 3; slot++)
        partition.tell(new EntityActor.EntityDone(slot, List.of(), List.of(), -1, 0, null));
    }
    CoordinatorCommand.PartitionReady ready =
        coordinator.expectMessageClass(CoordinatorCommand.PartitionReady.class);
    assertEquals(3, ready.entities());
    partition.tell(new PartitionCommand.StartWindow(0, 0, 0, 0));
    if (atSpawn) {
      coordinator.expectMessageClass(CoordinatorCommand.WindowDone.class);
      // not one message per entity at round 0
      for (TestProbe<EntityCommand> e : entities) e.expectNoMessage(Duration.ofMillis(50));
    } else {
      for (int slot = 0; slot < 3; slot++) {
        assertInstanceOf(EntityActor.StartEntity.class, entities.get(slot).receiveMessage());
        partition.tell(new EntityActor.EntityDone(slot, List.of(), List.of(), -1, 0, null));
      }
      coordinator.expectMessageClass(CoordinatorCommand.WindowDone.class);
    }
    kit.stop(partition);
  }

  @Test
  void entitiesStartedAtSpawnGetNoMessageAtRoundZero() {
    start(true);
  }

  @Test
  void shardedEntitiesAreStillToldToStart() {
    start(false);
  }

  /** The stages told to a run's observers, in order. */
  static final class Stages implements TraceObserver {
    final List<String> seen = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void observe(TraceRecord record) {}

    @Override
    public void windowCompleted(long windowEnd) {
      seen.add("window");
    }

    @Override
    public void stage(String what) {
      seen.add(what);
    }
  }

  @Test
  void theStartIsCountedForTheDisplayAndTheTraceIsTheSequentialDrivers() {
    int n = 2 * StartStages.STEP + 7; // more than one step per partition
    Simulation sim = new Ring(n, -1, true);
    RunResult seq = SequentialDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE));
    Stages stages = new Stages();
    RunResult actors =
        ActorDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE).withProgress(stages), 2);
    assertEquals(seq.traceSha256(), actors.traceSha256());
    assertEquals(seq.events(), actors.events());
    assertEquals(seq.metrics(), actors.metrics());
    List<String> seen = new ArrayList<>(stages.seen);
    int firstWindow = seen.indexOf("window");
    assertTrue(firstWindow > 0, String.valueOf(seen));
    List<String> before = seen.subList(0, firstWindow);
    assertEquals("starting the actor system", before.get(0));
    // the counts only grow
    long last = 0;
    for (String s : before) {
      if (!s.startsWith("entity actors: ")) continue;
      long c = Long.parseLong(s.substring(15, s.indexOf(" of ")).replace(",", ""));
      assertTrue(c > last, before.toString());
      last = c;
    }
    // the entity that starts idle is made on demand: not counted
    String all = String.format("%,d", n - 1);
    assertTrue(
        before.contains("entity actors: " + all + " of " + all + " created"), before.toString());
    assertTrue(before.contains("entities: " + all + " of " + all + " started"), before.toString());
    assertTrue(
        before.stream().anyMatch(s -> s.startsWith("entity actors: 4,096 of")), before.toString());
    assertEquals("stopping " + all + " entity actors", seen.get(seen.size() - 1));
    assertFalse(
        seen.subList(firstWindow, seen.size() - 1).stream().anyMatch(s -> !s.equals("window")));
  }

  @Test
  void anEntityThatFailsAtItsStartFailsTheRunNamed() {
    RuntimeException e =
        assertThrows(
            RuntimeException.class,
            () -> ActorDriver.run(new Ring(5, 2, true), RunOptions.of(1, Long.MAX_VALUE), 2));
    assertTrue(
        e.getMessage().contains("ring2") && e.getMessage().contains("no start for 2"),
        e.getMessage());
  }
}
