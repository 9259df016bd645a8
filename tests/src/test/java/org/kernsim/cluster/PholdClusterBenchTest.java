package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.bench.PholdBench;

/**
 * {@code bench phold --cluster-nodes}: the single-node engine and a real cluster (2 nodes, Artery
 * TCP on 127.0.0.1, Kryo) run in pairs, and the cluster ÷ one-node ratio is taken pair by pair —
 * each sample of the ratio is that repetition's cluster rate over the same repetition's single-node
 * rate, not a quotient of two medians of unpaired samples.
 */
class PholdClusterBenchTest {

  @Test
  @SuppressWarnings("unchecked")
  void theClusterRatioIsTakenPairByPair() {
    try (LocalCluster cluster = LocalCluster.start(2)) {
      PholdBench.Config c = new PholdBench.Config(16, 2_048, 4, 2, 3, 1, 1);
      int[] steps = {0};
      Map<String, Object> r =
          PholdBench.runPaired(
              c, cluster.system(0), 2, 2, () -> steps[0]++, () -> {}, PholdBench::processCpuNanos);
      assertEquals(2 * (1 + 3), steps[0], "a step per run, both kinds, warm-up included");
      Map<String, Object> one = (Map<String, Object>) r.get("singleNode");
      Map<String, Object> many = (Map<String, Object>) r.get("cluster");
      List<Long> a = (List<Long>) one.get("samplesEventsPerSecond");
      List<Long> b = (List<Long>) many.get("samplesEventsPerSecond");
      List<Double> ratios = (List<Double>) r.get("samplesSpeedup");
      assertEquals(3, a.size());
      assertEquals(3, b.size());
      assertEquals(3, ratios.size());
      for (int i = 0; i < 3; i++)
        assertEquals(
            (double) b.get(i) / a.get(i),
            ratios.get(i),
            0.002 + 0.001 * ratios.get(i),
            "pair " + i);
      double min = (Double) r.get("speedupMin");
      double med = (Double) r.get("speedup");
      double max = (Double) r.get("speedupMax");
      assertTrue(min > 0 && min <= med && med <= max, r.toString());
      assertEquals(true, r.get("sameHash"));
      // CPU per event, pair by pair (the nodes are this JVM's: its CPU time is all of theirs)
      List<Double> cpu = (List<Double>) r.get("samplesCpuPerEventRatio");
      assertEquals(3, cpu.size());
      assertTrue((Double) r.get("singleNodeCpuNanosPerEvent") > 0, r.toString());
      assertTrue((Double) r.get("clusterCpuNanosPerEvent") > 0, r.toString());
      double cmin = (Double) r.get("cpuPerEventRatioMin");
      double cmed = (Double) r.get("cpuPerEventRatio");
      double cmax = (Double) r.get("cpuPerEventRatioMax");
      assertTrue(cmin > 0 && cmin <= cmed && cmed <= cmax, r.toString());
      assertEquals(one.get("traceSha256"), many.get("traceSha256"));
      assertEquals(16L * 4 * (31 + 1), one.get("events"));
      assertEquals(one.get("events"), many.get("events"));
      assertEquals(2, many.get("nodes"));
      assertTrue((Long) many.get("crossNodeEvents") > 0, many.toString());
    }
  }
}
