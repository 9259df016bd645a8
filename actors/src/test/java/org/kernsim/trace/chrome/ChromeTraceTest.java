package org.kernsim.trace.chrome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.trace.TraceFile;
import org.kernsim.trace.TraceFixtures;

/**
 * The Chrome Trace Event JSON of seed 518: the kick, the worker left on the idle list, the cull and
 * the work run by others, as slices and arrows; every flow has a start and an end; slices nest.
 */
class ChromeTraceTest {

  private record Ev(JsonNode e, String track) {
    long ts() {
      return nanos(e.get("ts").asText());
    }

    long end() {
      return ts() + nanos(e.path("dur").asText("0"));
    }

    String name() {
      return e.path("name").asText();
    }

    String cat() {
      return e.path("cat").asText();
    }
  }

  static long nanos(String micros) {
    return new java.math.BigDecimal(micros).movePointRight(3).longValueExact();
  }

  @Test
  void seed518AsSlicesArrowsAndCounters(@TempDir Path dir) throws IOException {
    Path trace = TraceFixtures.seed518();
    Path out = dir.resolve("t.json");
    ChromeTrace ct = new ChromeTrace(out, TraceFile.header(trace));
    long[] messages = {0};
    TraceFile.read(
        trace,
        l -> {
          ct.add(l, true);
          if (l.kind().equals("msg") && !l.at().equals(l.src())) messages[0]++;
        });
    ct.close();
    assertEquals(0, ct.unplacedSends());

    JsonNode root = new ObjectMapper().readTree(out.toFile());
    Map<String, String> threads = new HashMap<>(); // pid/tid -> name
    Map<String, String> processes = new HashMap<>();
    for (JsonNode e : root.get("traceEvents")) {
      if (!e.path("ph").asText().equals("M")) continue;
      if (e.get("name").asText().equals("thread_name"))
        threads.put(e.get("pid") + "/" + e.get("tid"), e.get("args").get("name").asText());
      if (e.get("name").asText().equals("process_name"))
        processes.put(e.get("pid").asText(), e.get("args").get("name").asText());
    }
    assertTrue(
        processes.values().containsAll(List.of("CPUs", "kworkers", "worker pools", "violations")),
        processes.toString());
    List<Ev> slices = new ArrayList<>();
    Map<Long, List<Ev>> flows = new HashMap<>();
    List<Ev> counters = new ArrayList<>();
    List<Ev> violations = new ArrayList<>();
    for (JsonNode e : root.get("traceEvents")) {
      String track = threads.get(e.path("pid") + "/" + e.path("tid"));
      Ev ev = new Ev(e, track);
      switch (e.get("ph").asText()) {
        case "X" -> {
          slices.add(ev);
          if (e.has("bind_id"))
            flows.computeIfAbsent(e.get("bind_id").asLong(), k -> new ArrayList<>()).add(ev);
        }
        case "C" -> counters.add(ev);
        case "i" -> {
          if (e.path("s").asText().equals("g")) violations.add(ev);
        }
        default -> {}
      }
    }
    // one arrow per message between two entities, each with one start and one end
    assertEquals(messages[0], flows.size());
    for (List<Ev> f : flows.values()) {
      assertEquals(2, f.size());
      Ev out1 =
          f.stream().filter(x -> x.e().path("flow_out").asBoolean()).findFirst().orElseThrow();
      Ev in1 = f.stream().filter(x -> x.e().path("flow_in").asBoolean()).findFirst().orElseThrow();
      assertTrue(out1.ts() <= in1.ts(), "an arrow goes forward in time");
    }
    // the kick: pool-u wakes kworker/u:3 at 300.000714770 (an arrow from pool-u's track)
    long kick = 300_000_714_770L;
    assertTrue(
        flows.values().stream()
            .anyMatch(
                f ->
                    f.stream().anyMatch(x -> x.track().equals("pool-u") && x.ts() == kick)
                        && f.stream()
                            .anyMatch(
                                x -> x.track().equals("kworker/u:3") && x.name().equals("WakeUp"))),
        "the kick's wake-up arrow");
    // the worker left on the idle list: kicked at the kick, still there at the cull
    long cull = 300_001_749_714L;
    Ev kicked =
        slices.stream()
            .filter(
                s -> s.track().equals("kworker/u:3") && s.cat().equals("kick") && s.ts() == kick)
            .findFirst()
            .orElseThrow();
    assertTrue(kicked.end() >= cull, "kicked until " + kicked.end());
    assertTrue(
        slices.stream()
            .anyMatch(
                s ->
                    s.track().equals("kworker/u:3")
                        && s.cat().equals("idle")
                        && s.ts() < kick
                        && s.end() >= cull),
        "on the idle list across the kick and the cull");
    // the cull: idle_cull_work on kworker/u:1, running when set_worker_dying hits u:3
    assertTrue(
        slices.stream()
            .anyMatch(
                s ->
                    s.track().equals("kworker/u:1")
                        && s.name().equals("idle_cull_work(pool-u)")
                        && s.ts() <= cull
                        && s.end() >= cull),
        "the cull as a work item slice");
    // the work run by others: workload/3#10 on kworker/u:0, #11 on kworker/u:2
    assertTrue(
        slices.stream()
            .anyMatch(s -> s.track().equals("kworker/u:0") && s.name().equals("workload/3#10")));
    assertTrue(
        slices.stream()
            .anyMatch(s -> s.track().equals("kworker/u:2") && s.name().equals("workload/3#11")));
    // what ran on the CPUs: u:0 on cpu0 while it ran #10; u:3 only once, just before it died
    assertTrue(
        slices.stream()
            .anyMatch(
                s ->
                    s.track().equals("cpu0")
                        && s.name().equals("kworker/u:0")
                        && s.ts() <= kick
                        && s.end() > kick));
    assertTrue(
        slices.stream()
            .anyMatch(
                s -> s.track().equals("cpu0") && s.name().equals("kworker/u:3") && s.ts() > cull));
    // counters of pool-u, and the violation as a global instant
    assertTrue(
        counters.stream()
            .anyMatch(
                c ->
                    c.name().equals("pool-u")
                        && c.e().get("args").has("nr_idle")
                        && c.e().get("args").has("worklist")));
    assertEquals(1, violations.size(), "one violation");
    assertTrue(violations.get(0).e().get("args").get("message").asText().contains("kworker/u:3"));
    assertNested(slices);
  }

  @Test
  void stopMachinePhasesAndTheCpusItHolds(@TempDir Path dir) throws IOException {
    Path trace = TraceFixtures.machineStop();
    Path out = dir.resolve("m.json");
    ChromeTrace ct = new ChromeTrace(out, TraceFile.header(trace));
    TraceFile.read(trace, l -> ct.add(l, true));
    ct.close();
    JsonNode root = new ObjectMapper().readTree(out.toFile());
    List<Ev> slices = new ArrayList<>();
    long maxHeld = 0;
    long lastHeld = -1;
    int irqsOff = 0;
    for (JsonNode e : root.get("traceEvents")) {
      if (e.get("ph").asText().equals("X"))
        slices.add(new Ev(e, e.get("pid") + "/" + e.get("tid")));
      if (e.get("ph").asText().equals("C")
          && e.get("name").asText().equals("CPUs held by stop_machine")) {
        lastHeld = e.get("args").get("cpus").asLong();
        maxHeld = Math.max(maxHeld, lastHeld);
      }
      if (e.path("name").asText().equals("interrupts off")) irqsOff++;
    }
    int cpus = TraceFile.header(trace).get("settings").get("machine.cpus").asInt();
    assertEquals(cpus, maxHeld, "every CPU held at once");
    assertEquals(0, lastHeld, "and released");
    assertTrue(irqsOff >= cpus, "an interrupts-off stretch per CPU and stop_machine");
    for (String phase : List.of("PREPARE", "DISABLE_IRQ", "RUN", "EXIT"))
      assertTrue(slices.stream().anyMatch(s -> s.name().equals(phase)), phase);
    assertNested(slices);
  }

  /** On every track, slices nest: none starts inside another and ends after it. */
  static void assertNested(List<Ev> slices) {
    Map<String, List<Ev>> byTrack = new HashMap<>();
    for (Ev s : slices)
      byTrack
          .computeIfAbsent(s.e().get("pid") + "/" + s.e().get("tid"), k -> new ArrayList<>())
          .add(s);
    for (Map.Entry<String, List<Ev>> t : byTrack.entrySet()) {
      List<Ev> l = t.getValue();
      l.sort(
          Comparator.comparingLong(Ev::ts)
              .thenComparing(Comparator.comparingLong(Ev::end).reversed()));
      java.util.ArrayDeque<Ev> stack = new java.util.ArrayDeque<>();
      for (Ev s : l) {
        while (!stack.isEmpty()
            && stack.peek().end() <= s.ts()
            && !(stack.peek().end() == s.ts() && s.end() == s.ts() && stack.peek().ts() == s.ts()))
          stack.pop();
        if (!stack.isEmpty())
          assertTrue(
              s.end() <= stack.peek().end(),
              "track "
                  + t.getKey()
                  + ": "
                  + s.name()
                  + " ["
                  + s.ts()
                  + ", "
                  + s.end()
                  + "] overlaps "
                  + stack.peek().name()
                  + " ["
                  + stack.peek().ts()
                  + ", "
                  + stack.peek().end()
                  + "]");
        stack.push(s);
      }
    }
  }
}
