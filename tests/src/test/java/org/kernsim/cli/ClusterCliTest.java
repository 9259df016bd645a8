package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.cluster.LocalCluster;
import picocli.CommandLine;

/**
 * The cluster options of the CLI: bad input is one line and exit 2; a lost node is one line and
 * exit 4.
 */
class ClusterCliTest {

  record Result(int code, String err) {}

  static Result execute(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, err.toString());
  }

  @Test
  void badClusterInputIsOneLineAndExit2() {
    Result r = execute("run", "phold", "--cluster-nodes", "0");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("kernsim: --cluster-nodes 0: must be >= 1", r.err().strip());
    r = execute("run", "phold", "--cluster-nodes", "2", "--join", "127.0.0.1:25520");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    r = execute("run", "phold", "--join", "nohost");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains("expected HOST:PORT"), r.err());
    r = execute("node", "--port", "70000");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("kernsim: --port 70000: expected a port in 0..65535", r.err().strip());
    r = execute("node", "--port", "0");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
  }

  @Test
  void exploreOnAClusterMisusedIsOneLineAndExit2() {
    Result r = execute("explore", "phold", "--seeds", "1..2", "--cluster-nodes", "0");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("kernsim: --cluster-nodes 0: must be >= 1", r.err().strip());
    r = execute("explore", "phold", "--seeds", "1..2", "--cluster-nodes", "2", "--join", "h:1");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("kernsim: --cluster-nodes and --join: use one of them", r.err().strip());
    r = execute("explore", "phold", "--seeds", "1..2", "--token", LocalCluster.TOKEN);
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals(
        "kernsim: --token, --token-file, --tls-config: only for a cluster run (--cluster-nodes,"
            + " --join)",
        r.err().strip());
    r = execute("explore", "phold", "--seeds", "1..2", "--join", "127.0.0.1:1");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().strip().startsWith("kernsim: --join needs the cluster's token"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void aNodeWithoutTheClustersTokenIsRefusedInOneLine(@TempDir Path dir) throws Exception {
    Result r = execute("node", "--port", "0", "--seed-node", "127.0.0.1:1");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals(
        "kernsim: kernsim node needs the cluster's token: --token-file FILE (the file every node of"
            + " the cluster was started with)",
        r.err().strip());
    r = execute("run", "phold", "--join", "127.0.0.1:1", "--token", "short");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("kernsim: --token: a cluster token has at least 16 characters", r.err().strip());
    r = execute("run", "phold", "--token", LocalCluster.TOKEN);
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains("only for a cluster run"), r.err());
    r = execute("run", "phold", "--no-recover");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains("only for a cluster run"), r.err());
    r = execute("run", "phold", "--cluster-nodes", "2", "--snapshot-every", "-1");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("kernsim: --snapshot-every -1: must be >= 0", r.err().strip());
    Path wrong = dir.resolve("token");
    Files.writeString(wrong, "not-the-cluster-token-0123456789\n");
    try (LocalCluster cluster = LocalCluster.start(1)) {
      var seed = Cluster.get(cluster.system(0)).selfMember().address();
      String at = seed.getHost().get() + ":" + seed.getPort().get();
      for (Result refused :
          List.of(
              execute("node", "--port", "0", "--seed-node", at, "--token-file", wrong.toString()),
              execute("run", "phold", "--join", at, "--token-file", wrong.toString()))) {
        assertEquals(ExitCodes.BAD_INPUT, refused.code(), refused.err());
        List<String> lines = refused.err().strip().lines().toList();
        assertEquals(1, lines.size(), refused.err());
        assertTrue(
            lines
                .get(0)
                .matches(
                    "kernsim: --(seed-node|join) "
                        + at
                        + ": the cluster refused this node: .*token.*"),
            lines.get(0));
      }
    }
  }

  /**
   * {@code explore --join}: a driver joins a 2-node cluster (whose nodes run explore workers) with
   * the cluster's token and spreads seeds 517..519 over it; seed 518 violates, as on one node.
   */
  @Test
  void exploreJoinsAnExistingCluster() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(2)) {
      for (int i = 0; i < 2; i++) org.kernsim.run.ExploreWorker.start(cluster.system(i));
      var seed = Cluster.get(cluster.system(0)).selfMember().address();
      String at = seed.getHost().get() + ":" + seed.getPort().get();
      StringBuilder out = new StringBuilder();
      Result r =
          executeCapturing(
              out,
              "explore",
              "workqueue-kick-cull",
              "--seeds",
              "517..519",
              "--until",
              "301s",
              "--join",
              at,
              "--token",
              LocalCluster.TOKEN,
              "--json",
              "--no-timeline");
      assertEquals(ExitCodes.VIOLATION, r.code(), r.err());
      var json = new ObjectMapper().readTree(out.toString());
      assertEquals(3, json.get("schedulesRun").asLong(), out.toString());
      assertEquals("[518]", json.get("violatingSeedList").toString());
      assertEquals(2, json.get("cluster").get("nodes").asInt(), out.toString());
      assertTrue(r.err().contains("first violation: schedule 2 (seed 518)"), r.err());
    }
  }

  /** Runs the CLI with System.out and System.err captured (warnings go to System.err). */
  static Result executeCapturing(StringBuilder stdout, String... args) {
    java.io.PrintStream out = System.out;
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream e = new java.io.ByteArrayOutputStream();
    try {
      System.setOut(new java.io.PrintStream(o, true));
      System.setErr(new java.io.PrintStream(e, true));
      Result r = execute(args);
      stdout.append(o);
      return new Result(r.code(), e + r.err());
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void tlsSettingsAreCheckedAndACliClusterRunsOverTls(@TempDir Path dir) throws Exception {
    Path conf = org.kernsim.cluster.TestKeystores.make(dir.resolve("tls"), "kernsim-cli");
    Result r = execute("run", "phold", "--cluster-nodes", "2", "--tls-config", "/nonexistent.conf");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals("kernsim: --tls-config /nonexistent.conf: no such file", r.err().strip());
    Path bad = dir.resolve("tls/bad.conf");
    Files.writeString(
        bad,
        "key-store = \"node.p12\"\nkey-store-password = \"wrong\"\n"
            + "trust-store = \"trust.p12\"\ntrust-store-password = \"trust-pass-kernsim-cli\"\n");
    r = execute("run", "phold", "--cluster-nodes", "2", "--tls-config", bad.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(
        r.err().strip().matches("kernsim: --tls-config .*bad.conf: key-store .*node.p12: .*"),
        r.err());
    Files.writeString(bad, "key-store = \"node.p12\"\nkeystore-password = \"x\"\n");
    r = execute("run", "phold", "--cluster-nodes", "2", "--tls-config", bad.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains("unknown key 'keystore-password'"), r.err());

    // --bind to an address that is not loopback, without TLS: a warning (then it cannot bind here)
    StringBuilder out = new StringBuilder();
    r =
        executeCapturing(
            out,
            "run",
            "phold",
            "--join",
            "127.0.0.1:1",
            "--bind",
            "192.0.2.1",
            "--token",
            LocalCluster.TOKEN);
    assertTrue(
        r.err().contains("kernsim: warning: --bind 192.0.2.1 without --tls-config"), r.err());

    // a local cluster over TLS: the children get the file too; the single-node hash
    out = new StringBuilder();
    r =
        executeCapturing(
            out,
            "run",
            "phold",
            "--seed",
            "3",
            "--cluster-nodes",
            "2",
            "--tls-config",
            conf.toString(),
            "--set",
            "phold.entities=32",
            "--set",
            "phold.ttl=8",
            "--json");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    var json = new ObjectMapper().readTree(out.toString());
    assertEquals("tls-tcp", json.get("cluster").get("transport").asText());
    assertEquals(2, json.get("cluster").get("nodes").asInt());
    var s = org.kernsim.models.Models.load("phold", List.of("phold.entities=32", "phold.ttl=8"));
    assertEquals(
        org.kernsim.engine.SequentialDriver.run(
                s.build(), org.kernsim.engine.RunOptions.of(3, s.until()))
            .traceSha256(),
        json.get("traceSha256").asText());
  }

  @Test
  void aLostNodeIsOneLineExit4AndATraceValidUpToTheLastWindow(@TempDir Path dir) throws Exception {
    try (LocalCluster cluster = LocalCluster.start(2)) {
      var seed = Cluster.get(cluster.system(0)).selfMember().address();
      String lost = Cluster.get(cluster.system(1)).selfMember().address().toString();
      Path trace = dir.resolve("t.jsonl");
      CompletableFuture<Result> run =
          CompletableFuture.supplyAsync(
              () ->
                  execute(
                      "run",
                      "machine-stop",
                      "--join",
                      seed.getHost().get() + ":" + seed.getPort().get(),
                      "--token",
                      LocalCluster.TOKEN,
                      "--set",
                      "scenario.until=10s",
                      "--set",
                      "machine.numa-nodes=2",
                      "--trace",
                      trace.toString(),
                      "--no-recover",
                      "--json"));
      // wait until windows are being written, then stop a worker
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (partSize(dir) < 20_000) {
        assertTrue(System.nanoTime() < deadline, "no trace written");
        assertTrue(!run.isDone(), () -> "run ended: " + run.join());
        Thread.sleep(20);
      }
      cluster.kits.get(1).system().terminate();
      Result r = run.get(30, TimeUnit.SECONDS);
      assertEquals(ExitCodes.CLUSTER, r.code(), r.err());
      List<String> lines = r.err().strip().lines().filter(l -> l.startsWith("kernsim:")).toList();
      assertEquals(1, lines.size(), r.err());
      assertTrue(
          lines
              .get(0)
              .matches(
                  "kernsim: node "
                      + java.util.regex.Pattern.quote(lost)
                      + " (left the cluster|became unreachable|.*); last completed window \\d+ \\(virtual time \\d+ ns\\)"),
          lines.get(0));
      ObjectMapper json = new ObjectMapper();
      List<String> records = Files.readAllLines(trace);
      assertTrue(records.size() > 10);
      for (String l : records) json.readTree(l); // every line complete
    }
  }

  private static long partSize(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".part"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }
}
