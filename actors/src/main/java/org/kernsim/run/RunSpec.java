package org.kernsim.run;

import java.nio.file.Path;
import java.util.List;

/**
 * How to run one scenario.
 *
 * @param scenario a file path or a built-in name, as the user wrote it
 * @param overrides {@code key=value} settings, as given to {@code --set}
 * @param seed the run seed
 * @param until virtual-time limit in ns, or -1 for the scenario's {@code scenario.until}
 * @param trace where to write the trace (JSON Lines), or null
 * @param driver {@code actors} (Pekko, the default) or {@code sequential}
 * @param threads dispatcher threads (and partitions) for the actor driver
 * @param stopAtFirstViolation end the run at the first violation
 * @param snapshotAt take a snapshot at the first window boundary at or after this virtual time (-1:
 *     none), written to {@code snapshot}
 * @param snapshot where to write the snapshot, or null
 * @param fromSnapshot go on from the snapshot in this file instead of starting at time 0 (then
 *     {@code scenario}, {@code overrides} and {@code seed} are the snapshot's), or null
 * @param fork run one forked schedule of an exploration (on the sequential driver), or null
 */
public record RunSpec(
    String scenario,
    List<String> overrides,
    long seed,
    long until,
    Path trace,
    String driver,
    int threads,
    boolean stopAtFirstViolation,
    long snapshotAt,
    Path snapshot,
    Path fromSnapshot,
    Fork fork) {

  /**
   * A forked schedule: the seed's run up to {@code forkAt}, then perturbation {@code perturbation}
   * of {@code strategy} (see {@code org.kernsim.engine.schedule.Strategy}); with {@code then} (a
   * coverage-guided schedule's chain, {@code org.kernsim.engine.schedule.guided.Chains}, only with
   * the {@code random} strategy), that up to the next fork time, then its perturbation, and so on.
   */
  public record Fork(
      long forkAt,
      long perturbation,
      org.kernsim.engine.schedule.Strategy strategy,
      List<org.kernsim.engine.schedule.guided.Step> then) {

    public Fork {
      then = List.copyOf(then);
      if (!then.isEmpty() && strategy.kind() != org.kernsim.engine.schedule.Strategy.Kind.RANDOM)
        throw new org.kernsim.scenario.BadInputException(
            "--then-fork: only with --strategy random (a coverage-guided schedule's chain)");
    }

    public Fork(long forkAt, long perturbation, org.kernsim.engine.schedule.Strategy strategy) {
      this(forkAt, perturbation, strategy, List.of());
    }

    /** The whole chain: the first fork, then the others. */
    public List<org.kernsim.engine.schedule.guided.Step> chain() {
      List<org.kernsim.engine.schedule.guided.Step> c = new java.util.ArrayList<>();
      c.add(new org.kernsim.engine.schedule.guided.Step(forkAt, perturbation));
      c.addAll(then);
      return c;
    }
  }

  public RunSpec(
      String scenario,
      List<String> overrides,
      long seed,
      long until,
      Path trace,
      String driver,
      int threads,
      boolean stopAtFirstViolation,
      long snapshotAt,
      Path snapshot,
      Path fromSnapshot) {
    this(
        scenario,
        overrides,
        seed,
        until,
        trace,
        driver,
        threads,
        stopAtFirstViolation,
        snapshotAt,
        snapshot,
        fromSnapshot,
        null);
  }

  public RunSpec(
      String scenario,
      List<String> overrides,
      long seed,
      long until,
      Path trace,
      String driver,
      int threads,
      boolean stopAtFirstViolation) {
    this(
        scenario,
        overrides,
        seed,
        until,
        trace,
        driver,
        threads,
        stopAtFirstViolation,
        -1,
        null,
        null);
  }

  /**
   * Partitions of the actor driver on one node unless asked for more ({@code run --threads}): the
   * kernel models' rounds carry a few events each, and a second partition made every one of them
   * slower on two cores (docs/performance.md, "One partition by default").
   */
  public static final int DEFAULT_PARTITIONS = 1;

  /** A run of {@code scenario} on the actor driver, {@link #DEFAULT_PARTITIONS} partitions. */
  public static RunSpec of(String scenario, long seed, List<String> overrides) {
    return new RunSpec(
        scenario, List.copyOf(overrides), seed, -1, null, "actors", DEFAULT_PARTITIONS, false);
  }

  /**
   * One schedule of an exploration as its replay command runs it: the sequential driver, one
   * thread, no trace file, no snapshot, not stopped at the first violation; {@code fork} null for a
   * plain seed. ({@code until} -1: the scenario's.)
   */
  public static RunSpec schedule(
      String scenario, List<String> overrides, long seed, long until, Fork fork) {
    return new RunSpec(
        scenario, overrides, seed, until, null, "sequential", 1, false, -1, null, null, fork);
  }

  /**
   * Threads that run schedules or repeats at once ({@code explore}, {@code compare}, {@code
   * bench}): the cores.
   */
  public static int defaultThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** The exact command that reruns this seed (or goes on from the same snapshot again). */
  public String replayCommand() {
    if (fromSnapshot != null) {
      StringBuilder sb =
          new StringBuilder("kernsim run --from-snapshot ").append(quote(fromSnapshot.toString()));
      if (until >= 0) sb.append(" --until ").append(org.kernsim.scenario.Durations.format(until));
      return sb.toString();
    }
    StringBuilder sb =
        new StringBuilder("kernsim run ")
            .append(quote(scenario))
            .append(" --seed ")
            .append(Long.toUnsignedString(seed));
    for (String o : overrides) sb.append(" --set ").append(quote(o));
    if (until >= 0) sb.append(" --until ").append(org.kernsim.scenario.Durations.format(until));
    if (fork != null) {
      sb.append(" --fork-at ").append(org.kernsim.scenario.Durations.format(fork.forkAt()));
      sb.append(" --perturb ").append(Long.toUnsignedString(fork.perturbation()));
      if (fork.strategy().kind() != org.kernsim.engine.schedule.Strategy.Kind.RANDOM)
        for (String f : fork.strategy().flags()) sb.append(' ').append(f);
      if (!fork.then().isEmpty()) {
        sb.append(" --then-fork ");
        for (int i = 0; i < fork.then().size(); i++) {
          var st = fork.then().get(i);
          if (i > 0) sb.append(',');
          sb.append(org.kernsim.scenario.Durations.format(st.at()))
              .append('/')
              .append(Long.toUnsignedString(st.perturbation()));
        }
      }
    }
    return sb.toString();
  }

  static String quote(String s) {
    return s.matches("[A-Za-z0-9_./:=,+@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
