package org.kernsim.engine;

/**
 * The process's request to stop: set once by the CLI when it receives SIGINT or SIGTERM, polled by
 * the drivers at each window boundary (a run then ends with {@link EndReason#INTERRUPTED}), by the
 * explorer between seeds, and by every wait of the CLI. Process-wide, like the signal that sets it;
 * the model never reads it (an interrupted run is cut short, never changed).
 */
public final class StopRequest {
  private StopRequest() {}

  private static volatile String signal;

  /** True once a stop was requested. */
  public static boolean requested() {
    return signal != null;
  }

  /** What asked to stop ({@code SIGINT}, {@code SIGTERM}), or null. */
  public static String signal() {
    return signal;
  }

  /** Asks every run of this process to stop at its next window; the first request wins. */
  public static synchronized void request(String what) {
    if (signal == null) signal = what;
  }

  /** Forgets the request (tests that request a stop in a shared JVM). */
  public static synchronized void clear() {
    signal = null;
  }

  /** Throws {@link Stopped} if a stop was requested: for waits that have no window to end at. */
  public static void check() {
    String s = signal;
    if (s != null) throw new Stopped(s);
  }

  /** A wait or a loop gave up because a stop was requested; the CLI exits 130 or 143. */
  public static final class Stopped extends RuntimeException {
    private final String signal;

    public Stopped(String signal) {
      super("interrupted by " + signal, null, false, false);
      this.signal = signal;
    }

    public String signal() {
      return signal;
    }
  }
}
