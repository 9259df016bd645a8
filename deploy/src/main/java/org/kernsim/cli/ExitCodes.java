package org.kernsim.cli;

/**
 * Every exit code of the CLI, in one place; the README's exit-code table lists the same, per
 * command.
 */
public final class ExitCodes {
  private ExitCodes() {}

  /** Success ({@code node}: stopped by SIGTERM or SIGINT). */
  public static final int OK = 0;

  /** A bug in kernsim (a stack trace is printed with --verbose). */
  public static final int INTERNAL = 1;

  /**
   * Bad input: a scenario file, a key, a value, a flag, a trace file, an output path that cannot be
   * written (also when writing fails during the run: a full disk, a removed directory), a port in
   * use.
   */
  public static final int BAD_INPUT = 2;

  /** An invariant checker fired. */
  public static final int VIOLATION = 3;

  /** The cluster did not form, a node was lost during a run, or the run stalled. */
  public static final int CLUSTER = 4;

  /** The Java heap was exhausted (give the JVM more with -Xmx, or run a smaller scenario). */
  public static final int OUT_OF_MEMORY = 5;

  /** Stopped by SIGINT (Ctrl-C): 128 + 2. */
  public static final int INTERRUPTED = 130;

  /** Stopped by SIGTERM: 128 + 15. */
  public static final int TERMINATED = 143;
}
