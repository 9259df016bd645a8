package org.kernsim.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.cluster.ClusterNode;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;

/**
 * The cluster a CLI command runs on: this process as a node, and either N-1 child JVMs on 127.0.0.1
 * ({@code --cluster-nodes N}) or an existing cluster ({@code --join HOST:PORT}). Closing it stops
 * the children (also on failure and Ctrl-C) and this node.
 */
final class Nodes implements AutoCloseable {
  final ActorSystem<Void> system;
  private final List<Process> children = new ArrayList<>();
  private final Path logs;
  private final Thread hook;
  private boolean keepLogs;

  private Nodes(ActorSystem<Void> system, Path logs) {
    this.system = system;
    this.logs = logs;
    this.hook =
        new Thread(
            () -> {
              killChildren();
              deleteLogs();
            },
            "kernsim-nodes-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Most nodes of a local cluster: each is a JVM on this machine (with its own heap and threads),
   * so more would only exhaust the machine; larger clusters are 'kernsim node' on several machines.
   */
  static final int MAX_LOCAL_NODES = 32;

  /** A {@code --cluster-nodes} count, checked: 1..{@value #MAX_LOCAL_NODES}. */
  static void checkLocalCount(String flag, int n) {
    if (n < 1) throw new BadInputException(flag + " " + n + ": must be >= 1");
    if (n > MAX_LOCAL_NODES)
      throw new BadInputException(
          flag
              + " "
              + n
              + ": at most "
              + MAX_LOCAL_NODES
              + " (each local node is a JVM on this machine; for a larger cluster start"
              + " 'kernsim node' on several machines and run with --join)");
  }

  /**
   * A local cluster of {@code n} nodes: this JVM and n-1 children started with 'kernsim node'. The
   * children get the cluster's token on their standard input (not on their command line, where 'ps'
   * would show it) and {@code tlsConfig}, if any.
   */
  static Nodes local(int n, String bind, ClusterConfig.Security security, Path tlsConfig) {
    return local(n, bind, security, tlsConfig, what -> {});
  }

  /** As {@link #local}, telling {@code stage} how the forming goes ("cluster: 2 of 3 nodes up"). */
  static Nodes local(
      int n,
      String bind,
      ClusterConfig.Security security,
      Path tlsConfig,
      java.util.function.Consumer<String> stage) {
    checkLocalCount("--cluster-nodes", n);
    if (stage == null) stage = what -> {};
    stage.accept("cluster: starting this node");
    KernsimSettings.Cluster s = KernsimSettings.get().cluster();
    ActorSystem<Void> system =
        createSystem(ClusterConfig.Role.WORKER, bind, 0, List.of(), security, "--cluster-nodes");
    Path logs;
    try {
      logs = Files.createTempDirectory("kernsim-cluster-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a log directory: " + e.getMessage(), e);
    }
    Nodes nodes = new Nodes(system, logs);
    try {
      var self = Cluster.get(system).selfMember().address();
      ClusterNode.join(system, self);
      String seed = self.getHost().get() + ":" + self.getPort().get();
      for (int i = 1; i < n; i++) {
        StopRequest.check();
        stage.accept("cluster: starting node JVM " + i + " of " + (n - 1));
        nodes.startChild(i, seed, bind, s, security.token(), tlsConfig);
      }
      nodes.awaitMembers(n, s.localStartTimeout(), stage);
      stage.accept("cluster: " + n + " of " + n + " nodes up");
      startWorker(system);
      return nodes;
    } catch (RuntimeException e) {
      nodes.keepLogs = true;
      nodes.close();
      throw e;
    }
  }

  /**
   * Starts kernsim on a worker node: the node engine (its share of cluster runs) and the explore
   * worker (its batches of cluster explorations).
   */
  static void startWorker(ActorSystem<?> system) {
    ClusterNode.start(system, Models::simulation);
    org.kernsim.run.ExploreWorker.start(system);
  }

  /**
   * This JVM joins the cluster at {@code seed} as a driver (it hosts no partition), telling {@code
   * stage} how the joining goes (null: nobody).
   */
  static Nodes join(
      HostPort seed,
      String bind,
      ClusterConfig.Security security,
      java.util.function.Consumer<String> stage) {
    if (stage == null) stage = what -> {};
    stage.accept("cluster: joining " + seed);
    KernsimSettings.Cluster s = KernsimSettings.get().cluster();
    ActorSystem<Void> system =
        createSystem(
            ClusterConfig.Role.DRIVER, bind, 0, List.of(seed.toString()), security, "--join");
    Nodes nodes = new Nodes(system, null);
    if (!ClusterNode.awaitUp(system, s.joinTimeout())) {
      String refused = refusal(system);
      nodes.close();
      StopRequest.check();
      if (refused != null) throw new BadInputException("--join " + seed + ": " + refused);
      throw new BadInputException(
          "--join "
              + seed
              + ": could not join a kernsim cluster there within "
              + s.joinTimeout().toSeconds()
              + " s (is 'kernsim node' running at that address?)");
    }
    stage.accept("cluster: joined " + seed);
    ClusterNode.start(system, Models::simulation);
    return nodes;
  }

  /**
   * Why the cluster refused this node, if it did: Pekko's join check found another join tag (a
   * different token), this node's admission found that the cluster does not hold its token, or the
   * cluster downed it (it did not prove the token in time). Null otherwise.
   */
  static String refusal(ActorSystem<?> system) {
    var admission = org.kernsim.engine.cluster.Admission.get(system).refused();
    if (admission.isDone()) return admission.join();
    var reason =
        org.apache.pekko.actor.CoordinatedShutdown.get(
                org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
            .getShutdownReason();
    if (reason.isEmpty()) return null;
    if (reason.get()
        == org.apache.pekko.actor.CoordinatedShutdown.incompatibleConfigurationDetectedReason())
      return "the cluster refused this node: its cluster token (or its cluster settings) differ"
          + " from the cluster's";
    if (reason.get() == org.apache.pekko.actor.CoordinatedShutdown.clusterDowningReason())
      return "the cluster removed this node (it did not prove the cluster's token, or it was"
          + " unreachable)";
    return null;
  }

  static ActorSystem<Void> createSystem(
      ClusterConfig.Role role,
      String bind,
      int port,
      List<String> seeds,
      ClusterConfig.Security security,
      String option) {
    try {
      // a fatal error (the heap exhausted) stops the system instead of exiting the JVM with a
      // stack trace: the CLI reports it in one line (Fatal)
      return ClusterNode.createSystem(
          role,
          bind,
          port,
          seeds,
          security,
          com.typesafe.config.ConfigFactory.parseString("pekko.jvm-exit-on-fatal-error = off"));
    } catch (RuntimeException e) {
      Throwable t = e;
      while (t.getCause() != null) t = t.getCause();
      throw new BadInputException(
          option
              + ": cannot start a cluster node on "
              + bind
              + ":"
              + port
              + " ("
              + t.getMessage()
              + ")");
    }
  }

  /**
   * What a child of the same class path starts from as this JVM did: its class-data archive ({@code
   * -XX:SharedArchiveFile}) and its configuration cache ({@code -Dkernsim.config-cache}), both of
   * which the {@code kernsim} launcher gives.
   */
  static List<String> startCaches() {
    List<String> options = new ArrayList<>();
    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-XX:SharedArchiveFile="))
        .forEach(options::add);
    String cache = System.getProperty(org.kernsim.config.ConfigCache.PROPERTY);
    if (cache != null) options.add("-D" + org.kernsim.config.ConfigCache.PROPERTY + "=" + cache);
    return options;
  }

  private void startChild(
      int i, String seed, String bind, KernsimSettings.Cluster s, String token, Path tlsConfig) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java");
    String cp =
        Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(p -> new File(p).getAbsolutePath())
            .reduce((a, b) -> a + File.pathSeparator + b)
            .orElse("");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(s.localNodeJvmOptions());
    cmd.addAll(startCaches());
    cmd.addAll(
        List.of(
            "-cp",
            cp,
            Main.class.getName(),
            "node",
            "--port",
            "0",
            "--seed-node",
            seed,
            "--bind",
            bind,
            "--token-stdin",
            "--exit-on-stdin-eof"));
    if (tlsConfig != null)
      cmd.addAll(List.of("--tls-config", tlsConfig.toAbsolutePath().toString()));
    Path log = logs.resolve("node-" + i + ".log");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      children.add(p);
      // the token on the child's stdin (which stays open: its end tells the child we are gone)
      p.getOutputStream().write((token + "\n").getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().flush();
    } catch (IOException e) {
      throw new ClusterUnavailable("cannot start node " + i + " (" + java + "): " + e.getMessage());
    }
  }

  private void awaitMembers(int n, Duration timeout, java.util.function.Consumer<String> stage) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String role = KernsimSettings.get().cluster().workerRole();
    int shown = -1;
    while (true) {
      int up = 0;
      for (Member m : Cluster.get(system).state().getMembers())
        if (m.status() == MemberStatus.up() && m.hasRole(role)) up++;
      if (up >= n) return;
      if (up != shown) {
        shown = up;
        stage.accept("cluster: " + up + " of " + n + " nodes up");
      }
      StopRequest.check();
      for (int i = 0; i < children.size(); i++) {
        Process p = children.get(i);
        if (!p.isAlive()) {
          throw new ClusterUnavailable(
              "node "
                  + (i + 1)
                  + " exited with code "
                  + p.exitValue()
                  + " before joining (log: "
                  + logs.resolve("node-" + (i + 1) + ".log")
                  + ")");
        }
      }
      if (System.nanoTime() > deadline) {
        throw new ClusterUnavailable(
            "the cluster did not converge: "
                + up
                + " of "
                + n
                + " nodes up after "
                + timeout.toSeconds()
                + " s (logs: "
                + logs
                + ")");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ClusterUnavailable("interrupted while the cluster formed");
      }
    }
  }

  void keepLogs() {
    keepLogs = true;
  }

  Path logs() {
    return logs;
  }

  private void killChildren() {
    for (Process p : children) p.destroy(); // SIGTERM: the node leaves the cluster
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(8);
    for (Process p : children) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) p.destroyForcibly();
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }

  @Override
  public void close() {
    killChildren();
    ClusterNode.shutdown(system, Duration.ofSeconds(15));
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
    deleteLogs();
  }

  /**
   * CPU time used so far by this JVM and the children it started (their user and system time, as
   * the operating system counts it), in nanoseconds: what a local cluster's run costs in CPU, all
   * nodes together, whatever else the machine runs.
   */
  long cpuNanos() {
    long t = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
    for (Process p : children)
      t += p.toHandle().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
    return t;
  }

  /** The children's logs are kept (and named) only when the cluster did not form. */
  private void deleteLogs() {
    if (logs == null || keepLogs || !Files.exists(logs)) return;
    try (Stream<Path> files = Files.walk(logs)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException e) {
      // best effort
    }
  }

  /** In a child node: exit when the parent goes away (its end of our stdin closes). */
  static void exitOnStdinEof(Runnable onEof) {
    Thread t =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                  // ignore input
                }
              } catch (IOException e) {
                // closed
              }
              onEof.run();
            },
            "kernsim-parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
