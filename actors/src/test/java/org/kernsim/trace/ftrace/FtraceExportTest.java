package org.kernsim.trace.ftrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.trace.TraceFile;
import org.kernsim.trace.TraceFixtures;

/**
 * The trace.dat of seed 518, read by the real {@code trace-cmd report} (Debian's trace-cmd; CI
 * installs it, see .ci/run): every event parses, events come in time order, and the race reads as
 * it does in the timeline: the kick of kworker/u:3, the others going idle in front of it, the cull,
 * set_worker_dying on u:3, and the work run by u:0 and u:2.
 */
class FtraceExportTest {

  static Path traceCmd() {
    for (String dir : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      Path p = Path.of(dir, "trace-cmd");
      if (Files.isExecutable(p)) return p;
    }
    Assumptions.assumeTrue(
        System.getenv("CI") == null,
        "trace-cmd is missing, and CI must have it (.ci/run installs it)");
    if (System.getenv("CI") != null) throw new AssertionError("trace-cmd is not installed");
    Assumptions.abort("trace-cmd is not installed (apt-get install trace-cmd)");
    return null;
  }

  static List<String> report(Path dat, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(traceCmd().toString(), "report"));
    cmd.addAll(List.of(args));
    cmd.add(dat.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text.lines().toList();
  }

  @Test
  void traceCmdReportReadsTheRaceInOrder(@TempDir Path dir) throws Exception {
    Path trace = TraceFixtures.seed518();
    Path dat = dir.resolve("t.dat");
    FtraceExport x = new FtraceExport(dat, TraceFile.header(trace));
    TraceFile.read(trace, l -> x.add(l, true));
    x.close();
    assertEquals(0, x.moved(), "no event had to be moved to keep a CPU's buffer in order");

    List<String> lines = report(dat, "-t");
    assertEquals("cpus=4", lines.get(0));
    List<String> events = lines.subList(1, lines.size());
    assertEquals(x.events(), events.size(), "every event written is reported");
    for (String l : events) {
      assertFalse(l.contains("FAILED TO PARSE") || l.contains("[UNKNOWN"), l);
    }
    // in time order, with the simulation's nanoseconds
    java.util.regex.Pattern stamp = java.util.regex.Pattern.compile(".*\\] +(\\d+)\\.(\\d{9}): .*");
    long last = -1;
    for (String l : events) {
      java.util.regex.Matcher m = stamp.matcher(l);
      assertTrue(m.matches(), l);
      long t = Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2));
      assertTrue(t >= last, "out of order: " + l);
      last = t;
    }
    for (String name :
        List.of(
            "sched_switch",
            "sched_waking",
            "sched_wakeup",
            "workqueue_queue_work",
            "workqueue_activate_work",
            "workqueue_execute_start",
            "workqueue_execute_end",
            "kick_pool",
            "worker_enter_idle",
            "set_worker_dying",
            "idle_cull_fn",
            "sched_process_exit"))
      assertTrue(events.stream().anyMatch(l -> l.contains(" " + name + ":")), name);
    // the story, in order
    String[] story = {
      "300.000714770: kick_pool: .* worker=\"kworker/u:3\" worker_pid=\\d+ repeat=0",
      "300.000714770: sched_waking: +comm=kworker/u:3",
      "kworker/u:0-.*worker_enter_idle: .* worker=\"kworker/u:0\"",
      "kworker/u:2-.*worker_enter_idle: .* worker=\"kworker/u:2\"",
      "kworker/u:1-.*workqueue_execute_start: .*function idle_cull_fn",
      "300.001749714: set_worker_dying: .* worker=\"kworker/u:3\"",
      "sched_switch: .* ==> kworker/u:3:",
      "kworker/u:3-.*sched_process_exit: +comm=kworker/u:3",
    };
    int at = 0;
    for (String step : story) {
      java.util.regex.Pattern p = java.util.regex.Pattern.compile(".*" + step + ".*");
      while (at < events.size() && !p.matcher(events.get(at)).matches()) at++;
      assertTrue(at < events.size(), "not found in order: " + step);
    }
    assertTrue(
        events.stream()
            .anyMatch(l -> l.matches(".*300.001749714: print: .*VIOLATION NoKickedWorkerCulled.*")),
        "the violation, as a trace_marker line");
    // the work u:3 was woken for ran on the others: execute_start of kernsim_workload_fn on u:0
    assertTrue(
        events.stream()
            .anyMatch(
                l ->
                    l.contains("kworker/u:0-")
                        && l.contains("300.000714953")
                        && l.contains("workqueue_execute_start")));
    // one buffer per CPU
    for (int cpu = 0; cpu < 4; cpu++) {
      List<String> one = report(dat, "--cpu", String.valueOf(cpu));
      String tag = String.format("[%03d]", cpu);
      assertTrue(one.size() > 10);
      for (String l : one.subList(1, one.size())) assertTrue(l.contains(tag), l);
    }
  }
}
