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
    if (!r.violations().isEmpty()) m.put("replay", spec.replayCommand());
    return m;
  }
}
