package org.kernsim.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.cluster.ClusterNode;
import org.kernsim.scenario.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Start a cluster node (role worker) that joins a kernsim cluster and runs its share of the"
          + " runs started with 'kernsim run ... --join HOST:PORT'.",
      "Runs until stopped (Ctrl-C, SIGTERM): it then leaves the cluster.",
      "Every node of a cluster needs the cluster's token (--token-file); a node with another",
      "token is refused. --tls-config FILE encrypts and authenticates the connections.",
      "Exit codes: 0 stopped, 1 internal error, 2 bad input (a bad port, a port in use, an",
      "unreachable seed node, no token, or the cluster refused this node's token), 5 out of memory."
    })
final class NodeCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      paramLabel = "P",
      required = true,
      description = "Port of this node's remoting (0: any free port).")
  String port;

  @Option(
      names = "--seed-node",
      paramLabel = "HOST:PORT",
      description = {
        "A node of the cluster to join (repeatable; default: this node, which starts a new cluster).",
        "The first seed node starts the cluster when it finds no other seed node."
      })
  List<String> seedNodes = new java.util.ArrayList<>();

  @Option(
      names = "--bind",
      paramLabel = "HOST",
      description = "Address to bind and advertise (default: ${DEFAULT-VALUE}).",
      defaultValue = "127.0.0.1")
  String bind;

  @Mixin ClusterSecurityOptions security = new ClusterSecurityOptions();

  @Option(
      names = "--exit-on-stdin-eof",
      hidden = true,
      description = "Exit when standard input closes (a child of 'kernsim run --cluster-nodes').")
  boolean exitOnStdinEof;

  @Override
  public Integer call() throws InterruptedException {
    int p = HostPort.port("--port", port, true);
    List<String> seeds = new java.util.ArrayList<>();
    for (String n : seedNodes) seeds.add(HostPort.parse("--seed-node", n).toString());
    if (seeds.isEmpty() && p == 0)
      throw new BadInputException(
          "--port 0 needs --seed-node (a new cluster's first node needs a known port)");
    if (seeds.isEmpty()) seeds.add(bind + ":" + p);
    ClusterConfig.Security sec = security.required("kernsim node");
    ClusterSecurityOptions.warnIfExposed("--bind", bind, sec.tls() != null);
    KernsimSettings.Cluster s = KernsimSettings.get().cluster();
    ActorSystem<Void> system =
        Nodes.createSystem(ClusterConfig.Role.WORKER, bind, p, seeds, sec, "--port " + p);
    // SIGTERM (and Ctrl-C, except in a child of --cluster-nodes): leave the cluster, exit 0
    java.util.concurrent.atomic.AtomicBoolean stopped =
        new java.util.concurrent.atomic.AtomicBoolean();
    Signals.forNode(
        () -> {
          stopped.set(true);
          ClusterNode.shutdown(system, Duration.ofSeconds(20));
          if (!system.getWhenTerminated().toCompletableFuture().isDone())
            Runtime.getRuntime().halt(ExitCodes.OK);
        },
        exitOnStdinEof);
    if (exitOnStdinEof) {
      // the parent is gone: leave if we can, but do not linger trying to reach it
      Nodes.exitOnStdinEof(
          () -> {
            system.terminate();
            try {
              system
                  .getWhenTerminated()
                  .toCompletableFuture()
                  .get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
              Runtime.getRuntime().halt(ExitCodes.OK);
            }
          });
    }
    if (!ClusterNode.awaitUp(system, s.joinTimeout())) {
      String refused = Nodes.refusal(system);
      ClusterNode.shutdown(system, Duration.ofSeconds(10));
      if (stopped.get()) return ExitCodes.OK;
      if (refused != null)
        throw new BadInputException("--seed-node " + String.join(",", seeds) + ": " + refused);
      throw new BadInputException(
          "--seed-node "
              + String.join(",", seeds)
              + ": could not join a kernsim cluster there within "
              + s.joinTimeout().toSeconds()
              + " s (is a node running at that address?)");
    }
    Nodes.startWorker(system);
    System.out.println(
        "kernsim node "
            + Cluster.get(system).selfMember().address()
            + " is up (role "
            + s.workerRole()
            + ")");
    System.out.flush();
    system.getWhenTerminated().toCompletableFuture().join();
    // this node found that the cluster does not hold its token (it joined, then left)
    var refused = org.kernsim.engine.cluster.Admission.get(system).refused();
    if (!stopped.get() && refused.isDone()) throw new BadInputException(refused.join());
    return ExitCodes.OK;
  }
}
