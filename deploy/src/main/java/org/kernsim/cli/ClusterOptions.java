package org.kernsim.cli;

import org.kernsim.config.ClusterConfig;
import org.kernsim.scenario.BadInputException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a command runs when not on this JVM alone: a local cluster ({@code --cluster-nodes N}) or
 * an existing one ({@code --join HOST:PORT}), with the cluster's token and TLS settings. {@code
 * run} and {@code explore} share these options and their checks.
 */
final class ClusterOptions {

  @Option(
      names = "--cluster-nodes",
      paramLabel = "N",
      description =
          "Run on a local cluster of N JVM processes on 127.0.0.1 (this one and N-1 children).")
  Integer clusterNodes;

  @Option(
      names = "--join",
      paramLabel = "HOST:PORT",
      description =
          "Run on the existing cluster that has a node at HOST:PORT (every worker node takes part).")
  String join;

  @Option(
      names = "--bind",
      paramLabel = "HOST",
      defaultValue = "127.0.0.1",
      description = "Address this process's cluster node binds to (default: ${DEFAULT-VALUE}).")
  String bind;

  @Mixin ClusterSecurityOptions security = new ClusterSecurityOptions();

  private HostPort seedNode;
  private ClusterConfig.Security checked;

  boolean on() {
    return clusterNodes != null || join != null;
  }

  /**
   * Checks the options (bad input: one line, exit 2) and returns the cluster's security (a new
   * token for {@code --cluster-nodes}), or null when not on a cluster.
   */
  ClusterConfig.Security check() {
    if (clusterNodes != null && join != null)
      throw new BadInputException("--cluster-nodes and --join: use one of them");
    if (clusterNodes != null) Nodes.checkLocalCount("--cluster-nodes", clusterNodes);
    seedNode = join == null ? null : HostPort.parse("--join", join);
    ClusterConfig.Security s = null;
    if (seedNode != null) s = security.required("--join");
    else if (clusterNodes != null) {
      if (security.token() != null)
        throw new BadInputException(
            "--cluster-nodes makes its own cluster token; --token and --token-file are for --join");
      s =
          new ClusterConfig.Security(
              org.kernsim.protocol.kryo.ClusterToken.generate(), security.tls());
    } else if (security.token() != null || security.tlsConfig != null) {
      throw new BadInputException(
          "--token, --token-file, --tls-config: only for a cluster run (--cluster-nodes, --join)");
    }
    if (s != null) ClusterSecurityOptions.warnIfExposed("--bind", bind, s.tls() != null);
    checked = s;
    return s;
  }

  HostPort seedNode() {
    return seedNode;
  }

  /**
   * Starts the local cluster or joins the existing one ({@link #check} first); {@code stage} hears
   * how the forming or joining goes ("cluster: 2 of 3 nodes up"; null: nobody).
   */
  Nodes open(java.util.function.Consumer<String> stage) {
    return clusterNodes != null
        ? Nodes.local(clusterNodes, bind, checked, security.tlsConfig, stage)
        : Nodes.join(seedNode, bind, checked, stage);
  }
}
