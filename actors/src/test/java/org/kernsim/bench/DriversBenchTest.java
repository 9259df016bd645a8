package org.kernsim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kernsim.run.RunSpec;
import org.kernsim.run.Runner;

class DriversBenchTest {

  @Test
  @SuppressWarnings("unchecked")
  void eachScenarioIsTimedOnBothDriversInPairsWithTheRatioTakenPairByPair() {
    AtomicInteger steps = new AtomicInteger();
    List<String> o = List.of("scenario.until=1ms");
    Map<String, Object> r =
        DriversBench.run(
            new DriversBench.Config(List.of("machine-stop", "workqueue-kick-cull"), o, 1, 1, 3, 1),
            steps::incrementAndGet);
    assertEquals(2 * 2 * (3 + 1), steps.get(), "two runs per pair, warm-up pairs included");
    List<Map<String, Object>> rows = (List<Map<String, Object>>) r.get("scenarios");
    assertEquals(2, rows.size());
    for (Map<String, Object> m : rows) {
      String scenario = (String) m.get("scenario");
      List<Double> ratios = (List<Double>) m.get("samplesActorOverSequential");
      assertEquals(3, ratios.size(), scenario);
      List<Double> seq =
          (List<Double>) ((Map<String, Object>) m.get("sequentialMillis")).get("samples");
      List<Double> act = (List<Double>) ((Map<String, Object>) m.get("actorMillis")).get("samples");
      for (int i = 0; i < 3; i++) {
        // pair by pair: each ratio is its own pair's actor time over its sequential time
        double want = act.get(i) / seq.get(i);
        assertEquals(want, ratios.get(i), Math.max(0.002, want * 0.02), scenario + " pair " + i);
      }
      double min = (Double) m.get("actorOverSequentialMin");
      double med = (Double) m.get("actorOverSequential");
      double max = (Double) m.get("actorOverSequentialMax");
      assertTrue(min > 0 && min <= med && med <= max, scenario + ": " + m);
      // the hash both drivers agreed on is the one a plain run of the scenario gives
      String hash = Runner.run(RunSpec.of(scenario, 1, o)).result().traceSha256();
      assertEquals(hash, m.get("traceSha256"), scenario);
      assertTrue((Long) m.get("events") > 0 && (Long) m.get("windows") > 0, scenario);
    }
  }
}
