package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.NotSerializableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.engine.cluster.ClusterNode;
import org.kernsim.kryo.HostileFrames;
import org.kernsim.models.Models;
import org.kernsim.protocol.cluster.AdmissionCommand;
import org.kernsim.protocol.cluster.NodeCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.kryo.ClusterToken;
import org.kernsim.protocol.kryo.KryoSerializer;
import org.kernsim.protocol.phold.Hop;
import org.kernsim.scenario.Scenario;

/**
 * Hostile frames over TCP: an outside ActorSystem that never joined the cluster sends 120,000
 * random and mutated frames, tagged with kernsim's serializer id, to a live {@code kernsim node} (a
 * separate JVM, with the CLI's logging): half without the cluster token's MAC (a stranger), half
 * with it (a member gone bad: the deserializer itself is attacked), a few large ones on the large
 * lane. The node stays up, logs exactly one line per refused frame (no stack trace), and then runs
 * a scenario with the single-node {@code traceSha256}.
 */
class HostileFramesOverTheWireTest {
  static final int FRAMES = 100_000;
  static final String TOKEN = LocalCluster.TOKEN;

  @Test
  void aNodeSurvivesHostileFramesAndStillRunsWithTheRightHash(@TempDir Path dir) throws Exception {
    long tStart = System.nanoTime();
    Path token = dir.resolve("token");
    Files.writeString(token, TOKEN + "\n");
    // the driver (this JVM), which the node joins and which later runs a scenario on it
    ActorSystem<Void> driver =
        ClusterNode.createSystem(
            ClusterConfig.Role.DRIVER,
            "127.0.0.1",
            0,
            List.of(),
            new ClusterConfig.Security(TOKEN, null),
            null);
    Process node = null;
    ActorTestKit outsider = null;
    // what the node will make of each frame: this JVM's serializer has the same token and limits,
    // so it decodes or refuses exactly the same frames (made while the node starts)
    KryoSerializer oracle =
        (KryoSerializer)
            SerializationExtension.get(Adapter.toClassic(driver))
                .serializerByIdentity()
                .get(KryoSerializer.IDENTIFIER)
                .get();
    java.util.concurrent.CompletableFuture<Frames> pending =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> frames(oracle));
    try {
      var self = Cluster.get(driver).selfMember().address();
      ClusterNode.join(driver, self);
      ClusterNode.start(driver, Models::simulation);
      Path out = dir.resolve("node.out");
      Path err = dir.resolve("node.err");
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.add("-XX:+UseParallelGC");
      // the CLI's logging (CliLogging), though the test classpath also holds logback-test.xml
      cmd.add("-Dkernsim.logging=cli");
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.kernsim.cli.Main"));
      cmd.addAll(
          List.of(
              "node",
              "--port",
              "0",
              "--seed-node",
              "127.0.0.1:" + self.getPort().get(),
              "--token-file",
              token.toString(),
              "--exit-on-stdin-eof"));
      node =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      String nodeAddress = awaitUp(node, out, err);
      awaitMembers(driver, 2);
      System.out.printf("node up and joined after %.1f s%n", (System.nanoTime() - tStart) / 1e9);

      outsider = ActorTestKit.create("kernsim", outsiderConfig());
      long refusedBefore = countRefusalLines(err);
      Frames frames = pending.get(120, TimeUnit.SECONDS);
      var admission =
          Adapter.toClassic(outsider.system())
              .provider()
              .resolveActorRef(nodeAddress + "/system/kernsim-admission");
      var largeLane =
          Adapter.toClassic(outsider.system())
              .provider()
              .resolveActorRef(nodeAddress + "/system/kernsim-node/r0/partition-0");
      long t0 = System.nanoTime();
      for (int i = 0; i < FRAMES; i++) {
        (frames.large[i] ? largeLane : admission)
            .tell(frames.frames[i], org.apache.pekko.actor.ActorRef.noSender());
      }
      long sendNanos = System.nanoTime() - t0;
      long expectedRefusals = frames.refusals;
      // a real challenge after them, on the same lane to the same actor: its answer means the
      // node has read every frame before it
      TestProbe<AdmissionCommand> probe = outsider.createTestProbe();
      Adapter.toTyped(admission)
          .unsafeUpcast()
          .tell(new AdmissionCommand.Challenge(42, probe.ref()));
      AdmissionCommand.Proof proof =
          probe.expectMessageClass(AdmissionCommand.Proof.class, Duration.ofSeconds(120));
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(42, proof.nonce());
      assertEquals(nodeAddress, proof.address());
      assertTrue(node.isAlive(), "the node died");
      System.out.printf(
          "%d hostile frames (queued in %.1f s) read by the node in %.1f s (%.0f frames/s),"
              + " %d refused%n",
          FRAMES, sendNanos / 1e9, seconds, FRAMES / seconds, expectedRefusals);

      // one line per refused frame, no stack traces (logging is asynchronous: wait for it)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long lines;
      while ((lines = countRefusalLines(err) - refusedBefore) < expectedRefusals
          && System.nanoTime() < deadline) Thread.sleep(100);
      Thread.sleep(500);
      lines = countRefusalLines(err) - refusedBefore;
      assertEquals(expectedRefusals, lines, "one log line per refused frame");
      for (String l : Files.readAllLines(err))
        assertTrue(!l.startsWith("\tat ") && !l.startsWith("Caused by"), "a stack trace: " + l);
      assertTrue(expectedRefusals > FRAMES / 2, "most frames are refused: " + expectedRefusals);

      System.out.printf("log lines counted after %.1f s%n", (System.nanoTime() - tStart) / 1e9);
      // the node still serves a run, with the right hash
      Scenario s =
          Models.load("phold", List.of("phold.entities=32", "phold.population=2", "phold.ttl=8"));
      ClusterDriver.Outcome o =
          ClusterDriver.run(
              driver,
              Models::simulation,
              Models.clusterJob(s, s.build()),
              RunOptions.of(3, s.until()),
              ClusterDriver.Target.of(
                  0, 2, KernsimSettings.from(driver.settings().config()).cluster()));
      RunResult one = SequentialDriver.run(s.build(), RunOptions.of(3, s.until()));
      assertEquals(List.of(nodeAddress), o.nodes());
      assertEquals(one.traceSha256(), o.result().traceSha256());
      assertTrue(node.isAlive());
      System.out.printf("run done after %.1f s%n", (System.nanoTime() - tStart) / 1e9);
    } finally {
      if (outsider != null) outsider.shutdownTestKit();
      if (node != null) {
        node.destroyForcibly();
        node.waitFor(10, TimeUnit.SECONDS);
      }
      ClusterNode.shutdown(driver, Duration.ofSeconds(10));
    }
  }

  /** The hostile frames, which of them go on the large lane, and how many the node refuses. */
  record Frames(RawFrame[] frames, boolean[] large, long refusals) {}

  /**
   * {@link #FRAMES} frames: even ones from a stranger (a MAC'd frame altered, or plain Kryo bytes
   * mutated, under either manifest), odd ones from a member gone bad (mutated messages with the
   * right MAC: the deserializer itself is attacked), and every 5000th a large random frame (up to 1
   * MiB) on the large-message lane.
   */
  static Frames frames(KryoSerializer oracle) {
    List<byte[]> corpus = corpus(oracle);
    long seed = Long.getLong("kernsim.test.seed", 11);
    Random r = new Random(seed);
    RawFrame[] frames = new RawFrame[FRAMES];
    boolean[] large = new boolean[FRAMES];
    long refusals = 0;
    for (int i = 0; i < FRAMES; i++) {
      byte[] payload = corpus.get(r.nextInt(corpus.size()));
      RawFrame f;
      if (i % 5000 == 1) {
        large[i] = true;
        f = new RawFrame(ClusterToken.sign(TOKEN, big(r)), "k1a");
      } else if (i % 2 == 0) {
        byte[] bytes =
            i % 4 == 0
                ? HostileFrames.mutate(ClusterToken.sign(TOKEN, payload), corpus, r)
                : HostileFrames.mutate(payload, corpus, r);
        f = new RawFrame(bytes, r.nextBoolean() ? "k1a" : "k1");
      } else {
        f = new RawFrame(ClusterToken.sign(TOKEN, HostileFrames.mutate(payload, corpus, r)), "k1a");
      }
      frames[i] = f;
      if (refuses(oracle, f)) refusals++;
    }
    return new Frames(frames, large, refusals);
  }

  /** Kernsim's serializer id bound to RawFrameSerializer; remote provider: it never joins. */
  static Config outsiderConfig() {
    return ConfigFactory.parseString(
            """
            pekko.actor.provider = remote
            pekko.remote.artery.transport = tcp
            pekko.remote.artery.canonical.hostname = "127.0.0.1"
            pekko.remote.artery.canonical.port = 0
            pekko.remote.artery.large-message-destinations = ["/system/kernsim-node/*/*"]
            pekko.remote.artery.advanced.maximum-large-frame-size = 16 MiB
            pekko.remote.artery.advanced.outbound-message-queue-size = 200000
            pekko.remote.artery.advanced.outbound-large-message-queue-size = 100
            pekko.actor.serializers.kryo = "org.kernsim.cluster.RawFrameSerializer"
            pekko.actor.serialization-bindings { "org.kernsim.cluster.RawFrame" = kryo }
            pekko.loglevel = ERROR
            """)
        .withFallback(ConfigFactory.parseMap(Map.of("kernsim.cluster.auth.token", TOKEN)))
        .withFallback(ConfigFactory.load());
  }

  /** Real messages: every engine, cluster and model class that crosses nodes in a run. */
  static List<byte[]> corpus(KryoSerializer k) {
    List<Object> msgs = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 30; i++)
      events.add(new Event(i, 1, i, 2, new Hop(i), i % 3 == 0 ? "t" : null, i));
    msgs.add(new PartitionCommand.Batch(4, 1, events));
    Map<String, String> settings = new TreeMap<>();
    for (int i = 0; i < 20; i++) settings.put("key." + i, "v\u00e9" + i);
    msgs.add(new NodeCommand.SetupRun("r1", "phold", settings, 7, true, 4, 0, 2, 0, 2, 2048, null));
    msgs.add(new AdmissionCommand.Proof(7, "pekko://kernsim@127.0.0.1:1"));
    msgs.add(new Hop(5));
    msgs.add(List.of(new Hop(1), List.of(new Hop(2), Map.of("a", new int[] {1, 2, 3}))));
    List<byte[]> out = new ArrayList<>();
    for (Object m : msgs) {
      byte[] signed = k.toBinary(m);
      out.add(java.util.Arrays.copyOfRange(signed, ClusterToken.TAG_BYTES, signed.length));
    }
    return out;
  }

  /** A large frame (up to 1 MiB): a long list claim followed by random bytes. */
  static byte[] big(Random r) {
    byte[] b = new byte[(1 << 16) + r.nextInt(1 << 20)];
    r.nextBytes(b);
    b[0] = 23; // ArrayList
    return b;
  }

  static boolean refuses(KryoSerializer oracle, RawFrame f) {
    try {
      oracle.fromBinary(f.bytes(), f.manifest());
      return false;
    } catch (NotSerializableException e) {
      return true;
    }
  }

  static final Pattern UP = Pattern.compile("kernsim node (pekko://\\S+) is up");

  static String awaitUp(Process node, Path out, Path err) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) fail("the node exited: " + Files.readString(err));
      Matcher m = UP.matcher(Files.readString(out));
      if (m.find()) return m.group(1);
      Thread.sleep(100);
    }
    fail("the node did not come up: " + Files.readString(err));
    return null;
  }

  static void awaitMembers(ActorSystem<?> system, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      int up = 0;
      for (var m : Cluster.get(system).state().getMembers())
        if (m.status() == MemberStatus.up()) up++;
      if (up >= n) return;
      if (System.nanoTime() > deadline) fail("the cluster did not form");
      Thread.sleep(50);
    }
  }

  static long countRefusalLines(Path err) throws java.io.IOException {
    try (var lines = Files.lines(err)) {
      return lines.filter(l -> l.contains("Failed to deserialize message")).count();
    }
  }
}
