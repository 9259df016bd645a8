package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.actor.Coordinator;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.engine.cluster.ClusterNode;
import org.kernsim.models.Models;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.scenario.Scenario;

/**
 * Real separate JVM processes on 127.0.0.1: the CLI's local cluster, and a node killed with
 * SIGKILL.
 */
class MultiProcessClusterTest {

  static List<String> java(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java"));
    cmd.add("-XX:+UseParallelGC");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.kernsim.cli.Main");
    cmd.addAll(List.of(args));
    return cmd;
  }

  static int up(ActorSystem<?> system) {
    int n = 0;
    for (var m : Cluster.get(system).state().getMembers()) if (m.status() == MemberStatus.up()) n++;
    return n;
  }

  /** A kernsim setting with a value it cannot take is bad input: one line, exit 2, no output. */
  @Test
  void aBadClusterSettingIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
    List<String> cmd = new ArrayList<>(java("run", "phold", "--cluster-nodes", "2", "--json"));
    cmd.add(1, "-Dkernsim.cluster.speculate=maybe");
    Path out = dir.resolve("out.json");
    Path err = dir.resolve("err.txt");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kernsim run did not stop");
    assertEquals(2, p.exitValue(), Files.readString(err));
    assertEquals(
        List.of("kernsim: kernsim.cluster.speculate must be off, auto or always, got 'maybe'"),
        Files.readAllLines(err));
    assertEquals(0, Files.size(out));
  }

  @Test
  void kernsimRunOnTwoProcessesPrintsTheSingleNodeHash(@TempDir Path dir) throws Exception {
    List<String> sets = List.of("phold.entities=64", "phold.population=4", "phold.ttl=10");
    List<String> args =
        new ArrayList<>(List.of("run", "phold", "--seed", "7", "--cluster-nodes", "2", "--json"));
    for (String s : sets) args.addAll(List.of("--set", s));
    Path out = dir.resolve("out.json");
    Path err = dir.resolve("err.txt");
    // started as the kernsim launcher starts it, with a class-data archive (one that does not
    // exist: the JVM goes on without it, silently) and a configuration cache (this run writes it):
    // the node it starts gets the same options
    String archive = "-XX:SharedArchiveFile=" + dir.resolve("kernsim.jsa");
    Path cacheFile = dir.resolve("kernsim-reference.bin");
    String cache = "-D" + org.kernsim.config.ConfigCache.PROPERTY + "=" + cacheFile;
    List<String> cmd = java(args.toArray(String[]::new));
    cmd.add(1, archive);
    cmd.add(2, cache);
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    boolean nodeHasArchive = false;
    while (p.isAlive() && System.nanoTime() < deadline) {
      // its only descendants are the node JVMs (a command line may be cut after the class path)
      nodeHasArchive |=
          p.descendants()
              .anyMatch(
                  c -> {
                    String line = c.info().commandLine().orElse("");
                    return line.contains(archive) && line.contains(cache);
                  });
      Thread.sleep(50);
    }
    if (!p.waitFor(1, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("kernsim run --cluster-nodes 2 did not finish: " + Files.readString(err));
    }
    assertEquals(0, p.exitValue(), Files.readString(err));
    assertTrue(nodeHasArchive, "the node it started had no " + archive + " or " + cache);
    assertTrue(Files.size(cacheFile) > 10_000, "the configuration cache was written");
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertTrue(printed.startsWith("{"), "not JSON: " + printed.lines().limit(5).toList());
    JsonNode json = new ObjectMapper().readTree(printed);
    Scenario s = Models.load("phold", sets);
    RunResult one = SequentialDriver.run(s.build(), RunOptions.of(7, s.until()));
    assertEquals(one.traceSha256(), json.get("traceSha256").asText());
    assertEquals(one.events(), json.get("events").asLong());
    assertEquals(2, json.get("cluster").get("nodes").asInt());
    assertEquals("cluster", json.get("driver").asText());
    // recovery snapshots: at most one per kernsim.cluster.snapshot-every (1000) rounds
    JsonNode snapshots = json.get("cluster").get("snapshots");
    assertTrue(snapshots != null && snapshots.asLong() >= 0, json.get("cluster").toString());
    assertTrue(snapshots.asLong() <= json.get("cluster").get("rounds").asLong() / 1000);
  }

  /** What a run on 3 nodes (this JVM and two children) did when a child was killed. */
  record Killed(
      ClusterDriver.Outcome outcome,
      Throwable failure,
      long killedAt,
      long windowsAtKill,
      AtomicLong windows,
      AtomicLong repeated,
      AtomicLong pastKillAt,
      Scenario scenario,
      long seed) {}

  /**
   * Runs machine-stop on this JVM and two child JVMs ({@code kernsim node}), kills one child with
   * SIGKILL after 300 windows, and waits up to {@code waitSeconds} for the run to end.
   */
  static Killed killAChildMidRun(Path dir, long snapshotEvery, int waitSeconds) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, LocalCluster.TOKEN + "\n");
    ActorSystem<Void> system =
        ClusterNode.createSystem(
            ClusterConfig.Role.WORKER,
            "127.0.0.1",
            0,
            List.of(),
            new ClusterConfig.Security(LocalCluster.TOKEN, null),
            null);
    List<Process> nodes = new ArrayList<>();
    try {
      var self = Cluster.get(system).selfMember().address();
      ClusterNode.join(system, self);
      ClusterNode.start(system, Models::simulation);
      String seed = "127.0.0.1:" + self.getPort().get();
      for (int i = 0; i < 2; i++) {
        nodes.add(
            new ProcessBuilder(
                    java(
                        "node",
                        "--port",
                        "0",
                        "--seed-node",
                        seed,
                        "--token-file",
                        token.toString(),
                        "--exit-on-stdin-eof"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("node" + i + ".log").toFile())
                .start());
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (up(system) < 3) {
        if (System.nanoTime() > deadline)
          fail("the nodes did not join: " + Files.readString(dir.resolve("node0.log")));
        Thread.sleep(100);
      }
      Scenario s =
          Models.load(
              "machine-stop",
              List.of("machine.cpus=12", "machine.numa-nodes=3", "scenario.until=5ms"));
      AtomicLong windows = new AtomicLong();
      AtomicLong lastEnd = new AtomicLong(-1);
      AtomicLong repeated = new AtomicLong();
      AtomicLong pastKillAt = new AtomicLong(-1);
      AtomicLong killWindows = new AtomicLong(Long.MAX_VALUE);
      TraceObserver progress =
          new TraceObserver() {
            @Override
            public void observe(TraceRecord r) {}

            @Override
            public void windowCompleted(long end) {
              if (end <= lastEnd.getAndSet(end)) repeated.incrementAndGet(); // seen before
              // a window the run had not reached when the node was killed: the run goes on
              if (windows.incrementAndGet() > killWindows.get())
                pastKillAt.compareAndSet(-1, System.nanoTime());
            }
          };
      KernsimSettings.Cluster cs = KernsimSettings.from(system.settings().config()).cluster();
      CompletableFuture<ClusterDriver.Outcome> run =
          CompletableFuture.supplyAsync(
              () ->
                  ClusterDriver.run(
                      system,
                      Models::simulation,
                      Models.clusterJob(s, s.build()),
                      RunOptions.of(3, s.until()).withProgress(progress),
                      // plain rounds: the kill is timed by them (300 of the ~3,000 this run
                      // takes; speculating, ADR 108, it takes about a hundred)
                      ClusterDriver.Target.of(3, 1, cs)
                          .withRecovery(snapshotEvery, true)
                          .withSpeculation(Coordinator.Speculation.OFF)));
      deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (windows.get() < 300) {
        if (run.isDone()) fail("the run ended early: " + run.get().result().endReason());
        if (System.nanoTime() > deadline) fail("no progress");
        Thread.sleep(5);
      }
      Process victim = nodes.get(1);
      long t0 = System.nanoTime();
      victim.destroyForcibly(); // SIGKILL: no goodbye, the node just stops answering
      victim.waitFor(10, TimeUnit.SECONDS);
      // windows already under way when it died may still complete; "past the kill" is beyond them
      long atKill = windows.get();
      killWindows.set(atKill + 2);
      ClusterDriver.Outcome out = null;
      Throwable failure = null;
      try {
        out = run.get(waitSeconds, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause();
      }
      return new Killed(out, failure, t0, atKill, windows, repeated, pastKillAt, s, 3);
    } finally {
      for (Process p : nodes) p.destroyForcibly();
      ClusterNode.shutdown(system, Duration.ofSeconds(10));
      for (Process p : nodes) p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Without a snapshot (none taken yet, or --no-recover) a lost node ends the run: exit 4. */
  @Test
  void aKilledNodeStopsARunWithoutASnapshotWithin30Seconds(@TempDir Path dir) throws Exception {
    Killed k = killAChildMidRun(dir, 0, 30);
    long millis = (System.nanoTime() - k.killedAt()) / 1_000_000;
    Coordinator.RunFailed f = assertInstanceOf(Coordinator.RunFailed.class, k.failure());
    System.out.println("killed node detected in " + millis + " ms: " + f.describe());
    assertEquals(Coordinator.Cause.CLUSTER, f.failure());
    assertTrue(millis < 30_000);
    assertTrue(
        f.describe()
            .matches(
                "node pekko://kernsim@127\\.0\\.0\\.1:\\d+ (became unreachable|.*); last completed window \\d+ .*"),
        f.describe());
    // rounds (ADR 006): the observers may see more than one step of virtual time per round
    assertTrue(f.lastCompletedWindow() > 0, f.describe());
  }

  /**
   * With snapshots, the two survivors of a SIGKILL go on from the last one — they take over the
   * lost node's partitions — and the run ends with the uninterrupted run's traceSha256.
   */
  @Test
  void aKilledNodesShareGoesOnElsewhereToTheSameHash(@TempDir Path dir) throws Exception {
    Killed k = killAChildMidRun(dir, 50, 120);
    if (k.failure() != null) throw new AssertionError("the run failed", k.failure());
    ClusterDriver.Outcome out = k.outcome();
    RunResult one =
        SequentialDriver.run(k.scenario().build(), RunOptions.of(k.seed(), k.scenario().until()));
    assertEquals(one.traceSha256(), out.result().traceSha256());
    assertEquals(one.events(), out.result().events());
    // the rounds of a run are each driver's own (ADR 006); what the observers see is not repeated
    assertEquals(0, k.repeated().get(), "the observers saw a stretch of virtual time twice");
    assertEquals(1, out.recoveries().size());
    assertEquals(2, out.nodes().size());
    ClusterDriver.Recovery r = out.recoveries().get(0);
    assertTrue(r.resumedNanos() > r.noticedNanos());
    assertTrue(k.pastKillAt().get() > 0);
    System.out.printf(
        "kill -9 at window %d: noticed after %d ms, the run went on (its first window from the"
            + " snapshot of window %d on %d nodes) after %d ms, past the point of the kill after"
            + " %d ms; %d windows in all%n",
        k.windowsAtKill(),
        (r.noticedNanos() - k.killedAt()) / 1_000_000,
        r.snapshotWindow(),
        r.nodes(),
        (r.resumedNanos() - k.killedAt()) / 1_000_000,
        (k.pastKillAt().get() - k.killedAt()) / 1_000_000,
        one.windows());
  }
}
