package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.phold.Hop;
import org.kernsim.scenario.Settings;

class EngineTest {

  /** A tiny simulation made of entities given as lambdas. */
  record Sim(long lookahead, List<Entity> entities) implements Simulation {
    @Override
    public String model() {
      return "test";
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
      return "e" + id;
    }

    @Override
    public long lookahead() {
      return lookahead;
    }
  }

  /** Records, for each message it receives, the virtual time (as metric "at.<message>"). */
  static final class TimerEntity implements Entity {
    @Override
    public void start(Context ctx) {
      ctx.startTimer("a", 100, new Hop(1)); // fires at 100
      ctx.startTimer("b", 200, new Hop(2)); // cancelled at 100: never fires
      ctx.startTimer("c", 300, new Hop(3)); // restarted at 100 to fire at 150
      ctx.startTimer("d", 10_000_000_000L, new Hop(4)); // 10 s later, after an empty stretch
    }

    @Override
    public void receive(Context ctx, Object message) {
      int n = ((Hop) message).ttl();
      ctx.count("fired." + n, 1);
      ctx.count("at." + n, ctx.now());
      if (n == 1) {
        assertTrue(ctx.timerActive("b"));
        ctx.cancelTimer("b");
        assertFalse(ctx.timerActive("b"));
        ctx.startTimer("c", 50, new Hop(3));
      }
    }
  }

  private static long metric(RunResult r, String k) {
    Object v = r.metrics().get(k);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void timersFireAtTheirTimeAndCancelledTimersNever() {
    for (int driver = 0; driver < 2; driver++) {
      Simulation sim = new Sim(1_000, List.of(new TimerEntity()));
      RunResult r =
          driver == 0
              ? SequentialDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE))
              : ActorDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE), 2);
      assertEquals(1, metric(r, "fired.1"));
      assertEquals(100, metric(r, "at.1"));
      assertEquals(0, metric(r, "fired.2"), "a cancelled timer fired");
      assertEquals(1, metric(r, "fired.3"), "a restarted timer must fire once");
      assertEquals(150, metric(r, "at.3"));
      assertEquals(1, metric(r, "fired.4"));
      assertEquals(10_000_000_000L, metric(r, "at.4"));
      assertEquals(3, r.events());
      // 10 s of virtual time with a 1 us lookahead: the empty stretch is skipped, not walked
      assertTrue(r.windows() <= 3, "windows: " + r.windows());
      assertEquals(10_000_000_000L, r.simulatedNanos());
    }
  }

  @Test
  void runsStopAtTheVirtualTimeLimit() {
    Simulation sim = new Sim(1_000, List.of(new TimerEntity()));
    RunResult r = SequentialDriver.run(sim, RunOptions.of(1, 1_000_000));
    assertEquals(EndReason.LIMIT, r.endReason());
    assertEquals(0, metric(r, "fired.4"));
    assertEquals(2, r.events());
  }

  @Test
  void aMessageBelowTheLookaheadIsRejected() {
    Entity bad =
        new Entity() {
          @Override
          public void start(Context ctx) {
            ctx.sendAfter(1, new Hop(0), 10);
          }

          @Override
          public void receive(Context ctx, Object message) {}
        };
    Entity sink = (ctx, m) -> {};
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                SequentialDriver.run(
                    new Sim(1_000, List.of(bad, sink)), RunOptions.of(1, 1_000_000)));
    assertTrue(e.getMessage().contains("below the lookahead"), e.getMessage());
  }

  @Test
  void anEventEarlierThanOneAlreadyProcessedIsRefused() {
    IntFunction<String> names = i -> "e" + i;
    EntityRuntime rt =
        new EntityRuntime(0, (ctx, m) -> {}, 1, 1_000, names, RecordFilter.NONE, null);
    rt.bind(e -> {}, r -> {});
    rt.deliver(Event.message(500, 3, 7, 0, new Hop(1)));
    rt.deliver(Event.message(500, 3, 8, 0, new Hop(1))); // same time, same source, later seq: fine
    rt.deliver(Event.message(500, 4, 0, 0, new Hop(1))); // same time, later source: fine
    assertThrows(
        IllegalStateException.class, () -> rt.deliver(Event.message(499, 9, 0, 0, new Hop(1))));
    assertThrows(
        IllegalStateException.class, () -> rt.deliver(Event.message(500, 2, 99, 0, new Hop(1))));
  }

  @Test
  void everyEntitySeesItsEventsInCanonicalOrderOnTheActorDriver() {
    Simulation sim =
        new PholdModel()
            .build(
                Settings.defaults(
                    new PholdModel(),
                    Map.of(
                        "phold.entities",
                        "64",
                        "phold.population",
                        "8",
                        "phold.ttl",
                        "30",
                        "phold.mean-extra",
                        "300ns")));
    List<TraceRecord> records = new ArrayList<>();
    TraceObserver collect = records::add;
    RunResult r = ActorDriver.run(sim, RunOptions.of(5, Long.MAX_VALUE).withObserver(collect), 2);
    assertEquals(64L * 8 * 31, r.events());
    assertEquals(r.events(), records.size());
    Map<Integer, long[]> last = new HashMap<>();
    TraceRecord prev = null;
    for (TraceRecord rec : records) {
      TraceRecord.Delivered d = (TraceRecord.Delivered) rec;
      long[] l = last.computeIfAbsent(d.entity(), k -> new long[] {Long.MIN_VALUE, -1, -1});
      boolean later =
          d.time() > l[0]
              || (d.time() == l[0] && (d.src() > l[1] || (d.src() == l[1] && d.seq() > l[2])));
      assertTrue(later, "entity " + d.entity() + " processed " + d + " after time " + l[0]);
      l[0] = d.time();
      l[1] = d.src();
      l[2] = d.seq();
      if (prev != null)
        assertTrue(TraceRecord.compare(prev, rec) < 0, "records out of canonical order");
      prev = rec;
    }
    assertEquals(
        SequentialDriver.run(sim, RunOptions.of(5, Long.MAX_VALUE)).traceSha256(), r.traceSha256());
  }
}
