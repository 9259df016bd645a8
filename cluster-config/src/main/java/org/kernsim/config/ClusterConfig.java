package org.kernsim.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;

/**
 * Builds the configuration of a cluster node: the role file ({@code kernsim-worker.conf} or {@code
 * kernsim-driver.conf}, which include {@code kernsim-cluster.conf}) over the application's
 * configuration and every {@code reference.conf}, with this node's address and seed nodes.
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
   * @param host the canonical (and bind) hostname
   * @param port the port, 0 for any free one
   * @param seedNodes {@code HOST:PORT} of the seed nodes (empty: join programmatically)
   * @param extra highest-priority overrides (tests: {@code serialize-messages = on}), or null
   */
  public static Config node(
      Role role, String host, int port, List<String> seedNodes, Config extra) {
    Config base = ConfigFactory.load();
    String system = base.getString("kernsim.cluster.system-name");
    Config addr =
        ConfigFactory.empty()
            .withValue(
                "pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
            .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
            .withValue(
                "pekko.cluster.seed-nodes",
                ConfigValueFactory.fromIterable(
                    seedNodes.stream().map(s -> "pekko://" + system + "@" + s).toList()));
    Config layered =
        addr.withFallback(ConfigFactory.parseResources(ClusterConfig.class, "/" + role.resource));
    if (extra != null) layered = extra.withFallback(layered);
    return layered.withFallback(base).resolve();
  }
}
