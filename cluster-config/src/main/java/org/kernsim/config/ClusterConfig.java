package org.kernsim.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import org.kernsim.protocol.kryo.ClusterToken;

/**
 * Builds the configuration of a cluster node. Highest first:
 *
 * <ol>
 *   <li>{@code extra} (tests);
 *   <li>what the command line gave: this node's address and seed nodes, the cluster token, the TLS
 *       file ({@code kernsim.cluster.tls});
 *   <li>system properties ({@code -Dpekko...}, {@code -Dkernsim...}) and, if enabled, environment
 *       overrides — above every file, as ADR 102 says;
 *   <li>the Pekko TLS settings derived from {@code kernsim.cluster.tls};
 *   <li>the role file ({@code kernsim-worker.conf} or {@code kernsim-driver.conf}, which include
 *       {@code kernsim-cluster.conf});
 *   <li>{@code application.conf} and every {@code reference.conf}.
 * </ol>
 *
 * The join tag ({@code kernsim.cluster.join-tag}) is derived from whatever token wins.
 */
public final class ClusterConfig {
  private ClusterConfig() {}

  public enum Role {
    WORKER("kernsim-worker.conf"),
    DRIVER("kernsim-driver.conf");

    final String resource;

    Role(String resource) {
      this.resource = resource;
    }
  }

  /**
   * What secures a node, from the command line.
   *
   * @param token the cluster token (null: whatever the configuration says, by default none)
   * @param tls the {@code kernsim.cluster.tls} settings (a {@code --tls-config} file), or null
   */
  public record Security(String token, Config tls) {
    public static final Security NONE = new Security(null, null);
  }

  /** {@link #node(Role, String, int, List, Security, Config)} without command-line security. */
  public static Config node(
      Role role, String host, int port, List<String> seedNodes, Config extra) {
    return node(role, host, port, seedNodes, Security.NONE, extra);
  }

  /**
   * @param host the canonical (and bind) hostname
   * @param port the port, 0 for any free one
   * @param seedNodes {@code HOST:PORT} of the seed nodes (empty: join programmatically)
   * @param security the token and TLS settings given on the command line
   * @param extra highest-priority overrides (tests: {@code serialize-messages = on}), or null
   */
  public static Config node(
      Role role, String host, int port, List<String> seedNodes, Security security, Config extra) {
    Config reference = ConfigCache.defaultReference();
    Config files =
        ConfigFactory.parseResources(ClusterConfig.class, "/" + role.resource)
            .withFallback(ConfigFactory.defaultApplication())
            .withFallback(reference);
    String system = files.resolve().getString("kernsim.cluster.system-name");
    Config flags =
        ConfigFactory.empty()
            .withValue(
                "pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
            .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
            .withValue(
                "pekko.cluster.seed-nodes",
                ConfigValueFactory.fromIterable(
                    seedNodes.stream().map(s -> "pekko://" + system + "@" + s).toList()));
    if (security.token() != null)
      flags =
          flags.withValue(
              "kernsim.cluster.auth.token", ConfigValueFactory.fromAnyRef(security.token()));
    if (security.tls() != null)
      flags = flags.withFallback(security.tls().atPath("kernsim.cluster.tls"));
    if (extra != null) flags = extra.withFallback(flags);
    Config overrides = ConfigFactory.defaultOverrides();
    Config merged = flags.withFallback(overrides).withFallback(files).resolve();
    Config derived =
        ConfigFactory.empty()
            .withValue(
                "kernsim.cluster.join-tag",
                ConfigValueFactory.fromAnyRef(
                    ClusterToken.joinTag(merged.getString("kernsim.cluster.auth.token"))));
    return derived
        .withFallback(flags)
        .withFallback(overrides)
        .withFallback(Tls.pekkoSettings(merged.getConfig("kernsim.cluster.tls")))
        .withFallback(files)
        .resolve();
  }
}
