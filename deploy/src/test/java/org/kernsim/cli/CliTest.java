package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.run.Ablations;
import org.kernsim.run.RunSpec;

/** The CLI's exit codes and its one-line messages for bad input. */
class CliTest {

  record Out(int code, String out, String err) {}

  static {
    // Logback starts once per JVM, in whichever command logs first; what it prints then (its
    // status,
    // when a reactor build puts another module's logback-test.xml on this classpath) must not land
    // in that command's captured stdout
    org.slf4j.LoggerFactory.getILoggerFactory();
  }

  static synchronized Out cli(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      var cl = Main.commandLine();
      cl.setOut(new java.io.PrintWriter(System.out, true));
      cl.setErr(new java.io.PrintWriter(System.err, true));
      int code = cl.execute(args);
      return new Out(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** Bad input: exit 2, one or two lines on stderr, no stack trace. */
  static void assertBadInput(Out o, String... mentions) {
    assertEquals(ExitCodes.BAD_INPUT, o.code(), "stderr: " + o.err());
    List<String> lines = o.err().lines().filter(l -> !l.isBlank()).toList();
    assertTrue(lines.size() >= 1 && lines.size() <= 2, "expected 1-2 lines, got: " + o.err());
    assertFalse(
        o.err().contains("Exception") || o.err().contains("\tat "), "stack trace: " + o.err());
    for (String m : mentions) assertTrue(o.err().contains(m), "'" + m + "' not in: " + o.err());
  }

  /** A command that exited 0 with {@code --json}: its JSON. */
  static JsonNode okJson(Out o) throws IOException {
    assertEquals(ExitCodes.OK, o.code(), o.err());
    try {
      return new ObjectMapper().readTree(o.out());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + o.out() + "\nstderr: " + o.err(), e);
    }
  }

  /** A run that exited 0 with {@code --json}: its {@code traceSha256}. */
  static String okHash(Out o) throws IOException {
    return okJson(o).get("traceSha256").asText();
  }

  static Path write(Path dir, String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void aMissingScenarioFile(@TempDir Path dir) {
    assertBadInput(cli("run", dir.resolve("nope.conf").toString()), "nope.conf", "not found");
  }

  @Test
  void aSyntaxError(@TempDir Path dir) throws IOException {
    Path f = write(dir, "broken.conf", "scenario {\n  model = phold\n  until = [1s\n");
    assertBadInput(cli("run", f.toString()), "broken.conf", "line");
  }

  @Test
  void anUnknownKeyNamesTheKeyTheLineAndASuggestion(@TempDir Path dir) throws IOException {
    Path f = write(dir, "typo.conf", "scenario.model = phold\nphold.entitys = 3\n");
    assertBadInput(
        cli("run", f.toString()),
        "typo.conf",
        "line 2",
        "phold.entitys",
        "did you mean phold.entities");
  }

  @Test
  void aBadValueInTheFile(@TempDir Path dir) throws IOException {
    Path f = write(dir, "bad.conf", "scenario.model = phold\nphold.entities = -4\n");
    assertBadInput(cli("run", f.toString()), "line 2", "phold.entities", "-4");
  }

  @Test
  void aBadValueOrKeyInSet() {
    assertBadInput(
        cli("run", "phold", "--set", "phold.entities=many"), "phold.entities", "integer");
    assertBadInput(cli("run", "phold", "--set", "phold.lookahead=5 parsecs"), "phold.lookahead");
    assertBadInput(cli("run", "phold", "--set", "nonsense.key=1"), "nonsense.key", "unknown key");
    assertBadInput(cli("run", "phold", "--set", "noequals"), "key=value");
  }

  @Test
  void aBadFlag() {
    assertBadInput(cli("run", "phold", "--frobnicate"), "--frobnicate");
    assertBadInput(cli("run", "phold", "--seed", "seven"), "seven");
    assertBadInput(cli("run", "phold", "--until", "soon"), "--until");
    assertBadInput(cli("explore", "phold", "--seeds", "9..3"), "--seeds");
    assertBadInput(cli("bench", "nosuchbench"), "nosuchbench");
    assertBadInput(cli("bench", "drivers", "--scenario", "machine-stop,nosuch"), "nosuch");
    assertBadInput(
        cli("bench", "drivers", "--set", "scenario.until=soon"), "scenario.until", "soon");
    assertBadInput(cli("bench", "drivers", "--threads", "0"), "--threads");
    assertBadInput(cli("bench", "phold", "--processes"), "--processes", "drivers");
  }

  @Test
  void benchDriversPairsTheActorDriverWithTheSequentialOnEachScenario() throws IOException {
    Out o =
        cli(
            "bench",
            "drivers",
            "--scenario",
            "machine-stop, workqueue-kick-cull",
            "--set",
            "scenario.until=1ms",
            "--repeat",
            "2",
            "--warmup",
            "0",
            "--json");
    JsonNode r = okJson(o);
    assertEquals("drivers", r.get("benchmark").asText());
    assertEquals(1, r.get("partitions").asInt(), "run's default: one partition");
    assertEquals(2, r.get("scenarios").size());
    assertEquals("workqueue-kick-cull", r.get("scenarios").get(1).get("scenario").asText());
    for (JsonNode m : r.get("scenarios")) {
      assertEquals(2, m.get("samplesActorOverSequential").size(), m.toString());
      assertTrue(m.get("actorOverSequentialMin").asDouble() > 0, m.toString());
      String scenario = m.get("scenario").asText();
      assertEquals(
          okHash(cli("run", scenario, "--set", "scenario.until=1ms", "--json", "--no-timeline")),
          m.get("traceSha256").asText(),
          scenario);
    }
  }

  @Test
  void benchDriversWithProcessesTimesFreshRunsOfTheCli() throws IOException {
    Out o =
        cli(
            "bench",
            "drivers",
            "--processes",
            "--scenario",
            "workqueue-kick-cull",
            "--set",
            "scenario.until=20s",
            "--seed",
            "5",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--json");
    JsonNode r = okJson(o);
    assertTrue(r.get("runs").asText().startsWith("each a fresh JVM"), r.toString());
    JsonNode m = r.get("scenarios").get(0);
    assertEquals(1, m.get("samplesActorOverSequential").size(), m.toString());
    // a process's time includes a JVM's start: far more than the few ms of this run in a JVM
    assertTrue(m.get("sequentialMillis").get("min").asDouble() > 100, m.toString());
    assertEquals(
        okHash(
            cli(
                "run",
                "workqueue-kick-cull",
                "--set",
                "scenario.until=20s",
                "--seed",
                "5",
                "--json",
                "--no-timeline")),
        m.get("traceSha256").asText());
    assertTrue(m.get("events").asLong() > 0, m.toString());
  }

  @Test
  void aFreshRunGetsTheLaunchersJvmOptionsAndTheBenchsSpec() {
    assertEquals(
        List.of(
            "-XX:+UseParallelGC",
            "-XX:SharedArchiveFile=/k.jsa",
            "-Dkernsim.config-cache=/k.bin",
            "-Xmx2g",
            "-Xss4m"),
        FreshJvmRuns.jvmOptions(
            List.of(
                "-XX:+UseParallelGC",
                "-Dfoo=bar",
                "-XX:SharedArchiveFile=/k.jsa",
                "-Dkernsim.config-cache=/k.bin",
                "-agentlib:jdwp=transport=dt_socket",
                "-Xmx2g",
                "-Xss4m",
                "-javaagent:x.jar")));
    List<String> cmd =
        FreshJvmRuns.command(
            new RunSpec(
                "machine-stop", List.of("machine.cpus=8"), 9, -1, null, "actors", 2, false));
    int run = cmd.indexOf("run");
    assertEquals(
        List.of(
            "run",
            "machine-stop",
            "--seed",
            "9",
            "--set",
            "machine.cpus=8",
            "--driver",
            "actors",
            "--threads",
            "2",
            "--json",
            "--no-timeline"),
        cmd.subList(run, cmd.size()));
    assertEquals(Main.class.getName(), cmd.get(run - 1));
    assertTrue(cmd.contains("-Dkernsim.logging=cli"), cmd.toString());
    assertFalse(
        FreshJvmRuns.command(new RunSpec("phold", List.of(), 1, -1, null, "sequential", 1, false))
            .contains("--threads"));
  }

  @Test
  void aTraceFileInAMissingDirectoryIsRefusedAndNothingIsWritten(@TempDir Path dir)
      throws IOException {
    Path trace = dir.resolve("no/such/dir/t.jsonl");
    assertBadInput(cli("run", "phold", "--trace", trace.toString()), "--trace", "does not exist");
    try (var s = Files.walk(dir)) {
      assertEquals(1, s.count(), "something was written");
    }
  }

  /** {@code run phold} at seed 3, 16 entities, TTL 4, as JSON, with {@code more} options. */
  private static Out smallPhold(String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "run",
                "phold",
                "--seed",
                "3",
                "--json",
                "--set",
                "phold.entities=16",
                "--set",
                "phold.ttl=4"));
    args.addAll(List.of(more));
    return cli(args.toArray(String[]::new));
  }

  @Test
  void aGoodRunPrintsOneJsonObjectAndWritesItsTrace(@TempDir Path dir) throws IOException {
    Path trace = dir.resolve("t.jsonl");
    Out o = smallPhold("--threads", "2", "--trace", trace.toString());
    JsonNode j = okJson(o);
    for (String k :
        List.of(
            "scenario",
            "seed",
            "settings",
            "events",
            "simulatedNanos",
            "wallMillis",
            "traceSha256",
            "violations",
            "metrics")) {
      assertTrue(j.has(k), "missing " + k + " in " + o.out());
    }
    assertEquals(16 * 16 * 5, j.get("events").asLong());
    assertEquals(16, j.get("settings").get("phold.entities").asInt());
    List<String> lines = Files.readAllLines(trace);
    // header + one line per delivery + the end record
    assertEquals(j.get("events").asLong() + 2, lines.size());
    assertTrue(lines.get(0).contains("\"kind\":\"header\""));
    JsonNode end = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertEquals("end", end.get("kind").asText());
    assertEquals(j.get("events").asLong(), end.get("records").asLong());
    assertEquals(j.get("traceSha256").asText(), end.get("traceSha256").asText());
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "temporary file left behind");
    }
    // the sequential driver gives the same hash
    String seq = okHash(smallPhold("--driver", "sequential"));
    assertEquals(j.get("traceSha256").asText(), seq);
    assertEquals(2, j.get("partitions").asInt(), "--threads 2");
    // the actor driver runs one partition unless asked for more: the same run
    Out one = smallPhold();
    JsonNode k = new ObjectMapper().readTree(one.out());
    assertEquals("actors", k.get("driver").asText());
    assertEquals(1, k.get("partitions").asInt());
    assertEquals(j.get("traceSha256").asText(), k.get("traceSha256").asText());
  }

  @Test
  void traceFilteringExportAndBadTraceFiles(@TempDir Path dir) throws IOException {
    Path trace = dir.resolve("t.jsonl.gz");
    assertEquals(
        ExitCodes.OK,
        cli(
                "run",
                "phold",
                "--set",
                "phold.entities=8",
                "--set",
                "phold.ttl=3",
                "--trace",
                trace.toString())
            .code());
    Out lp3 = cli("trace", trace.toString(), "--at", "lp3", "--json", "--limit", "0");
    assertEquals(ExitCodes.OK, lp3.code(), lp3.err());
    List<String> lines = lp3.out().lines().toList();
    assertFalse(lines.isEmpty());
    for (String l : lines) assertTrue(l.contains("\"at\":\"lp3\""), l);
    Out last = cli("trace", trace.toString(), "--where", "ttl=0", "--json", "--limit", "0");
    assertEquals(8 * 16, last.out().lines().count()); // every event's last hop
    Path chrome = dir.resolve("c.json");
    assertEquals(
        ExitCodes.OK,
        cli("trace", trace.toString(), "--involving", "lp1", "--chrome", chrome.toString()).code());
    JsonNode c = new ObjectMapper().readTree(chrome.toFile());
    assertTrue(c.get("traceEvents").size() > 1);
    Path html = dir.resolve("seq.html");
    assertEquals(
        ExitCodes.OK,
        cli(
                "trace",
                trace.toString(),
                "--involving",
                "lp1,lp2",
                "--html",
                html.toString(),
                "--limit",
                "50")
            .code());
    String page = Files.readString(html);
    assertTrue(
        page.startsWith("<!DOCTYPE html>") && page.contains("<svg") && page.endsWith("</html>\n"));
    // the page's data: one row per record (the page draws the rows on screen)
    assertEquals(50, page.lines().filter(l -> l.matches("\\[\\d+,[012],.*\\],")).count());
    assertTrue(page.contains("\"lp1\"") && page.contains("\"lp2\""), "the lanes");

    Out follow = cli("trace", trace.toString(), "--follow", "lp3", "--json", "--limit", "0");
    assertEquals(ExitCodes.OK, follow.code(), follow.err());
    assertTrue(
        follow.out().lines().count() > lp3.out().lines().count(), "follow adds what lp3 sent");
    for (String l : follow.out().lines().toList()) {
      assertTrue(
          l.contains("\"at\":\"lp3\"") || l.contains("\"src\":\"lp3\"") || l.contains(":3"), l);
    }
    assertBadInput(cli("trace", trace.toString(), "--follow", "nobody"), "--follow", "nobody");
    Path notATrace = write(dir, "x.jsonl", "{\"kind\":\"header\"}\n{\"t\":1}\n");
    assertBadInput(cli("trace", notATrace.toString()), "x.jsonl", "line 2");
    Path garbage = write(dir, "g.jsonl", "hello\n");
    assertBadInput(cli("trace", garbage.toString()), "g.jsonl", "line 1");
    assertBadInput(cli("trace", dir.resolve("missing.jsonl").toString()), "missing.jsonl");
    assertBadInput(cli("trace", trace.toString(), "--kind", "bogus"), "--kind");
  }

  @Test
  void compareReportsEveryVariantAndTheirRatios() throws IOException {
    Out o =
        cli(
            "compare",
            "phold",
            "--vary",
            "phold.population=2,4",
            "--seeds",
            "1..2",
            "--set",
            "phold.entities=8",
            "--set",
            "phold.ttl=3",
            "--json");
    JsonNode j = okJson(o);
    // a per-run figure is the median over the seeds, never their sum (issue 9)
    assertEquals(
        8 * 2 * 4, j.get("variants").get("2").get("metrics").get("expectedEvents").asLong());
    assertEquals(
        org.kernsim.run.Comparison.MEDIAN,
        j.get("variants").get("2").get("metricKinds").get("expectedEvents").asText());
    assertEquals(0.5, j.get("ratios").get("expectedEvents").get("2/4").asDouble(), 1e-9);
    assertBadInput(cli("compare", "phold", "--vary", "phold.population=2"), "at least two values");
    assertBadInput(cli("compare", "phold", "--vary", "phold.populaton=2,3"), "phold.populaton");
  }

  /**
   * run --snapshot-at/--snapshot writes a snapshot and the run goes on to the same hash; run
   * --from-snapshot ends with that hash too; a forked schedule's replay runs; misuse is one line.
   */
  @Test
  void snapshotsAndForkedReplaysFromTheCommandLine(@TempDir Path dir) throws IOException {
    Path snap = dir.resolve("s.snap");
    String hash = okHash(cli("run", "machine-stop", "--seed", "3", "--json"));
    String taking =
        okHash(
            cli(
                "run",
                "machine-stop",
                "--seed",
                "3",
                "--snapshot-at",
                "2500us",
                "--snapshot",
                snap.toString(),
                "--json"));
    assertEquals(hash, taking, "the run that took a snapshot goes on to the same hash");
    assertTrue(Files.size(snap) > 0, "the snapshot is written");
    assertEquals(hash, okHash(cli("run", "--from-snapshot", snap.toString(), "--json")));
    Out forked =
        cli(
            "run",
            "machine-stop",
            "--seed",
            "3",
            "--fork-at",
            "2500us",
            "--perturb",
            "4",
            "--strategy",
            "pct",
            "--json");
    assertEquals(ExitCodes.OK, forked.code(), forked.err());
    assertBadInput(
        cli("run", "machine-stop", "--snapshot-at", "1ms"), "--snapshot-at", "--snapshot");
    assertBadInput(
        cli("run", "machine-stop", "--from-snapshot", snap.toString()), "--from-snapshot");
    assertBadInput(
        cli("explore", "machine-stop", "--seeds", "1..2", "--strategy", "pct"), "--fork-at");
  }

  /**
   * explore --strategy guided prints its guided object and the one run command of its first
   * violation; run --then-fork replays a chain of forks; misuse of either is one line, exit 2.
   */
  @Test
  void guidedExplorationAndChainReplaysFromTheCommandLine() throws IOException {
    Out g =
        cli(
            "explore",
            "workqueue-kick-cull",
            "--seeds",
            "518..530",
            "--until",
            "301s",
            "--strategy",
            "guided",
            "--guided-seed",
            "2",
            "--stop-at-first",
            "--no-timeline",
            "--json");
    assertEquals(ExitCodes.VIOLATION, g.code(), g.err());
    JsonNode j = new ObjectMapper().readTree(g.out());
    assertEquals(2, j.get("guided").get("guidedSeed").asLong());
    assertEquals(1, j.get("schedulesToFirstViolation").asLong(), "seed 518 first");
    assertTrue(
        j.get("firstViolation")
            .get("replay")
            .asText()
            .startsWith("kernsim run workqueue-kick-cull --seed 518"),
        g.out());
    Out chain =
        cli(
            "run",
            "workqueue-kick-cull",
            "--seed",
            "518",
            "--until",
            "301s",
            "--fork-at",
            "300s",
            "--perturb",
            "1",
            "--then-fork",
            "300001ms/2",
            "--json");
    assertTrue(chain.code() == ExitCodes.OK || chain.code() == ExitCodes.VIOLATION, chain.err());
    assertTrue(new ObjectMapper().readTree(chain.out()).has("traceSha256"));
    assertBadInput(
        cli("run", "workqueue-kick-cull", "--seed", "518", "--then-fork", "300001ms/2"),
        "--then-fork");
    assertBadInput(
        cli(
            "run",
            "workqueue-kick-cull",
            "--seed",
            "518",
            "--fork-at",
            "300s",
            "--perturb",
            "1",
            "--then-fork",
            "299s/2"),
        "--then-fork",
        "increase");
    assertBadInput(
        cli(
            "run",
            "workqueue-kick-cull",
            "--seed",
            "518",
            "--fork-at",
            "300s",
            "--perturb",
            "1",
            "--then-fork",
            "301s"),
        "--then-fork");
    assertBadInput(
        cli(
            "explore",
            "workqueue-kick-cull",
            "--seeds",
            "1..2",
            "--strategy",
            "guided",
            "--fork-at",
            "299s"),
        "--strategy guided");
    assertBadInput(
        cli(
            "explore",
            "workqueue-kick-cull",
            "--seeds",
            "1..2",
            "--strategy",
            "guided",
            "--guided-fresh",
            "2"),
        "--guided-fresh");
  }

  /**
   * explore --strategy guided with --swarm and --shrink: the per-subset counts, the violating
   * schedule's subset, the shrinker's account (here a fresh seed, seed 9 with lost wake-ups, {@link
   * Ablations#LOST_WAKEUPS_UNTIL_400S} as {@code --set} flags, whose run is cut at the violation
   * within a budget of two runs), and a replay that names the subset's settings.
   */
  @Test
  void guidedWithSwarmAndShrinkFromTheCommandLine() {
    List<String> args =
        new ArrayList<>(
            List.of(
                "explore",
                "workqueue-kick-cull",
                "--seeds",
                "9..9",
                "--strategy",
                "guided",
                "--swarm",
                "--shrink",
                "--shrink-budget",
                "2"));
    for (String set : Ablations.LOST_WAKEUPS_UNTIL_400S) args.addAll(List.of("--set", set));
    args.add("--no-timeline");
    Out g = cli(args.toArray(String[]::new));
    assertEquals(ExitCodes.VIOLATION, g.code(), g.err());
    assertTrue(g.out().contains("swarm: subsets of the fault plan [delay, drop]"), g.out());
    assertTrue(
        g.out().contains("swarm subset: drop (the others off: faults.delay.probability=0)"),
        g.out());
    assertTrue(
        g.out()
            .contains(
                "shrunk in 2 runs (1 end at the violation): the plain seed -> the plain seed"),
        g.out());
    assertTrue(g.out().contains("  until: the scenario's -> 410000000001ns"), g.out());
    assertTrue(
        g.out()
            .contains(
                "replay: kernsim run workqueue-kick-cull --seed 9 --set faults.drop.probability=0.2"
                    + " --set faults.delay.probability=0 "),
        g.out());
    assertTrue(g.out().contains(" --until 410000000001ns"), g.out());
  }

  @Test
  void htmlReportsOfARunAndOfAComparison(@TempDir Path dir) throws IOException {
    Path run = dir.resolve("run.html");
    Out o = cli("run", "machine-stop", "--seed", "2", "--report", run.toString(), "--json");
    JsonNode j = okJson(o);
    assertEquals(3, j.get("latencies").get("stopMachineNanos").get("count").asLong());
    String page = Files.readString(run);
    assertTrue(
        page.contains("machine-stop") && page.contains(j.get("traceSha256").asText()), "summary");
    assertTrue(
        page.contains("<h3>stopMachineNanos</h3>") && page.contains("<svg"), "latency histogram");
    Path cmp = dir.resolve("cmp.html");
    assertEquals(
        ExitCodes.OK,
        cli(
                "compare",
                "phold",
                "--vary",
                "phold.population=2,4",
                "--set",
                "phold.entities=8",
                "--set",
                "phold.ttl=3",
                "--report",
                cmp.toString())
            .code());
    String c = Files.readString(cmp);
    assertTrue(c.contains("expectedEvents") && c.contains("2/4 = <b>0.500x</b>"), c);
    assertBadInput(
        cli("run", "phold", "--report", dir.resolve("no/dir/r.html").toString()), "does not exist");
  }

  @Test
  void scenariosAndSettingsListWhatTheToolKnows() {
    Out sc = cli("scenarios");
    assertEquals(ExitCodes.OK, sc.code(), sc.err());
    for (String name : org.kernsim.scenario.Scenarios.builtins())
      assertTrue(sc.out().contains(name), name);
    assertTrue(
        sc.out().contains("workqueue-kick-cull") && sc.out().contains("kprobes-bulk-unregister"));
    Out st = cli("settings", "workqueue");
    assertEquals(ExitCodes.OK, st.code(), st.err());
    assertTrue(
        st.out().contains("workqueue.kick")
            && st.out().contains("claim+deferred-wake")
            && st.out().contains("machine.cpus"));
    assertFalse(st.out().contains("kprobes.kernel"), "only the model asked for");
    for (String key :
        List.of(
            "workqueue.highpri-pools",
            "workload.item-cond-resched",
            "hotplug.kernel",
            "faults.hotplug.plan")) {
      assertTrue(st.out().contains(key), key);
    }
    assertBadInput(cli("settings", "nosuchmodel"), "nosuchmodel");
    Out ma = cli("settings", "machine");
    assertEquals(ExitCodes.OK, ma.code(), ma.err());
    for (String key :
        List.of(
            "hotplug.kernel",
            "hotplug.bringup",
            "hotplug.die",
            "faults.hotplug.plan",
            "faults.hotplug.rate",
            "faults.hotplug.downtime",
            "load.stop-machine-call",
            "load.hold")) {
      assertTrue(ma.out().contains(key), key);
    }
  }

  @Test
  void aBadHotplugPlanIsOneLineNamingTheEntry() {
    assertBadInput(
        cli("run", "machine-hotplug", "--set", "faults.hotplug.plan=5ms down 9"),
        "faults.hotplug.plan",
        "5ms down 9",
        "does not exist");
    assertBadInput(
        cli("run", "machine-hotplug", "--set", "hotplug.kernel=v3.8"), "v3.8", "cpu_down() only");
  }

  @Test
  void aViolationIsShownAsAPerCpuTimelineWithItsReplayCommand() {
    Out run = cli("run", "workqueue-kick-cull", "--seed", "518");
    assertEquals(ExitCodes.VIOLATION, run.code(), run.err());
    assertTrue(
        run.out().contains("Timeline of the first violation (NoKickedWorkerCulled)"), run.out());
    assertTrue(
        run.out().contains("| CPU 0") && run.out().contains("set_worker_dying"),
        "per-CPU columns and the cull");
    assertTrue(run.out().contains("replay: kernsim run workqueue-kick-cull --seed 518"));

    Out stranded =
        cli(
            "run",
            "workqueue-kick-cull",
            "--seed",
            "19",
            "--set",
            "workqueue.pick=tail",
            "--timeline-of",
            "NoStrandedWork");
    assertEquals(ExitCodes.VIOLATION, stranded.code());
    assertTrue(
        stranded.out().contains("Timeline of the first violation (NoStrandedWork)"),
        stranded.out());
    assertTrue(
        stranded.out().contains("WORKER_DIE"),
        "the kicked worker dies without looking at the worklist");

    Out explore = cli("explore", "workqueue-kick-cull", "--seeds", "510..520");
    assertEquals(ExitCodes.VIOLATION, explore.code());
    assertTrue(
        explore.out().contains("first violation: schedule 9 (seed 518), NoKickedWorkerCulled"),
        explore.out());
    assertTrue(
        explore.out().contains("| CPU 0")
            && explore.out().contains("replay: kernsim run workqueue-kick-cull --seed 518"));
  }
}
