package org.kernsim.cli;

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
 */
final class Progress implements TraceObserver, AutoCloseable {
  private final ProgressBar bar;
  private final long until;
  private long lastShownWall;

  private Progress(long until) {
    this.until = until;
    this.bar =
        new ProgressBarBuilder()
            .setTaskName("virtual ms")
            .setInitialMax(Math.max(1, until / 1_000_000))
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(200)
            .setConsumer(new ConsoleProgressBarConsumer(System.err))
            .build();
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
    bar.stepTo(Math.min(until, windowEnd) / 1_000_000);
  }

  @Override
  public void finish(long endNanos, EndReason reason) {
    bar.stepTo(bar.getMax());
  }

  @Override
  public void close() {
    bar.close();
  }
}
