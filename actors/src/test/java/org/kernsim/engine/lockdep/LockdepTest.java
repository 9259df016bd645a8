package org.kernsim.engine.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Context;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.Entity;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.protocol.phold.Hop;

/**
 * The checker in a run: entities that take two locks (owned by a lock entity, so a contended
 * acquisition really waits) in opposite orders at different times. The run never deadlocks, and the
 * checker still reports the inversion, on both drivers; with a consistent order it is silent.
 */
class LockdepTest {

  /**
   * Task {@code self}: at {@code start}, takes {@code first}, then {@code second} 1 us later,
   * releases both 1 us after that. The locks are only notes: nothing blocks, nothing deadlocks.
   */
  record Locker(long start, String first, String second) implements Entity {
    @Override
    public void start(Context ctx) {
      ctx.startTimer("go", start, new Hop(0));
    }

    @Override
    public void receive(Context ctx, Object msg) {
      int step = ((Hop) msg).ttl();
      switch (step) {
        case 0 -> {
          Lockdep.acquire(ctx, ctx.self(), first, "path_" + ctx.self());
          ctx.startTimer("go", 1_000, new Hop(1));
        }
        case 1 -> {
          Lockdep.acquire(ctx, ctx.self(), second, "path_" + ctx.self());
          ctx.startTimer("go", 1_000, new Hop(2));
        }
        default -> {
          Lockdep.release(ctx, ctx.self(), second);
          Lockdep.release(ctx, ctx.self(), first);
        }
      }
    }
  }

  record Sim(List<Entity> entities) implements Simulation {
    @Override
    public String model() {
      return "lockdep-test";
    }

    @Override
    public int entityCount() {
      return entities.size();
    }

    @Override
    public Entity createEntity(int id) {
      return entities.get(id);
    }

    @Override
    public String entityName(int id) {
      return "task" + id;
    }

    @Override
    public long lookahead() {
      return 100;
    }

    @Override
    public List<Checker> checkers() {
      return List.of(new Lockdep());
    }
  }

  @Test
  void anInversionThatDidNotDeadlockIsReportedOnBothDrivers() {
    // task0 takes A then B at 1 ms; task1 takes B then A at 5 ms: never at the same time
    Sim sim = new Sim(List.of(new Locker(1_000_000, "A", "B"), new Locker(5_000_000, "B", "A")));
    RunResult seq = SequentialDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE));
    assertEquals(EndReason.QUIESCENT, seq.endReason(), "the run finished: no deadlock");
    assertEquals(1, seq.violations().size(), seq.violations().toString());
    var v = seq.violations().get(0);
    assertEquals(Lockdep.NAME, v.checker());
    assertEquals("task1", v.entity());
    assertEquals(5_001_000, v.atNanos());
    assertTrue(
        v.message()
            .contains(
                "This chain: B -> A first seen at 5.001000 ms: task1 in path_1 held B (exclusive)"),
        v.message());
    assertTrue(
        v.message()
            .contains(
                "Existing chain: A -> B first seen at 1.001000 ms: task0 in path_0 held A (exclusive) and took B"),
        v.message());
    assertEquals(2L, seq.metrics().get("lockdepDependencies"));
    RunResult act = ActorDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE), 2);
    assertEquals(seq.violations(), act.violations());
    assertEquals(seq.traceSha256(), act.traceSha256());
  }

  @Test
  void aConsistentOrderIsSilent() {
    Sim sim =
        new Sim(
            List.of(
                new Locker(1_000_000, "A", "B"),
                new Locker(1_000_500, "A", "B"),
                new Locker(5_000_000, "B", "C")));
    RunResult r = SequentialDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE));
    assertEquals(List.of(), r.violations());
    assertEquals(3L, r.metrics().get("lockdepClasses"));
  }
}
