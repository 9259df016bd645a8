package org.kernsim.engine.schedule.guided;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.SplitMix64;

class CorpusTest {

  /** Keys reached: the first schedule to reach one makes it new, later ones count its hits. */
  @Test
  void reachedTellsWhatIsNewAndCountsHits() {
    Corpus c = new Corpus();
    assertArrayEquals(new long[] {1, 2}, c.reached(List.of(1L, 2L)));
    assertArrayEquals(new long[] {3}, c.reached(List.of(2L, 3L)));
    assertArrayEquals(new long[0], c.reached(List.of(1L, 3L)));
    assertEquals(2, c.hits(1));
    assertEquals(2, c.hits(2));
    assertEquals(2, c.hits(3));
    assertEquals(0, c.hits(4));
  }

  /**
   * The energy: more new things weigh more (squared), a point continued often less, a productive
   * one more, one whose new states others reached since less, a recent one twice; a dead one none.
   */
  @Test
  void energyFavoursNovelRareRarelyContinuedProductiveAndRecentPoints() {
    Corpus c = new Corpus();
    c.reached(List.of(1L, 2L, 3L, 4L));
    Corpus.Entry one = c.add(null, 7, List.of(), 10, new long[] {1}, 0);
    Corpus.Entry three = c.add(null, 8, List.of(), 10, new long[] {2, 3, 4}, 0);
    long late = 10 * Corpus.RECENT;
    assertEquals(1.0, c.weight(one, late), 1e-12);
    assertEquals(9.0, c.weight(three, late), 1e-12, "three new keys: (1+1+1)^2");
    assertEquals(2.0, c.weight(one, 0), 1e-12, "recent: twice");
    c.chosen(one);
    c.chosen(one);
    c.chosen(one);
    assertEquals(0.5, c.weight(one, late), 1e-12, "continued 3 times: 1/sqrt(4)");
    c.productive(one, late);
    assertEquals(2 * 1.5, c.weight(one, late), 1e-12, "productive now: (1+2)/2, and recent");
    assertEquals(1.5, c.weight(one, late + Corpus.RECENT + 1), 1e-12, "no longer recent");
    c.reached(List.of(2L, 3L, 4L)); // another schedule reached three's new keys
    assertEquals(9.0 / 4, c.weight(three, late), 1e-12, "(1/2+1/2+1/2)^2");
    c.dead(three);
    assertEquals(0, c.weight(three, late));
  }

  /**
   * A point's energy is kept between draws and summed again only after a schedule reached one of
   * its keys: after any sequence of schedules it equals the energy summed from the hits now.
   */
  @Test
  void aKeptEnergyEqualsTheEnergySummedFromTheHitsNow() {
    Corpus c = new Corpus();
    SplitMix64 r = new SplitMix64(3);
    for (int schedule = 0; schedule < 300; schedule++) {
      List<Long> keys = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) keys.add((long) r.nextInt(120));
      long[] novel = c.reached(keys);
      if (novel.length > 0) c.add(null, schedule, List.of(), 10, novel, schedule);
      if (schedule % 7 == 0 && c.size() > 0) c.pick(2, schedule, r); // weights kept here
      for (Corpus.Entry e : c.entries()) {
        double novelty = 0;
        for (long k : e.keys()) novelty += 1.0 / Math.max(1, c.hits(k));
        double expected =
            novelty * novelty * (1 + 2.0 * e.productive()) / Math.sqrt(1 + e.chosen());
        double late = c.weight(e, 100_000);
        assertEquals(expected, late, 0, "point " + e.id() + " after schedule " + schedule);
      }
    }
  }

  /** Picks follow the energy, are a function of the random stream, and skip dead points. */
  @Test
  void picksAreProportionalToEnergyDeterministicAndSkipDeadPoints() {
    Corpus a = corpus();
    Corpus b = corpus();
    long late = 10 * Corpus.RECENT;
    List<Corpus.Entry> pa = a.pick(400, late, new SplitMix64(5));
    List<Corpus.Entry> pb = b.pick(400, late, new SplitMix64(5));
    for (int i = 0; i < pa.size(); i++) assertEquals(pa.get(i).id(), pb.get(i).id());
    // weights 1 (id 0) and 9 (id 1), id 2 dead: about 10 % and 90 %, never id 2
    long zeros = pa.stream().filter(e -> e.id() == 0).count();
    long twos = pa.stream().filter(e -> e.id() == 2).count();
    assertEquals(0, twos);
    assertTrue(zeros > 15 && zeros < 70, "about 40 of 400: " + zeros);
    assertEquals(zeros, a.entries().get(0).chosen(), "each draw counts as chosen");
    Corpus empty = new Corpus();
    assertNull(empty.pick(1, 0, new SplitMix64(1)).get(0), "nothing to pick");
  }

  @Test
  void aContinuedPointsChainEndsWithItsTimeAndThePerturbation() {
    Corpus c = new Corpus();
    c.reached(List.of(1L));
    Corpus.Entry root = c.add(null, 5, List.of(), 100, new long[] {1}, 0);
    assertEquals(List.of(new Step(100, 9)), root.continued(9));
    Corpus.Entry child = c.add(root, 5, root.continued(9), 200, new long[] {1}, 1);
    assertEquals(List.of(new Step(100, 9), new Step(200, 4)), child.continued(4));
  }

  private static Corpus corpus() {
    Corpus c = new Corpus();
    c.reached(List.of(1L, 2L, 3L, 4L, 5L));
    c.add(null, 1, List.of(), 10, new long[] {1}, 0);
    c.add(null, 2, List.of(), 10, new long[] {2, 3, 4}, 0);
    Corpus.Entry dead = c.add(null, 3, List.of(), 10, new long[] {5}, 0);
    c.dead(dead);
    return c;
  }
}
