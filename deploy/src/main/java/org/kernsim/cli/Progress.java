package org.kernsim.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.TraceObserver;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * A progress bar on stderr that follows a run's virtual time, window by window (only when stderr is
 * a terminal). The wall clock here only paces the display; the model never sees it.
 *
 * <p>Before the run goes, the bar says what is happening (a cluster forming: nodes started, nodes
 * up); its time left ({@link Eta}) comes from the rate virtual time advanced at over the last
 * seconds of the run itself, so the seconds a cluster took to form, or a slow first stretch, do not
 * make it promise thousands of hours.
 */
final class Progress implements TraceObserver, AutoCloseable {
  private final ProgressBar bar;
  private final long until;
  private final Eta eta;
  private long lastShownWall;
  private volatile boolean going;

  private Progress(long until) {
    this.until = until;
    this.eta = new Eta(until);
    this.bar =
        new ProgressBarBuilder()
            .setTaskName("virtual ms")
            .setInitialMax(Math.max(1, until / 1_000_000))
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(200)
            .setEtaFunction(state -> eta.left(System.nanoTime()))
            // the clock and the stage move while virtual time does not (a cluster forming)
            .continuousUpdate()
            .setConsumer(new ConsoleProgressBarConsumer(System.err))
            .build();
  }

  /**
   * What happens before the run goes ("cluster: 2 of 3 nodes up"), shown beside the bar until the
   * first window completes; null-safe for callers without a bar.
   */
  static void stage(Progress progress, String what) {
    if (progress == null || progress.going) return;
    synchronized (progress) { // the partitions report their stages from their own threads
      progress.bar.setExtraMessage(" " + what);
      progress.bar.refresh();
    }
  }

  /**
   * A progress bar counting {@code max} units of work (runs, repetitions) on stderr, or null when
   * stderr is not a terminal.
   */
  static ProgressBar counter(String task, long max) {
    if (System.console() == null || max <= 0) return null;
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(200)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .build();
  }

  /** A progress bar for a run up to {@code until} ns, or null when stderr is not a terminal. */
  static Progress forRun(long until) {
    if (System.console() == null || until <= 0 || until == Long.MAX_VALUE) return null;
    return new Progress(until);
  }

  @Override
  public void observe(TraceRecord record) {}

  @Override
  public void windowCompleted(long windowEnd) {
    long now = System.nanoTime();
    if (now - lastShownWall < 50_000_000L) return;
    lastShownWall = now;
    if (!going) {
      going = true;
      bar.setExtraMessage("");
    }
    eta.record(now, Math.min(until, windowEnd));
    bar.stepTo(Math.min(until, windowEnd) / 1_000_000);
  }

  @Override
  public void finish(long endNanos, EndReason reason) {
    bar.stepTo(bar.getMax());
    going = false; // what comes after the run (its actors stopping) is shown again
  }

  /** The driver's start and stop stages (entity actors created, started, stopping). */
  @Override
  public void stage(String what) {
    stage(this, what);
  }

  @Override
  public void close() {
    bar.close();
  }

  /**
   * A run's time left: virtual time still to go divided by the rate it advanced at over the last
   * {@value #WINDOW_SECONDS} s of wall time (samples from completed windows only, so nothing before
   * the run's first window counts). Unknown until the run has gone for a second.
   */
  static final class Eta {
    static final int WINDOW_SECONDS = 10;
    private static final long WINDOW = WINDOW_SECONDS * 1_000_000_000L;
    private final long until;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    Eta(long until) {
      this.until = until;
    }

    /** Virtual time {@code virtualNanos} reached at wall time {@code wallNanos}. */
    synchronized void record(long wallNanos, long virtualNanos) {
      samples.addLast(new long[] {wallNanos, virtualNanos});
      // keep one sample at or before the window's start, so the rate spans the whole window
      while (samples.size() > 2) {
        java.util.Iterator<long[]> it = samples.iterator();
        it.next();
        if (wallNanos - it.next()[0] < WINDOW) break;
        samples.removeFirst();
      }
    }

    /** The time left at wall time {@code wallNanos}, or empty while it cannot be told. */
    synchronized Optional<Duration> left(long wallNanos) {
      if (samples.size() < 2) return Optional.empty();
      long[] first = samples.peekFirst();
      long[] last = samples.peekLast();
      long wall = last[0] - first[0];
      long virtual = last[1] - first[1];
      if (last[1] >= until) return Optional.of(Duration.ZERO);
      if (wall < 1_000_000_000L || virtual <= 0) return Optional.empty();
      double nanosLeft = (double) (until - last[1]) * wall / virtual - (wallNanos - last[0]);
      return Optional.of(Duration.ofNanos((long) Math.max(0, Math.min(nanosLeft, 1e18))));
    }
  }
}
