package org.kernsim.engine;

/** Why a run ended. */
public enum EndReason {
  /** Nothing was left to do: no event pending anywhere. */
  QUIESCENT,
  /** The virtual-time limit was reached. */
  LIMIT,
  /** An invariant was violated and the run was asked to stop at the first one. */
  VIOLATION,
  /**
   * A stop was requested ({@link StopRequest}: SIGINT or SIGTERM); the run ended after its last
   * completed window. Checkers give no end-of-run verdicts and a trace file is not published.
   */
  INTERRUPTED,
  /**
   * The run was asked to stop once it had taken its snapshot (the prefix of a forked exploration):
   * the checkers' end-of-run checks did not run.
   */
  SNAPSHOT;

  public String json() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
