package org.kernsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.kernsim.trace.TraceFile;
import org.kernsim.trace.chrome.ChromeTrace;
import org.kernsim.trace.ftrace.FtraceExport;

/**
 * The exports of one {@code kernsim trace} command, fed every record of the file in one streaming
 * pass (each with whether it matched the filters): Chrome Trace Event JSON, a trace-cmd {@code
 * trace.dat}. Files appear under their names only when complete; a failed export leaves none.
 */
final class TraceExports implements AutoCloseable {
  private final List<String> wrote = new ArrayList<>();
  private ChromeTrace chrome;
  private FtraceExport ftrace;
  private Path chromePath;
  private Path ftracePath;
  private boolean done;

  TraceExports(JsonNode header, Path chromePath, Path ftracePath) {
    try {
      if (chromePath != null) {
        this.chrome = new ChromeTrace(chromePath, header);
        this.chromePath = chromePath;
      }
      if (ftracePath != null) {
        this.ftrace = new FtraceExport(ftracePath, header);
        this.ftracePath = ftracePath;
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  boolean any() {
    return chrome != null || ftrace != null;
  }

  void add(TraceFile.Line l, boolean shown) {
    if (chrome != null) chrome.add(l, shown);
    if (ftrace != null) ftrace.add(l, shown);
  }

  /** Completes every export and returns one line per file written. */
  List<String> finish() {
    if (chrome != null) {
      chrome.close();
      wrote.add(
          "wrote "
              + chromePath
              + " ("
              + chrome.slices()
              + " slices, "
              + chrome.flows()
              + " flow arrows, "
              + chrome.counters()
              + " counter samples; open it in ui.perfetto.dev)");
      chrome = null;
    }
    if (ftrace != null) {
      ftrace.close();
      wrote.add(
          "wrote "
              + ftracePath
              + " ("
              + ftrace.events()
              + " events; read it with 'trace-cmd report "
              + ftracePath
              + "' or KernelShark)");
      ftrace = null;
    }
    done = true;
    return wrote;
  }

  /** Leaves no file behind unless {@link #finish} completed. */
  @Override
  public void close() {
    if (done) return;
    if (chrome != null) chrome.discard();
    if (ftrace != null) ftrace.discard();
    chrome = null;
    ftrace = null;
  }

  /**
   * A progress bar on stderr following the bytes read of a trace file, or null when stderr is not a
   * terminal (the wall clock only paces the display).
   */
  static Progress progress(String task) {
    return System.console() == null ? null : new Progress(task);
  }

  static final class Progress implements TraceFile.ProgressListener, AutoCloseable {
    private final String task;
    private ProgressBar bar;

    Progress(String task) {
      this.task = task;
    }

    @Override
    public void progress(long bytesRead, long totalBytes) {
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(1, totalBytes >> 20))
                .setUnit(" MiB", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
      }
      bar.stepTo(bytesRead >> 20);
    }

    @Override
    public void close() {
      if (bar != null) bar.close();
    }
  }
}
