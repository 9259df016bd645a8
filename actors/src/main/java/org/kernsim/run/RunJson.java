package org.kernsim.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.scenario.Scenario;

/** The run JSON object printed by {@code kernsim run --json}. */
public final class RunJson {
  private RunJson() {}

  /** Each recorded histogram's count and percentiles, in nanoseconds. */
  public static Map<String, Object> latencies(RunResult r) {
    Map<String, Object> out = new LinkedHashMap<>();
    r.histograms()
        .forEach(
            (name, h) -> {
              Map<String, Object> x = new LinkedHashMap<>();
              x.put("count", h.getTotalCount());
              x.put("min", h.getMinValue());
              x.put("p50", h.getValueAtPercentile(50));
              x.put("p90", h.getValueAtPercentile(90));
              x.put("p99", h.getValueAtPercentile(99));
              x.put("p999", h.getValueAtPercentile(99.9));
              x.put("max", h.getMaxValue());
              x.put("mean", Math.round(h.getMean()));
              out.put(name, x);
            });
    return out;
  }

  public static Map<String, Object> of(Scenario scenario, RunSpec spec, RunResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", scenario.name());
    m.put("seed", spec.seed());
    m.put("settings", scenario.settings().effective());
    m.put("events", r.events());
    m.put("simulatedNanos", r.simulatedNanos());
    m.put("wallMillis", r.wallMillis());
    m.put("traceSha256", r.traceSha256());
    m.put("endReason", r.endReason().json());
    m.put("windows", r.windows());
    m.put("driver", spec.driver());
    if (spec.driver().equals("actors") || spec.driver().equals("partitions"))
      m.put("partitions", spec.threads()); // each on a thread of its own (run --threads)
    List<Map<String, Object>> vs = new ArrayList<>();
    for (Violation v : r.violations()) {
      Map<String, Object> vm = new LinkedHashMap<>();
      vm.put("checker", v.checker());
      vm.put("atNanos", v.atNanos());
      vm.put("entity", v.entity());
      vm.put("message", v.message());
      vs.add(vm);
    }
    m.put("violations", vs);
    m.put("metrics", r.metrics());
    m.put("latencies", latencies(r));
    if (!r.violations().isEmpty()) m.put("replay", spec.replayCommand());
    return m;
  }
}
