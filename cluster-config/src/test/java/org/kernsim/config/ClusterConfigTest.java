package org.kernsim.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.kryo.ClusterToken;

/**
 * ADR 102: system properties override the configuration files (the role file included); the node's
 * own address, seeds and command-line security override system properties.
 */
class ClusterConfigTest {
  private final Map<String, String> set =
      Map.of(
          "pekko.cluster.failure-detector.acceptable-heartbeat-pause", "3s",
          "pekko.remote.artery.canonical.port", "4711",
          "kernsim.cluster.auth.token", "token-from-a-system-property");

  @AfterEach
  void clear() {
    set.keySet().forEach(System::clearProperty);
    ConfigFactory.invalidateCaches();
  }

  @Test
  void systemPropertiesOverrideTheRoleFileAndTheCommandLineOverridesThem() {
    Config before = ClusterConfig.node(ClusterConfig.Role.WORKER, "127.0.0.1", 0, List.of(), null);
    assertEquals(
        Duration.ofSeconds(8),
        before.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"),
        "kernsim-cluster.conf's value without a system property");
    assertEquals("", before.getString("kernsim.cluster.join-tag"));
    // a node's hand-offs on one small pool (docs/performance.md, "One pool for a node's
    // hand-offs"): Artery's streams and Pekko IO's TCP connections on the default dispatcher
    assertEquals(
        "pekko.actor.default-dispatcher",
        before.getString("pekko.remote.artery.advanced.use-dispatcher"));
    assertEquals(
        "pekko.actor.default-dispatcher", before.getString("pekko.io.tcp.worker-dispatcher"));
    // one thread per core, at least 2 (Pekko's own minimum is 8)
    assertEquals(
        2, before.getInt("pekko.actor.default-dispatcher.fork-join-executor.parallelism-min"));
    assertEquals(
        1.0,
        before.getDouble("pekko.actor.default-dispatcher.fork-join-executor.parallelism-factor"));

    set.forEach(System::setProperty);
    ConfigFactory.invalidateCaches();
    Config c = ClusterConfig.node(ClusterConfig.Role.WORKER, "127.0.0.1", 0, List.of(), null);
    assertEquals(
        Duration.ofSeconds(3),
        c.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"),
        "a system property wins over kernsim-cluster.conf");
    assertEquals(0, c.getInt("pekko.remote.artery.canonical.port"), "--port wins");
    assertEquals(List.of("worker"), c.getStringList("pekko.cluster.roles"));
    assertEquals(
        ClusterToken.joinTag("token-from-a-system-property"),
        c.getString("kernsim.cluster.join-tag"),
        "the join tag follows the token that wins");

    Config flagged =
        ClusterConfig.node(
            ClusterConfig.Role.DRIVER,
            "127.0.0.1",
            0,
            List.of("10.0.0.1:2552"),
            new ClusterConfig.Security("token-from-the-command-line", null),
            null);
    assertEquals("token-from-the-command-line", flagged.getString("kernsim.cluster.auth.token"));
    assertNotEquals(
        c.getString("kernsim.cluster.join-tag"), flagged.getString("kernsim.cluster.join-tag"));
    assertEquals(
        List.of("pekko://kernsim@10.0.0.1:2552"),
        flagged.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(List.of("driver"), flagged.getStringList("pekko.cluster.roles"));
    assertFalse(flagged.getBoolean("kernsim.cluster.tls.enabled"));
    assertEquals("tcp", flagged.getString("pekko.remote.artery.transport"));
  }

  /** ADR 108: speculative rounds where they pay by default; off, auto or always, nothing else. */
  @Test
  void speculationIsAutoByDefaultAndRefusesAnythingElse() {
    assertEquals("auto", KernsimSettings.from(ConfigFactory.load()).cluster().speculate());
    for (String v : List.of("off", "auto", "always"))
      assertEquals(
          v,
          KernsimSettings.from(
                  ConfigFactory.parseMap(Map.of("kernsim.cluster.speculate", v))
                      .withFallback(ConfigFactory.load()))
              .cluster()
              .speculate());
    KernsimSettings.BadSetting e =
        org.junit.jupiter.api.Assertions.assertThrows(
            KernsimSettings.BadSetting.class,
            () ->
                KernsimSettings.from(
                    ConfigFactory.parseMap(Map.of("kernsim.cluster.speculate", "on"))
                        .withFallback(ConfigFactory.load())));
    assertEquals("kernsim.cluster.speculate must be off, auto or always, got 'on'", e.getMessage());
  }

  /**
   * The snapshots' share of the wall time: 5 % by default, any share in (0, 1] taken, and a value
   * outside it refused with one line naming the key.
   */
  @Test
  void snapshotMaxShareIsAShareOfTheWallTime() {
    assertEquals(0.05, KernsimSettings.from(ConfigFactory.load()).cluster().snapshotMaxShare());
    assertEquals(
        1.0,
        KernsimSettings.from(
                ConfigFactory.parseMap(Map.of("kernsim.cluster.snapshot-max-share", "1"))
                    .withFallback(ConfigFactory.load()))
            .cluster()
            .snapshotMaxShare());
    for (String v : new String[] {"0", "1.5", "-0.1"}) {
      KernsimSettings.BadSetting e =
          org.junit.jupiter.api.Assertions.assertThrows(
              KernsimSettings.BadSetting.class,
              () ->
                  KernsimSettings.from(
                      ConfigFactory.parseMap(Map.of("kernsim.cluster.snapshot-max-share", v))
                          .withFallback(ConfigFactory.load())));
      assertEquals(
          "kernsim.cluster.snapshot-max-share must be in (0, 1], got " + Double.parseDouble(v),
          e.getMessage());
    }
  }
}
