package org.kernsim.engine.cluster;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.KernsimSettings;
import org.kernsim.protocol.cluster.NodeCommand;

/**
 * A kernsim cluster node: an ActorSystem with the cluster provider, Kryo, Split Brain Resolver and
 * its role; on a worker, the sharding region of the simulated entities and the node engine.
 */
public final class ClusterNode implements Extension {

  private final ActorSystem<?> system;
  private final ShardedEntities.Region region;
  private final boolean worker;
  private ActorRef<NodeCommand> engine;

  private ClusterNode(ActorSystem<?> system, ShardedEntities.Region region, boolean worker) {
    this.system = system;
    this.region = region;
    this.worker = worker;
  }

  /** The node engine of this system (null on a driver). */
  public synchronized ActorRef<NodeCommand> engine() {
    return engine;
  }

  private synchronized ClusterNode startEngine(SimulationSource source) {
    if (worker && engine == null) {
      engine =
          system.systemActorOf(NodeEngine.create(region, source), NodeEngine.NAME, Props.empty());
    }
    return this;
  }

  private static final ExtensionId<ClusterNode> ID =
      new ExtensionId<>() {
        @Override
        public ClusterNode createExtension(ActorSystem<?> system) {
          Admission.get(system);
          KernsimSettings.Cluster c = KernsimSettings.from(system.settings().config()).cluster();
          boolean worker = Cluster.get(system).selfMember().getRoles().contains(c.workerRole());
          ShardedEntities.Region region = ShardedEntities.init(system, c.workerRole());
          return new ClusterNode(system, region, worker);
        }
      };

  /**
   * Starts kernsim on {@code system} (idempotent): sharding, and on a worker the node engine, which
   * builds each run's simulation with {@code source}.
   */
  public static ClusterNode start(ActorSystem<?> system, SimulationSource source) {
    return ID.apply(system).startEngine(source);
  }

  /** A new ActorSystem for a cluster node (it joins {@code seedNodes}, if any). */
  public static ActorSystem<Void> createSystem(
      ClusterConfig.Role role, String host, int port, List<String> seedNodes, Config extra) {
    return createSystem(role, host, port, seedNodes, ClusterConfig.Security.NONE, extra);
  }

  /**
   * A new ActorSystem for a cluster node with the command line's token and TLS settings (it joins
   * {@code seedNodes}, if any); its {@link Admission} starts at once, before it joins.
   */
  public static ActorSystem<Void> createSystem(
      ClusterConfig.Role role,
      String host,
      int port,
      List<String> seedNodes,
      ClusterConfig.Security security,
      Config extra) {
    Config config = ClusterConfig.node(role, host, port, seedNodes, security, extra);
    String name = config.getString("kernsim.cluster.system-name");
    ActorSystem<Void> system = org.kernsim.engine.actor.ActorDriver.newSystem(name, config);
    Admission.get(system);
    return system;
  }

  /** Joins the cluster whose member is at {@code address} (a node joins itself to start one). */
  public static void join(ActorSystem<?> system, org.apache.pekko.actor.Address address) {
    Admission.get(system);
    Cluster.get(system).manager().tell(Join.create(address));
  }

  /** Waits until this node is Up; false on timeout, or at once when a stop is requested. */
  public static boolean awaitUp(ActorSystem<?> system, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Cluster cluster = Cluster.get(system);
    var terminated = system.getWhenTerminated().toCompletableFuture();
    while (System.nanoTime() < deadline && !org.kernsim.engine.StopRequest.requested()) {
      if (cluster.selfMember().status() == MemberStatus.up()) return true;
      if (terminated.isDone()) return false; // refused (see CoordinatedShutdown's reason)
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return cluster.selfMember().status() == MemberStatus.up();
  }

  /** Stops the system and waits for it (it leaves the cluster first). */
  public static void shutdown(ActorSystem<?> system, Duration timeout) {
    system.terminate();
    try {
      system
          .getWhenTerminated()
          .toCompletableFuture()
          .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // best effort
    }
  }
}
