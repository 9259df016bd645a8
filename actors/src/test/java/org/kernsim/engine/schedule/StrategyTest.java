package org.kernsim.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.Latency;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.SplitMix64;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

class StrategyTest {

  private static final Latency RANGE = Latency.uniform(100, 1100);

  /** A pilot that saw entities 3, 5, 7, 9 act and 1000 draws. */
  private static final Strategy.Pilot PILOT = new Strategy.Pilot(1000, new int[] {3, 5, 7, 9});

  @Test
  void pctChangePointsAreDepthMinusOneDrawsAmongThePilots() {
    for (int depth = 1; depth <= 6; depth++) {
      for (long seed = 1; seed <= 50; seed++) {
        long[] cp = new Strategy.Pct(seed, depth, 12, PILOT).changePoints();
        assertEquals(depth - 1, cp.length);
        for (int i = 0; i < cp.length; i++) {
          assertTrue(cp[i] >= 1 && cp[i] <= PILOT.draws(), "change point " + cp[i] + " in 1..k");
          if (i > 0) assertTrue(cp[i - 1] <= cp[i], "ascending");
        }
        // the same seed, the same change points; and they spread over the draws
        assertArrayEquals(cp, new Strategy.Pct(seed, depth, 12, PILOT).changePoints());
      }
    }
    Set<Long> firsts = new HashSet<>();
    for (long seed = 1; seed <= 50; seed++)
      firsts.add(new Strategy.Pct(seed, 2, 12, PILOT).changePoints()[0]);
    assertTrue(firsts.size() > 40, "change points vary with the seed: " + firsts.size());
  }

  /**
   * Priorities order the delays: the highest-priority entity gets the class's minimum, the lowest
   * its maximum, the others spread between; at a change point the drawing entity drops below every
   * other (PCT: the j-th change point gives priority j < d), and an entity the pilot never saw act
   * draws from the class's own distribution.
   */
  @Test
  void pctDelaysFollowPrioritiesAndChangePointsDropTheDrawer() {
    Strategy.Pct pct = new Strategy.Pct(7, 3, 12, PILOT);
    long[] cp = pct.changePoints();
    SplitMix64 stream = new SplitMix64(1);
    long draws = 0;
    // before the first change point: four distinct delays, min and max among them
    Set<Long> seen = new HashSet<>();
    int lowest = -1;
    for (int e : PILOT.active()) {
      long v = pct.choose(e, RANGE, stream);
      draws++;
      seen.add(v);
      if (v == RANGE.max()) lowest = e;
    }
    assertEquals(Set.of(100L, 433L, 767L, 1100L), seen, "positions 0, 1/3, 2/3, 1 of the range");
    assertTrue(lowest >= 0);
    int drawer = PILOT.active()[0] == lowest ? PILOT.active()[1] : PILOT.active()[0];
    while (draws < cp[0] - 1) {
      pct.choose(lowest, RANGE, stream);
      draws++;
    }
    // the first change point: its drawer now gets the maximum, and keeps it
    assertEquals(RANGE.max(), pct.choose(drawer, RANGE, stream));
    draws++;
    if (draws < cp[1]) assertEquals(RANGE.max(), pct.choose(drawer, RANGE, stream));
    // an entity the pilot never saw act: the class's own distribution, within its range
    long other = pct.choose(4, RANGE, stream);
    assertTrue(other >= RANGE.min() && other <= RANGE.max());
    // fixed latencies stay fixed (what the model keeps FIFO stays FIFO)
    assertEquals(500, pct.choose(3, Latency.fixed(500), stream));
  }

  @Test
  void delayBoundDeviatesAtMostBoundTimesToTheClassMaximum() {
    for (int bound : new int[] {0, 1, 3}) {
      Strategy.DelayBound db = new Strategy.DelayBound(11, bound, PILOT);
      Strategy.DelayBound again = new Strategy.DelayBound(11, bound, PILOT);
      SplitMix64 a = new SplitMix64(5);
      SplitMix64 reference = new SplitMix64(5);
      SplitMix64 b = new SplitMix64(5);
      int deviations = 0;
      for (int i = 0; i < PILOT.draws(); i++) {
        long natural = RANGE.draw(reference);
        long v = db.choose(3, RANGE, a);
        assertEquals(v, again.choose(3, RANGE, b), "deterministic per seed");
        if (v != natural) {
          assertEquals(RANGE.max(), v);
          deviations++;
        }
      }
      assertTrue(deviations <= bound, deviations + " deviations, bound " + bound);
    }
  }

  private static Forks.Prefix prefix(String scenario, List<String> sets, long seed, long forkAt) {
    Scenario s = Models.load(scenario, sets);
    return Forks.prefix(s.build(), seed, forkAt, s.until());
  }

  /**
   * Every strategy is deterministic per schedule identity (the same perturbation, the same run;
   * another perturbation, another run), and delay-bounding with no deviation is the seed's own run,
   * hash for hash.
   */
  @Test
  void schedulesAreDeterministicPerIdentity() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    Simulation sim = s.build();
    long forkAt = 299_000_000_000L;
    Forks.Prefix p = Forks.prefix(sim, 4, forkAt, s.until());
    assertTrue(p.pilot().draws() > 0 && p.pilot().active().length > 0);
    for (Strategy st :
        List.of(
            Strategy.random(),
            new Strategy(Strategy.Kind.PCT, 3, 0),
            new Strategy(Strategy.Kind.DELAY_BOUND, 1, 2))) {
      RunResult a = Forks.schedule(p, st, 17);
      RunResult b = Forks.schedule(p, st, 17);
      RunResult c = Forks.schedule(p, st, 18);
      assertEquals(a.traceSha256(), b.traceSha256(), st + ": same identity, same run");
      assertEquals(a.violations(), b.violations());
      assertNotEquals(a.traceSha256(), c.traceSha256(), st + ": another perturbation");
    }
    RunResult unforked = SequentialDriver.run(sim, RunOptions.of(4, s.until()));
    RunResult noDeviation = Forks.schedule(p, new Strategy(Strategy.Kind.DELAY_BOUND, 1, 0), 99);
    assertEquals(unforked.traceSha256(), noDeviation.traceSha256());
    // a prefix built again (another process would) forks the same schedules
    Forks.Prefix again = prefix("workqueue-kick-cull", List.of(), 4, forkAt);
    assertEquals(
        Forks.schedule(p, Strategy.random(), 5).traceSha256(),
        Forks.schedule(again, Strategy.random(), 5).traceSha256());
    assertFalse(Forks.schedule(p, Strategy.random(), 5).endReason().json().isEmpty());
    // random needs no pilot run: its prefix has none and forks the same schedules
    Forks.Prefix noPilot = Forks.prefix(sim, 4, forkAt, s.until(), Strategy.random());
    assertEquals(0, noPilot.pilot().draws());
    assertEquals(
        Forks.schedule(p, Strategy.random(), 5).traceSha256(),
        Forks.schedule(noPilot, Strategy.random(), 5).traceSha256());
  }
}
