package org.kernsim.cli;

import java.util.concurrent.TimeUnit;
import org.kernsim.engine.StopRequest;
import sun.misc.Signal;

/**
 * SIGINT (Ctrl-C) and SIGTERM in the CLI. A command that can stop cleanly ({@link #graceful}: run,
 * explore, compare, trace) is asked to: the first signal sets the process's {@link StopRequest},
 * runs end after their current window, the command prints what it has, removes its temporary files
 * and exits 130 (SIGINT) or 143 (SIGTERM). A second signal, or a command that has nothing to finish
 * (bench, the listings), exits at once with the same code; the shutdown hooks then remove temporary
 * files and stop child nodes. Should a graceful stop take longer than {@link #GRACE_SECONDS}, the
 * process exits the same way, saying so.
 *
 * <p>{@code kernsim node} handles the signals itself ({@link #forNode}): it leaves its cluster and
 * exits 0, as its help says.
 */
final class Signals {
  private Signals() {}

  /** How long a graceful stop may take before the process exits anyway. */
  static final int GRACE_SECONDS = 30;

  private static volatile boolean installed;
  private static volatile boolean graceful;

  /** Installs the CLI's handlers (only {@link Main#main} does: tests run commands in-process). */
  static void install() {
    installed = true;
    handle("INT", () -> onSignal("INT"));
    handle("TERM", () -> onSignal("TERM"));
  }

  /** The running command stops at its next window (it polls {@link StopRequest}). */
  static void graceful() {
    graceful = true;
  }

  /** The exit code of the requested stop: 130 for SIGINT, 143 for SIGTERM. */
  static int exitCode() {
    return exitCode(StopRequest.signal());
  }

  static int exitCode(String signal) {
    return "SIGINT".equals(signal) ? ExitCodes.INTERRUPTED : ExitCodes.TERMINATED;
  }

  private static void onSignal(String name) {
    String signal = "SIG" + name;
    boolean first = !StopRequest.requested();
    StopRequest.request(signal);
    int code = exitCode();
    if (first && graceful) {
      System.err.println(
          "kernsim: "
              + signal
              + ": stopping after the current window ("
              + signal
              + " again to stop at once)");
      Thread watchdog =
          new Thread(
              () -> {
                try {
                  TimeUnit.SECONDS.sleep(GRACE_SECONDS);
                } catch (InterruptedException e) {
                  return;
                }
                exitNow(
                    code,
                    "kernsim: did not stop within "
                        + GRACE_SECONDS
                        + " s of "
                        + signal
                        + "; exiting");
              },
              "kernsim-stop-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      return;
    }
    exitNow(code, "kernsim: interrupted by " + StopRequest.signal());
  }

  /** Exits now; the shutdown hooks remove temporary files and stop child nodes. */
  static void exitNow(int code, String message) {
    if (message != null) System.err.println(message);
    System.err.flush();
    System.out.flush();
    System.exit(code);
  }

  /**
   * {@code kernsim node}: SIGTERM (and SIGINT, unless {@code ignoreInt}) runs {@code leave}, which
   * stops the node; a second signal exits at once. A child node of {@code --cluster-nodes} ignores
   * SIGINT: Ctrl-C reaches the whole process group, and the parent stops its children itself.
   */
  static void forNode(Runnable leave, boolean ignoreInt) {
    installed = true;
    Runnable once =
        new Runnable() {
          private boolean left;

          @Override
          public synchronized void run() {
            if (left) exitNow(ExitCodes.OK, null);
            left = true;
            new Thread(leave, "kernsim-node-leave").start();
          }
        };
    handle("TERM", once);
    if (ignoreInt) handle("INT", () -> {});
    else handle("INT", once);
  }

  static boolean installed() {
    return installed;
  }

  private static void handle(String name, Runnable r) {
    try {
      Signal.handle(new Signal(name), s -> r.run());
    } catch (IllegalArgumentException e) {
      // the signal is reserved (-Xrs) or ignored by our parent: keep the JVM's behaviour
    }
  }
}
