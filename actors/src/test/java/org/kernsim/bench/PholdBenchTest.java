package org.kernsim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PholdBenchTest {

  @Test
  void thePlainLoopDeliversEveryEventOfThePholdItStandsFor() {
    assertEquals(8L * 3 * (5 + 1), PlainPhold.run(8, 3, 5, 1000, 1000, 1));
    assertEquals(100L * 16 * (9 + 1), PlainPhold.run(100, 16, 9, 1000, 0, 7));
    assertEquals(1L, PlainPhold.run(1, 1, 0, 1, 1, 1));
  }

  @Test
  void everyRatioIsTakenPairByPairAndItsMedianLiesBetweenItsMinAndMax() {
    Map<String, Object> r = PholdBench.run(new PholdBench.Config(16, 2_048, 4, 2, 3, 1, 1));
    assertEquals(3, ((List<?>) r.get("samplesRatio")).size());
    assertEquals(3, ((List<?>) r.get("samplesSequentialToPlainLoop")).size());
    for (String k : List.of("ratio", "sequentialToPlainLoop")) {
      double min = (Double) r.get(k + "Min");
      double med = (Double) r.get(k);
      double max = (Double) r.get(k + "Max");
      assertTrue(min > 0 && min <= med && med <= max, k + ": " + r);
    }
    assertEquals(true, r.get("sameHashSequential"));
    assertEquals(16L * 4 * (31 + 1), r.get("events"));
  }
}
