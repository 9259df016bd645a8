package org.kernsim.cli;

/** Every exit code of the CLI, in one place. */
public final class ExitCodes {
  private ExitCodes() {}

  public static final int OK = 0;

  /** A bug in kernsim (a stack trace is printed with --verbose). */
  public static final int INTERNAL = 1;

  /** Bad input: a scenario file, a key, a value, a flag or a trace file. */
  public static final int BAD_INPUT = 2;

  /** An invariant checker fired. */
  public static final int VIOLATION = 3;

  /** The cluster did not converge, or a node was lost during a run. */
  public static final int CLUSTER = 4;
}
