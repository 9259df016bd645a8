package org.kernsim.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import javax.management.NotificationEmitter;
import org.kernsim.trace.OutputFiles;

/**
 * The CLI's last line of defence against a dying JVM: the heap running out, or a fatal error on a
 * thread kernsim does not own (Pekko's dispatchers). Either ends the process with one line and a
 * documented exit code (5 out of memory, 1 internal error) after removing temporary files and
 * stopping child nodes (the shutdown hooks), never with Pekko's "Uncaught error ... shutting down"
 * and a stack trace (shown too with {@code --verbose}), and never by hanging in a JVM that can no
 * longer allocate.
 *
 * <ul>
 *   <li>The heap: the old generation's usage after a collection is watched (a JMX threshold at
 *       {@value #OLD_GEN_LIMIT_PERCENT} % of its maximum); crossing it means the live data no
 *       longer fits, and the process stops before the collector thrashes.
 *   <li>Fatal errors: Pekko prints "Uncaught error from thread" on standard error before it shuts
 *       down; standard error is watched for that line, which is replaced by kernsim's own.
 * </ul>
 *
 * Errors thrown where kernsim can catch them (the CLI's thread, a run's actors: {@code
 * FatalErrors}) are reported by {@link Main} the same way.
 */
final class Fatal {
  private Fatal() {}

  /** Old-generation use after a collection, in percent of its maximum, that counts as exhausted. */
  static final int OLD_GEN_LIMIT_PERCENT = 97;

  private static PrintStream stderr = System.err;
  private static volatile boolean installed;
  private static volatile boolean exiting;
  private static volatile int exitCode;

  /**
   * Heap held back for the way out: released first when the heap runs out, so that removing the
   * temporary files and starting the exit have room to allocate (without it they sometimes fail and
   * a temporary file is left).
   */
  private static volatile byte[] reserve;

  /**
   * The threads that end the process, made up front: when they are needed the heap may have no room
   * for a new Thread (the JVM then reports an OutOfMemoryError thrown from the handler).
   */
  private static final Thread HALT =
      new Thread(
          () -> {
            try {
              Thread.sleep(10_000);
            } catch (InterruptedException e) {
              // exit now
            }
            Runtime.getRuntime().halt(exitCode);
          },
          "kernsim-halt");

  private static final Thread EXIT = new Thread(() -> System.exit(exitCode), "kernsim-exit");

  static {
    HALT.setDaemon(true);
  }

  /**
   * Installs both watches (only {@link Main#main}: tests run commands in-process); with {@code
   * verbose}, Pekko's report and its stack trace are shown too.
   */
  static void install(boolean verbose) {
    installed = true;
    reserve = new byte[1 << 20];
    stderr = System.err;
    System.setErr(
        new PrintStream(new Sentinel(stderr, verbose, Fatal::exit), true, StandardCharsets.UTF_8));
    // a thread with no handler of its own (a logger's cleaner, a JDK thread) that dies of a JVM
    // error would get the JVM's "Exception in thread ..." and a stack trace on standard error,
    // also while the process is already ending with kernsim's line: it ends the process the same
    // way instead (a second call while exiting prints nothing); other throwables keep the JVM's
    // default report
    Thread.UncaughtExceptionHandler jvm = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> {
          if (e instanceof OutOfMemoryError) {
            try {
              if (verbose) e.printStackTrace(stderr);
              exit(outOfMemoryLine(), ExitCodes.OUT_OF_MEMORY);
            } catch (Throwable again) {
              // no room even for that: the line is out (or another thread's is), end now
              try {
                OutputFiles.deleteTemporaries();
              } finally {
                Runtime.getRuntime().halt(ExitCodes.OUT_OF_MEMORY);
              }
            }
          } else if (e instanceof VirtualMachineError) {
            if (verbose) e.printStackTrace(stderr);
            exit(
                "kernsim: internal error: "
                    + e
                    + " on thread ["
                    + thread.getName()
                    + "]"
                    + (verbose ? "" : " (run again with --verbose for the stack trace)"),
                ExitCodes.INTERNAL);
          } else if (jvm != null) {
            jvm.uncaughtException(thread, e);
          } else {
            // as ThreadGroup.uncaughtException() prints it (calling it would come back here)
            System.err.print("Exception in thread \"" + thread.getName() + "\" ");
            e.printStackTrace(System.err);
          }
        });
    watchHeap();
  }

  /**
   * The one line for the heap exhausted, made (and encoded) once, up front: when it is needed the
   * heap may have no room left for making it.
   */
  private static final String OUT_OF_MEMORY_LINE =
      "kernsim: out of memory: the run needs more than this JVM's "
          + Runtime.getRuntime().maxMemory() / (1024 * 1024)
          + " MiB heap; give it more (KERNSIM_JAVA_OPTS=-Xmx8g ./kernsim ...) or make the scenario"
          + " smaller";

  private static final byte[] OUT_OF_MEMORY_BYTES =
      (OUT_OF_MEMORY_LINE + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);

  /** The one line for the heap exhausted. */
  static String outOfMemoryLine() {
    return OUT_OF_MEMORY_LINE;
  }

  /**
   * True for the one caller that is to print the process's last line: the first while the watches
   * are installed (a heap exhausted on several threads at once, or caught by {@link Main} while a
   * watch reports it too, is one line), always in-process (tests, no watches).
   */
  static boolean claimLastLine() {
    if (!installed) return true;
    reserve = null;
    synchronized (Fatal.class) {
      if (exiting) return false;
      exiting = true;
      return true;
    }
  }

  /** Prints the out-of-memory line without building it (or anything else) on the heap. */
  static void printOutOfMemoryLine(PrintStream err) {
    err.write(OUT_OF_MEMORY_BYTES, 0, OUT_OF_MEMORY_BYTES.length);
    err.flush();
  }

  /**
   * Ends the process with {@code line} and {@code code}: the shutdown hooks run (temporary files,
   * child nodes) on a thread of their own, and a JVM too short of memory to finish them is halted.
   */
  static void exit(String line, int code) {
    reserve = null;
    synchronized (Fatal.class) {
      if (exiting) return;
      exiting = true;
    }
    try {
      if (line == OUT_OF_MEMORY_LINE) printOutOfMemoryLine(stderr);
      else {
        stderr.println(line);
        stderr.flush();
      }
      OutputFiles.deleteTemporaries();
    } catch (Throwable t) {
      // printing or deleting failed: exit anyway
    }
    exitCode = code;
    HALT.start();
    EXIT.start();
  }

  private static void watchHeap() {
    boolean watched = false;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      // the old generation is the heap pool with both thresholds (eden and survivor have one)
      if (pool.getType() != MemoryType.HEAP
          || !pool.isUsageThresholdSupported()
          || !pool.isCollectionUsageThresholdSupported()) continue;
      long max = pool.getUsage().getMax();
      if (max <= 0) continue;
      pool.setCollectionUsageThreshold(max / 100 * OLD_GEN_LIMIT_PERCENT);
      watched = true;
    }
    if (!watched) return;
    ((NotificationEmitter) ManagementFactory.getMemoryMXBean())
        .addNotificationListener(
            (n, handback) -> {
              if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(n.getType()))
                exit(outOfMemoryLine(), ExitCodes.OUT_OF_MEMORY);
            },
            null,
            null);
    // the threshold alone lets a heap whose live data hovers just below it thrash: full
    // collections back to back, each reclaiming almost nothing (measured: 20 of them over 10 s in
    // a 64 MiB heap before the old generation crossed 97 %)
    Thrash thrash = new Thrash();
    for (java.lang.management.GarbageCollectorMXBean gc :
        ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter)
        emitter.addNotificationListener(
            (n, handback) -> {
              if (!com.sun.management.GarbageCollectionNotificationInfo
                  .GARBAGE_COLLECTION_NOTIFICATION
                  .equals(n.getType())) return;
              var info =
                  com.sun.management.GarbageCollectionNotificationInfo.from(
                      (javax.management.openmbean.CompositeData) n.getUserData());
              if (thrash.thrashing(info)) exit(outOfMemoryLine(), ExitCodes.OUT_OF_MEMORY);
            },
            null,
            null);
    }
  }

  /**
   * Thrashing: the last {@value #THRASH_COLLECTIONS} major collections each left the old generation
   * above {@value #THRASH_PERCENT} % of its maximum and together took more than half of the time
   * from the first one's start to the last one's end. A run whose live data fits with room to spare
   * never meets it; one that does can no longer make progress.
   */
  static final class Thrash {
    static final int THRASH_COLLECTIONS = 4;
    static final int THRASH_PERCENT = 90;
    private final long[] start = new long[THRASH_COLLECTIONS];
    private final long[] end = new long[THRASH_COLLECTIONS];
    private int n;

    synchronized boolean thrashing(com.sun.management.GarbageCollectionNotificationInfo info) {
      if (!info.getGcAction().contains("major")) return false;
      var gc = info.getGcInfo();
      boolean full = false;
      for (var e : gc.getMemoryUsageAfterGc().entrySet()) {
        java.lang.management.MemoryUsage u = e.getValue();
        if (!isOld(e.getKey()) || u.getMax() <= 0) continue;
        full = u.getUsed() * 100 > u.getMax() * THRASH_PERCENT;
      }
      return record(full, gc.getStartTime(), gc.getEndTime());
    }

    /** Adds one major collection (times in ms); true when the last ones thrash. */
    synchronized boolean record(boolean oldFull, long startMs, long endMs) {
      if (!oldFull) {
        n = 0;
        return false;
      }
      System.arraycopy(start, 1, start, 0, THRASH_COLLECTIONS - 1);
      System.arraycopy(end, 1, end, 0, THRASH_COLLECTIONS - 1);
      start[THRASH_COLLECTIONS - 1] = startMs;
      end[THRASH_COLLECTIONS - 1] = endMs;
      if (++n < THRASH_COLLECTIONS) return false;
      long busy = 0;
      for (int i = 0; i < THRASH_COLLECTIONS; i++) busy += end[i] - start[i];
      long span = Math.max(1, end[THRASH_COLLECTIONS - 1] - start[0]);
      return busy * 2 > span;
    }

    private static boolean isOld(String pool) {
      return pool.contains("Old") || pool.contains("Tenured");
    }
  }

  /**
   * Standard error, watched for Pekko's fatal-error report ("Uncaught error from thread [...]:
   * MESSAGE, shutting down ..."): the report and everything after it is dropped, and the process
   * ends with kernsim's one line.
   */
  static final class Sentinel extends FilterOutputStream {
    private static final byte[] MARK =
        "Uncaught error from thread [".getBytes(StandardCharsets.US_ASCII);
    private final StringBuilder line = new StringBuilder();
    private final boolean verbose;
    private final java.util.function.ObjIntConsumer<String> onFatal;
    private int matched;
    private boolean dropping;
    private boolean reported;

    /**
     * @param onFatal ends the process with (line, exit code)
     */
    Sentinel(OutputStream out, boolean verbose, java.util.function.ObjIntConsumer<String> onFatal) {
      super(out);
      this.verbose = verbose;
      this.onFatal = onFatal;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      if (dropping) {
        if (verbose) out.write(b);
        collect(b);
        return;
      }
      if (b == MARK[matched]) {
        if (++matched == MARK.length) {
          dropping = true;
          line.setLength(0);
          if (verbose) out.write(MARK);
        }
        return;
      }
      if (matched > 0) {
        out.write(MARK, 0, matched); // a prefix that did not complete the mark
        matched = 0;
        if (b == MARK[0]) {
          matched = 1;
          return;
        }
      }
      out.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      for (int i = 0; i < len; i++) write(b[off + i]);
    }

    /** The rest of Pekko's first line says what failed; then the process ends. */
    private void collect(int b) {
      if (reported) return;
      if (b != '\n' && line.length() < 400) {
        line.append((char) b);
        return;
      }
      String what = line.toString();
      line.setLength(0);
      reported = true;
      boolean memory =
          what.contains("heap space")
              || what.contains("GC overhead")
              || what.contains("OutOfMemoryError")
              || what.contains("Metaspace")
              || what.contains("unable to create native thread");
      if (memory) onFatal.accept(outOfMemoryLine(), ExitCodes.OUT_OF_MEMORY);
      else
        onFatal.accept(
            "kernsim: internal error: a fatal error on thread ["
                + what.replaceFirst(", shutting down.*$", "")
                + (verbose ? "" : " (run again with --verbose for the stack trace)"),
            ExitCodes.INTERNAL);
    }
  }
}
